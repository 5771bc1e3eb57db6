"""IAM for function code, as a user meets it: a call the analysis could not see is refused by the
local cloud as AWS refuses it, `tether invoke` and `tether logs` point at the line and say what to
declare, and once declared (or visible to the analysis) the call works from the next deploy."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.helpers import local_session, tether, write_project

PROJECT = """
name: iamcheck
resources:
  notes: {type: s3.bucket}
  jobs:
    type: dynamodb.table
    key: {id: S}
  work: {type: sqs.queue}
  alerts: {type: sns.topic}
functions:
  probe:
    handler: app/probe.handler
  visible:
    handler: app/visible.handler
"""

# Every name comes from the event: the analysis cannot tell which resource a call is on, so the
# role grants none of them.
PROBE = """import boto3


def handler(event, context):
    kind, name = event["kind"], event["name"]
    if kind == "s3":
        boto3.client("s3").put_object(Bucket=name, Key="note.txt", Body=b"hi")
    elif kind == "dynamodb":
        boto3.client("dynamodb").put_item(TableName=name, Item={"id": {"S": "1"}})
    elif kind == "sqs":
        boto3.client("sqs").send_message(QueueUrl=name, MessageBody="hi")
    elif kind == "sns":
        boto3.client("sns").publish(TopicArn=name, Message="hi")
    return {"done": kind}
"""
LINES = {"s3": 7, "dynamodb": 9, "sqs": 11, "sns": 13}
ACTIONS = {
    "s3": ("notes", "s3:PutObject"),
    "dynamodb": ("jobs", "dynamodb:PutItem"),
    "sqs": ("work", "sqs:SendMessage"),
    "sns": ("alerts", "sns:Publish"),
}

# The same call, on the variable Tether injects: the analysis sees it and grants it.
VISIBLE = """import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["NOTES_BUCKET"], Key="seen.txt", Body=b"hi")
    return {"done": True}
"""

DECLARED = """    operations:
      - {resource: notes, actions: ["s3:PutObject"]}
      - {resource: jobs, actions: ["dynamodb:PutItem"]}
      - {resource: work, actions: ["sqs:SendMessage"]}
      - {resource: alerts, actions: ["sns:Publish"]}
"""


def deploy(root: Path) -> dict[str, str]:
    result = tether("deploy", "--stage", "dev", "--yes", cwd=root)
    assert result.returncode == 0, result.stderr
    outputs = tether("outputs", "--stage", "dev", "--json", cwd=root)
    return dict(json.loads(outputs.stdout))


def invoke(root: Path, event: dict[str, Any]) -> Any:
    (root / "event.json").write_text(json.dumps(event))
    return tether("invoke", "probe", "--stage", "dev", "-e", "event.json", cwd=root)


def test_a_call_the_role_does_not_allow_is_refused_until_declared(
    local_cloud: str, tmp_path: Path
) -> None:
    root = write_project(
        tmp_path / "iamcheck", PROJECT, {"app/probe.py": PROBE, "app/visible.py": VISIBLE}
    )
    outputs = deploy(root)
    names = {
        "s3": outputs["NotesBucketName"],
        "dynamodb": outputs["JobsTableName"],
        "sqs": outputs["WorkQueueUrl"],
        "sns": outputs["AlertsTopicArn"],
    }
    arns = {
        "s3": f'"{outputs["NotesBucketArn"]}/note.txt"',
        "dynamodb": outputs["JobsTableArn"],
        "sqs": outputs["WorkQueueArn"],
        "sns": outputs["AlertsTopicArn"],
    }
    codes = {
        "s3": "AccessDenied",
        "dynamodb": "AccessDeniedException",
        "sqs": "AccessDenied",
        "sns": "AuthorizationError",
    }

    # found in the code: granted, so it works
    ran = tether("invoke", "visible", "--stage", "dev", cwd=root)
    assert ran.returncode == 0, ran.stderr

    for kind, name in names.items():
        result = invoke(root, {"kind": kind, "name": name})
        assert result.returncode == 1, result.stdout
        error = json.loads(result.stdout)
        resource, action = ACTIONS[kind]
        shown = "SNS:Publish" if kind == "sns" else action
        assert f"An error occurred ({codes[kind]})" in error["errorMessage"]
        assert (
            "assumed-role/iamcheck-dev-ProbeRole-" in error["errorMessage"]
            and f"/iamcheck-dev-probe is not authorized to perform: {shown} on resource: "
            f"{arns[kind]} because no identity-based policy allows the {shown} action"
            in error["errorMessage"]
        ), error["errorMessage"]
        hint = f"hint: app/probe.py:{LINES[kind]}: probe may not {action} on "
        assert hint in result.stderr, result.stderr
        assert (
            f"declare `operations: [{{resource: {resource}, actions: [{action}]}}]` under probe "
            "in tether.yaml, or make the call visible to the analysis" in result.stderr
        )

    # a bucket outside the project: add it as an external resource first
    outside = f"iamcheck-outside-{uuid.uuid4().hex[:8]}"
    local_session().client("s3", endpoint_url=local_cloud).create_bucket(Bucket=outside)
    result = invoke(root, {"kind": "s3", "name": outside})
    assert result.returncode == 1
    assert "which is not one of the project's resources" in result.stderr
    assert f'`external: "arn:aws:s3:::{outside}"`' in result.stderr

    logs = tether("logs", "probe", "--stage", "dev", cwd=root)
    assert logs.returncode == 0, logs.stderr
    assert "is not authorized to perform: dynamodb:PutItem" in logs.stdout
    assert "hint: app/probe.py:9: probe may not dynamodb:PutItem" in logs.stderr

    # declared: the next deploy grants it, and the very next call works
    text = (root / "tether.yaml").read_text()
    marker = "    handler: app/probe.handler\n"
    (root / "tether.yaml").write_text(text.replace(marker, marker + DECLARED))
    deploy(root)
    for kind, name in names.items():
        result = invoke(root, {"kind": kind, "name": name})
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout) == {"done": kind}
    s3 = local_session().client("s3", endpoint_url=local_cloud)
    assert s3.get_object(Bucket=names["s3"], Key="note.txt")["Body"].read() == b"hi"
