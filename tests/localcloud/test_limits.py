"""The local cloud refuses what AWS refuses, with AWS's error code and message: one test per limit
of `tether.localcloud.limits`, through boto3, plus the CloudFormation path (a resource over a
limit fails the stack with the service's message as its reason)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import Client, assert_status, body, events, function, unique
from tether.localcloud import limits

ZERO_CHUNK = bytes(1024 * 1024)


def refused(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """The error AWS's client saw: {"Code", "Message", "Status"}."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return {
        "Code": response["Error"]["Code"],
        "Message": response["Error"]["Message"],
        "Status": response["ResponseMetadata"]["HTTPStatusCode"],
    }


def reason(aws: Client, stack: str, logical_id: str) -> str:
    failed = [
        e
        for e in events(aws, stack)
        if e["LogicalResourceId"] == logical_id and e["ResourceStatus"].endswith("_FAILED")
    ]
    assert failed, events(aws, stack)
    return str(failed[-1]["ResourceStatusReason"])


def handle(count: int) -> dict[str, Any]:
    """`count` resources that cost nothing to create."""
    return {f"H{i}": {"Type": "AWS::CloudFormation::WaitConditionHandle"} for i in range(count)}


def zipped(files: dict[str, bytes | int]) -> bytes:
    """A zip of `files`; an int is that many zero bytes, streamed (it compresses ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as stream:
                left = content
                while left:
                    chunk = ZERO_CHUNK[: min(left, len(ZERO_CHUNK))]
                    stream.write(chunk)
                    left -= len(chunk)
    return buffer.getvalue()


HANDLER = b"def handler(event, context):\n    return {}\n"


def create_function(aws: Client, artifact: dict[str, str], name: str, **extra: Any) -> Any:
    return aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app/handler.handler",
        Role=artifact["role"],
        Code={"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
        **extra,
    )


# --- CloudFormation ----------------------------------------------------------------------------


def test_a_template_body_over_51200_bytes_is_refused_and_the_same_template_from_s3_is_not(
    aws: Client, artifact: dict[str, str]
) -> None:
    template = {
        "Resources": handle(1),
        "Metadata": {"Padding": "x" * (limits.TEMPLATE_BODY.value - 60)},
    }
    text = json.dumps(template)
    assert len(text) > 51_200
    refused_name = unique("big-body")
    error = refused(aws("cloudformation").create_stack, StackName=refused_name, TemplateBody=text)
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        f"1 validation error detected: Value '{text}' at 'templateBody' failed to satisfy "
        "constraint: Member must have length less than or equal to 51200"
    )
    summaries = aws("cloudformation").list_stacks()["StackSummaries"]
    assert refused_name not in {s["StackName"] for s in summaries}
    # Through S3 (TemplateURL), the same template is fine.
    aws("s3").put_object(Bucket=artifact["bucket"], Key="big-body.json", Body=text.encode())
    url = f"https://{artifact['bucket']}.s3.us-east-1.amazonaws.com/big-body.json"
    name = unique("big-url")
    aws("cloudformation").create_stack(StackName=name, TemplateURL=url)
    assert_status(aws, name, "CREATE_COMPLETE")


def test_a_template_from_s3_over_1_mb_is_refused(aws: Client, artifact: dict[str, str]) -> None:
    text = json.dumps({"Resources": handle(1), "Metadata": {"Padding": "x" * 1_000_000}})
    aws("s3").put_object(Bucket=artifact["bucket"], Key="huge.json", Body=text.encode())
    url = f"https://{artifact['bucket']}.s3.us-east-1.amazonaws.com/huge.json"
    for call, kwargs in (
        (aws("cloudformation").create_stack, {"StackName": unique("huge")}),
        (
            aws("cloudformation").create_change_set,
            {"StackName": unique("huge"), "ChangeSetName": "c1", "ChangeSetType": "CREATE"},
        ),
    ):
        error = refused(call, TemplateURL=url, **kwargs)
        assert error["Code"] == "ValidationError"
        assert error["Message"] == "Template may not exceed 1000000 bytes in size."


def test_a_template_with_501_resources_is_refused(aws: Client) -> None:
    cfn = aws("cloudformation")
    error = refused(cfn.create_stack, StackName=unique("r501"), TemplateBody=body(handle(501)))
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        "Template format error: Number of resources, 501, is greater than maximum allowed, 500"
    )
    name = unique("r500")
    cfn.create_stack(StackName=name, TemplateBody=body(handle(500)))
    assert_status(aws, name, "CREATE_COMPLETE")
    # An update to 501 is refused too, and leaves the stack as it was.
    error = refused(cfn.update_stack, StackName=name, TemplateBody=body(handle(501)))
    assert error["Message"].startswith("Template format error: Number of resources, 501")
    assert_status(aws, name, "CREATE_COMPLETE")


def test_a_template_with_201_outputs_is_refused(aws: Client) -> None:
    outputs = {f"O{i}": {"Value": {"Ref": "H0"}} for i in range(201)}
    error = refused(
        aws("cloudformation").create_change_set,
        StackName=unique("o201"),
        ChangeSetName="c1",
        ChangeSetType="CREATE",
        TemplateBody=body(handle(1), outputs),
    )
    assert error["Code"] == "ValidationError"
    assert (
        error["Message"]
        == "Template format error: Outputs count 201 is greater than max allowed 200"
    )


def test_a_template_with_201_parameters_is_refused(aws: Client) -> None:
    template = {
        "Parameters": {f"P{i}": {"Type": "String", "Default": "x"} for i in range(201)},
        "Resources": handle(1),
    }
    error = refused(aws("cloudformation").validate_template, TemplateBody=json.dumps(template))
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        "Template format error: Parameters count 201 is greater than max allowed 200"
    )


# --- Lambda ------------------------------------------------------------------------------------


def test_a_function_name_over_64_characters_is_refused(
    aws: Client, artifact: dict[str, str]
) -> None:
    long_name = "f" * 65
    error = refused(lambda **kw: create_function(aws, artifact, long_name, **kw))
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"1 validation error detected: Value '{long_name}' at 'functionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )
    fits = unique("f").ljust(64, "x")
    create_function(aws, artifact, fits)
    assert aws("lambda").get_function(FunctionName=fits)["Configuration"]["FunctionName"] == fits


def test_a_name_cloudformation_generates_is_cut_to_64_characters(
    aws: Client, artifact: dict[str, str]
) -> None:
    name = unique("a-stack-name-long-enough-to-push-the-generated-function-name-over")
    resource = function(artifact, "unused")
    del resource["Properties"]["FunctionName"]
    aws("cloudformation").create_stack(
        StackName=name, TemplateBody=body({"AFunctionWithAFairlyLongLogicalId": resource})
    )
    assert_status(aws, name, "CREATE_COMPLETE")
    (summary,) = aws("cloudformation").list_stack_resources(StackName=name)[
        "StackResourceSummaries"
    ]
    assert len(summary["PhysicalResourceId"]) == 64
    assert summary["PhysicalResourceId"].startswith(name[:20])


def test_environment_variables_over_4_kb_are_refused(aws: Client, artifact: dict[str, str]) -> None:
    variables = {"BIG": "x" * 4090}
    measured = json.dumps(variables, separators=(",", ":"))
    assert len(measured) > 4096
    error = refused(
        lambda **kw: create_function(
            aws, artifact, unique("env"), Environment={"Variables": variables}, **kw
        )
    )
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Status"] == 400
    assert error["Message"] == (
        "Lambda was unable to configure your environment variables because the environment "
        f"variables you have provided exceeded the 4KB limit. String measured: {measured}"
    )
    # 4 KB exactly is fine; UpdateFunctionConfiguration is held to the same limit.
    name = unique("env")
    fits = {"BIG": "x" * (4096 - len('{"BIG":""}'))}
    create_function(aws, artifact, name, Environment={"Variables": fits})
    error = refused(
        aws("lambda").update_function_configuration,
        FunctionName=name,
        Environment={"Variables": {**fits, "MORE": "y"}},
    )
    assert error["Code"] == "InvalidParameterValueException"
    assert "exceeded the 4KB limit" in error["Message"]


def test_a_stack_whose_function_has_5_kb_of_variables_fails_on_that_function(
    aws: Client, artifact: dict[str, str]
) -> None:
    name = unique("env-stack")
    big = function(artifact, unique("fn"), Environment={"Variables": {"BIG": "x" * 5000}})
    aws("cloudformation").create_stack(
        StackName=name, TemplateBody=body({"Queue": {"Type": "AWS::SQS::Queue"}, "Fn": big})
    )
    assert_status(aws, name, "ROLLBACK_COMPLETE")
    assert reason(aws, name, "Fn").startswith(
        "InvalidParameterValueException: Lambda was unable to configure your environment "
        "variables because the environment variables you have provided exceeded the 4KB limit."
    )
    # And an update that grows them fails the same way, and rolls back.
    name = unique("env-update")
    small = function(artifact, unique("fn"), Environment={"Variables": {"SMALL": "x"}})
    aws("cloudformation").create_stack(StackName=name, TemplateBody=body({"Fn": small}))
    assert_status(aws, name, "CREATE_COMPLETE")
    small["Properties"]["Environment"]["Variables"]["BIG"] = "x" * 5000
    aws("cloudformation").update_stack(StackName=name, TemplateBody=body({"Fn": small}))
    assert_status(aws, name, "UPDATE_ROLLBACK_COMPLETE")
    assert "exceeded the 4KB limit" in reason(aws, name, "Fn")
    configuration = aws("lambda").get_function_configuration(
        FunctionName=small["Properties"]["FunctionName"]
    )
    assert configuration["Environment"]["Variables"] == {"SMALL": "x"}


def test_a_zip_over_50_mb_sent_directly_is_refused(aws: Client, artifact: dict[str, str]) -> None:
    oversized = bytes(limits.ZIP_UPLOAD.value + 1)  # what Lambda measures: the zip's bytes
    error = refused(
        aws("lambda").create_function,
        FunctionName=unique("zip"),
        Runtime="python3.12",
        Handler="app/handler.handler",
        Role=artifact["role"],
        Code={"ZipFile": oversized},
    )
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Status"] == 413
    assert error["Message"] == (
        "Request must be smaller than 69905067 bytes for the CreateFunction operation"
    )
    name = unique("zip")
    create_function(aws, artifact, name)
    error = refused(aws("lambda").update_function_code, FunctionName=name, ZipFile=oversized)
    assert error["Message"] == (
        "Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation"
    )


def test_code_and_layers_over_250_mb_unzipped_are_refused(
    aws: Client, artifact: dict[str, str]
) -> None:
    """Each part fits; together they do not. The zips are small (zeros compress)."""
    layer_zip = zipped({"python/data.bin": 200 * 1024 * 1024})
    code_zip = zipped({"app/handler.py": HANDLER, "app/data.bin": 62 * 1024 * 1024 + 1})
    aws("s3").put_object(Bucket=artifact["bucket"], Key="layer-200.zip", Body=layer_zip)
    aws("s3").put_object(Bucket=artifact["bucket"], Key="code-62.zip", Body=code_zip)
    layer = aws("lambda").publish_layer_version(
        LayerName=unique("big"),
        Content={"S3Bucket": artifact["bucket"], "S3Key": "layer-200.zip"},
    )["LayerVersionArn"]
    error = refused(
        aws("lambda").create_function,
        FunctionName=unique("unzipped"),
        Runtime="python3.12",
        Handler="app/handler.handler",
        Role=artifact["role"],
        Code={"S3Bucket": artifact["bucket"], "S3Key": "code-62.zip"},
        Layers=[layer],
    )
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "Unzipped size must be smaller than 262144000 bytes"
    # Without the layer it fits; adding the layer to it is refused the same way.
    name = unique("unzipped")
    aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app/handler.handler",
        Role=artifact["role"],
        Code={"S3Bucket": artifact["bucket"], "S3Key": "code-62.zip"},
    )
    error = refused(aws("lambda").update_function_configuration, FunctionName=name, Layers=[layer])
    assert error["Message"] == "Unzipped size must be smaller than 262144000 bytes"


def test_a_synchronous_invoke_over_6_mb_is_refused(aws: Client, artifact: dict[str, str]) -> None:
    name = unique("invoke")
    create_function(aws, artifact, name)
    payload = json.dumps({"data": "x" * (limits.INVOKE_REQUEST.value - 11)}).encode()
    assert len(payload) == 6 * 1024 * 1024 + 1
    error = refused(aws("lambda").invoke, FunctionName=name, Payload=payload)
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Status"] == 413
    assert error["Message"] == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )
    event = json.dumps({"data": "x" * (limits.INVOKE_EVENT.value - 11)}).encode()
    error = refused(aws("lambda").invoke, FunctionName=name, Payload=event, InvocationType="Event")
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Message"] == (
        f"{len(event)} byte payload is too large for the Event invocation type "
        "(limit 1048576 bytes)"
    )


def test_a_response_over_6_mb_is_the_function_error_lambda_returns(
    aws: Client, artifact: dict[str, str]
) -> None:
    code = b"def handler(event, context):\n    return 'x' * event['size']\n"
    aws("s3").put_object(
        Bucket=artifact["bucket"], Key="big-answer.zip", Body=zipped({"app/handler.py": code})
    )
    name = unique("answer")
    aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app/handler.handler",
        Role=artifact["role"],
        Code={"S3Bucket": artifact["bucket"], "S3Key": "big-answer.zip"},
        Timeout=30,
    )
    fits = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"size": 6_200_000}))
    assert "FunctionError" not in fits
    assert len(fits["Payload"].read()) == 6_200_002  # a JSON string: quoted
    over = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"size": 6_300_000}))
    assert over["FunctionError"] == "Unhandled"
    assert json.loads(over["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


# --- IAM ---------------------------------------------------------------------------------------


def statement_document(count: int, padding: str = "") -> str:
    """A policy of `count` statements; `padding` is whitespace between them (not counted)."""
    statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{i:04}/*"}
        for i in range(count)
    ]
    inner = ("," + padding).join(json.dumps(s, separators=(",", ":")) for s in statements)
    return '{"Version":"2012-10-17","Statement":[' + inner + "]}"


def test_inline_policies_of_a_role_over_10240_characters_are_refused(aws: Client) -> None:
    iam = aws("iam")
    role = unique("big-policy")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    first = statement_document(70)
    assert 5_200 < limits.policy_size(first) < 6_000
    # Whitespace does not count: this one is far over 10,240 characters, but not without it.
    iam.put_role_policy(
        RoleName=role, PolicyName="one", PolicyDocument=statement_document(50, " " * 200)
    )
    iam.delete_role_policy(RoleName=role, PolicyName="one")
    iam.put_role_policy(RoleName=role, PolicyName="one", PolicyDocument=first)
    error = refused(
        iam.put_role_policy, RoleName=role, PolicyName="two", PolicyDocument=statement_document(70)
    )
    assert error["Code"] == "LimitExceeded"
    assert error["Status"] == 409
    assert error["Message"] == f"Maximum policy size of 10240 bytes exceeded for role {role}"
    # Replacing a policy counts the new document instead of the old one.
    iam.put_role_policy(RoleName=role, PolicyName="one", PolicyDocument=statement_document(100))
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["one"]


def test_a_stack_whose_role_outgrows_the_quota_fails_on_the_role(aws: Client) -> None:
    name = unique("role-stack")
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "Policies": [
                {"PolicyName": "p", "PolicyDocument": json.loads(statement_document(140))}
            ],
        },
    }
    roles_before = len(aws("iam").list_roles()["Roles"])
    aws("cloudformation").create_stack(StackName=name, TemplateBody=body({"Role": role}))
    assert_status(aws, name, "ROLLBACK_COMPLETE")
    assert reason(aws, name, "Role").startswith(
        "LimitExceeded: Maximum policy size of 10240 bytes exceeded for role"
    )
    assert len(aws("iam").list_roles()["Roles"]) == roles_before  # nothing half-made


def test_managed_policies_over_6144_characters_or_11_on_a_role_are_refused(aws: Client) -> None:
    iam = aws("iam")
    error = refused(
        iam.create_policy, PolicyName=unique("big"), PolicyDocument=statement_document(90)
    )
    assert error["Code"] == "LimitExceeded"
    assert error["Status"] == 409
    assert error["Message"] == "Cannot exceed quota for PolicySize: 6144"
    role = unique("many")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    arns = [
        iam.create_policy(PolicyName=unique("p"), PolicyDocument=statement_document(1))["Policy"][
            "Arn"
        ]
        for _ in range(11)
    ]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    error = refused(iam.attach_role_policy, RoleName=role, PolicyArn=arns[10])
    assert error["Code"] == "LimitExceeded"
    assert error["Message"] == "Cannot exceed quota for PoliciesPerRole: 10"


# --- SQS and SNS -------------------------------------------------------------------------------


def test_an_sqs_message_over_the_queue_maximum_is_refused_attributes_included(
    aws: Client,
) -> None:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=unique("small"), Attributes={"MaximumMessageSize": "262144"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 262_144)
    error = refused(sqs.send_message, QueueUrl=url, MessageBody="x" * 262_145)
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."
    )
    # Attributes count: name, type and value.
    attributes = {"note": {"DataType": "String", "StringValue": "y" * 100}}
    error = refused(
        sqs.send_message, QueueUrl=url, MessageBody="x" * 262_100, MessageAttributes=attributes
    )
    assert "Message must be shorter than 262144 bytes" in error["Message"]
    # Bytes, not characters.
    error = refused(sqs.send_message, QueueUrl=url, MessageBody="é" * 131_073)
    assert "Message must be shorter than 262144 bytes" in error["Message"]
    # A queue's default (and largest) maximum is 1 MiB, since August 2025.
    default = sqs.create_queue(QueueName=unique("default"))["QueueUrl"]
    sqs.send_message(QueueUrl=default, MessageBody="x" * 1_048_576)
    error = refused(sqs.send_message, QueueUrl=default, MessageBody="x" * 1_048_577)
    assert error["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
    )


def test_an_sns_message_over_256_kb_is_refused_attributes_included(aws: Client) -> None:
    sns = aws("sns")
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    sns.publish(TopicArn=topic, Message="x" * 262_144, Subject="the subject does not count")
    error = refused(sns.publish, TopicArn=topic, Message="x" * 262_145)
    assert error["Code"] == "InvalidParameter"
    assert error["Status"] == 400
    assert error["Message"] == "Invalid parameter: Message too long"
    attributes = {"note": {"DataType": "String", "StringValue": "y" * 100}}
    error = refused(
        sns.publish, TopicArn=topic, Message="x" * 262_100, MessageAttributes=attributes
    )
    assert error["Message"] == "Invalid parameter: Message too long"
    # A topic may raise its maximum to 1 MiB (since September 2026).
    sns.set_topic_attributes(
        TopicArn=topic, AttributeName="MaximumMessageSize", AttributeValue="1048576"
    )
    sns.publish(TopicArn=topic, Message="x" * 300_000)
    error = refused(sns.publish, TopicArn=topic, Message="x" * 1_048_577)
    assert error["Message"] == "Invalid parameter: Message too long"
