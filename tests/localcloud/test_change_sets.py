"""Change sets go through the same create/update path as CreateStack and UpdateStack:
executing one rolls back on failure and honours DeletionPolicy Retain."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import (
    Client,
    assert_status,
    events,
    function,
    physical_ids,
    unique,
)


def resources(bucket: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "Properties": {"BucketName": bucket},
            },
        }
    }


def changes(aws: Client, stack: str, change_set: str) -> set[tuple[str, str, str]]:
    described = aws("cloudformation").describe_change_set(StackName=stack, ChangeSetName=change_set)
    return {
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"], c["Type"])
        for c in described["Changes"]
    }


def test_create_and_update_change_sets_deploy_like_stacks(aws: Client) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, bucket = unique("changes"), unique("kept")
    first = resources(bucket)

    cfn.create_change_set(
        StackName=name,
        ChangeSetName="create",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(first),
    )
    assert_status(aws, name, "REVIEW_IN_PROGRESS")
    assert changes(aws, name, "create") == {
        ("Add", "Queue", "Resource"),
        ("Add", "Topic", "Resource"),
        ("Add", "Bucket", "Resource"),
    }
    cfn.execute_change_set(StackName=name, ChangeSetName="create")
    assert_status(aws, name, "CREATE_COMPLETE")
    described = cfn.describe_change_set(StackName=name, ChangeSetName="create")
    assert described["ExecutionStatus"] == "EXECUTE_COMPLETE"
    ids = physical_ids(aws, name)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"kept")

    second = copy.deepcopy(first)
    second["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = 60
    second["Resources"]["Extra"] = {"Type": "AWS::SQS::Queue"}
    del second["Resources"]["Bucket"]
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="update",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(second),
    )
    assert changes(aws, name, "update") == {
        ("Add", "Extra", "Resource"),
        ("Modify", "Queue", "Resource"),
        ("Remove", "Bucket", "Resource"),
    }
    assert_status(aws, name, "CREATE_COMPLETE")  # nothing changes before execution

    cfn.execute_change_set(StackName=name, ChangeSetName="update")

    assert_status(aws, name, "UPDATE_COMPLETE")
    assert set(physical_ids(aws, name)) == {"Queue", "Topic", "Extra"}
    assert physical_ids(aws, name)["Queue"] == ids["Queue"]
    attributes = aws("sqs").get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "60"
    assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"kept"  # Retain
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in events(aws, name)}
    assert ("Bucket", "DELETE_SKIPPED") in statuses

    cfn.delete_change_set(StackName=name, ChangeSetName="update")
    with pytest.raises(ClientError):
        cfn.describe_change_set(StackName=name, ChangeSetName="update")
    cfn.delete_stack(StackName=name)


def test_a_failing_change_set_rolls_back(aws: Client, artifact: dict[str, str]) -> None:
    cfn = aws("cloudformation")
    name, bucket = unique("changes-bad"), unique("kept")
    first = resources(bucket)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(first))
    ids = physical_ids(aws, name)

    second = copy.deepcopy(first)
    second["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = 60
    broken = function(artifact, unique("fn"))
    broken["Properties"]["Code"]["S3Key"] = "missing.zip"
    broken["DependsOn"] = "Queue"
    second["Resources"]["Broken"] = broken
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="broken",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(second),
    )
    cfn.execute_change_set(StackName=name, ChangeSetName="broken")

    assert_status(aws, name, "UPDATE_ROLLBACK_COMPLETE")
    described = cfn.describe_change_set(StackName=name, ChangeSetName="broken")
    assert described["ExecutionStatus"] == "EXECUTE_FAILED"
    assert physical_ids(aws, name) == ids
    attributes = aws("sqs").get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "30"
    cfn.delete_stack(StackName=name)


def test_a_failing_create_change_set_rolls_back(aws: Client) -> None:
    cfn = aws("cloudformation")
    name = unique("changes-create-bad")
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Graph": {"Type": "AWS::AppSync::GraphQLApi", "DependsOn": "Queue"},
        }
    }
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="create",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    cfn.execute_change_set(StackName=name, ChangeSetName="create")

    assert_status(aws, name, "ROLLBACK_COMPLETE")
    assert cfn.list_stack_resources(StackName=name)["StackResourceSummaries"] == []


def test_a_change_set_without_changes_cannot_be_executed(aws: Client) -> None:
    cfn = aws("cloudformation")
    name = unique("changes-none")
    template = json.dumps(resources(unique("kept")))
    cfn.create_stack(StackName=name, TemplateBody=template)
    cfn.create_change_set(
        StackName=name, ChangeSetName="same", ChangeSetType="UPDATE", TemplateBody=template
    )
    described = cfn.describe_change_set(StackName=name, ChangeSetName="same")
    assert (described["Status"], described["ExecutionStatus"]) == ("FAILED", "UNAVAILABLE")

    with pytest.raises(ClientError, match="InvalidChangeSetStatus"):
        cfn.execute_change_set(StackName=name, ChangeSetName="same")
    assert_status(aws, name, "CREATE_COMPLETE")
