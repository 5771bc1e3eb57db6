"""Work the local cloud does after it has answered: asynchronous invocations.

A small pool of daemon threads, started on demand, runs queued tasks in order of arrival.
Daemon threads, because a task may wait for a function that runs for minutes and must not
hold up the server's exit (the runtime kills its workers at exit anyway). A task that fails
is logged to the server's log and forgotten, as an asynchronous invocation would be.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("tether.runtime")


class Background:
    """Runs callables on up to `threads` daemon threads."""

    def __init__(self, threads: int, name: str = "tether-async") -> None:
        self._limit = max(1, threads)
        self._name = name
        self._tasks: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a task
        self._waiting = 0  # tasks not yet taken
        self._lock = threading.Lock()

    def submit(self, task: Callable[[], object]) -> None:
        with self._lock:
            self._waiting += 1
            self._tasks.put(task)
            if self._waiting <= self._idle or len(self._threads) >= self._limit:
                return
            thread = threading.Thread(
                target=self._serve, name=f"{self._name}-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            self._idle += 1
        thread.start()

    def _serve(self) -> None:
        while True:
            task = self._tasks.get()
            with self._lock:
                self._waiting -= 1
                self._idle -= 1
            try:
                task()
            except Exception:
                log.exception("background invocation failed")
            finally:
                with self._lock:
                    self._idle += 1
