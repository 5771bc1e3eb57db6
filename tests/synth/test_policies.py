"""Least privilege: every role allows exactly what its function's operations and triggers need."""

from __future__ import annotations

import json
from typing import Any

from tether import Project, synthesize


def policy(template: dict[str, Any], function: str) -> dict[str, dict[str, Any]]:
    """Statements of a function's role, by Sid."""
    role = template["Resources"][f"{function}Role"]["Properties"]
    (document,) = [p["PolicyDocument"] for p in role["Policies"]]
    return {s["Sid"]: s for s in document["Statement"]}


def test_no_wildcard_action_or_resource_anywhere(photos: Project) -> None:
    template = synthesize(photos)
    for lid, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for statement in policy(template, lid.removesuffix("Role")).values():
            for action in statement["Action"]:
                assert "*" not in action, (lid, action)
            for arn in statement["Resource"]:
                assert arn != "*", (lid, statement)


def test_s3_actions_target_objects_or_the_bucket_as_iam_requires(photos: Project) -> None:
    template = synthesize(photos)
    resize = policy(template, "Resize")
    assert resize["ThumbsObject"]["Action"] == ["s3:PutObject"]
    assert resize["ThumbsObject"]["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:s3:::photos-dev-thumbs-${AWS::AccountId}-${AWS::Region}/*"
        }
    ]
    assert resize["UploadsObject"]["Action"] == ["s3:GetObject"]
    report = policy(template, "Report")
    assert report["ThumbsBucket"]["Action"] == ["s3:ListBucket"]
    assert report["ThumbsBucket"]["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::photos-dev-thumbs-${AWS::AccountId}-${AWS::Region}"}
    ]
    assert report["ArchiveObject"]["Resource"] == ["arn:aws:s3:::acme-archive/*"]


def test_functions_get_only_their_own_operations(photos: Project) -> None:
    template = synthesize(photos)
    assert set(policy(template, "Api")) == {"OwnLogs", "OrdersTable"}
    assert policy(template, "Api")["OrdersTable"]["Action"] == ["dynamodb:GetItem"]
    assert set(policy(template, "Notify")) == {"OwnLogs", "OrdersTrigger", "AlertsTopic"}
    assert policy(template, "Notify")["AlertsTopic"]["Resource"] == [{"Ref": "AlertsTopic"}]


def test_logs_go_only_to_the_functions_own_log_group(photos: Project) -> None:
    template = synthesize(photos)
    logs = policy(template, "Worker")["OwnLogs"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
            "log-group:/aws/lambda/photos-dev-worker:log-stream:*"
        }
    ]
    group = template["Resources"]["WorkerLogGroup"]["Properties"]
    assert group["LogGroupName"] == "/aws/lambda/photos-dev-worker"


def test_poll_triggers_get_the_reads_lambda_needs_on_that_source_only(photos: Project) -> None:
    template = synthesize(photos)
    queue = policy(template, "Worker")["WorkTrigger"]
    assert queue["Action"] == [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
    ]
    assert queue["Resource"] == [{"Fn::GetAtt": ["WorkQueue", "Arn"]}]
    stream = policy(template, "Notify")["OrdersTrigger"]
    assert stream["Action"] == [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    ]
    assert stream["Resource"] == [{"Fn::GetAtt": ["OrdersTable", "StreamArn"]}]


def test_every_push_trigger_permission_is_scoped_to_its_source(photos: Project) -> None:
    resources = synthesize(photos)["Resources"]
    permissions = {
        lid: r["Properties"]
        for lid, r in resources.items()
        if r["Type"] == "AWS::Lambda::Permission"
    }
    assert len(permissions) == 3
    for lid, properties in permissions.items():
        assert properties["SourceArn"], lid
        assert properties["Action"] == "lambda:InvokeFunction"
    s3 = permissions["ResizeFunctionUploadsBucketPermission"]
    assert s3["Principal"] == "s3.amazonaws.com"
    assert s3["SourceAccount"] == {"Ref": "AWS::AccountId"}
    route = permissions["WebHttpApiGetOrdersIdRoutePermission"]
    assert route["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebHttpApi}/*/GET/orders/*"
    }


def test_external_resources_are_never_declared_or_tagged(photos: Project) -> None:
    text = json.dumps(synthesize(photos)["Resources"])
    assert text.count("acme-archive") == 2  # the report role's ARN and its ARCHIVE_BUCKET variable
