"""A 200-function project, past one CloudFormation stack's quotas, deploys to the local cloud as
a root stack with nested stacks, and lives its whole life there as a user would see it: its
functions answer through their triggers and directly, a code edit goes the quick way, a change
of the project file the full way, removing functions shrinks or removes nested stacks (the
functions that must change stack move), and destroy removes every stack.
"""

from __future__ import annotations

import contextlib
import io
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.synth.big_project import write_big_project, write_handler
from tether import load_project
from tether.cloud import Cloud
from tether.deploy.destroy import destroy
from tether.deploy.execute import StackEvent
from tether.deploy.pipeline import deploy, open_target
from tether.deploy.stack import read_stack
from tether.synth import synthesize_stacks

NAME = "nest"
STACK = f"{NAME}-dev"


def wait_for(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@contextlib.contextmanager
def recorded_calls(cloud: Cloud) -> Iterator[Counter[str]]:
    """The API calls made through `cloud` (the one a deploy of this process uses) meanwhile,
    by "service.Operation"."""
    calls: Counter[str] = Counter()

    def record(event_name: str, **kwargs: Any) -> None:
        calls[event_name.removeprefix("before-call.")] += 1

    clients = [cloud.client(service) for service in ("cloudformation", "lambda", "s3", "sts")]
    for client in clients:
        client.meta.events.register("before-call", record)
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", record)


def count_functions(cloud: Cloud) -> int:
    pages = cloud.client("lambda").get_paginator("list_functions").paginate()
    return sum(len(page["Functions"]) for page in pages)


def other_code(function: str) -> bytes:
    """A code zip whose `function` answers "from elsewhere"."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            f"app/{function}.py", "def handler(event, context):\n    return 'from elsewhere'\n"
        )
    return buffer.getvalue()


def invoke(root: Path, function: str) -> bytes:
    cloud = open_target(load_project(root), "local")
    answer = cloud.client("lambda").invoke(FunctionName=f"{STACK}-{function}", Payload=b"{}")
    return bytes(answer["Payload"].read())


def test_a_200_function_project_deploys_updates_shrinks_and_goes_as_nested_stacks(
    tmp_path: Path, local_cloud: str
) -> None:
    root = write_big_project(tmp_path / NAME, name=NAME)
    project = load_project(root)
    stacks = synthesize_stacks(project, stage="dev", target="local")
    placed = stacks.functions_by_stack()
    last = sorted(stacks.children)[-1]
    # a function of the last nested stack that the bucket triggers (its own prefix)
    chosen = next(n for n in sorted(placed) if placed[n] == last and int(n[2:]) % 5 == 2)

    started = time.monotonic()
    progress: list[StackEvent] = []
    first = deploy(project, stage="dev", target="local", progress=progress.append)
    first_seconds = time.monotonic() - started
    assert first.path == "full"
    # Progress follows the nested stacks too: each function is named as it is created.
    created = {e.owner for e in progress if e.status == "CREATE_COMPLETE"}
    assert {f"function {name}" for name in project.functions} <= created
    assert len([e for e in progress if e.resource_type == "AWS::Lambda::Function"]) == 400
    for function in project.functions.values():  # every function's ARN, from its nested stack
        assert first.outputs[f"{function.logical_id}Arn"].endswith(
            f":function:{STACK}-{function.name}"
        )
    cloud = open_target(project, "local")
    deployed = read_stack(cloud, STACK)
    assert deployed is not None
    assert sorted(deployed.nested) == sorted(stacks.children)
    assert deployed.flat_template == stacks.flat()

    # Through its trigger: the bucket (in the root) invokes a function of the last nested stack.
    def upload() -> None:
        bucket = first.outputs["UploadsBucketName"]
        cloud.client("s3").put_object(Bucket=bucket, Key=f"{chosen}/photo.jpg", Body=b"jpg")

    upload()
    table = cloud.client("dynamodb")

    def written(function: str, edit: str) -> bool:
        item = table.get_item(TableName=first.outputs["JobsTableName"], Key={"id": {"S": function}})
        return item.get("Item", {}).get("edit", {}).get("S") == edit

    assert wait_for(lambda: written(chosen, "0"))
    assert invoke(root, "fn199") == b'{"function": 199, "edit": "0"}'

    with recorded_calls(cloud) as calls:
        nothing = deploy(load_project(root), stage="dev", target="local")
    assert nothing.path == "none" and nothing.uploaded_bytes == 0
    # Nothing changed: a few reads of the stacks and the functions' code in pages of 50, not a
    # request (or two) per function, and nothing of S3: the stack names every artifact.
    assert set(calls) <= {
        "cloudformation.DescribeStacks",
        "cloudformation.GetTemplate",
        "cloudformation.ListStackResources",
        "lambda.ListFunctions",
    }
    assert calls["cloudformation.DescribeStacks"] <= 2 + len(stacks.children)  # and bootstrap
    assert calls["lambda.ListFunctions"] <= 1 + count_functions(cloud) // 50

    # Code changed from elsewhere: the next deploy finds it in that listing and puts that one
    # function back, saying so.
    lam = cloud.client("lambda")
    lam.update_function_code(FunctionName=f"{STACK}-fn199", ZipFile=other_code("fn199"))
    assert invoke(root, "fn199") == b'"from elsewhere"'
    with recorded_calls(cloud) as calls:
        repaired = deploy(load_project(root), stage="dev", target="local")
    assert (repaired.path, repaired.functions) == ("full", ("fn199",))
    assert repaired.notes[0].startswith("function fn199 ran code that Tether did not deploy")
    assert calls["lambda.UpdateFunctionCode"] == 1
    assert invoke(root, "fn199") == b'{"function": 199, "edit": "0"}'

    # A code edit: the quick path, one function.
    write_handler(root, int(chosen[2:]), edit="1")
    quick = deploy(load_project(root), stage="dev", target="local")
    assert (quick.path, quick.functions) == ("quick", (chosen,))
    assert invoke(root, chosen) == f'{{"function": {int(chosen[2:])}, "edit": "1"}}'.encode()
    assert quick.outputs == first.outputs

    # A change of the project file: the full path; only that function's nested stack changes.
    write_big_project(root, name=NAME, environment={int(chosen[2:]): "changed"})
    templates_before = dict(deployed.nested)
    progress.clear()
    full = deploy(load_project(root), stage="dev", target="local", progress=progress.append)
    assert full.path == "full"
    updated = {e.owner for e in progress if e.status == "UPDATE_COMPLETE"}
    assert f"function {chosen}" in updated
    assert full.plan is not None and not full.plan.moved
    assert {c.owner for c in full.plan.changes} == {f"function {chosen}"}
    after = read_stack(cloud, STACK)
    assert after is not None
    assert [lid for lid in after.nested if after.nested[lid] != templates_before[lid]] == [last]
    variables = cloud.client("lambda").get_function_configuration(FunctionName=f"{STACK}-{chosen}")
    assert variables["Environment"]["Variables"]["NOTE"] == "changed"

    # Remove every function of the smallest nested stack, and three of the last one.
    sizes = {lid: sum(1 for s in placed.values() if s == lid) for lid in stacks.children}
    smallest = min(sorted(sizes), key=sizes.__getitem__)
    gone = {n for n, s in placed.items() if s == smallest}
    if smallest != last:
        gone |= set(sorted(n for n in placed if placed[n] == last and n != chosen)[:3])
    kept = sorted(int(n[2:]) for n in placed if n not in gone)
    write_big_project(root, name=NAME, only=kept)
    shrunk = deploy(load_project(root), stage="dev", target="local")
    assert shrunk.path == "full"
    now = read_stack(cloud, STACK)
    assert now is not None
    assert smallest not in now.nested or smallest == last
    names = {
        f["FunctionName"]
        for page in cloud.client("lambda").get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"].startswith(f"{STACK}-")
    }
    assert names == {f"{STACK}-fn{i:03d}" for i in kept}
    assert shrunk.plan is not None and not set(shrunk.plan.moved) & gone
    moved = shrunk.plan.moved[:1]  # functions whose group merged with the emptied one
    for function in (f"fn{kept[0]:03d}", f"fn{kept[-1]:03d}", chosen, *moved):
        assert invoke(root, function).startswith(b'{"function": ')
    # The moved functions (if a group merged) run, and their triggers still reach them.
    table.delete_item(TableName=first.outputs["JobsTableName"], Key={"id": {"S": chosen}})
    upload()
    assert wait_for(lambda: written(chosen, "1"))

    destroy(load_project(root), stage="dev", target="local", delete=["jobs", "uploads"])
    listed = cloud.client("cloudformation").describe_stacks()["Stacks"]
    assert not [s["StackName"] for s in listed if s["StackName"].startswith(STACK)]
    assert not [
        f
        for page in cloud.client("lambda").get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"].startswith(f"{STACK}-")
    ]
    print(f"first deploy of 200 functions: {first_seconds:.1f} s")
