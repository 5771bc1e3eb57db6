"""A failed create or update rolls back: no stack is left IN_PROGRESS or half-changed, and the
events name the failing resource with a plain reason."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import (
    Client,
    assert_status,
    body,
    events,
    function,
    outputs,
    physical_ids,
    stack,
    unique,
)


def failed_event(aws: Client, name: str, logical_id: str) -> dict[str, Any]:
    found = [
        e
        for e in events(aws, name)
        if e["LogicalResourceId"] == logical_id and e["ResourceStatus"].endswith("_FAILED")
    ]
    assert found, f"no *_FAILED event for {logical_id}: {events(aws, name)}"
    return found[-1]


def queue_urls(aws: Client) -> list[str]:
    return list(aws("sqs").list_queues().get("QueueUrls", []))


def test_a_type_the_local_cloud_cannot_create_rolls_the_create_back(aws: Client) -> None:
    cfn = aws("cloudformation")
    name = unique("cannot")
    template = body(
        {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Graph": {
                "Type": "AWS::AppSync::GraphQLApi",
                "DependsOn": "Queue",
                "Properties": {"Name": "graph", "AuthenticationType": "API_KEY"},
            },
        },
        outputs={"GraphArn": {"Value": {"Fn::GetAtt": ["Graph", "Arn"]}}},
    )
    cfn.create_stack(StackName=name, TemplateBody=template)

    assert_status(aws, name, "ROLLBACK_COMPLETE")
    failed = failed_event(aws, name, "Graph")
    assert failed["ResourceStatus"] == "CREATE_FAILED"
    assert "AWS::AppSync::GraphQLApi" in failed["ResourceStatusReason"]
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events(aws, name)]
    assert ("Queue", "DELETE_COMPLETE") in statuses
    assert not any(name in url for url in queue_urls(aws))
    assert "Outputs" not in stack(aws, name)
    assert cfn.list_stack_resources(StackName=name)["StackResourceSummaries"] == []
    # A rolled-back stack can be deleted, as on AWS.
    stack_id = stack(aws, name)["StackId"]
    cfn.delete_stack(StackName=name)
    assert_status(aws, stack_id, "DELETE_COMPLETE")


def test_a_bad_property_rolls_the_create_back(aws: Client, artifact: dict[str, str]) -> None:
    name = unique("bad-code")
    broken = function(artifact, unique("fn"))
    broken["Properties"]["Code"]["S3Key"] = "missing.zip"
    aws("cloudformation").create_stack(
        StackName=name, TemplateBody=body({"Queue": {"Type": "AWS::SQS::Queue"}, "Fn": broken})
    )

    assert_status(aws, name, "ROLLBACK_COMPLETE")
    reason = failed_event(aws, name, "Fn")["ResourceStatusReason"]
    assert "NoSuchKey" in reason and "\n" not in reason


def initial(artifact: dict[str, str], bucket: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}},
            "Topic": {"Type": "AWS::SNS::Topic"},
        },
        "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
    }


def visibility(aws: Client, url: str) -> str:
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return str(attributes["Attributes"]["VisibilityTimeout"])


def test_a_failed_update_restores_the_previous_resources(
    aws: Client, artifact: dict[str, str]
) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, bucket, added = unique("update"), unique("data"), unique("added")
    before = initial(artifact, bucket)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(before))
    assert_status(aws, name, "CREATE_COMPLETE")
    ids = physical_ids(aws, name)
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"data")

    # Modify the queue, add a bucket, remove the topic, and add a function that cannot be
    # created (its code is missing): everything must come back as it was.
    after = copy.deepcopy(before)
    after["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = 90
    after["Resources"]["Added"] = {
        "Type": "AWS::S3::Bucket",
        "Properties": {"BucketName": added},
    }
    del after["Resources"]["Topic"]
    broken = function(artifact, unique("fn"))
    broken["Properties"]["Code"]["S3Key"] = "missing.zip"
    broken["DependsOn"] = ["Queue", "Added"]
    after["Resources"]["Broken"] = broken
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(after))

    assert_status(aws, name, "UPDATE_ROLLBACK_COMPLETE")
    failed = failed_event(aws, name, "Broken")
    assert failed["ResourceStatus"] == "CREATE_FAILED"
    assert "NoSuchKey" in failed["ResourceStatusReason"]
    assert physical_ids(aws, name) == ids  # same resources, same physical IDs
    assert visibility(aws, ids["Queue"]) == "30"
    assert outputs(aws, name) == {"QueueUrl": ids["Queue"]}
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert added not in names
    assert s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"data"
    assert aws("sns").get_topic_attributes(TopicArn=ids["Topic"])["Attributes"]
    assert cfn.get_template(StackName=name)["TemplateBody"] == before

    # The stack still works: a good update goes through.
    good = copy.deepcopy(before)
    good["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = 45
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(good))
    assert_status(aws, name, "UPDATE_COMPLETE")
    assert visibility(aws, ids["Queue"]) == "45"
    cfn.delete_stack(StackName=name)


def test_a_failed_modification_is_undone(aws: Client, artifact: dict[str, str]) -> None:
    cfn = aws("cloudformation")
    name, bucket = unique("modify"), unique("data")
    before = initial(artifact, bucket)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(before))
    ids = physical_ids(aws, name)

    after = copy.deepcopy(before)
    after["Resources"]["Queue"]["Properties"]["VisibilityTimeout"] = "soon"
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(after))

    assert_status(aws, name, "UPDATE_ROLLBACK_COMPLETE")
    failed = failed_event(aws, name, "Queue")
    assert failed["ResourceStatus"] == "UPDATE_FAILED"
    assert "soon" in failed["ResourceStatusReason"]
    assert physical_ids(aws, name) == ids
    assert visibility(aws, ids["Queue"]) == "30"
    cfn.delete_stack(StackName=name)


def test_a_template_with_an_undefined_reference_is_refused_without_a_stack(aws: Client) -> None:
    cfn = aws("cloudformation")
    name = unique("undefined")
    template = body(
        {"Sub": {"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": "Nope"}}}}
    )

    with pytest.raises(ClientError, match=r"Unresolved resource dependencies \[Nope\]"):
        cfn.create_stack(StackName=name, TemplateBody=template)
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName=name)
