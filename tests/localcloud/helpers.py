"""Helpers for the local cloud tests: names, templates and stack lookups over boto3."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

# one way to pick a port for every test folder, re-exported for the local cloud's tests
from tests.helpers import free_port as free_port

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account

Client = Callable[[str], Any]


def unique(stem: str) -> str:
    """A name no other test of this session uses (stacks, buckets, functions share a server)."""
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def function(artifact: dict[str, str], name: str, **properties: Any) -> dict[str, Any]:
    """An AWS::Lambda::Function resource using the session's code artifact."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "app/handler.handler",
            "Role": artifact["role"],
            "Code": {"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
            **properties,
        },
    }


def body(resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> str:
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        template["Outputs"] = outputs
    return json.dumps(template)


def stack(aws: Client, name: str) -> dict[str, Any]:
    found: dict[str, Any] = aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return found


def outputs(aws: Client, name: str) -> dict[str, str]:
    return {o["OutputKey"]: o.get("OutputValue", "") for o in stack(aws, name).get("Outputs", [])}


def physical_ids(aws: Client, name: str) -> dict[str, str]:
    summaries = aws("cloudformation").list_stack_resources(StackName=name)
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries["StackResourceSummaries"]
    }


def events(aws: Client, name: str) -> list[dict[str, Any]]:
    """The stack's events, oldest first."""
    found = aws("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    return list(reversed(found))


def failures(aws: Client, name: str) -> list[str]:
    """`Logical: STATUS: reason` of every failed step, to explain a wrong status."""
    return [
        f"{e['LogicalResourceId']}: {e['ResourceStatus']}: {e.get('ResourceStatusReason')}"
        for e in events(aws, name)
        if e["ResourceStatus"].endswith("_FAILED")
    ]


def assert_status(aws: Client, name: str, expected: str) -> None:
    status = stack(aws, name)["StackStatus"]
    assert status == expected, f"{name} is {status}, not {expected}: {failures(aws, name)}"
