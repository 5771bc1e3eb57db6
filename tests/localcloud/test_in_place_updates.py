"""Updating the resource types Tether deploys changes them in place: same names and ARNs,
subscriptions and targets kept, new settings applied."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.localcloud.helpers import Client, assert_status, function, physical_ids, unique


def template(artifact: dict[str, str], fn: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Fn": function(artifact, fn),
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "first"}},
            "Inbox": {"Type": "AWS::SQS::Queue"},
            "Sub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["Inbox", "Arn"]},
                },
            },
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "ScheduleExpression": "rate(1 day)",
                    "Targets": [{"Id": "Fn", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}],
                },
            },
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
                },
            },
            "Stream": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "FunctionName": {"Ref": "Fn"},
                    "StartingPosition": "LATEST",
                },
            },
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": f"/aws/lambda/{fn}", "RetentionInDays": 7},
            },
        }
    }


def test_updates_keep_names_and_apply_settings(aws: Client, artifact: dict[str, str]) -> None:
    cfn = aws("cloudformation")
    name, fn = unique("inplace"), unique("fn")
    first = template(artifact, fn)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(first))
    assert_status(aws, name, "CREATE_COMPLETE")
    before = physical_ids(aws, name)

    second = copy.deepcopy(first)
    resources = second["Resources"]
    resources["Topic"]["Properties"] = {
        "DisplayName": "second",
        "Tags": [{"Key": "team", "Value": "photos"}],
    }
    resources["Rule"]["Properties"]["ScheduleExpression"] = "rate(1 hour)"
    resources["Rule"]["Properties"]["Targets"] = [
        {"Id": "Again", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}, "Input": '{"again": true}'}
    ]
    table = resources["Table"]["Properties"]
    table["AttributeDefinitions"].append({"AttributeName": "user", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"] = [
        {
            "IndexName": "by_user",
            "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    table["StreamSpecification"] = {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    resources["Logs"]["Properties"]["RetentionInDays"] = 30
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(second))

    assert_status(aws, name, "UPDATE_COMPLETE")
    after = physical_ids(aws, name)
    for logical_id in ("Topic", "Sub", "Rule", "Table", "Logs", "Fn"):
        assert after[logical_id] == before[logical_id], logical_id

    sns = aws("sns")
    topic = sns.get_topic_attributes(TopicArn=after["Topic"])["Attributes"]
    assert topic["DisplayName"] == "second"
    assert sns.list_tags_for_resource(ResourceArn=after["Topic"])["Tags"] == [
        {"Key": "team", "Value": "photos"}
    ]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=after["Topic"])["Subscriptions"]
    assert [s["SubscriptionArn"] for s in subscriptions] == [after["Sub"]]

    events = aws("events")
    assert events.describe_rule(Name=after["Rule"])["ScheduleExpression"] == "rate(1 hour)"
    targets = events.list_targets_by_rule(Rule=after["Rule"])["Targets"]
    assert [(t["Id"], t.get("Input")) for t in targets] == [("Again", '{"again": true}')]

    described = aws("dynamodb").describe_table(TableName=after["Table"])["Table"]
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by_user"]
    assert described["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # The stream is new, so its mapping was re-created on the new stream.
    [mapping] = aws("lambda").list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == described["LatestStreamArn"]
    assert after["Stream"] != before["Stream"]

    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn}")["logGroups"]
    assert [g["retentionInDays"] for g in groups] == [30]
    cfn.delete_stack(StackName=name)


def test_point_in_time_recovery_follows_the_template(aws: Client) -> None:
    cfn, name = aws("cloudformation"), unique("pitr")
    table: dict[str, Any] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {"Table": table}}))
    assert_status(aws, name, "CREATE_COMPLETE")
    physical = physical_ids(aws, name)["Table"]

    def status() -> str:
        backups = aws("dynamodb").describe_continuous_backups(TableName=physical)
        description = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        return str(description["PointInTimeRecoveryStatus"])

    assert status() == "ENABLED"
    del table["Properties"]["PointInTimeRecoverySpecification"]
    cfn.update_stack(StackName=name, TemplateBody=json.dumps({"Resources": {"Table": table}}))
    assert_status(aws, name, "UPDATE_COMPLETE")
    assert status() == "DISABLED"
    cfn.delete_stack(StackName=name)


def test_a_dead_letter_queue_added_and_removed_by_an_update(aws: Client) -> None:
    cfn, name = aws("cloudformation"), unique("redrive")
    queues: dict[str, Any] = {
        "Dead": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}},
        "Work": {"Type": "AWS::SQS::Queue"},
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": queues}))
    assert_status(aws, name, "CREATE_COMPLETE")
    ids = physical_ids(aws, name)
    sqs = aws("sqs")

    def attributes(logical_id: str) -> dict[str, str]:
        found = sqs.get_queue_attributes(QueueUrl=ids[logical_id], AttributeNames=["All"])
        return dict(found["Attributes"])

    dead_arn = attributes("Dead")["QueueArn"]
    queues["Work"]["Properties"] = {
        "RedrivePolicy": {
            "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
            "maxReceiveCount": 3,
        },
        "MessageRetentionPeriod": 600,
    }
    cfn.update_stack(StackName=name, TemplateBody=json.dumps({"Resources": queues}))
    assert_status(aws, name, "UPDATE_COMPLETE")
    work = attributes("Work")
    assert json.loads(work["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_arn,
        "maxReceiveCount": 3,
    }
    assert work["MessageRetentionPeriod"] == "600"

    del queues["Work"]["Properties"]
    cfn.update_stack(StackName=name, TemplateBody=json.dumps({"Resources": queues}))
    assert_status(aws, name, "UPDATE_COMPLETE")
    work = attributes("Work")
    assert "RedrivePolicy" not in work
    assert work["MessageRetentionPeriod"] == "345600"
    cfn.delete_stack(StackName=name)
