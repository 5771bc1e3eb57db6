"""The example app's full template deploys completely on the local cloud: create, update,
delete, with every output resolved and every trigger wired."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import tether
from tests.helpers import EXAMPLE
from tests.localcloud.helpers import ACCOUNT, REGION, Client, assert_status, outputs, physical_ids
from tether.synth import to_json

# A stage of its own: the session's local cloud is shared with tests that deploy photos as "dev".
STAGE = f"lc{uuid.uuid4().hex[:6]}"
STACK = f"photos-{STAGE}"


def parameters(artifact: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"ParameterKey": "ArtifactBucket", "ParameterValue": artifact["bucket"]},
        {"ParameterKey": "CodeKey", "ParameterValue": artifact["key"]},
    ]


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_the_photos_template_deploys_updates_and_deletes(
    aws: Client, artifact: dict[str, str]
) -> None:
    template = tether.synthesize(tether.load_project(EXAMPLE), stage=STAGE)
    cfn = aws("cloudformation")

    stack_id = cfn.create_stack(
        StackName=STACK, TemplateBody=to_json(template), Parameters=parameters(artifact)
    )["StackId"]

    assert_status(aws, STACK, "CREATE_COMPLETE")
    out = outputs(aws, STACK)
    assert set(out) == set(template["Outputs"])
    assert all(out.values()), {k: v for k, v in out.items() if not v}
    ids = physical_ids(aws, STACK)
    assert set(ids) == set(template["Resources"])
    assert all(ids.values())
    check_functions(aws, template, out)
    check_triggers(aws, template, out, ids)

    # Update: more memory and a new variable for one function; everything else stays put.
    changed = copy.deepcopy(template)
    resize = changed["Resources"]["ResizeFunction"]["Properties"]
    resize["MemorySize"] = 1024
    resize["Environment"]["Variables"]["LOG_LEVEL"] = "debug"
    policy = changed["Resources"]["ResizeRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "WorkQueue"]
    cfn.update_stack(
        StackName=STACK, TemplateBody=to_json(changed), Parameters=parameters(artifact)
    )
    assert_status(aws, STACK, "UPDATE_COMPLETE")
    assert physical_ids(aws, STACK) == ids
    assert outputs(aws, STACK) == out
    config = aws("lambda").get_function_configuration(FunctionName=f"{STACK}-resize")
    assert config["MemorySize"] == 1024
    assert config["Environment"]["Variables"]["LOG_LEVEL"] == "debug"
    assert "WorkQueue" not in statement_ids(aws, ids["ResizeRole"])
    check_triggers(aws, changed, out, ids)

    cfn.delete_stack(StackName=STACK)
    assert_status(aws, stack_id, "DELETE_COMPLETE")
    pages = aws("lambda").get_paginator("list_functions").paginate()
    names = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert not [n for n in names if n.startswith(f"{STACK}-")]
    buckets = [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(f"{STACK}-")]
    roles = [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    assert not [r for r in roles if r.startswith(f"{STACK}-")]
    tables = aws("dynamodb").list_tables()["TableNames"]
    assert not [t for t in tables if t.startswith(f"{STACK}-")]
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{STACK}-")
    assert not groups["logGroups"]
    assert not aws("sqs").list_queues(QueueNamePrefix=f"{STACK}-").get("QueueUrls")
    assert out["WebHttpApiUrl"].split("//")[1].split(".")[0] not in [
        a["ApiId"] for a in aws("apigatewayv2").get_apis()["Items"]
    ]


def statement_ids(aws: Client, role: str) -> list[str]:
    document = aws("iam").get_role_policy(RoleName=role, PolicyName="least-privilege")
    return [s["Sid"] for s in document["PolicyDocument"]["Statement"]]


def check_functions(aws: Client, template: dict[str, Any], out: dict[str, str]) -> None:
    """Every function has the handler, memory, timeout and environment of the template."""
    lam = aws("lambda")
    for logical_id, resource in of_type(template, "AWS::Lambda::Function").items():
        wanted = resource["Properties"]
        config = lam.get_function_configuration(FunctionName=wanted["FunctionName"])
        assert config["FunctionArn"] == out[f"{logical_id}Arn"]
        assert config["Handler"] == wanted["Handler"]
        assert config["MemorySize"] == wanted["MemorySize"]
        assert config["Timeout"] == wanted["Timeout"]
        assert config["Runtime"] == wanted["Runtime"]
        assert set(config["Environment"]["Variables"]) == set(wanted["Environment"]["Variables"])
    resize = lam.get_function_configuration(FunctionName=f"{STACK}-resize")
    assert resize["Environment"]["Variables"] == {
        "LOG_LEVEL": "info",
        "ORDERS_TABLE": out["OrdersTableName"],
        "THUMBS_BUCKET": out["ThumbsBucketName"],
        "UPLOADS_BUCKET": out["UploadsBucketName"],
        "WORK_QUEUE_URL": out["WorkQueueUrl"],
    }
    assert out["UploadsBucketName"] == f"{STACK}-uploads-{ACCOUNT}-{REGION}"


def check_triggers(
    aws: Client, template: dict[str, Any], out: dict[str, str], ids: dict[str, str]
) -> None:
    # S3 -> resize: the bucket notification with its filter.
    notification = aws("s3").get_bucket_notification_configuration(Bucket=out["UploadsBucketName"])
    [config] = notification["LambdaFunctionConfigurations"]
    assert config["LambdaFunctionArn"] == out["ResizeFunctionArn"]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"]: r["Value"] for r in config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "incoming/", "suffix": ".jpg"}

    # SNS subscriptions (photos declares none; any the template has must exist).
    for logical_id in of_type(template, "AWS::SNS::Subscription"):
        arns = [s["SubscriptionArn"] for s in aws("sns").list_subscriptions()["Subscriptions"]]
        assert ids[logical_id] in arns

    # SQS -> worker and the table's stream -> notify.
    lam = aws("lambda")
    [queue_mapping] = lam.list_event_source_mappings(FunctionName=f"{STACK}-worker")[
        "EventSourceMappings"
    ]
    assert queue_mapping["EventSourceArn"] == out["WorkQueueArn"]
    assert queue_mapping["BatchSize"] == 10
    assert queue_mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    [stream_mapping] = lam.list_event_source_mappings(FunctionName=f"{STACK}-notify")[
        "EventSourceMappings"
    ]
    assert stream_mapping["EventSourceArn"] == out["OrdersTableStreamArn"]
    assert stream_mapping["StartingPosition"] == "LATEST"
    table = aws("dynamodb").describe_table(TableName=out["OrdersTableName"])["Table"]
    assert table["LatestStreamArn"] == out["OrdersTableStreamArn"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    # The schedule -> report.
    events = aws("events")
    rule_name = out["NightlyScheduleArn"].rsplit("/", 1)[-1]
    assert events.describe_rule(Name=rule_name)["ScheduleExpression"] == "rate(1 day)"
    [target] = events.list_targets_by_rule(Rule=rule_name)["Targets"]
    assert target["Arn"] == out["ReportFunctionArn"]

    # The HTTP API -> api.
    gateway = aws("apigatewayv2")
    api_id = ids["WebHttpApi"]
    assert gateway.get_api(ApiId=api_id)["ApiEndpoint"] == out["WebHttpApiUrl"]
    assert [r["RouteKey"] for r in gateway.get_routes(ApiId=api_id)["Items"]] == [
        "GET /orders/{id}"
    ]
    [integration] = gateway.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationUri"] == out["ApiFunctionArn"]

    # Invoke permissions, scoped to their source.
    policy = json.loads(lam.get_policy(FunctionName=f"{STACK}-resize")["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == out["UploadsBucketArn"]

    # One role per function, with its inline least-privilege policy; one log group each.
    role = ids["ResizeRole"]
    assert aws("iam").list_role_policies(RoleName=role)["PolicyNames"] == ["least-privilege"]
    wanted = template["Resources"]["ResizeRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert statement_ids(aws, role) == [s["Sid"] for s in wanted["Statement"]]
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{STACK}-")
    assert len(groups["logGroups"]) == len(of_type(template, "AWS::Logs::LogGroup"))
