"""The runtime in this process: an invocation whose caller stops waiting (an HTTP API's
integration timeout, a client that hung up) is cancelled, and frees its place for the next."""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.runtime.test_workers import OWN_RUNTIME
from tether.runtime import CodeSource, FunctionSpec, Runtime
from tether.runtime.cancel import Cancellation, scope
from tether.runtime.logs import Event

# Writes its pid to MARKS/started-<pid>, sleeps, then MARKS/finished-<pid>: never, if cancelled.
SLEEPER = """
import os, time
from pathlib import Path

MARKS = Path({marks!r})
time.sleep({init_seconds})


def handler(event, context):
    Path(MARKS, f"started-{{os.getpid()}}").touch()
    time.sleep(event.get("seconds", 0))
    Path(MARKS, f"finished-{{os.getpid()}}").touch()
    return os.getpid()
"""


class ListSink:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def put(self, function: FunctionSpec, stream: str, events: Sequence[Event]) -> None:
        self.messages += [message for _, message in events]


def sleeper(marks: Path, *, init_seconds: float = 0.0) -> FunctionSpec:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/main.py", SLEEPER.format(marks=str(marks), init_seconds=init_seconds))
    data = buffer.getvalue()
    return FunctionSpec(
        arn="arn:aws:lambda:us-east-1:123456789012:function:sleeper",
        name="sleeper",
        handler="app/main.handler",
        runtime=OWN_RUNTIME,
        memory_mb=128,
        timeout_s=60,
        region="us-east-1",
        code=CodeSource(hashlib.sha256(data).hexdigest(), lambda: data),
    )


def started(marks: Path) -> list[int]:
    return sorted(int(p.name.split("-")[1]) for p in marks.glob("started-*"))


def finished(marks: Path) -> list[Path]:
    return list(marks.glob("finished-*"))


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


@pytest.fixture
def runtime(tmp_path: Path, sink: ListSink) -> Iterator[Runtime]:
    made = Runtime(
        home=tmp_path / "home", endpoint=lambda: "http://127.0.0.1:9", sink=sink, concurrency=1
    )
    try:
        yield made
    finally:
        made.shutdown()


def test_past_the_callers_deadline_the_worker_is_killed_as_at_a_timeout(
    runtime: Runtime, sink: ListSink, marks: Path
) -> None:
    function = sleeper(marks)
    cancellation = Cancellation.after(0.5, reason="the HTTP API stopped waiting")
    begun = time.monotonic()
    result = runtime.run(function, json.dumps({"seconds": 30}), cancellation=cancellation)
    assert time.monotonic() - begun < 2.5
    assert cancellation.cancelled
    assert result.function_error == "Unhandled"
    payload = json.loads(result.payload)
    assert payload["errorType"] == "Runtime.Cancelled"
    assert "Invocation cancelled: the HTTP API stopped waiting" in payload["errorMessage"]
    [pid] = started(marks)
    assert gone(pid)
    assert runtime.registry.workers(function.arn) == 0  # its place is free
    report = next(m for m in sink.messages if m.startswith("REPORT"))
    assert "Status: cancelled" in report
    again = runtime.run(function, json.dumps({"seconds": 0}))
    assert json.loads(again.payload) != pid  # a fresh worker
    assert [f.name for f in finished(marks)] == [f"finished-{json.loads(again.payload)}"]


def test_a_cancel_from_another_thread_reaches_the_invocation_of_its_scope(
    runtime: Runtime, marks: Path
) -> None:
    function = sleeper(marks)
    runtime.run(function, "{}")  # warm
    cancellation = Cancellation(reason="the HTTP client disconnected")
    threading.Timer(0.3, cancellation.cancel).start()
    begun = time.monotonic()
    with scope(cancellation):
        result = runtime.run(function, json.dumps({"seconds": 30}))
    assert time.monotonic() - begun < 1.5
    assert "the HTTP client disconnected" in json.loads(result.payload)["errorMessage"]
    assert all(gone(pid) for pid in started(marks))
    assert len(finished(marks)) == 1  # the warm-up only


def test_an_invocation_waiting_for_a_worker_leaves_the_queue_when_its_caller_gives_up(
    runtime: Runtime, marks: Path
) -> None:
    function = sleeper(marks)
    first: list[object] = []
    busy = threading.Thread(
        target=lambda: first.append(runtime.run(function, json.dumps({"seconds": 1.5})))
    )
    busy.start()
    time.sleep(0.3)  # the only worker (concurrency 1) is busy
    begun = time.monotonic()
    waiting = runtime.run(
        function, json.dumps({"seconds": 30}), cancellation=Cancellation.after(0.3, reason="gone")
    )
    assert time.monotonic() - begun < 1.0
    assert json.loads(waiting.payload)["errorType"] == "Runtime.Cancelled"
    busy.join(10)
    [pid] = started(marks)  # the cancelled one never ran
    assert json.loads(first[0].payload) == pid  # type: ignore[attr-defined]
    assert json.loads(runtime.run(function, "{}").payload) == pid  # still warm, still served


def test_a_worker_starting_when_its_caller_gives_up_is_kept_warm(
    runtime: Runtime, sink: ListSink, marks: Path
) -> None:
    function = sleeper(marks, init_seconds=1.0)
    result = runtime.run(function, "{}", cancellation=Cancellation.after(0.2, reason="gone"))
    assert json.loads(result.payload)["errorType"] == "Runtime.Cancelled"
    assert started(marks) == []  # the handler did not run
    begun = time.monotonic()
    pid = json.loads(runtime.run(function, "{}").payload)
    assert time.monotonic() - begun < 0.8  # no second init
    assert not gone(pid)
    assert any("Invocation cancelled: gone" in m for m in sink.messages)
