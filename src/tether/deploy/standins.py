"""Local stand-ins for external resources: which are missing on the local cloud, and creating them.

An external bucket, table, topic or queue exists on AWS, not on the local cloud, so a function
using it fails locally (NoSuchBucket) and a trigger on it cannot be wired. On the local target
only, `deploy` finds the ones missing (`missing`) and, when the user agrees or passes
`--stand-ins`, creates each as an empty stand-in (`create`): the same name and region in the
local cloud's account (`tether.model.standins`), tagged `tether:stand-in`. Never on AWS:
external resources there are the user's and are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tether.cloud import Cloud
from tether.cloud.session import connect
from tether.model import Bucket, Project, Queue, Resource, Table, Topic
from tether.model.standins import stand_in, stream_label

STAND_IN_TAG = "tether:stand-in"
STREAM_LABEL_TAG = "tether:stream-label"  # read by the local cloud (extensions.dynamodb_stand_in)
DEFAULT_KEY = (("id", "S"),)  # a stand-in table's key when tether.yaml gives none


@dataclass(frozen=True)
class StandIn:
    """An external resource as the local cloud has it (or lacks it)."""

    resource: Resource  # as the local target sees it: external names the stand-in
    region: str

    @property
    def name(self) -> str:
        return self.resource.external_name

    def describe(self) -> str:
        kind = self.resource.type_name.split(".")[-1]
        return f"{kind} {self.resource.name} ({self.name})"


def stand_ins(project: Project) -> list[StandIn]:
    """Every external resource of the project that the local cloud can stand in for."""
    found = []
    for resource in project.resources.values():
        if resource.external is None or type(resource) not in _EXISTS:
            continue
        local = stand_in(resource)
        assert local.external is not None
        region = local.external.split(":")[3] or project.region  # S3 ARNs name no region
        found.append(StandIn(local, region))
    return found


def missing(project: Project, cloud: Cloud) -> list[StandIn]:
    """The external resources the local cloud `cloud` does not have (none on AWS)."""
    if cloud.target != "local":
        return []
    return [s for s in stand_ins(project) if not _EXISTS[type(s.resource)](_client(cloud, s), s)]


def create(cloud: Cloud, wanted: list[StandIn]) -> list[str]:
    """Create each missing resource empty on the local cloud; what was created, for the user."""
    if cloud.target != "local":
        raise ValueError("stand-ins are created on the local cloud only")
    created = []
    for one in wanted:
        client = _client(cloud, one)
        with cloud.guard():
            note = _CREATE[type(one.resource)](client, one)
        created.append(f"created an empty local stand-in for {one.describe()}{note}")
    return created


def _client(cloud: Cloud, one: StandIn) -> Any:
    service = {Bucket: "s3", Table: "dynamodb", Topic: "sns", Queue: "sqs"}[type(one.resource)]
    regional = (
        cloud
        if one.region == cloud.region
        else connect("local", one.region, endpoint=cloud.endpoint)
    )
    return regional.client(service)


def _absent(call: Callable[[], Any], *codes: str) -> bool:
    """True when `call` fails with one of AWS's not-found `codes`."""
    try:
        call()
    except Exception as exc:  # botocore's ClientError, whose class differs per client
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in codes:
            return True
        raise
    return False


_EXISTS: dict[type[Resource], Callable[[Any, StandIn], bool]] = {
    Bucket: lambda s3, one: (
        not _absent(lambda: s3.head_bucket(Bucket=one.name), "404", "NoSuchBucket")
    ),
    Table: lambda ddb, one: (
        not _absent(lambda: ddb.describe_table(TableName=one.name), "ResourceNotFoundException")
    ),
    Topic: lambda sns, one: (
        not _absent(lambda: sns.get_topic_attributes(TopicArn=one.resource.external), "NotFound")
    ),
    Queue: lambda sqs, one: (
        not _absent(
            lambda: sqs.get_queue_url(QueueName=one.name),
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        )
    ),
}


def _tags(one: StandIn) -> dict[str, str]:
    return {STAND_IN_TAG: "true"}


def _bucket(s3: Any, one: StandIn) -> str:
    options: dict[str, Any] = {"Bucket": one.name}
    if one.region != "us-east-1":
        options["CreateBucketConfiguration"] = {"LocationConstraint": one.region}
    s3.create_bucket(**options)
    s3.put_bucket_tagging(
        Bucket=one.name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in _tags(one).items()]}
    )
    return ""


def _table(ddb: Any, one: StandIn) -> str:
    table = one.resource
    assert isinstance(table, Table)
    key = table.key or DEFAULT_KEY
    tags = _tags(one)
    options: dict[str, Any] = {}
    if table.stream_arn:
        options["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        tags[STREAM_LABEL_TAG] = stream_label(table.stream_arn)
    ddb.create_table(
        TableName=one.name,
        KeySchema=[
            {"AttributeName": name, "KeyType": ("HASH", "RANGE")[i]}
            for i, (name, _) in enumerate(key)
        ],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": kind} for name, kind in key],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        **options,
    )
    if table.key:
        return ""
    return (
        f", keyed on {DEFAULT_KEY[0][0]} (S): give the table `key:` in tether.yaml for its real key"
    )


def _topic(sns: Any, one: StandIn) -> str:
    attributes = {"FifoTopic": "true"} if one.name.endswith(".fifo") else {}
    sns.create_topic(
        Name=one.name,
        Attributes=attributes,
        Tags=[{"Key": k, "Value": v} for k, v in _tags(one).items()],
    )
    return ""


def _queue(sqs: Any, one: StandIn) -> str:
    attributes = {"FifoQueue": "true"} if one.name.endswith(".fifo") else {}
    sqs.create_queue(QueueName=one.name, Attributes=attributes, tags=_tags(one))
    return ""


_CREATE: dict[type[Resource], Callable[[Any, StandIn], str]] = {
    Bucket: _bucket,
    Table: _table,
    Topic: _topic,
    Queue: _queue,
}
