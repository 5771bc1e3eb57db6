"""Remote patching on a real local cloud: the bootstrap stack's patcher function (run by the
local runtime) patches the code zip in the artifact bucket from a delta of the change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.helpers import local_session
from tether import load_project
from tether.build import build_code
from tether.deploy.bootstrap import BOOTSTRAP_STACK, PATCHER_FUNCTION
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state

JSON_SLACK = 512  # the invoke payload: bucket and key names


def clients(endpoint: str) -> Any:
    session = local_session()

    class Clients:
        def __getattr__(self, service: str) -> Any:
            return session.client(service, endpoint_url=endpoint)

    return Clients()


def _statements(aws: Any, role_arn: str) -> list[dict[str, Any]]:
    role = role_arn.rsplit("/", 1)[1]
    statements: list[dict[str, Any]] = []
    for name in aws.iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = aws.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        statements += document["Statement"]
    return statements


def test_remote_patch_sends_the_change_and_matches_a_full_rebuild(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(load_project(photos_copy), stage="remote", target="local")
    api = photos_copy / "app" / "api.py"
    api.write_text(api.read_text().replace("not found", "not found (patched remotely)"))
    changed_size = api.stat().st_size

    result = deploy(load_project(photos_copy), stage="remote", target="local", patch="remote")

    assert (result.path, result.patched, result.functions) == ("quick", "remote", ("api",))
    assert 0 < result.sent_bytes < changed_size + 4096 + JSON_SLACK
    aws = clients(local_cloud)
    lam = aws.__getattr__("lambda")
    answer = lam.invoke(
        FunctionName="photos-remote-api",
        Payload=json.dumps({"pathParameters": {"id": "none"}}).encode(),
    )["Payload"].read()
    assert b"patched remotely" in answer, answer

    # the artifact in the bucket is byte-identical to a full local rebuild
    state = load_state(photos_copy, "remote")
    assert state is not None
    rebuilt = build_code(load_project(photos_copy))
    assert state.code_key == f"code/{rebuilt.sha256}.zip" == rebuilt.key
    body = aws.s3.get_object(Bucket=state.artifact_bucket, Key=state.code_key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == rebuilt.sha256
    # and so is the local copy the next quick deploy patches from
    local_copy = photos_copy / state.code_path
    assert hashlib.sha256(local_copy.read_bytes()).hexdigest() == rebuilt.sha256
    # the delta was cleaned up
    deltas = aws.s3.list_objects_v2(Bucket=state.artifact_bucket, Prefix="deltas/")
    assert deltas.get("KeyCount", 0) == 0

    # a second remote patch starts from the right base
    api.write_text(api.read_text().replace("patched remotely", "patched remotely twice"))
    again = deploy(load_project(photos_copy), stage="remote", target="local", patch="remote")
    assert (again.path, again.patched) == ("quick", "remote")
    answer = lam.invoke(
        FunctionName="photos-remote-api",
        Payload=json.dumps({"pathParameters": {"id": "none"}}).encode(),
    )["Payload"].read()
    assert b"patched remotely twice" in answer, answer
    rebuilt = build_code(load_project(photos_copy))
    assert load_state(photos_copy, "remote").code_key == rebuilt.key  # type: ignore[union-attr]


def test_small_artifacts_patch_locally_by_default(local_cloud: str, photos_copy: Path) -> None:
    deploy(load_project(photos_copy), stage="autopatch", target="local")
    api = photos_copy / "app" / "api.py"
    api.write_text(api.read_text() + "\n# a change, patched locally by default\n")
    result = deploy(load_project(photos_copy), stage="autopatch", target="local")
    assert (result.path, result.patched) == ("quick", "local")
    assert result.sent_bytes == result.uploaded_bytes > 0


def test_the_patcher_has_least_privilege(local_cloud: str, photos_copy: Path) -> None:
    deploy(load_project(photos_copy), stage="patcher", target="local")
    aws = clients(local_cloud)
    stack = aws.cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    bucket = outputs["ArtifactBucketName"]
    config = aws.__getattr__("lambda").get_function_configuration(FunctionName=PATCHER_FUNCTION)
    statements = _statements(aws, config["Role"])
    assert statements
    for statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        assert "*" not in actions and all(not a.endswith(":*") for a in actions), statement
        assert "*" not in resources, statement
        if any(a.startswith("s3:") for a in actions):
            assert sorted(actions) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
            assert resources == [f"arn:aws:s3:::{bucket}/*"]
        else:
            assert all(":log-group:/aws/lambda/tether-patcher:" in r for r in resources)
    # a deploy with nothing to bootstrap leaves the stack alone
    before = stack.get("LastUpdatedTime")
    deploy(load_project(photos_copy), stage="patcher", target="local")
    after = aws.cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"][0]
    assert after.get("LastUpdatedTime") == before
