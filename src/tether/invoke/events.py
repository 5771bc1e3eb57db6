"""Realistic sample events for every trigger kind, filled in with the project's real names.

`tether events new KIND` writes one, and a test case's `sample:` makes one; the shapes follow
what AWS sends to Lambda. An event comes from what triggers a function that way: the bucket and
a key its trigger's prefix and suffix match, the queue, the table with a stream, the topic (with
message attributes its subscription's filter lets through), the schedule (or the `input` its
trigger sends instead), an HTTP route with sample path parameters; without such a trigger, from
the first resource of the kind, with neutral values. Names and ARNs come from the deployed
stage's outputs when there is one, else from how Tether names things.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from tether.errors import OptionError
from tether.invoke.kinds import KINDS
from tether.model import (
    Bucket,
    BucketTrigger,
    HttpApi,
    HttpTrigger,
    Project,
    Queue,
    QueueTrigger,
    Resource,
    Schedule,
    ScheduleTrigger,
    StreamTrigger,
    Table,
    Topic,
    TopicTrigger,
    Trigger,
)

ACCOUNT = "123456789012"
TRIGGER_KINDS: dict[str, type[Trigger]] = {
    "s3": BucketTrigger,
    "sns": TopicTrigger,
    "sqs": QueueTrigger,
    "dynamodb": StreamTrigger,
    "schedule": ScheduleTrigger,
    "http": HttpTrigger,
}
KIND_TYPES: dict[str, type[Resource]] = {
    "s3": Bucket,
    "sns": Topic,
    "sqs": Queue,
    "dynamodb": Table,
    "schedule": Schedule,
    "http": HttpApi,
}


@dataclass(frozen=True)
class Names:
    """Looks up deployed names: `output(resource, suffix)` as in invoke.target.Deployed."""

    project: Project
    lookup: Callable[[str, str], str] | None = None

    def get(self, resource: Resource, suffix: str, fallback: str) -> str:
        if self.lookup is not None:
            try:
                return self.lookup(resource.name, suffix)
            except Exception:
                pass
        if resource.external:
            return resource.external_name if suffix in {"Name", "Url"} else resource.external
        return fallback


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def pick_resource(project: Project, kind: str, name: str | None) -> Resource:
    """The resource a `kind` event comes from: `name`, else the first of that type that
    triggers a function the way `kind` says (a bucket whose trigger takes `removed` events for
    s3-removed), else the first that triggers a function at all, else (a table with a stream
    first) the first of that type."""
    family = kind.split("-")[0]
    wanted = KIND_TYPES[family]
    if name is not None:
        resource = project.resources.get(name)
        if resource is None or not isinstance(resource, wanted):
            options = [r.name for r in project.resources.values() if isinstance(r, wanted)]
            raise OptionError(
                f"--resource {name}: not a {wanted.type_name} of this project",
                hint=f"{wanted.type_name} resources: {', '.join(options) or 'none'}",
            )
        return resource
    candidates = [r for r in project.resources.values() if isinstance(r, wanted)]
    if not candidates:
        raise OptionError(
            f"the project has no {wanted.type_name} for a {kind} event",
            hint="add one, or pick another kind",
        )
    fitting = [r for r in candidates if triggers_of(project, kind, r.name)]
    triggering = [r for r in candidates if triggers_of(project, family, r.name)]
    streamed = [r for r in candidates if isinstance(r, Table) and r.has_stream]
    return (fitting or triggering or streamed or candidates)[0]


def triggers_of(project: Project, kind: str, resource: str) -> list[Trigger]:
    """The triggers through which `resource` invokes functions with `kind` events (a family
    name, such as "s3", takes every variant), in the order of the functions."""
    family, _, variant = kind.partition("-")
    found = []
    for trigger in _triggers(project, resource):
        if not isinstance(trigger, TRIGGER_KINDS[family]):
            continue
        if isinstance(trigger, BucketTrigger) and variant and variant not in trigger.events:
            continue
        found.append(trigger)
    return found


def sample_event(
    project: Project,
    kind: str,
    *,
    resource: str | None = None,
    names: Names | None = None,
    key: str | None = None,
    body: str | None = None,
    route: str | None = None,
) -> dict[str, Any]:
    if kind not in KINDS:
        raise OptionError(f"unknown event kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
    names = names or Names(project)
    chosen = pick_resource(project, kind, resource)
    family, _, variant = kind.partition("-")
    builder = _BUILDERS[family]
    return builder(project, chosen, names, variant, key=key, body=body, route=route)


def _triggers(project: Project, resource: str) -> list[Trigger]:
    return [t for f in project.functions.values() for t in f.triggers if t.resource == resource]


def _object_key(triggers: list[Trigger]) -> str:
    """A key that the first bucket trigger's prefix and suffix match."""
    for trigger in triggers:
        if isinstance(trigger, BucketTrigger):
            return f"{trigger.prefix}example{trigger.suffix or '.txt'}"
    return "example.txt"


def _s3(
    project: Project, bucket: Resource, names: Names, variant: str, *, key: str | None, **_: Any
) -> dict[str, Any]:
    name = names.get(bucket, "Name", f"{project.name}-dev-{bucket.name}-{ACCOUNT}-{project.region}")
    if key is None:
        key = _object_key(triggers_of(project, f"s3-{variant}", bucket.name))
    created = variant != "removed"
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "sequencer": f"{int(time.time() * 1000):X}",
    }
    if created:
        obj.update({"size": 1024, "eTag": hashlib.md5(key.encode()).hexdigest()})
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": project.region,
                "eventTime": _now(),
                "eventName": "ObjectCreated:Put" if created else "ObjectRemoved:Delete",
                "userIdentity": {"principalId": "AWS:EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": "EXAMPLE",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "tether",
                    "bucket": {
                        "name": name,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{name}",
                    },
                    "object": obj,
                },
            }
        ]
    }


def _sns(
    project: Project, topic: Resource, names: Names, variant: str, *, body: str | None, **_: Any
) -> dict[str, Any]:
    arn = names.get(
        topic, "Arn", f"arn:aws:sns:{project.region}:{ACCOUNT}:{project.name}-dev-{topic.name}"
    )
    message = body if body is not None else json.dumps({"example": True})
    policies = [
        t.filter_policy
        for t in triggers_of(project, "sns", topic.name)
        if isinstance(t, TopicTrigger)
    ]
    attributes = message_attributes(policies[0]) if policies and policies[0] else {}
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": arn,
                    "Subject": "example",
                    "Message": message,
                    "Timestamp": _now(),
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "EXAMPLE",
                    "UnsubscribeUrl": "EXAMPLE",
                    "MessageAttributes": attributes,
                },
            }
        ]
    }


def message_attributes(policy: Mapping[str, Any]) -> dict[str, Any]:
    """SNS message attributes that a subscription's filter policy lets through: for each
    attribute, the first value the policy allows that can be made (exact strings and numbers,
    prefix, suffix, equals-ignore-case, anything-but, numeric ranges, exists)."""
    attributes: dict[str, Any] = {}
    for name, allowed in policy.items():
        if name.startswith("$") or not isinstance(allowed, list):
            continue  # `$or`, and nested keys (filters on the message body) are not attributes
        for rule in allowed:
            value = _allowed_value(rule)
            if value is _ABSENT:
                break
            if value is not None:
                kind = "Number" if isinstance(value, int | float) else "String"
                attributes[name] = {"Type": kind, "Value": str(value)}
                break
    return attributes


_ABSENT: Any = object()  # the policy wants the attribute missing


def _allowed_value(rule: Any) -> Any:
    """A value matching one filter-policy rule; None when none can be made here."""
    if isinstance(rule, str | int | float) and not isinstance(rule, bool):
        return rule
    if not isinstance(rule, Mapping) or len(rule) != 1:
        return None
    ((operator, operand),) = rule.items()
    if operator == "exists":
        return "example" if operand else _ABSENT
    if operator in {"prefix", "equals-ignore-case"} and isinstance(operand, str):
        return operand + ("example" if operator == "prefix" else "")
    if operator == "suffix" and isinstance(operand, str):
        return "example" + operand
    if operator == "anything-but":
        refused = operand if isinstance(operand, list) else [operand]
        return next(v for v in ("example", "other", "sample-1") if v not in refused)
    if operator == "numeric" and isinstance(operand, list):
        return _number_in(operand)
    return None


def _number_in(conditions: list[Any]) -> float | int | None:
    """A number meeting SNS numeric conditions such as [">", 0, "<=", 10] or ["=", 5]."""
    low, high, exact = float("-inf"), float("inf"), None
    for operator, bound in zip(conditions[::2], conditions[1::2], strict=False):
        if not isinstance(bound, int | float):
            return None
        if operator == "=":
            exact = bound
        elif operator in {">", ">="}:
            low = max(low, bound + (1e-3 if operator == ">" else 0))
        elif operator in {"<", "<="}:
            high = min(high, bound - (1e-3 if operator == "<" else 0))
    if exact is not None:
        return exact
    if low > high:
        return None
    if low == float("-inf"):
        return min(high, 0)
    if high == float("inf"):
        return low
    return (low + high) / 2


def _sqs(
    project: Project, queue: Resource, names: Names, variant: str, *, body: str | None, **_: Any
) -> dict[str, Any]:
    arn = names.get(
        queue, "Arn", f"arn:aws:sqs:{project.region}:{ACCOUNT}:{project.name}-dev-{queue.name}"
    )
    message = body if body is not None else json.dumps({"example": True})
    now = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": message,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": now,
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": now,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(message.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": project.region,
            }
        ]
    }


def _dynamodb(
    project: Project, table: Resource, names: Names, variant: str, **_: Any
) -> dict[str, Any]:
    assert isinstance(table, Table)
    table_arn = names.get(
        table,
        "Arn",
        f"arn:aws:dynamodb:{project.region}:{ACCOUNT}:table/{project.name}-dev-{table.name}",
    )
    stream_arn = names.get(table, "StreamArn", f"{table_arn}/stream/2024-01-01T00:00:00.000")
    samples = {"S": "example", "N": "1", "B": "ZXhhbXBsZQ=="}
    keys = {attribute: {kind: samples[kind]} for attribute, kind in table.key} or {
        "id": {"S": "example"}
    }
    old = {**keys, "status": {"S": "uploaded"}}
    new = {**keys, "status": {"S": "processed"}}
    view = (table.stream or "new_and_old_images").upper()
    record: dict[str, Any] = {
        "ApproximateCreationDateTime": int(time.time()),
        "Keys": keys,
        "SequenceNumber": str(int(time.time() * 1000)),
        "SizeBytes": 64,
        "StreamViewType": view,
    }
    name = variant.upper()
    if name in {"INSERT", "MODIFY"} and view in {"NEW_IMAGE", "NEW_AND_OLD_IMAGES"}:
        record["NewImage"] = new
    if name in {"MODIFY", "REMOVE"} and view in {"OLD_IMAGE", "NEW_AND_OLD_IMAGES"}:
        record["OldImage"] = old
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": project.region,
                "dynamodb": record,
                "eventSourceARN": stream_arn,
            }
        ]
    }


def schedule_event(project: Project, schedule: Resource, rule_arn: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule_arn.split(":")[4] if rule_arn.count(":") >= 5 else ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": project.region,
        "resources": [rule_arn],
        "detail": {},
    }


def _schedule(
    project: Project, schedule: Resource, names: Names, variant: str, **_: Any
) -> dict[str, Any]:
    """The scheduled event; or, when the schedule's trigger sets `input`, that input, which is
    what EventBridge then sends the function instead."""
    for trigger in triggers_of(project, "schedule", schedule.name):
        if isinstance(trigger, ScheduleTrigger) and trigger.input is not None:
            return dict(trigger.input)
    arn = names.get(
        schedule,
        "Arn",
        f"arn:aws:events:{project.region}:{ACCOUNT}:rule/{project.name}-dev-{schedule.name}",
    )
    return schedule_event(project, schedule, arn)


def scheduled_input(project: Project, function: str) -> tuple[Resource, dict[str, Any] | None]:
    """The schedule that triggers `function` and the input it sends (None: the scheduled event)."""
    for trigger in project.functions[function].triggers:
        if isinstance(trigger, ScheduleTrigger):
            return project.resources[trigger.resource], (
                dict(trigger.input) if trigger.input is not None else None
            )
    raise OptionError(
        f"function '{function}' has no schedule trigger",
        hint="--schedule needs one; use --event instead",
    )


def _http(
    project: Project,
    api: Resource,
    names: Names,
    variant: str,
    *,
    route: str | None,
    body: str | None,
    **_: Any,
) -> dict[str, Any]:
    routes = [t for t in triggers_of(project, "http", api.name) if isinstance(t, HttpTrigger)]
    chosen = (
        next((t for t in routes if t.route == route), None)
        if route
        else (routes[0] if routes else None)
    )
    if route and chosen is None:
        raise OptionError(
            f"--route {route!r} is not a route of {api.name}",
            hint=f"routes: {', '.join(t.route for t in routes)}",
        )
    method = chosen.method if chosen and chosen.method not in {"", "ANY"} else "GET"
    template = chosen.path if chosen and chosen.path != "$default" else "/"
    parameters = {p.strip("{}+"): _path_value(p) for p in template.split("/") if p.startswith("{")}
    path = "/".join(_path_value(p) if p.startswith("{") else p for p in template.split("/")) or "/"
    url = names.get(api, "Url", f"https://example.execute-api.{project.region}.amazonaws.com")
    domain = url.split("://", 1)[-1].split("/", 1)[0]
    if body is None and method in {"POST", "PUT", "PATCH"}:
        body = json.dumps({"example": True})
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": chosen.route if chosen else "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"accept": "application/json", "host": domain, "user-agent": "tether"},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": domain.split(".")[0],
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "tether",
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": chosen.route if chosen else "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if parameters:
        event["pathParameters"] = parameters
    if body is not None:
        event["body"] = body
        event["headers"]["content-type"] = "application/json"
    return event


def _path_value(segment: str) -> str:
    """A sample value for a path parameter: `{id}` -> example; greedy `{proxy+}` -> two
    segments, as it can take."""
    return "example/path" if segment.endswith("+}") else "example"


_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "s3": _s3,
    "sns": _sns,
    "sqs": _sqs,
    "dynamodb": _dynamodb,
    "schedule": _schedule,
    "http": _http,
}
