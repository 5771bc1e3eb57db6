"""AWS::S3::Bucket as CloudFormation handles it: all its properties, and AWS's delete rule.

Properties moto's CloudFormation ignores, applied on create and update:
- `NotificationConfiguration` (Lambda, Queue and Topic configurations with S3Key prefix/suffix
  filters, and EventBridge), so `GetBucketNotificationConfiguration` returns it and moto's S3
  notifications fire for it.
- `VersioningConfiguration` and `PublicAccessBlockConfiguration`.

Deleting a bucket that still holds objects fails (BucketNotEmpty), as on AWS; moto kept such a
bucket silently while the stack forgot it, so the next deploy collided with the orphan.

Hook: the model `LocalBucket` (moto's `FakeBucket`, its create and update wrapped, its delete
replaced), registered for AWS::S3::Bucket.
The configuration is validated before moto creates the bucket, so a bad one leaves no bucket.
No S3 test event is sent (moto sends one when the API sets a configuration): a test event to a
queue or topic wired to Lambda would try to invoke code during the deploy.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import (
    BucketNotEmpty,
    InvalidNotificationARN,
    InvalidNotificationDestination,
    MissingBucket,
)
from moto.s3.models import FakeBucket, NotificationConfiguration, PublicAccessBlock, s3_backends
from moto.utilities.utils import get_partition

from tether.localcloud._patching import register_model

# CloudFormation list property -> (moto's list key, CFN target key, moto target key, service)
_KINDS = {
    "TopicConfigurations": ("TopicConfiguration", "Topic", "Topic", "sns"),
    "QueueConfigurations": ("QueueConfiguration", "Queue", "Queue", "sqs"),
    "LambdaConfigurations": ("CloudFunctionConfiguration", "Function", "CloudFunction", "lambda"),
}


def notification_configuration(
    cfn: dict[str, Any] | None, region_name: str
) -> NotificationConfiguration | None:
    """Translate CloudFormation's NotificationConfiguration into moto's model (validated)."""
    if not cfn:
        return None
    converted: dict[str, Any] = {}
    for cfn_key, (moto_key, target_key, moto_target_key, service) in _KINDS.items():
        entries = []
        for entry in cfn.get(cfn_key) or []:
            arn = str(entry.get(target_key, ""))
            parts = arn.split(":")
            if len(parts) < 6 or parts[0] != "arn" or parts[2] != service:
                raise InvalidNotificationARN()
            if parts[3] != region_name:
                raise InvalidNotificationDestination()
            item: dict[str, Any] = {moto_target_key: arn, "Event": [entry["Event"]]}
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            if rules:
                item["Filter"] = {
                    "S3Key": {
                        "FilterRule": [
                            {"Name": str(rule["Name"]).lower(), "Value": rule["Value"]}
                            for rule in rules
                        ]
                    }
                }
            entries.append(item)
        if entries:
            converted[moto_key] = entries
    event_bridge = (cfn.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled")
    if not converted and not event_bridge:
        return None
    # Notification() validates every event name, raising InvalidNotificationEvent.
    return NotificationConfiguration(
        topic=converted.get("TopicConfiguration"),
        queue=converted.get("QueueConfiguration"),
        cloud_function=converted.get("CloudFunctionConfiguration"),
        event_bridge={} if event_bridge else None,
    )


def _apply(
    bucket: FakeBucket, properties: dict[str, Any], notifications: NotificationConfiguration | None
) -> None:
    bucket.notification_configuration = notifications
    versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        bucket.versioning_status = versioning
    block = properties.get("PublicAccessBlockConfiguration")
    bucket.public_access_block = (
        PublicAccessBlock(
            block.get("BlockPublicAcls"),
            block.get("IgnorePublicAcls"),
            block.get("BlockPublicPolicy"),
            block.get("RestrictPublicBuckets"),
        )
        if block
        else None
    )


def _create(
    cls: type[LocalBucket],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> FakeBucket:
    properties = cloudformation_json.get("Properties") or {}
    notifications = notification_configuration(
        properties.get("NotificationConfiguration"), region_name
    )
    bucket: FakeBucket = super(LocalBucket, cls).create_from_cloudformation_json(
        resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    _apply(bucket, properties, notifications)
    return bucket


def _update(
    cls: type[LocalBucket],
    original_resource: FakeBucket,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> FakeBucket:
    properties = cloudformation_json.get("Properties") or {}
    notifications = notification_configuration(
        properties.get("NotificationConfiguration"), region_name
    )
    # moto's update reads Properties["BucketName"] when tagging; a bucket with a generated name
    # has none, so hand it the current name (equal name: an in-place update, no replacement).
    if "BucketName" not in properties:
        cloudformation_json = {
            **cloudformation_json,
            "Properties": {**properties, "BucketName": original_resource.name},
        }
    bucket: FakeBucket = super(LocalBucket, cls).update_from_cloudformation_json(
        original_resource, new_resource_name, cloudformation_json, account_id, region_name
    )
    _apply(bucket, properties, notifications)
    return bucket


def _delete(
    cls: type[LocalBucket],
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> None:
    backend = s3_backends[account_id][get_partition(region_name)]
    try:
        bucket = backend.get_bucket(resource_name)
    except MissingBucket:
        return  # gone already
    if bucket.keys:
        raise BucketNotEmpty(resource_name)
    backend.delete_bucket(resource_name)


class LocalBucket(FakeBucket, CloudFormationModel):
    """AWS::S3::Bucket as the local cloud's CloudFormation creates, updates and deletes it:
    moto's model, registered in its place through moto's extension point."""

    create_from_cloudformation_json = classmethod(_create)
    update_from_cloudformation_json = classmethod(_update)
    delete_from_cloudformation_json = classmethod(_delete)


def install() -> None:
    register_model(LocalBucket)
