"""A project built only with the authoring commands deploys to the local cloud, and the code
they inserted runs: put then get an object, put then query an item, publish, send then receive
— each with the permission the analysis derived, checked by a `tether test` case."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import local_session, tether

OPERATIONS = [  # in the order they run: each goes just before the handler's return
    ("files", "s3.put_object"),
    ("files", "s3.get_object"),
    ("items", "dynamodb.put_item"),
    ("items", "dynamodb.query"),
    ("news", "sns.publish"),
    ("jobs", "sqs.send_message"),
    ("jobs", "sqs.receive_message"),
]


def run(*args: str, cwd: Path) -> str:
    result = tether(*args, cwd=cwd)
    assert result.returncode == 0, f"tether {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_project_built_by_authoring_commands_deploys_and_its_code_runs(
    local_cloud: str, tmp_path: Path
) -> None:
    root = tmp_path / "shop"
    run("init", str(root), cwd=tmp_path)
    run("add", "resource", "files", "s3.bucket", cwd=root)
    run("add", "resource", "items", "dynamodb.table", "key=id:S", cwd=root)
    run("add", "resource", "news", "sns.topic", cwd=root)
    run("add", "resource", "jobs", "sqs.queue", cwd=root)
    run("add", "function", "store", "timeout=20", cwd=root)
    for resource, operation in OPERATIONS:
        shown = run("add", "operation", "store", resource, operation, cwd=root)
        assert "+ permission  store:" in shown, shown
    code = (root / "app/store.py").read_text()
    assert code.count("boto3.client(") == 4  # one client per service, made once at module level
    assert "operations:" not in (root / "tether.yaml").read_text().split("store:")[1]

    permissions = run("permissions", "store", cwd=root)
    for action in ("s3:PutObject", "s3:GetObject", "dynamodb:PutItem", "dynamodb:Query"):
        assert action in permissions, permissions
    for action in ("sns:Publish", "sqs:SendMessage", "sqs:ReceiveMessage"):
        assert action in permissions, permissions

    (root / "events").mkdir(exist_ok=True)
    (root / "events/store.test.yaml").write_text(
        "# every inserted operation runs with the permission analysis derived\n"
        "function: store\nevent: {}\nexpect:\n  result: {ok: true}\n"
    )
    run("deploy", "--stage", "authored", "--yes", cwd=root)
    outcome = run("test", "store", "--stage", "authored", cwd=root)
    assert "events/store.test.yaml::store PASSED" in outcome, outcome

    outputs = json.loads(run("outputs", "--stage", "authored", "--json", cwd=root))
    aws = local_session()
    s3 = aws.client("s3", endpoint_url=local_cloud)
    objects = s3.list_objects_v2(Bucket=outputs["FilesBucketName"]).get("Contents", [])
    assert len(objects) == 1, objects  # what put_object wrote (get_object then read it)
    table = aws.client("dynamodb", endpoint_url=local_cloud)
    assert table.scan(TableName=outputs["ItemsTableName"])["Count"] == 1
