"""The HTTP router's threads are reused: a job runs at once (on a waiting thread, or a new one
when none waits), a thread that waited long enough ends, and no job sees what another set in a
context variable."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable

from tether.localcloud.http.router_threads import ReusedThreads

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="unset")


def run_and_wait(
    threads: ReusedThreads, job: Callable[[], None] = lambda: None
) -> threading.Thread:
    """Run `job`; the thread it ran on, once it finished and the thread waits again."""
    ran: list[threading.Thread] = []
    done = threading.Event()

    def record() -> None:
        job()
        ran.append(threading.current_thread())
        done.set()

    threads.run(record)
    assert done.wait(10)
    deadline = time.monotonic() + 10
    while threads.waiting() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return ran[0]


def test_a_finished_thread_takes_the_next_job_and_ends_when_left_waiting() -> None:
    threads = ReusedThreads("test-reuse", idle_seconds=0.5)
    first = run_and_wait(threads)
    assert run_and_wait(threads) is first
    deadline = time.monotonic() + 10
    while first.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not first.is_alive() and threads.waiting() == 0


def test_jobs_never_wait_for_one_another() -> None:
    threads = ReusedThreads("test-parallel", idle_seconds=0.5)
    together = threading.Barrier(3, timeout=10)
    for _ in range(2):
        threads.run(together.wait)  # each blocks until both run at the same time
    together.wait()


def test_a_job_does_not_see_the_context_of_the_last_one() -> None:
    threads = ReusedThreads("test-context", idle_seconds=5)
    seen: list[str] = []
    first = run_and_wait(threads, lambda: seen.append(MARK.get()) or MARK.set("first job"))
    assert run_and_wait(threads, lambda: seen.append(MARK.get())) is first
    assert seen == ["unset", "unset"]
