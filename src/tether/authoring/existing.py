"""Resources that exist already in the current target (the local cloud or the AWS account), to
pick one as an external resource: listed live, read-only — Tether never changes them."""

from __future__ import annotations

from typing import Any

from tether.authoring.edits import AuthoringError
from tether.cloud.session import Cloud, connect

LISTED = ("s3.bucket", "dynamodb.table", "sns.topic", "sqs.queue")
MAX_ITEMS = 500  # a picker, not an inventory


def open_cloud(target: str, region: str) -> Cloud:
    """A Cloud to read from; the local cloud must be running (listing never starts an empty one)."""
    if target == "local":
        from tether.localcloud import status

        running = status()
        if running is None:
            raise AuthoringError(
                "the local cloud is not running, so it has nothing to list",
                hint="start it (`tether local start`, or Start in the IDE's status line), or type the ARN",
            )
        return connect("local", region, endpoint=running.endpoint)
    return connect("aws", region)


def existing(cloud: Cloud, type_name: str) -> list[dict[str, str]]:
    """{name, arn} of every resource of `type_name` the target holds, sorted by name."""
    if type_name not in LISTED:
        raise AuthoringError(
            f"a {type_name} cannot be external",
            hint="pick one of: " + ", ".join(LISTED),
            field="type",
        )
    with cloud.guard():
        items = _LISTERS[type_name](cloud)
    return sorted(items, key=lambda item: item["name"])[:MAX_ITEMS]


def _buckets(cloud: Cloud) -> list[dict[str, str]]:
    names = [b["Name"] for b in cloud.client("s3").list_buckets().get("Buckets", [])]
    return [{"name": name, "arn": f"arn:aws:s3:::{name}"} for name in names]


def _tables(cloud: Cloud) -> list[dict[str, str]]:
    client = cloud.client("dynamodb")
    names: list[str] = []
    for page in client.get_paginator("list_tables").paginate():
        names += page.get("TableNames", [])
        if len(names) >= MAX_ITEMS:
            break
    found = []
    for name in names[:MAX_ITEMS]:
        table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
        found.append({"name": name, "arn": str(table["TableArn"])})
    return found


def _topics(cloud: Cloud) -> list[dict[str, str]]:
    arns: list[str] = []
    for page in cloud.client("sns").get_paginator("list_topics").paginate():
        arns += [t["TopicArn"] for t in page.get("Topics", [])]
        if len(arns) >= MAX_ITEMS:
            break
    return [{"name": arn.rsplit(":", 1)[-1], "arn": arn} for arn in arns]


def _queues(cloud: Cloud) -> list[dict[str, str]]:
    client = cloud.client("sqs")
    urls = client.list_queues(MaxResults=1000).get("QueueUrls", [])[:MAX_ITEMS]
    found = []
    for url in urls:
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        arn = str(attributes["Attributes"]["QueueArn"])
        found.append({"name": arn.rsplit(":", 1)[-1], "arn": arn})
    return found


_LISTERS = {
    "s3.bucket": _buckets,
    "dynamodb.table": _tables,
    "sns.topic": _topics,
    "sqs.queue": _queues,
}
