"""The bootstrap stack: one per account and region, holding the artifact bucket (like
`cdk bootstrap`) and the remote patcher function next to it. Created on the first deploy;
every later deploy only looks it up (one DescribeStacks).

It is built in two steps, because the patcher's code lives in the bucket the stack creates:
create the stack with the bucket alone, upload the patcher zip as `tether/patcher-<sha12>.zip`,
then update the stack to add the patcher (its function, role and log group), with the code key
as a parameter. A newer Tether whose patcher differs updates the stack the same way."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from tether.cloud import Cloud
from tether.cloud.session import CloudError
from tether.deploy.remote_patch import PATCHER_HANDLER, patcher_package
from tether.synth.s3 import PRIVATE_ENCRYPTED

BOOTSTRAP_STACK = "tether-bootstrap"
BUCKET_OUTPUT = "ArtifactBucketName"
PATCHER_OUTPUT = "PatcherFunctionName"
PATCHER_KEY_PARAMETER = "PatcherCodeKey"
PATCHER_FUNCTION = "tether-patcher"
PATCHER_RUNTIME = "python3.12"
PATCHER_MEMORY = 1024  # MB; Lambda's network and CPU grow with it
PATCHER_TIMEOUT = 300  # seconds
_GONE = {"ROLLBACK_COMPLETE", "DELETE_COMPLETE"}
_SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}


@dataclass(frozen=True)
class Bootstrap:
    """What deploys need from the bootstrap stack."""

    bucket: str  # the artifact bucket
    patcher: str  # the remote patcher function's name; "" when it could not be deployed


def bootstrap_template(*, patcher: bool = False) -> dict[str, Any]:
    """The bootstrap stack's template: the bucket, and with `patcher` the patcher function."""
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Tether bootstrap: the artifact bucket for code and dependency layers",
        "Resources": {
            "ArtifactBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketName": {"Fn::Sub": "tether-artifacts-${AWS::AccountId}-${AWS::Region}"},
                    **PRIVATE_ENCRYPTED,
                    "Tags": [{"Key": "tether:bootstrap", "Value": "artifacts"}],
                },
            }
        },
        "Outputs": {BUCKET_OUTPUT: {"Value": {"Ref": "ArtifactBucket"}}},
    }
    if patcher:
        template["Description"] += ", and the remote patcher function"
        template["Parameters"] = {
            PATCHER_KEY_PARAMETER: {
                "Type": "String",
                "Description": "Key of the patcher's code zip in the artifact bucket",
            }
        }
        template["Resources"].update(_patcher_resources())
        template["Outputs"][PATCHER_OUTPUT] = {"Value": {"Ref": "PatcherFunction"}}
    return template


def _patcher_resources() -> dict[str, Any]:
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": ["ArtifactBucket", "Arn"]}, "/*"]]}
    log_group_arn = {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
        f"/aws/lambda/{PATCHER_FUNCTION}"
    }
    log_streams = {"Fn::Join": ["", [log_group_arn, ":log-stream:*"]]}
    tags = [{"Key": "tether:bootstrap", "Value": "patcher"}]
    return {
        "PatcherLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{PATCHER_FUNCTION}",
                "RetentionInDays": 30,
            },
        },
        "PatcherRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "least-privilege",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "ArtifactObjects",
                                    "Effect": "Allow",
                                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                    "Resource": [objects],
                                },
                                {
                                    "Sid": "OwnLogs",
                                    "Effect": "Allow",
                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": [log_streams],
                                },
                            ],
                        },
                    }
                ],
                "Tags": tags,
            },
        },
        "PatcherFunction": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": ["PatcherLogGroup"],
            "Properties": {
                "FunctionName": PATCHER_FUNCTION,
                "Description": "Tether: patches code zips in the artifact bucket",
                "Handler": PATCHER_HANDLER,
                "Runtime": PATCHER_RUNTIME,
                "Architectures": ["x86_64"],
                "MemorySize": PATCHER_MEMORY,
                "Timeout": PATCHER_TIMEOUT,
                "EphemeralStorage": {"Size": 2048},
                "Role": {"Fn::GetAtt": ["PatcherRole", "Arn"]},
                "Code": {
                    "S3Bucket": {"Ref": "ArtifactBucket"},
                    "S3Key": {"Ref": PATCHER_KEY_PARAMETER},
                },
                "Tags": tags,
            },
        },
    }


def ensure_bootstrap(cloud: Cloud, *, progress: Any = None) -> Bootstrap:
    """The artifact bucket and patcher function, creating or updating the bootstrap stack only
    when something is missing or outdated (otherwise: one DescribeStacks)."""
    package = patcher_package()
    cfn = cloud.client("cloudformation")
    with cloud.guard():
        stack = _describe(cfn)
        if stack is not None and stack["StackStatus"].endswith("_IN_PROGRESS"):
            stack = _wait(cfn)  # another deploy is bootstrapping
        if stack is None or stack["StackStatus"] in _GONE:
            if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
                cfn.delete_stack(StackName=BOOTSTRAP_STACK)
                _wait_deleted(cfn)
            if progress is not None:
                progress(f"bootstrapping {cloud.where()}: creating the artifact bucket")
            cfn.create_stack(
                StackName=BOOTSTRAP_STACK, TemplateBody=json.dumps(bootstrap_template())
            )
            stack = _wait(cfn)
        outputs = _outputs(stack)
        bucket = outputs[BUCKET_OUTPUT]
        parameters = {
            p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
        }
        if PATCHER_OUTPUT not in outputs or parameters.get(PATCHER_KEY_PARAMETER) != package.key:
            if progress is not None:
                progress(f"bootstrapping {cloud.where()}: deploying the remote patcher")
            s3 = cloud.client("s3")
            s3.put_object(Bucket=bucket, Key=package.key, Body=package.data)
            try:
                cfn.update_stack(
                    StackName=BOOTSTRAP_STACK,
                    TemplateBody=json.dumps(bootstrap_template(patcher=True)),
                    Parameters=[
                        {"ParameterKey": PATCHER_KEY_PARAMETER, "ParameterValue": package.key}
                    ],
                    Capabilities=["CAPABILITY_IAM"],
                )
            except cfn.exceptions.ClientError as exc:
                if "No updates are to be performed" not in str(exc):
                    raise
            stack = _wait(cfn)
            outputs = _outputs(stack)
            if stack["StackStatus"] != "UPDATE_COMPLETE" and progress is not None:
                # The bucket is fine: full deploys go on; remote patching is unavailable.
                progress(
                    f"could not deploy the remote patcher ({stack['StackStatus']}); "
                    f"see the events of the stack {BOOTSTRAP_STACK}"
                )
    return Bootstrap(bucket=bucket, patcher=outputs.get(PATCHER_OUTPUT, ""))


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in stack.get("Outputs", [])}


def _describe(cfn: Any) -> dict[str, Any] | None:
    try:
        stacks: list[dict[str, Any]] = cfn.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"]
    except cfn.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0] if stacks else None


def _wait(cfn: Any, timeout: float = 300.0) -> dict[str, Any]:
    """The stack once it is settled; CloudError when it failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack = _describe(cfn)
        status = stack["StackStatus"] if stack else "MISSING"
        if status in _SETTLED and stack is not None:
            return stack
        if not status.endswith("IN_PROGRESS"):
            raise CloudError(
                f"creating or updating the bootstrap stack {BOOTSTRAP_STACK} failed ({status})",
                hint="look at the stack's events; delete it and deploy again",
            )
        time.sleep(0.25)
    raise CloudError(f"the bootstrap stack {BOOTSTRAP_STACK} took too long", hint="try again")


def _wait_deleted(cfn: Any, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack = _describe(cfn)
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            return
        time.sleep(0.25)
    raise CloudError(
        f"deleting the bootstrap stack {BOOTSTRAP_STACK} took too long", hint="try again"
    )
