"""Long operations of the IDE (deploys, test runs) in worker threads, one at a time per stage.

A request that starts one gets its operation id at once; the work reports over the WebSocket
as messages that carry that id ("op"). A second operation on a stage that is busy is refused
with 409 "busy" (a deploy from a terminal is stopped by the stage's own lock file, which the
deploy maps to "busy" too). Deploy on save waits for its turn instead.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from tether.ide.errors import ApiError

Target = Literal["local", "aws"]
Publish = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Where:
    """What the IDE deploys to and runs against: a stage on a target (POST /api/target)."""

    stage: str
    target: Target


def new_op() -> str:
    return uuid.uuid4().hex[:12]


class Jobs:
    """Which stages have an operation running."""

    def __init__(self) -> None:
        self._busy: set[str] = set()
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def claim(self, stage: str, *, wait: bool = False) -> Iterator[None]:
        """Hold the stage for one operation; ApiError 409 "busy" unless `wait`."""
        with self._changed:
            while stage in self._busy:
                if not wait:
                    raise ApiError(
                        409,
                        "busy",
                        f"another operation on stage '{stage}' is running",
                        hint="wait for it to finish (its progress shows in the Output panel)",
                    )
                self._changed.wait()
            self._busy.add(stage)
        try:
            yield
        finally:
            with self._changed:
                self._busy.discard(stage)
                self._changed.notify_all()

    def start(self, stage: str, name: str, work: Callable[[str], None]) -> str:
        """Run `work(op)` in a new thread while holding the stage; returns the op id at once."""
        op = new_op()
        claimed = self.claim(stage)
        claimed.__enter__()  # raises busy before any thread starts

        def run() -> None:
            try:
                work(op)
            finally:
                claimed.__exit__(None, None, None)

        threading.Thread(target=run, name=f"tether-ide-{name}-{op}", daemon=True).start()
        return op

    def busy(self, stage: str) -> bool:
        with self._changed:
            return stage in self._busy
