"""Checking a test case's side effects on the stage: the objects, items and messages it expects.

Without `eventually`, each check runs once, right after the invoke; the consumers downstream of
the function are paused meanwhile (`consumers`), so what is seen is what the function did. With
`eventually: 10s`, the checks that do not hold yet run again, a few times a second, until all
hold or the time is up: downstream functions run, and their effects take their time.

A message counts when it was sent while the case ran (by the queue's clock, give or take
`SKEW_MS`), was not one the case set up itself, and was not already counted for another
expected message. What the checks find goes into the case's footprint, for `cleanup: true`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tether.errors import TetherError
from tether.invoke.case_model import Case, ItemCheck, MessageCheck, ObjectCheck
from tether.invoke.matching import is_subset, shown
from tether.invoke.queue_watch import QueueWatches, Seen
from tether.invoke.target import Deployed
from tether.invoke.world import Footprint, wire_item
from tether.model import Table

SKEW_MS = 1000  # between this machine's clock and the queue's (AWS keeps to well within it)
_MISSING = {"404", "NoSuchKey", "NotFound"}

Check = Callable[[], "str | None"]  # None: it holds; else what is wrong


def check_side_effects(
    deployed: Deployed, case: Case, *, since: float, footprint: Footprint, watches: QueueWatches
) -> list[str]:
    """What does not hold of `case.expect`'s objects, items and messages (empty: all do).
    `since`: the time (time.time()) the case started."""
    expect = case.expect
    claimed = {message_id for _, message_id in footprint.messages}  # the case's own
    found = _Found(deployed, footprint, watches, claimed, int(since * 1000) - SKEW_MS)
    pending: list[Check] = [
        *(_bind(found.object, c) for c in expect.objects),
        *(_bind(found.item, c) for c in expect.items),
        *(_bind(found.message, c) for c in expect.messages),
    ]
    deadline = time.monotonic() + (expect.eventually or 0.0)
    delay = 0.1
    while True:
        results = [(check, check()) for check in pending]
        failures = [failure for _, failure in results if failure is not None]
        pending = [check for check, failure in results if failure is not None]
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        time.sleep(min(delay, left))
        delay = min(delay * 1.5, 1.0)
    if expect.eventually is not None and failures:
        return [f"after {expect.eventually:g} s: {failure}" for failure in failures]
    return failures


def _bind(method: Callable[[Any], str | None], check: Any) -> Check:
    return lambda: method(check)


class _Found:
    """The checks of one case, recording what they find (and each message counted once)."""

    def __init__(
        self,
        deployed: Deployed,
        footprint: Footprint,
        watches: QueueWatches,
        claimed: set[str],
        since_ms: int,
    ) -> None:
        self.deployed = deployed
        self.footprint = footprint
        self.watches = watches
        self.claimed = claimed
        self.own = set(claimed)
        self.since_ms = since_ms

    def external(self, name: str) -> bool:
        return self.deployed.project.resources[name].is_external

    def object(self, check: ObjectCheck) -> str | None:
        bucket = self.deployed.output(check.bucket, "Name")
        try:
            with self.deployed.cloud.guard():
                head = self.deployed.cloud.client("s3").head_object(Bucket=bucket, Key=check.key)
        except TetherError as exc:
            if getattr(exc, "code", "") in _MISSING:
                return f"no object {check.key!r} in bucket {check.bucket} ({bucket})"
            return (
                f"cannot look for {check.key!r} in bucket {check.bucket} ({bucket}): {exc.message}"
            )
        if not self.external(check.bucket):
            self.footprint.objects.append((bucket, check.key, head.get("VersionId")))
        return None

    def item(self, check: ItemCheck) -> str | None:
        from boto3.dynamodb.types import TypeDeserializer

        table = self.deployed.project.resources[check.table]
        assert isinstance(table, Table)
        name = self.deployed.output(check.table, "Name")
        key = wire_item(table, check.key)
        try:
            with self.deployed.cloud.guard():
                answer = self.deployed.cloud.client("dynamodb").get_item(
                    TableName=name, Key=key, ConsistentRead=True
                )
        except TetherError as exc:
            return f"cannot read item {shown(check.key)} of table {check.table}: {exc.message}"
        if "Item" not in answer:
            return f"no item {shown(check.key)} in table {check.table}"
        if not self.external(check.table):  # cleanup removes it, matching or not
            self.footprint.items.append((name, key))
        deserialize = TypeDeserializer().deserialize
        item = {k: deserialize(v) for k, v in answer["Item"].items()}
        if not is_subset(check.match, item):
            return (
                f"item {shown(check.key)} in table {check.table}: expected {shown(check.match)}, "
                f"got {shown(item)}"
            )
        return None

    def message(self, check: MessageCheck) -> str | None:
        url = self.deployed.output(check.queue, "Url")
        watch = self.watches.of(url)
        try:
            seen = watch.poll()
        except TetherError as exc:
            return f"cannot receive from queue {check.queue}: {exc.message}"
        sent = [m for m in seen if m.message_id not in self.own and m.sent_ms >= self.since_ms]
        free = [m for m in sent if m.message_id not in self.claimed]
        chosen = next((m for m in free if _matches(check.match, m)), None)
        if chosen is None:
            looked = " (it holds more: Tether stopped looking)" if watch.full else ""
            bodies = ", ".join(m.text[:200] for m in free[:3])
            return (
                f"no message matching {shown(check.match)} on queue {check.queue}{looked}: "
                f"{len(free)} sent during the case" + (f": {bodies}" if bodies else "")
            )
        self.claimed.add(chosen.message_id)
        if not self.external(check.queue):
            self.footprint.messages.append((url, chosen.message_id))
        return None


def _matches(expected: Any, message: Seen) -> bool:
    """`{}` matches any message; text matches the body exactly; else a JSON subset."""
    if expected == {}:
        return True
    if isinstance(expected, str):
        return expected == message.text
    return is_subset(expected, message.body)
