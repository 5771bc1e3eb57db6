"""A caller's hold on an invocation it waits for: a deadline, and a way to give up sooner.

API Gateway stops waiting for a function after the integration's timeout (30 s by default)
and answers 503; a client may hang up sooner still. An invocation nobody waits for must not
keep a worker busy: the HTTP router hands the runtime a `Cancellation`, and the runtime
honours it with the mechanism of Lambda's own function timeout (`process.WorkerProcess`
kills the worker at the deadline, the pool counts it gone and the next invocation gets a free
or fresh worker). While the invocation waits for a worker it gives up its place in the queue;
once the handler runs, its worker is killed; a worker that was starting (init) is let finish
and kept warm, as Lambda keeps an initialised environment, but does not run the handler.

The runtime looks at a cancellation every `CHECK_EVERY` seconds, and exactly at its deadline.
moto stands between the router and the runtime (`LambdaBackend.invoke`), so the router's
thread passes it down in a context variable (`scope`, `current`) rather than an argument.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CHECK_EVERY = 0.1  # seconds between two looks at a cancellation while waiting


class Cancelled(Exception):
    """The caller gave up before the invocation reached a worker."""


class Cancellation:
    """Whether the caller still waits: cancelled explicitly, or past its `deadline`
    (`time.monotonic()`). `reason` says why, for the log; the first reason given wins."""

    def __init__(
        self, *, deadline: float | None = None, reason: str = "the caller stopped waiting"
    ) -> None:
        self.deadline = deadline
        self.reason = reason
        self._cancelled = False
        self._lock = threading.Lock()

    @classmethod
    def after(cls, seconds: float, *, reason: str) -> Cancellation:
        """One whose deadline is `seconds` from now."""
        return cls(deadline=time.monotonic() + seconds, reason=reason)

    @property
    def cancelled(self) -> bool:
        """Cancelled explicitly, or found past its deadline by `stopped`."""
        return self._cancelled

    def cancel(self, reason: str | None = None) -> None:
        with self._lock:
            if not self._cancelled:
                self._cancelled = True
                if reason:
                    self.reason = reason

    def stopped(self, now: float | None = None) -> bool:
        """Whether the caller gave up (cancelled, or its deadline is past: then it is marked
        cancelled, so that the caller can tell its invocation was abandoned)."""
        if self._cancelled:
            return True
        if self.deadline is not None and (now or time.monotonic()) >= self.deadline:
            self.cancel()
            return True
        return False

    def wait(self, now: float | None = None) -> float:
        """How long a waiter may block before it must look again (seconds, >= 0)."""
        if self.deadline is None:
            return CHECK_EVERY
        return max(0.0, min(CHECK_EVERY, self.deadline - (now or time.monotonic())))


_CURRENT: ContextVar[Cancellation | None] = ContextVar("tether_cancellation", default=None)


@contextmanager
def scope(cancellation: Cancellation | None) -> Iterator[None]:
    """Invocations run by this thread within the block honour `cancellation`."""
    token = _CURRENT.set(cancellation)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Cancellation | None:
    """The cancellation of the invocation this thread runs, if its caller gave one."""
    return _CURRENT.get()
