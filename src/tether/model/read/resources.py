"""Reading `resources:` of tether.yaml: each bucket, table, topic, queue, schedule and HTTP API.

A resource is a project resource (Tether creates it) or an external one (`external: <ARN>`, an
existing resource Tether only uses); each type takes its own keys. The result, `Resources`, is
what triggers and operations look names up in: a name whose declaration could not be read is
remembered as broken, so a reference to it is not reported a second time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tether.model import rules
from tether.model.project import (
    RESOURCE_TYPES,
    Bucket,
    HttpApi,
    Queue,
    Resource,
    Schedule,
    Table,
    TableIndex,
    Topic,
)
from tether.model.read.cursor import Node, suggest
from tether.model.yamlfile import describe

COMMON_RESOURCE_KEYS = ("type", "external", "retain")
PROJECT_RESOURCE_KEYS: dict[type[Resource], tuple[str, ...]] = {
    Bucket: ("versioning",),
    Table: ("key", "stream", "indexes"),
    Topic: (),
    Queue: ("visibility_timeout", "dead_letter"),
    Schedule: ("expression",),
    HttpApi: (),
}
# An external table's `key` is optional: it shapes its empty stand-in on the local cloud.
EXTERNAL_RESOURCE_KEYS: dict[type[Resource], tuple[str, ...]] = {Table: ("stream_arn", "key")}
DATA_RESOURCES = (Bucket, Table, Queue, Topic)
STREAM_VIEWS = ("keys_only", "new_image", "old_image", "new_and_old_images")
KEY_TYPES = ("S", "N", "B")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_QUEUE_URL = re.compile(r"^https://sqs\.([a-z0-9-]+)\.amazonaws\.com/(\d{12})/([A-Za-z0-9_.-]+)$")


@dataclass(frozen=True)
class Resources:
    """The resources tether.yaml declares, by name, and the names that could not be read."""

    by_name: dict[str, Resource]
    broken: frozenset[str]

    def named_in(self, node: Node) -> Resource | None:
        """The resource that `node`'s 'resource' names; None when it is missing, not a name or
        not declared (reported), or when its declaration is broken (reported there)."""
        if not node.require("resource", "resource: uploads"):
            return None
        name = node["resource"]
        pos = node.value_pos("resource")
        if not isinstance(name, str):
            node.report(
                pos,
                f"'resource' of {node.where} must be a resource name, not {describe(name)}",
                "write resource: NAME with a name from resources:",
            )
            return None
        if name in self.broken:
            return None
        if name not in self.by_name:
            guess = suggest(name, self.by_name)
            node.report(
                pos,
                f"{node.where} names resource '{name}', which is not declared",
                (f"did you mean '{guess}'? " if guess else "")
                + f"declare '{name}' under resources:",
            )
            return None
        return self.by_name[name]


def label(resource: Resource) -> str:
    """How messages name a resource: "s3.bucket 'photos'"."""
    return f"{resource.type_name} '{resource.name}'"


def stream_fix(table: Table) -> str:
    """The setting that gives `table` a stream, as a user writes it."""
    return (
        "stream_arn: <the table's stream ARN>"
        if table.is_external
        else "stream: new_and_old_images"
    )


def read_resources(project: Node) -> Resources:
    """Each resource under `resources:` of the project."""
    node = project.mapping("resources", "resources: {photos: {type: s3.bucket}}")
    if node is None:
        return Resources({}, frozenset())
    found: dict[str, Resource] = {}
    broken: set[str] = set()
    for name in node.data:
        if not node.check_name("resource", name):
            broken.add(str(name))
            continue
        spec = node.entry(name, f"resource '{name}'", f"e.g. {name}: {{type: s3.bucket}}")
        resource = _read_resource(name, spec) if spec is not None else None
        if resource is not None:
            found[name] = resource
        else:
            broken.add(name)
    return Resources(found, frozenset(broken))


def _read_resource(name: str, spec: Node) -> Resource | None:
    if not spec.require("type", f"{name}: {{type: s3.bucket}}"):
        return None
    type_name = spec["type"]
    cls = RESOURCE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        guess = suggest(str(type_name), RESOURCE_TYPES)
        spec.report(
            spec.value_pos("type"),
            f"unknown resource type {type_name!r} for {spec.where}"
            if isinstance(type_name, str)
            else f"'type' of {spec.where} must be a resource type, not {describe(type_name)}",
            (f"did you mean '{guess}'? " if guess else "") + f"types: {', '.join(RESOURCE_TYPES)}",
        )
        return None
    external = _read_external(cls, spec)
    # a bad 'external' is reported; check the rest as the external resource it was meant to be
    is_external = external is not None or ("external" in spec and cls.may_be_external)
    allowed = COMMON_RESOURCE_KEYS + (
        EXTERNAL_RESOURCE_KEYS.get(cls, ()) if is_external else PROJECT_RESOURCE_KEYS[cls]
    )
    spec.check_keys(allowed, lambda key: _explain_key(cls, key, is_external))
    retain = spec.boolean("retain")
    if retain and (is_external or cls not in DATA_RESOURCES):
        spec.report(
            spec.pos_of("retain"),
            f"'retain' does not apply to {spec.where}",
            "retain keeps a removed project bucket, table, queue or topic in the account; "
            "external resources are never deleted anyway",
        )
    if is_external and external is None:
        return None
    common: dict[str, Any] = {
        "name": name,
        "location": spec.location(),
        "external": external,
        "retain": retain,
    }
    read = _READ_BY_TYPE.get(cls)
    return read(spec, common) if read is not None else cls(**common)


def _explain_key(cls: type[Resource], key: str, is_external: bool) -> tuple[str, str] | None:
    """Why `key` is wrong on this resource, when it belongs to another kind of resource."""
    if is_external and key in PROJECT_RESOURCE_KEYS[cls]:
        return (
            f"'{key}' cannot be set on an external {cls.type_name}",
            "an external resource is configured where it lives; Tether never changes it. "
            f"Remove '{key}', or remove 'external' to make it a project resource",
        )
    if not is_external and key in EXTERNAL_RESOURCE_KEYS.get(cls, ()):
        return (
            f"'{key}' only applies to an external {cls.type_name}",
            f"remove '{key}', or add `external: <ARN>` to use an existing {cls.type_name}",
        )
    owners = [
        t.type_name for t, keys in PROJECT_RESOURCE_KEYS.items() if key in keys and t is not cls
    ]
    if owners:
        return (
            f"'{key}' is not an option of {cls.type_name}",
            f"'{key}' belongs to {', '.join(owners)}; {cls.type_name} takes: "
            + (", ".join(COMMON_RESOURCE_KEYS + PROJECT_RESOURCE_KEYS[cls])),
        )
    return None


def _read_external(cls: type[Resource], spec: Node) -> str | None:
    """The ARN of an external resource; a bucket may be given by name, a queue by URL."""
    if "external" not in spec:
        return None
    pos = spec.value_pos("external")
    value = spec["external"]
    if not cls.may_be_external:
        spec.report(
            spec.pos_of("external"),
            f"{cls.type_name} resources cannot be external",
            f"remove 'external' from {spec.where}; schedules and HTTP APIs always belong to the project",
        )
        return None
    if not isinstance(value, str) or not value:
        spec.report(
            pos,
            f"'external' of {spec.where} must be an ARN, not {describe(value)}",
            f"e.g. external: {rules.EXTERNAL_EXAMPLE[cls.type_name]}",
        )
        return None
    if cls is Bucket and not value.startswith("arn:"):
        return (
            f"arn:aws:s3:::{value}" if spec.problems.rule(rules.bucket_name(value), pos) else None
        )
    if cls is Queue and (url := _QUEUE_URL.match(value)):
        return f"arn:aws:sqs:{url.group(1)}:{url.group(2)}:{url.group(3)}"
    match = rules.EXTERNAL_ARN[cls.type_name].match(value)
    if match is None:
        spec.report(
            pos,
            f"'external' of {spec.where} is not a valid {cls.type_name} ARN: {value!r}",
            f"e.g. external: {rules.EXTERNAL_EXAMPLE[cls.type_name]}",
        )
        return None
    if cls is Bucket and not spec.problems.rule(rules.bucket_name(match.group("name")), pos):
        return None
    return value


def _read_bucket(spec: Node, common: dict[str, Any]) -> Bucket:
    return Bucket(**common, versioning=spec.boolean("versioning"))


def _read_table(spec: Node, common: dict[str, Any]) -> Table:
    if common["external"] is not None:
        stream_arn = spec.text("stream_arn", example="stream_arn: arn:aws:dynamodb:...")
        if stream_arn and not rules.STREAM_ARN.match(stream_arn):
            spec.report(
                spec.value_pos("stream_arn"),
                f"'stream_arn' of {spec.where} is not a DynamoDB stream ARN: {stream_arn!r}",
                "copy LatestStreamArn from the table's description, "
                "e.g. arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000",
            )
            stream_arn = ""
        shape = _read_key(spec) if "key" in spec else ()
        return Table(**common, key=shape, stream_arn=stream_arn or None)
    key: tuple[tuple[str, str], ...] = ()
    if spec.require("key", "key: {id: S}"):
        key = _read_key(spec)
    stream = spec.choice("stream", STREAM_VIEWS, None)
    return Table(**common, key=key, stream=stream, indexes=_read_indexes(spec))


def _read_indexes(table: Node) -> tuple[TableIndex, ...]:
    node = table.mapping("indexes", "indexes: {by_user: {key: {user: S}}}")
    indexes: list[TableIndex] = []
    for name, spec, at in node.entries() if node is not None else ():
        if not isinstance(name, str) or not _INDEX_NAME.match(name):
            table.report(
                at,
                f"invalid index name {name!r} in {table.where}",
                "use 3-255 letters, digits, '_', '-' and '.'",
            )
            continue
        where = f"index '{name}' of {table.where}"
        if not isinstance(spec, dict):
            table.report(
                at, f"{where} must be a mapping with a key", f"e.g. {name}: {{key: {{user: S}}}}"
            )
            continue
        index = Node(spec, where, at, table.problems)
        index.check_keys(("key",))
        if index.require("key", "key: {user: S}"):
            indexes.append(TableIndex(name, _read_key(index)))
    return tuple(indexes)


def _read_key(node: Node) -> tuple[tuple[str, str], ...]:
    """The partition key and optional sort key under 'key': ((attribute, S|N|B), ...)."""
    value = node["key"]
    pos = node.value_pos("key")
    if not isinstance(value, dict) or not 1 <= len(value) <= 2:
        node.report(
            pos,
            f"'key' of {node.where} must map one or two attribute names to S, N or B",
            "e.g. key: {id: S} or key: {user: S, created: N} (partition key, then sort key)",
        )
        return ()
    shape = Node(value, node.where, pos, node.problems)
    key: list[tuple[str, str]] = []
    for attribute, kind in value.items():
        if kind not in KEY_TYPES:
            node.report(
                shape.value_pos(attribute),
                f"key attribute '{attribute}' of {node.where} has type {describe(kind)}",
                "use S (string), N (number) or B (binary)",
            )
            continue
        key.append((str(attribute), str(kind)))
    return tuple(key)


def _read_queue(spec: Node, common: dict[str, Any]) -> Queue:
    timeout = spec.integer("visibility_timeout", low=0, high=43200, default=30, unit="seconds")
    return Queue(**common, visibility_timeout=timeout, dead_letter_after=_read_dead_letter(spec))


def _read_dead_letter(queue: Node) -> int | None:
    """How many receives a message gets before it moves to the dead-letter queue, if one."""
    example = "dead_letter: {after: 5}"
    node = queue.mapping("dead_letter", example)
    if node is None:
        return None
    node.check_keys(("after",))
    if "after" not in node:
        queue.report(
            queue.value_pos("dead_letter"),
            f"{node.where} needs 'after': how many receives a message gets before it moves "
            "to the dead-letter queue",
            example,
        )
        return None
    # SQS's RedrivePolicy takes maxReceiveCount from 1 to 1,000
    return node.integer("after", low=1, high=1000, default=5, unit="receives")


def _read_schedule(spec: Node, common: dict[str, Any]) -> Schedule:
    expression = ""
    if spec.require("expression", 'expression: "rate(1 day)"'):
        expression = spec.text("expression", example='expression: "rate(1 day)"', required=True)
        if expression:
            spec.problems.rule(rules.schedule_expression(expression), spec.value_pos("expression"))
    return Schedule(**common, expression=expression)


# Resources with options of their own; the others take only the common keys.
_READ_BY_TYPE: dict[type[Resource], Callable[[Node, dict[str, Any]], Resource]] = {
    Bucket: _read_bucket,
    Table: _read_table,
    Queue: _read_queue,
    Schedule: _read_schedule,
}
