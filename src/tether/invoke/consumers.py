"""Pausing the functions that consume a queue or a table stream while a test case runs.

A case checks what its function did. A queue's consumer would take the message before the case
could see it, and a downstream function would change the item the case checks, so while a case
runs Tether disables the event source mappings that read the queues and streams involved
(Lambda's UpdateEventSourceMapping, `Enabled: false`) and enables them again when the case
ends, whatever happened: passed, failed, an error, Ctrl-C or SIGTERM. What arrived meanwhile
waits in the queue or the stream, and is processed once they resume. A mapping that was already
disabled is left alone: it is not Tether's to enable.

A run killed outright (SIGKILL, a crash of the machine) cannot resume anything. So before each
pause a journal under `.tether/<stage>/paused/` names the mappings; it is removed once they are
resumed, and the next test run on the stage resumes what a run that died left paused.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from tether.atomic import write_atomically
from tether.cloud.session import CloudError
from tether.deploy.state import stage_dir
from tether.errors import TetherError
from tether.invoke.target import Deployed
from tether.model import Queue, QueueTrigger, StreamTrigger, Table

SourceKind = Literal["queue", "stream"]

PAUSE_TIMEOUT = 120.0  # seconds for a mapping to report Disabled (AWS takes seconds to minutes)
# A poller may be inside a long poll of the queue when its mapping is disabled; on AWS, what it
# receives then it still delivers. Waiting this long after Disabled means no receive that
# started before the pause is still open. The local cloud's poller hands back what it receives
# for a disabled mapping, so there a moment is enough.
POLLER_SETTLE = {"aws": 1.5, "local": 0.05}
# A journal whose run still lives is another run's pause, in progress, unless it is older than
# any case can take (a pause, a 15-minute invoke, a 5-minute `eventually`, the cleanup).
STALE_AFTER = 30 * 60.0
_STOPPED = {"Disabled", "Disabling"}


class PauseError(TetherError):
    """A consumer could not be paused or resumed."""


@dataclass(frozen=True)
class Consumer:
    """A function reading a queue or a table's stream through an event source mapping."""

    function: str  # the project's name of the function
    source: str  # the queue or table it reads
    kind: SourceKind
    uuid: str  # the event source mapping

    def describe(self) -> str:
        what = "queue" if self.kind == "queue" else "stream of table"
        return f"{self.function} (reading the {what} {self.source})"


def consumers(deployed: Deployed, sources: Iterable[str]) -> list[Consumer]:
    """The deployed mappings through which the stage's functions read `sources`."""
    wanted = set(sources)
    client = deployed.cloud.client("lambda")
    found: list[Consumer] = []
    for function in deployed.project.functions.values():
        for trigger in function.triggers:
            if trigger.resource not in wanted:
                continue
            if not isinstance(trigger, QueueTrigger | StreamTrigger):
                continue
            kind: SourceKind = "queue" if isinstance(trigger, QueueTrigger) else "stream"
            arn = _source_arn(deployed, trigger.resource)
            if arn is None:
                continue
            name = deployed.function_name(function.name)
            with deployed.cloud.guard():
                pages = client.get_paginator("list_event_source_mappings").paginate(
                    EventSourceArn=arn
                )
                mappings = [m for page in pages for m in page.get("EventSourceMappings", [])]
            found += [
                Consumer(function.name, trigger.resource, kind, m["UUID"])
                for m in mappings
                if _function_of(m.get("FunctionArn", "")) == name
            ]
    return found


def _source_arn(deployed: Deployed, name: str) -> str | None:
    resource = deployed.project.resources[name]
    if isinstance(resource, Queue):
        return deployed.output(name, "Arn")
    if isinstance(resource, Table):
        if resource.is_external:
            return resource.stream_arn
        key = f"{resource.logical_id}StreamArn"
        return deployed.outputs.get(key)
    return None


def _function_of(arn: str) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] -> NAME."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


@contextlib.contextmanager
def paused(deployed: Deployed, wanted: Iterable[Consumer]) -> Iterator[list[Consumer]]:
    """Disable the mappings of `wanted` until the block ends; yields those it paused."""
    client = deployed.cloud.client("lambda")
    journal = _Journal(deployed)
    done: list[Consumer] = []
    with _terminate_as_exit():
        try:
            for consumer in wanted:
                if _state(deployed, consumer) in _STOPPED:
                    continue
                # Noted first: a crash, or an answer lost after the change was made, must
                # still resume it (enabling a mapping that is enabled changes nothing).
                done.append(consumer)
                journal.write(done)
                _update(deployed, client, consumer, enabled=False)
            _wait_stopped(deployed, done)
            if any(c.kind == "queue" for c in done):
                time.sleep(POLLER_SETTLE[deployed.cloud.target])
            yield done
        except BaseException:
            _settle(journal, _resume(deployed, done))  # the case's own error is the one to see
            raise
        failed = _resume(deployed, done)
        _settle(journal, failed)
        if failed:
            raise PauseError(
                "could not resume " + "; ".join(f"{c.describe()}: {why}" for c, why in failed),
                hint="the next `tether test` on this stage tries again; or enable it yourself: "
                f"aws lambda update-event-source-mapping --enabled --uuid {failed[0][0].uuid}",
            )


def _settle(journal: _Journal, failed: list[tuple[Consumer, str]]) -> None:
    """Keep in the journal only what is still paused."""
    if failed:
        journal.write([c for c, _ in failed])
    else:
        journal.remove()


def resume_abandoned(deployed: Deployed) -> list[str]:
    """Resume what test runs that died left paused on this stage; says what it resumed."""
    notes = []
    for path, entry in _Journal.abandoned(deployed):
        left = [Consumer(**c) for c in entry.get("consumers", [])]
        failed = _resume(deployed, left)
        if failed:
            raise PauseError(
                f"a test run that was interrupted (pid {entry.get('pid')}) left "
                + ", ".join(c.describe() for c, _ in failed)
                + " paused, and it cannot be resumed: "
                + failed[0][1],
                hint=f"enable it with `aws lambda update-event-source-mapping --enabled --uuid "
                f"{failed[0][0].uuid}`, then delete {path}",
            )
        path.unlink(missing_ok=True)
        notes += [
            f"resumed {c.describe()}, left paused by a test run that was interrupted" for c in left
        ]
    return notes


def _state(deployed: Deployed, consumer: Consumer) -> str:
    with deployed.cloud.guard():
        mapping = deployed.cloud.client("lambda").get_event_source_mapping(UUID=consumer.uuid)
    return str(mapping.get("State", "Enabled"))


def _update(deployed: Deployed, client: Any, consumer: Consumer, *, enabled: bool) -> None:
    """UpdateEventSourceMapping, retried while the mapping is busy changing state."""
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while True:
        try:
            with deployed.cloud.guard():
                client.update_event_source_mapping(UUID=consumer.uuid, Enabled=enabled)
            return
        except CloudError as exc:
            if exc.code != "ResourceInUseException" or time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _wait_stopped(deployed: Deployed, consumers: list[Consumer]) -> None:
    deadline = time.monotonic() + PAUSE_TIMEOUT
    pending = list(consumers)
    delay = 0.05
    while pending:
        pending = [c for c in pending if _state(deployed, c) != "Disabled"]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise PauseError(
                f"{pending[0].describe()} did not stop within {PAUSE_TIMEOUT:.0f} s of being "
                "disabled",
                hint="try again; the case did not run (what was paused is resumed)",
            )
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _resume(deployed: Deployed, consumers: list[Consumer]) -> list[tuple[Consumer, str]]:
    """Enable each mapping again; those that could not be, with the reason. A mapping that no
    longer exists (a deploy removed the trigger) has nothing left to resume."""
    client = deployed.cloud.client("lambda")
    failed = []
    for consumer in consumers:
        try:
            _update(deployed, client, consumer, enabled=True)
        except CloudError as exc:
            if exc.code != "ResourceNotFoundException":
                failed.append((consumer, exc.message))
    return failed


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM ends the process through SystemExit, so the `finally` that resumes runs. Only
    the main thread can set a handler; elsewhere (the IDE's workers) the process's own stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Journal:
    """`.tether/<stage>/paused/<pid>-<id>.json`: what one pause disabled, until it is resumed."""

    def __init__(self, deployed: Deployed) -> None:
        self.deployed = deployed
        self.path = _folder(deployed) / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"

    def write(self, consumers: list[Consumer]) -> None:
        entry = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "target": self.deployed.cloud.target,
            "region": self.deployed.cloud.region,
            "written": time.time(),
            "consumers": [asdict(c) for c in consumers],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(entry, indent=2).encode())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    @staticmethod
    def abandoned(deployed: Deployed) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Journals of this stage's target whose run is gone (or that are too old to be live)."""
        folder = _folder(deployed)
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                entry = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(entry, dict):
                continue
            where = (entry.get("target"), entry.get("region"))
            if where != (deployed.cloud.target, deployed.cloud.region):
                continue
            fresh = time.time() - float(entry.get("written", 0)) < STALE_AFTER
            if fresh and _alive(entry.get("pid"), entry.get("host")):
                continue
            yield path, entry


def _folder(deployed: Deployed) -> Path:
    return stage_dir(deployed.project.root, deployed.stage) / "paused"


def _alive(pid: Any, host: Any) -> bool:
    if host != socket.gethostname():
        return True  # another machine's run: it cannot be checked, so it is not touched
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
