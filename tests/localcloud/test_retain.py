"""DeletionPolicy and UpdateReplacePolicy Retain keep resources, and their data, in the account."""

from __future__ import annotations

from typing import Any

from tests.localcloud.helpers import Client, assert_status, body, events, unique


def bucket(name: str, **policies: str) -> dict[str, Any]:
    return {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}, **policies}


def bucket_names(aws: Client) -> list[str]:
    return [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]


def test_an_update_that_removes_a_retained_bucket_keeps_it_and_its_objects(aws: Client) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, kept, dropped = unique("retain"), unique("kept"), unique("dropped")
    cfn.create_stack(
        StackName=name,
        TemplateBody=body(
            {
                "Kept": bucket(kept, DeletionPolicy="Retain"),
                "Dropped": bucket(dropped),
                "Queue": {"Type": "AWS::SQS::Queue"},
            }
        ),
    )
    assert_status(aws, name, "CREATE_COMPLETE")
    s3.put_object(Bucket=kept, Key="photo.jpg", Body=b"pixels")

    cfn.update_stack(StackName=name, TemplateBody=body({"Queue": {"Type": "AWS::SQS::Queue"}}))

    assert_status(aws, name, "UPDATE_COMPLETE")
    assert kept in bucket_names(aws)
    assert dropped not in bucket_names(aws)
    assert s3.get_object(Bucket=kept, Key="photo.jpg")["Body"].read() == b"pixels"
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in events(aws, name)}
    assert ("Kept", "DELETE_SKIPPED") in statuses
    assert ("Dropped", "DELETE_COMPLETE") in statuses
    resources = aws("cloudformation").list_stack_resources(StackName=name)
    assert [r["LogicalResourceId"] for r in resources["StackResourceSummaries"]] == ["Queue"]
    cfn.delete_stack(StackName=name)


def test_deleting_the_stack_keeps_retained_resources(aws: Client) -> None:
    cfn, s3, dynamodb = aws("cloudformation"), aws("s3"), aws("dynamodb")
    name, kept = unique("retain-delete"), unique("kept")
    table: dict[str, Any] = {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        },
    }
    stack_id = cfn.create_stack(
        StackName=name,
        TemplateBody=body(
            {"Kept": bucket(kept, DeletionPolicy="Retain"), "Table": table},
            outputs={"TableName": {"Value": {"Ref": "Table"}}},
        ),
    )["StackId"]
    assert_status(aws, name, "CREATE_COMPLETE")
    table_name = aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["Outputs"][0][
        "OutputValue"
    ]
    s3.put_object(Bucket=kept, Key="a.txt", Body=b"kept")
    dynamodb.put_item(TableName=table_name, Item={"id": {"S": "1"}})

    cfn.delete_stack(StackName=name)

    assert_status(aws, stack_id, "DELETE_COMPLETE")
    assert s3.get_object(Bucket=kept, Key="a.txt")["Body"].read() == b"kept"
    assert dynamodb.get_item(TableName=table_name, Key={"id": {"S": "1"}})["Item"]


def test_a_replaced_bucket_with_update_replace_policy_retain_survives(aws: Client) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, first, second = unique("replace"), unique("first"), unique("second")
    policies = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    cfn.create_stack(StackName=name, TemplateBody=body({"Bucket": bucket(first, **policies)}))
    s3.put_object(Bucket=first, Key="old.txt", Body=b"old")

    # A new BucketName needs a new bucket: the old one stays because of UpdateReplacePolicy.
    cfn.update_stack(StackName=name, TemplateBody=body({"Bucket": bucket(second, **policies)}))

    assert_status(aws, name, "UPDATE_COMPLETE")
    assert {first, second} <= set(bucket_names(aws))
    assert s3.get_object(Bucket=first, Key="old.txt")["Body"].read() == b"old"
    cfn.delete_stack(StackName=name)


def test_a_deleted_stack_is_still_described_by_its_id(aws: Client) -> None:
    cfn = aws("cloudformation")
    name = unique("gone")
    stack_id = cfn.create_stack(
        StackName=name,
        TemplateBody=body(
            {"Queue": {"Type": "AWS::SQS::Queue"}}, outputs={"Url": {"Value": {"Ref": "Queue"}}}
        ),
    )["StackId"]

    cfn.delete_stack(StackName=name)

    described = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert described["StackStatus"] == "DELETE_COMPLETE"
    assert "Outputs" not in described
    assert [e["ResourceStatus"] for e in events(aws, stack_id)][-3:] == [
        "DELETE_IN_PROGRESS",
        "DELETE_COMPLETE",
        "DELETE_COMPLETE",
    ]


def test_a_bucket_with_objects_fails_the_delete_until_it_is_emptied(aws: Client) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, full = unique("full"), unique("full")
    cfn.create_stack(
        StackName=name,
        TemplateBody=body({"Bucket": bucket(full), "Queue": {"Type": "AWS::SQS::Queue"}}),
    )
    s3.put_object(Bucket=full, Key="left.txt", Body=b"x")

    cfn.delete_stack(StackName=name)

    assert_status(aws, name, "DELETE_FAILED")  # still listed under its name, as on AWS
    failed = {
        e["LogicalResourceId"]: e["ResourceStatusReason"]
        for e in events(aws, name)
        if e["ResourceStatus"] == "DELETE_FAILED"
    }
    assert failed == {
        "Bucket": "BucketNotEmpty: The bucket you tried to delete is not empty",
        name: "The following resource(s) failed to delete: [Bucket]. ",
    }
    assert full in bucket_names(aws)
    resources = aws("cloudformation").list_stack_resources(StackName=name)
    assert [r["LogicalResourceId"] for r in resources["StackResourceSummaries"]] == ["Bucket"]

    s3.delete_object(Bucket=full, Key="left.txt")
    stack_id = aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=name)
    assert_status(aws, stack_id, "DELETE_COMPLETE")
    assert full not in bucket_names(aws)
