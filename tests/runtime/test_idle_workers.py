"""Idle workers give their memory back: after the idle timeout, with no invocation to notice it,
and beyond the cap on workers, the least recently used idle one first; a released function
answers again (a cold start). The runtime in this process, as in test_workers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import alive
from tests.runtime.helpers import wait_for
from tests.runtime.test_workers import ListSink, spec
from tether.runtime import FunctionSpec, Runtime
from tether.runtime.service import IDLE_ENV, MAX_WORKERS_ENV

PID = (
    "import os, time\n\n"
    "def handler(event, context):\n"
    "    time.sleep(event.get('nap', 0))\n"
    "    return os.getpid()\n"
)


def named(name: str) -> FunctionSpec:
    """A function of its own name (and so its own pool) that answers with its worker's pid."""
    function = spec({"app/main.py": PID})
    return replace(function, arn=function.arn.replace(":unit", f":{name}"), name=name)


def pid_of(runtime: Runtime, function: FunctionSpec, nap: float = 0.0) -> int:
    result = runtime.invoke(function, json.dumps({"nap": nap}))
    assert result.function_error is None, result.payload
    pid: int = json.loads(result.payload)
    return pid


MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[MakeRuntime]:
    made: list[Runtime] = []

    def build(**options: Any) -> Runtime:
        runtime = Runtime(
            home=tmp_path, endpoint=lambda: "http://127.0.0.1:9", sink=ListSink(), **options
        )
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.shutdown()


def test_an_idle_worker_is_released_without_another_invocation_and_answers_after(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(idle_seconds=0.4)
    function = named("idle")
    first = pid_of(runtime, function)
    assert runtime.registry.workers(function.arn) == 1

    wait_for(lambda: not alive(first), timeout=10)  # nothing invoked meanwhile

    assert runtime.registry.workers(function.arn) == 0
    second = pid_of(runtime, function)
    assert second != first and alive(second)


def test_the_cap_releases_the_least_recently_used_idle_worker(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(max_workers=2, idle_seconds=600)
    a, b, c = named("a"), named("b"), named("c")
    pid_a = pid_of(runtime, a)
    pid_b = pid_of(runtime, b)
    assert pid_of(runtime, a) == pid_a  # a is now the most recently used

    pid_c = pid_of(runtime, c)

    assert not alive(pid_b)  # the least recently used idle one made room
    assert alive(pid_a) and alive(pid_c)
    assert runtime.registry.total() == 2
    assert pid_of(runtime, b) != pid_b  # and b still answers, from a new worker
    assert not alive(pid_a)  # a was the least recently used then


def test_busy_workers_are_never_released_for_room_and_a_burst_shrinks_back(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(max_workers=1, idle_seconds=600)
    function = named("burst")
    pids: list[int] = []

    def nap() -> None:
        pids.append(pid_of(runtime, function, nap=0.6))

    threads = [threading.Thread(target=nap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(pids)) == 2  # both ran to the end, each on its own worker
    assert runtime.registry.total() == 1  # once idle, back under the cap
    assert sum(alive(pid) for pid in pids) == 1


def test_the_timeout_and_the_cap_are_read_from_the_environment(
    make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IDLE_ENV, "42")
    monkeypatch.setenv(MAX_WORKERS_ENV, "3")
    runtime = make_runtime()
    assert runtime.registry.idle_seconds == 42
    assert runtime.registry.max_workers == 3
