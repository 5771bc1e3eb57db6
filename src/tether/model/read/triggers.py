"""Reading `triggers:` of a function: the resources whose events invoke it.

A trigger names a declared resource; its kind follows from that resource's type (a bucket's
trigger takes events, prefix and suffix; a queue's a batch size...), and a key that belongs to
another kind of trigger is explained as such. Checks that need the function's timeout (a queue's
visibility timeout, API Gateway's 30 s) are made here, where both are at hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether.model import rules
from tether.model.project import (
    TRIGGER_TYPES,
    Bucket,
    BucketTrigger,
    HttpApi,
    HttpTrigger,
    Location,
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
from tether.model.read.cursor import Node, suggest
from tether.model.read.resources import Resources, label, stream_fix
from tether.model.yamlfile import describe, item_pos, plain

TRIGGER_KEYS: dict[type[Trigger], tuple[str, ...]] = {
    BucketTrigger: ("events", "prefix", "suffix"),
    TopicTrigger: ("filter",),
    QueueTrigger: ("batch_size", "batch_window"),
    StreamTrigger: ("starting_position", "batch_size", "batch_window"),
    ScheduleTrigger: ("input",),
    HttpTrigger: ("route",),
}
RESOURCE_TYPES_BY_TRIGGER: dict[type[Trigger], str] = {
    t: r.type_name for r, t in TRIGGER_TYPES.items()
}
S3_EVENTS = ("created", "removed")
STARTING_POSITIONS = ("latest", "trim_horizon")
HTTP_TIMEOUT_LIMIT = 30  # API Gateway HTTP APIs give up on an integration after 30 s


def read_triggers(function: Node, resources: Resources, timeout: int) -> tuple[Trigger, ...]:
    """Each trigger under `triggers:` of `function`, whose timeout is `timeout` seconds."""
    triggers: list[Trigger] = []
    seen: dict[str, Location] = {}
    for node in function.items(
        "triggers",
        "trigger",
        example="triggers: [{resource: uploads}]",
        hint="e.g. - {resource: uploads, events: [created]}",
    ):
        resource = resources.named_in(node)
        if resource is None:
            continue
        trigger = _read_trigger(resource, node, timeout)
        if trigger is None:
            continue
        if not isinstance(trigger, BucketTrigger | HttpTrigger) and resource.name in seen:
            function.report(
                node.at,
                f"{function.where} has two triggers on '{resource.name}' (first at line {seen[resource.name].line})",
                "keep one; AWS allows a single subscription or mapping per resource and function",
            )
            continue
        seen[resource.name] = trigger.location
        triggers.append(trigger)
    return tuple(triggers)


def _read_trigger(resource: Resource, node: Node, timeout: int) -> Trigger | None:
    allowed = ("resource", *TRIGGER_KEYS[TRIGGER_TYPES[type(resource)]])
    node.check_keys(allowed, lambda key: _explain_key(resource, key))
    return _READ_BY_TYPE[type(resource)](resource, node, timeout)


def _explain_key(resource: Resource, key: str) -> tuple[str, str] | None:
    """Why `key` is wrong on a trigger on `resource`, when it belongs to another kind of trigger."""
    cls = TRIGGER_TYPES[type(resource)]
    owners = [
        RESOURCE_TYPES_BY_TRIGGER[t]
        for t, keys in TRIGGER_KEYS.items()
        if key in keys and t is not cls
    ]
    if not owners:
        return None
    takes = ", ".join(TRIGGER_KEYS[cls]) or "no options"
    return (
        f"a trigger on {label(resource)} cannot take '{key}'",
        f"'{key}' is for triggers on {', '.join(owners)}; a {resource.type_name} trigger takes: {takes}",
    )


def _bucket_trigger(bucket: Bucket, node: Node, timeout: int) -> BucketTrigger | None:
    if bucket.is_external:
        node.report(
            node.value_pos("resource"),
            f"{label(bucket)} is external, so it cannot trigger a function",
            "a trigger would change the bucket's notification settings, and Tether never "
            "modifies external resources; subscribe through SNS or SQS, or make it a project bucket",
        )
        return None
    events = _read_events(node)
    prefix = node.text("prefix", example="prefix: incoming/")
    suffix = node.text("suffix", example="suffix: .jpg")
    return BucketTrigger(
        resource=bucket.name,
        location=node.location(),
        events=events,
        prefix=prefix,
        suffix=suffix,
    )


def _read_events(node: Node) -> tuple[str, ...]:
    if "events" not in node:
        return ("created",)
    value = node["events"]
    pos = node.value_pos("events")
    if not isinstance(value, list) or not value:
        node.report(
            pos,
            f"'events' of {node.where} must be a non-empty list, not {describe(value)}",
            "write events: [created] or events: [created, removed]",
        )
        return ("created",)
    events: list[str] = []
    for index, event in enumerate(value):
        if event not in S3_EVENTS:
            guess = suggest(str(event), S3_EVENTS)
            node.report(
                item_pos(value, index, pos),
                f"unknown S3 event {describe(event)} in {node.where}",
                (f"did you mean '{guess}'? " if guess else "") + "events are: created, removed",
            )
        elif event not in events:
            events.append(str(event))
    return tuple(events) or ("created",)


def _topic_trigger(topic: Topic, node: Node, timeout: int) -> TopicTrigger:
    policy = node.mapping("filter", "filter: {kind: [order]}")
    return TopicTrigger(
        resource=topic.name,
        location=node.location(),
        filter_policy=plain(policy.data) if policy is not None and policy.data else None,
    )


def _queue_trigger(queue: Queue, node: Node, timeout: int) -> QueueTrigger:
    batch_size = node.integer("batch_size", low=1, high=10000, default=10, unit="messages")
    batch_window = node.integer("batch_window", low=0, high=300, default=0, unit="seconds")
    if batch_size > 10 and batch_window == 0:
        node.report(
            node.value_pos("batch_size"),
            f"{node.where}: a batch_size over 10 needs a batch_window",
            "add batch_window: 1 (seconds to gather a batch), or lower batch_size to 10",
        )
    if not queue.is_external and queue.visibility_timeout < timeout:
        node.report(
            node.value_pos("resource"),
            f"queue '{queue.name}' has visibility_timeout {queue.visibility_timeout} s, shorter than "
            f"the function's timeout of {timeout} s; AWS rejects this trigger",
            f"set visibility_timeout: {max(timeout * 6, 30)} on queue '{queue.name}' "
            "(AWS advises six times the timeout), or lower the function's timeout",
        )
    after = queue.dead_letter_after
    if after is not None and after < 5:
        node.report(
            node.value_pos("resource"),
            f"queue '{queue.name}' moves a message to its dead-letter queue after {after} "
            f"receive{'s' if after > 1 else ''}: a throttled batch counts as a receive, so "
            "a message can move there without having failed",
            "AWS advises dead_letter: {after: 5} or more on a queue that triggers a function",
            severity="warning",
        )
    return QueueTrigger(
        resource=queue.name,
        location=node.location(),
        batch_size=batch_size,
        batch_window=batch_window,
    )


def _stream_trigger(table: Table, node: Node, timeout: int) -> StreamTrigger | None:
    if not table.has_stream:
        node.report(
            node.value_pos("resource"),
            f"{label(table)} has no stream, so it cannot trigger a function",
            f"add `{stream_fix(table)}` to resource '{table.name}'",
        )
        return None
    return StreamTrigger(
        resource=table.name,
        location=node.location(),
        starting_position="trim_horizon"
        if node.choice("starting_position", STARTING_POSITIONS, "latest") == "trim_horizon"
        else "latest",
        batch_size=node.integer("batch_size", low=1, high=10000, default=100, unit="records"),
        batch_window=node.integer("batch_window", low=0, high=300, default=0, unit="seconds"),
    )


def _schedule_trigger(schedule: Schedule, node: Node, timeout: int) -> ScheduleTrigger:
    payload = node.mapping("input", "input: {report: daily}")
    return ScheduleTrigger(
        resource=schedule.name,
        location=node.location(),
        input=plain(payload.data) if payload is not None else None,
    )


def _http_trigger(api: HttpApi, node: Node, timeout: int) -> HttpTrigger | None:
    example = 'route: "GET /orders/{id}"'
    if not node.require("route", example):
        return None
    route = node.text("route", example=example, required=True)
    if not route:
        return None
    try:
        method, path = rules.parse_route(route)
    except rules.RouteError as exc:
        node.report(node.value_pos("route"), exc.message, exc.hint)
        return None
    if timeout > HTTP_TIMEOUT_LIMIT:
        node.report(
            node.value_pos("route"),
            f"HTTP API '{api.name}' stops waiting after {HTTP_TIMEOUT_LIMIT} s, but the "
            f"function may run for {timeout} s",
            f"lower the function's timeout to {HTTP_TIMEOUT_LIMIT}, or hand long work to a queue",
            severity="warning",
        )
    return HttpTrigger(
        resource=api.name,
        location=node.problems.location(node.value_pos("route")),
        method=method,
        path=path,
    )


# Each reader takes the resource (of its key's type), the trigger's mapping and the timeout.
_READ_BY_TYPE: dict[type[Resource], Callable[[Any, Node, int], Trigger | None]] = {
    Bucket: _bucket_trigger,
    Topic: _topic_trigger,
    Queue: _queue_trigger,
    Table: _stream_trigger,
    Schedule: _schedule_trigger,
    HttpApi: _http_trigger,
}
