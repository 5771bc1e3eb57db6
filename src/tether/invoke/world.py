"""The world a test case sets up on the stage (`given:`), and its removal (`cleanup: true`).

Objects, items and messages are created under the stage's physical names (from the stack's
outputs), in the order the case lists them. A `Footprint` records what was made, and what the
expectations found, so cleanup removes exactly that, even after a setup that stopped half-way.
External resources are never changed: a case cannot set anything up in them (`case_refs`
refuses it) and cleanup leaves what the function wrote there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tether.errors import TetherError
from tether.invoke.case_model import Case, GivenItem, GivenMessage, GivenObject, Pos
from tether.invoke.queue_watch import QueueWatches
from tether.invoke.target import Deployed
from tether.model import Table


class SetupError(TetherError):
    """Part of a case's world could not be created; the message names the entry."""


@dataclass
class Footprint:
    """What a case created or found on the stage, by physical name."""

    objects: list[tuple[str, str, str | None]] = field(default_factory=list)  # bucket, key, version
    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # table, key (wire form)
    messages: list[tuple[str, str]] = field(default_factory=list)  # queue URL, message id


def set_up(deployed: Deployed, case: Case, footprint: Footprint) -> None:
    """Create every object, item and message of `case.given`; SetupError at the first that
    cannot be (what was made until then is in `footprint`)."""
    for obj in case.given.objects:
        _put_object(deployed, case, obj, footprint)
    for item in case.given.items:
        _put_item(deployed, case, item, footprint)
    for message in case.given.messages:
        _send_message(deployed, case, message, footprint)


def _where(case: Case, at: Pos) -> str:
    return f"given ({case.name}:{at[0]})"


def _put_object(deployed: Deployed, case: Case, obj: GivenObject, footprint: Footprint) -> None:
    bucket = deployed.output(obj.bucket, "Name")
    extra = {"ContentType": obj.content_type} if obj.content_type else {}
    s3 = deployed.cloud.client("s3")
    try:
        if obj.file is not None:
            with obj.file.open("rb") as body, deployed.cloud.guard():
                answer = s3.put_object(Bucket=bucket, Key=obj.key, Body=body, **extra)
        else:
            with deployed.cloud.guard():
                answer = s3.put_object(Bucket=bucket, Key=obj.key, Body=obj.body or b"", **extra)
    except OSError as exc:
        raise SetupError(
            f"{_where(case, obj.at)}: cannot read {obj.shown_file}: {exc.strerror or exc}"
        ) from None
    except TetherError as exc:
        raise SetupError(
            f"{_where(case, obj.at)}: cannot put {obj.key} in bucket {obj.bucket} ({bucket}): "
            f"{exc.message}"
        ) from None
    footprint.objects.append((bucket, obj.key, answer.get("VersionId")))


def _put_item(deployed: Deployed, case: Case, given: GivenItem, footprint: Footprint) -> None:
    table = deployed.project.resources[given.table]
    assert isinstance(table, Table)
    name = deployed.output(given.table, "Name")
    item = wire_item(table, given.item)
    try:
        with deployed.cloud.guard():
            deployed.cloud.client("dynamodb").put_item(TableName=name, Item=item)
    except TetherError as exc:
        raise SetupError(
            f"{_where(case, given.at)}: cannot put the item in table {given.table} ({name}): "
            f"{exc.message}"
        ) from None
    footprint.items.append((name, {k: item[k] for k, _ in table.key}))


def _send_message(
    deployed: Deployed, case: Case, message: GivenMessage, footprint: Footprint
) -> None:
    url = deployed.output(message.queue, "Url")
    try:
        with deployed.cloud.guard():
            sent = deployed.cloud.client("sqs").send_message(QueueUrl=url, MessageBody=message.body)
    except TetherError as exc:
        raise SetupError(
            f"{_where(case, message.at)}: cannot send the message to queue {message.queue}: "
            f"{exc.message}"
        ) from None
    footprint.messages.append((url, sent["MessageId"]))


def wire_item(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values as DynamoDB's attribute values: numbers as N (floats exactly as written),
    the table's binary key attributes as B."""
    from boto3.dynamodb.types import TypeSerializer

    serialize = TypeSerializer().serialize
    binary = {name for name, kind in table.key if kind == "B"}
    return {
        name: serialize(
            value.encode() if name in binary and isinstance(value, str) else _exact(value)
        )
        for name, value in values.items()
    }


def _exact(value: Any) -> Any:
    """Floats as Decimals (DynamoDB's numbers are decimal; boto3 refuses floats)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def clean_up(deployed: Deployed, footprint: Footprint, watches: QueueWatches) -> list[str]:
    """Delete what `footprint` records; what could not be deleted, as failure messages."""
    return [
        *_delete_objects(deployed, footprint.objects),
        *_delete_items(deployed, footprint.items),
        *_delete_messages(watches, footprint.messages),
    ]


def _delete_objects(deployed: Deployed, objects: list[tuple[str, str, str | None]]) -> list[str]:
    failures = []
    s3 = deployed.cloud.client("s3")
    for bucket, key, version in dict.fromkeys(objects):
        extra = {"VersionId": version} if version and version != "null" else {}
        try:
            with deployed.cloud.guard():
                s3.delete_object(Bucket=bucket, Key=key, **extra)
        except TetherError as exc:
            failures.append(f"cleanup: could not delete {key} from {bucket}: {exc.message}")
    return failures


def _delete_items(deployed: Deployed, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    failures = []
    dynamodb = deployed.cloud.client("dynamodb")
    done: list[tuple[str, dict[str, Any]]] = []
    for entry in items:
        if entry in done:  # keys are dicts: compared, not hashed
            continue
        done.append(entry)
        table, key = entry
        try:
            with deployed.cloud.guard():
                dynamodb.delete_item(TableName=table, Key=key)
        except TetherError as exc:
            failures.append(
                f"cleanup: could not delete item {json.dumps(key)} from {table}: {exc.message}"
            )
    return failures


def _delete_messages(watches: QueueWatches, messages: list[tuple[str, str]]) -> list[str]:
    failures = []
    by_queue: dict[str, list[str]] = {}
    for url, message_id in messages:
        by_queue.setdefault(url, []).append(message_id)
    for url, ids in by_queue.items():
        watch = watches.of(url)
        try:
            watch.poll()  # a given message the function did not take is still there
            failures += [f"cleanup: could not delete {f}" for f in watch.delete(ids)]
        except TetherError as exc:
            failures.append(f"cleanup: could not delete messages from {url}: {exc.message}")
    return failures
