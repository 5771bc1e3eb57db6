"""The bootstrap stack: one per account and region, holding the artifact bucket (like
`cdk bootstrap`). Created on the first deploy; every later deploy only looks it up."""

from __future__ import annotations

import json
import time
from typing import Any

from tether.cloud import Cloud
from tether.cloud.session import CloudError

BOOTSTRAP_STACK = "tether-bootstrap"
BUCKET_OUTPUT = "ArtifactBucketName"


def bootstrap_template() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Tether bootstrap: the artifact bucket for code and dependency layers",
        "Resources": {
            "ArtifactBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketName": {"Fn::Sub": "tether-artifacts-${AWS::AccountId}-${AWS::Region}"},
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                    "Tags": [{"Key": "tether:bootstrap", "Value": "artifacts"}],
                },
            }
        },
        "Outputs": {BUCKET_OUTPUT: {"Value": {"Ref": "ArtifactBucket"}}},
    }


def ensure_bootstrap(cloud: Cloud, *, progress: Any = None) -> str:
    """The artifact bucket's name, creating the bootstrap stack first if it does not exist."""
    cfn = cloud.client("cloudformation")
    with cloud.guard():
        stack = _describe(cfn)
        if stack is None or stack["StackStatus"] in {"ROLLBACK_COMPLETE", "DELETE_COMPLETE"}:
            if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
                cfn.delete_stack(StackName=BOOTSTRAP_STACK)
            if progress is not None:
                progress(f"bootstrapping {cloud.where()}: creating the artifact bucket")
            cfn.create_stack(
                StackName=BOOTSTRAP_STACK, TemplateBody=json.dumps(bootstrap_template())
            )
            stack = _wait(cfn)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return str(outputs[BUCKET_OUTPUT])


def _describe(cfn: Any) -> dict[str, Any] | None:
    try:
        stacks: list[dict[str, Any]] = cfn.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0] if stacks else None


def _wait(cfn: Any, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack = _describe(cfn)
        status = stack["StackStatus"] if stack else "MISSING"
        if status == "CREATE_COMPLETE" and stack is not None:
            return stack
        if not status.endswith("IN_PROGRESS"):
            raise CloudError(
                f"creating the bootstrap stack {BOOTSTRAP_STACK} failed ({status})",
                hint="look at the stack's events; delete it and deploy again",
            )
        time.sleep(1.0)
    raise CloudError(f"the bootstrap stack {BOOTSTRAP_STACK} took too long", hint="try again")
