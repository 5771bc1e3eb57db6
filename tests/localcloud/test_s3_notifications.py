"""A bucket's NotificationConfiguration from the template is what S3 reports, after create
and after every update."""

from __future__ import annotations

from typing import Any

from tests.localcloud.helpers import Client, assert_status, body, function, unique


def template(artifact: dict[str, str], bucket: str, fn: str, notifications: Any) -> str:
    properties: dict[str, Any] = {"BucketName": bucket}
    if notifications is not None:
        properties["NotificationConfiguration"] = notifications
    return body(
        {
            "Fn": function(artifact, fn),
            "Jobs": {"Type": "AWS::SQS::Queue"},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": properties},
        }
    )


def lambda_config(prefix: str, suffix: str) -> dict[str, Any]:
    return {
        "LambdaConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Function": {"Fn::GetAtt": ["Fn", "Arn"]},
                "Filter": {
                    "S3Key": {
                        "Rules": [
                            {"Name": "prefix", "Value": prefix},
                            {"Name": "suffix", "Value": suffix},
                        ]
                    }
                },
            }
        ]
    }


def rules(configuration: dict[str, Any]) -> dict[str, str]:
    return {r["Name"]: r["Value"] for r in configuration["Filter"]["Key"]["FilterRules"]}


def test_notifications_follow_the_template_on_create_and_update(
    aws: Client, artifact: dict[str, str]
) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, bucket, fn = unique("notify"), unique("uploads"), unique("resize")
    fn_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{fn}"

    cfn.create_stack(
        StackName=name, TemplateBody=template(artifact, bucket, fn, lambda_config("in/", ".jpg"))
    )
    assert_status(aws, name, "CREATE_COMPLETE")
    created = s3.get_bucket_notification_configuration(Bucket=bucket)
    [config] = created["LambdaFunctionConfigurations"]
    assert config["LambdaFunctionArn"] == fn_arn
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert rules(config) == {"prefix": "in/", "suffix": ".jpg"}

    # Update: new suffix, plus a queue destination for deletions.
    updated_config = lambda_config("in/", ".png")
    updated_config["QueueConfigurations"] = [
        {"Event": "s3:ObjectRemoved:*", "Queue": {"Fn::GetAtt": ["Jobs", "Arn"]}}
    ]
    cfn.update_stack(StackName=name, TemplateBody=template(artifact, bucket, fn, updated_config))
    assert_status(aws, name, "UPDATE_COMPLETE")
    updated = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert rules(updated["LambdaFunctionConfigurations"][0]) == {"prefix": "in/", "suffix": ".png"}
    [queue] = updated["QueueConfigurations"]
    assert queue["Events"] == ["s3:ObjectRemoved:*"]
    assert queue["QueueArn"].startswith("arn:aws:sqs:us-east-1:123456789012:")

    # Update: notifications removed from the template are removed from the bucket.
    cfn.update_stack(StackName=name, TemplateBody=template(artifact, bucket, fn, None))
    assert_status(aws, name, "UPDATE_COMPLETE")
    cleared = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not cleared.get("LambdaFunctionConfigurations")
    assert not cleared.get("QueueConfigurations")

    cfn.delete_stack(StackName=name)


def test_an_invalid_event_fails_the_bucket_and_leaves_no_bucket(
    aws: Client, artifact: dict[str, str]
) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, bucket, fn = unique("notify-bad"), unique("uploads"), unique("resize")
    bad = lambda_config("in/", ".jpg")
    bad["LambdaConfigurations"][0]["Event"] = "s3:ObjectExploded:*"

    cfn.create_stack(StackName=name, TemplateBody=template(artifact, bucket, fn, bad))

    assert_status(aws, name, "ROLLBACK_COMPLETE")
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_versioning_and_public_access_block_are_applied(aws: Client) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    name, bucket = unique("versioned"), unique("thumbs")
    properties: dict[str, Any] = {
        "BucketName": bucket,
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
    }
    cfn.create_stack(
        StackName=name,
        TemplateBody=body({"Bucket": {"Type": "AWS::S3::Bucket", "Properties": properties}}),
    )

    assert_status(aws, name, "CREATE_COMPLETE")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == properties["PublicAccessBlockConfiguration"]
    cfn.delete_stack(StackName=name)
