"""One spare worker process per interpreter, started ahead with the heavy modules imported.

A cold start spends most of its time importing boto3 and botocore (~200 ms), which do not
depend on the function. The spare is a worker process spawned with a neutral environment
(`environment.neutral_environment`) and working directory that imports them (`worker.PRELOAD`)
and waits; the next worker to start takes it over (`WorkerProcess.start(spare=...)`), sending
the function's complete environment (it replaces `os.environ`), working directory and sys.path
with the init frame, and a new spare is spawned in the background at once (in an edit loop, the next code update
comes a few hundred milliseconds later).

The runtime keeps one spare per interpreter it runs functions on (`interpreters`), made the
first time a worker of that interpreter starts: a spare is taken only by a worker of its own
interpreter (and SDK directory, `sdk`).

A function gets the spare only if that makes no difference to it (`fits`): none of its own
variables is read when the interpreter starts or when the preloaded modules are imported
(PYTHON*, locale, HOME, TMPDIR, BOTO*), and neither its code nor a layer ships its own copy of
a preloaded package (its own boto3 must win, as in a fresh process).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence

from tether.runtime.environment import neutral_environment
from tether.runtime.process import WorkerProcess

# The top-level packages `worker.PRELOAD` imports (tests/runtime checks the list is complete).
PRELOADED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "certifi")
# Variables read at interpreter start or while the preloaded modules are imported.
STARTUP_PREFIXES = ("PYTHON", "LC_", "BOTO")
STARTUP_NAMES = frozenset({"LANG", "HOME", "TMPDIR", "PATH"})

log = logging.getLogger("tether.runtime")


def fits(environment: Mapping[str, str], path: Sequence[str]) -> bool:
    """Whether a worker with the function's own `environment` and sys.path entries `path` can
    take over a spare and end up exactly as a freshly started one."""
    for name in environment:
        if name in STARTUP_NAMES or name.startswith(STARTUP_PREFIXES):
            return False
    for entry in path:
        for package in PRELOADED:
            base = os.path.join(entry, package)
            if os.path.exists(base) or os.path.exists(base + ".py"):
                return False
    return True


class Spare:
    """The spare worker of one interpreter (`take` it; it is refilled through `submit`)."""

    def __init__(
        self,
        *,
        python: str,
        cwd: str,
        submit: Callable[[Callable[[], object]], None],
        sdk: str | None = None,
    ) -> None:
        self._python = python
        self._sdk = sdk
        self._cwd = cwd
        self._submit = submit
        self._ready: WorkerProcess | None = None
        self._filling = False
        self._closed = False
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The process id of the spare ready to be taken, if any."""
        with self._lock:
            return self._ready.pid if self._ready is not None else None

    def take(self) -> WorkerProcess | None:
        """The spare process, if one is running (then `refill`)."""
        with self._lock:
            spare, self._ready = self._ready, None
        if spare is not None and not spare.alive:
            spare.kill()
            return None
        return spare

    def refill(self) -> None:
        """Start a new spare in the background, unless there is one (or one coming)."""
        with self._lock:
            if self._closed or self._filling or self._ready is not None:
                return
            self._filling = True
        self._submit(self._fill)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spare, self._ready = self._ready, None
        if spare is not None:
            spare.kill()

    def _fill(self) -> None:
        spare: WorkerProcess | None = WorkerProcess(
            log_stream="", python=self._python, sdk=self._sdk
        )
        try:
            assert spare is not None
            spare.spawn(env=neutral_environment(), cwd=self._cwd, spare=True)
        except OSError:
            log.exception("could not start a spare worker")
            spare = None
        with self._lock:
            self._filling = False
            if self._closed or spare is None:
                keep = None
            else:
                keep, self._ready = spare, spare
        if spare is not None and keep is None:
            spare.kill()
