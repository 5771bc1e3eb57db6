"""Two handlers in one module (as Chalice and Serverless Framework apps write them): each
function's role grants only what its own handler can run, while every function still gets the
variables the module reads when it is imported (so the import works), with no permission."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import write_project
from tether import load_project, synthesize

PROJECT = """
name: orders
resources:
  orders: {type: dynamodb.table, key: {id: S}}
  alerts: {type: sns.topic}
functions:
  get_order:
    handler: app/main.get_order
  create_order:
    handler: app/main.create_order
"""

MAIN = """import os

import boto3

ddb = boto3.client("dynamodb")
sns = boto3.client("sns")
TABLE = os.environ["ORDERS_TABLE"]
AUDIT_TOPIC = os.environ["ALERTS_TOPIC_ARN"]


def get_order(event, context):
    return ddb.get_item(TableName=TABLE, Key={"id": {"S": event["id"]}})


def create_order(event, context):
    ddb.put_item(TableName=TABLE, Item={"id": {"S": event["id"]}})
    sns.publish(TopicArn=AUDIT_TOPIC, Message="created")
"""


def _actions(template: dict[str, Any], role: str) -> set[str]:
    found = set()
    for policy in template["Resources"][role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            found.update(statement["Action"])
    return {a for a in found if not a.startswith("logs:")}


def test_each_handler_gets_its_own_permissions_and_the_modules_variables(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path / "orders", PROJECT, {"app/main.py": MAIN}))
    assert not [p for p in project.warnings if "KeyError" in p.message]
    template = synthesize(project, stage="dev")
    assert _actions(template, "GetOrderRole") == {"dynamodb:GetItem"}
    assert _actions(template, "CreateOrderRole") == {"dynamodb:PutItem", "sns:Publish"}
    for function in ("GetOrderFunction", "CreateOrderFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert set(variables) == {"ORDERS_TABLE", "ALERTS_TOPIC_ARN"}, json.dumps(variables)
    assert project.used_by("alerts") == ["create_order", "get_order"]  # not offered for removal
