"""S3 buckets: the bucket, its notifications to functions, and its bucket and object ARNs."""

from __future__ import annotations

from typing import Any

from tether.model import Bucket, BucketTrigger, Function, Resource, Trigger
from tether.synth.base import BaseFamily, invoke_permission, retention
from tether.synth.template import Context, Json, of_resource, sub

# Every bucket Tether creates blocks public access and encrypts at rest.
PRIVATE_ENCRYPTED: dict[str, Json] = {
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    },
    "BucketEncryption": {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    },
}
S3_EVENTS = {"created": "s3:ObjectCreated:*", "removed": "s3:ObjectRemoved:*"}


class BucketFamily(BaseFamily):
    def declare(self, ctx: Context, resource: Resource) -> None:
        assert isinstance(resource, Bucket)
        properties: dict[str, Json] = {
            "BucketName": ctx.bucket_name(resource),
            **PRIVATE_ENCRYPTED,
            "Tags": ctx.tags(),
        }
        if resource.versioning:
            properties["VersioningConfiguration"] = {"Status": "Enabled"}
        ctx.add(
            resource.logical_id,
            "AWS::S3::Bucket",
            properties,
            owner=of_resource(resource.name),
            **retention(resource),
        )
        ctx.output(
            f"{resource.logical_id}Name",
            ctx.bucket_name(resource),
            f"name of bucket {resource.name}",
        )
        ctx.output(
            f"{resource.logical_id}Arn",
            self.scope_arns(ctx, resource, "bucket")[0],
            f"ARN of bucket {resource.name}",
        )

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        assert isinstance(trigger, BucketTrigger)
        bucket = ctx.resource(trigger.resource)
        permission = invoke_permission(
            ctx,
            function,
            f"{function.logical_id}{bucket.logical_id}Permission",
            resource=bucket.name,
            principal="s3.amazonaws.com",
            source_arn=self.scope_arns(ctx, bucket, "bucket")[0],
            source_account=True,
        )
        # The bucket waits for the permission: S3 checks it when the notification is saved.
        ctx.depends_on(bucket.logical_id, permission)
        properties = ctx.resources[bucket.logical_id]["Properties"]
        configs: list[dict[str, Any]] = properties.setdefault(
            "NotificationConfiguration", {}
        ).setdefault("LambdaConfigurations", [])
        rules = [{"Name": "prefix", "Value": trigger.prefix}] if trigger.prefix else []
        rules += [{"Name": "suffix", "Value": trigger.suffix}] if trigger.suffix else []
        for event in trigger.events:
            config: dict[str, Json] = {
                "Event": S3_EVENTS[event],
                "Function": ctx.function_arn(function),
            }
            if rules:
                config["Filter"] = {"S3Key": {"Rules": rules}}
            configs.append(config)

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        if resource.is_external:
            assert resource.external is not None
            return [resource.external if scope == "bucket" else f"{resource.external}/*"]
        name = ctx.bucket_name(resource)["Fn::Sub"]
        return [sub(f"arn:${{AWS::Partition}}:s3:::{name}" + ("/*" if scope == "object" else ""))]

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        return ctx.bucket_name(resource)
