"""One worker process seen from the local cloud: start it, run invocations on it, kill it.

The worker (`tether/runtime/worker.py`, run by the Python of the function's runtime, see
`interpreters`, with the SDK's directory when that is not the local cloud's own, see `sdk`)
gets three pipes: requests in, answers out (both `protocol` frames) and its stdout+stderr, read
here as the function's output. Each phase (init, each invocation) ends with the worker's output sentinel
followed by its answer frame, so the output lines read up to the sentinel belong to that
phase. Reading waits on both pipes with poll(2) under the phase's deadline: past it the worker
is killed (a timeout); end of file on the answer pipe means the worker exited. An invocation
run for a caller that gives up (`cancel.Cancellation`: an HTTP API's integration timeout, a
client that hung up) ends the same way, when the caller's deadline or cancel comes first.

The worker runs in its own session, so killing its process group also ends processes the
function started. Not thread-safe: one invocation at a time per worker (the pool sees to it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tether.runtime import protocol
from tether.runtime.cancel import Cancellation
from tether.runtime.logs import Event, now_ms

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
INIT_TIMEOUT = 10.0  # Lambda's limit on the init phase
SENTINEL_GRACE = 1.0  # how long to wait for the output marker once the answer is in
REAP_TIMEOUT = 2.0
READ_SIZE = 1 << 16

Ending = Literal["answered", "exited", "timeout", "cancelled"]


@dataclass
class Phase:
    """What one phase (init or an invocation) produced."""

    ending: Ending
    frame: dict[str, Any] | None
    output: list[Event] = field(default_factory=list)
    returncode: int | None = None
    elapsed_ms: float = 0.0  # wall time of the phase, as the local cloud saw it


class WorkerProcess:
    """A warm worker of one function version; created unstarted, started on first use."""

    def __init__(
        self, *, log_stream: str, python: str = sys.executable, sdk: str | None = None
    ) -> None:
        self.log_stream = log_stream
        self.python = python  # the interpreter it runs on
        self.sdk = sdk  # the SDK's directory, for an interpreter without boto3
        self.started = False
        self.init: Phase | None = None  # the init phase of a worker started ahead of use
        self.max_rss_kb = 0  # the worker's peak memory, as it last reported it
        self.idle_since = time.monotonic()
        self._process: subprocess.Popen[bytes] | None = None
        self._request_fd = -1
        self._answer_fd = -1
        self._output_fd = -1
        self._frames = protocol.FrameBuffer()
        self._sentinel = "\x1etether-end-" + secrets.token_hex(8) + "\n"
        self._pending = b""  # output read but not yet split into lines

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        """Spawned and still running."""
        return self._process is not None and self._process.poll() is None

    def start(
        self,
        *,
        env: Mapping[str, str],
        cwd: str,
        path: Sequence[str],
        handler: str,
        timeout: float = INIT_TIMEOUT,
        spare: WorkerProcess | None = None,
    ) -> Phase:
        """Spawn the worker and import the handler: `ready`, `init_error`, exit or timeout.

        With `spare` (a live worker spawned with `spare=True`), take over its process instead:
        it receives `env` and `cwd` with the init frame and makes them its own."""
        self.started = True
        started = time.perf_counter()
        init: dict[str, Any] = {
            "type": "init",
            "sentinel": self._sentinel,
            "path": list(path),
            "handler": handler,
        }
        if spare is not None:
            self._adopt(spare)
            init.update(env=dict(env), cwd=cwd)
        else:
            self.spawn(env=env, cwd=cwd)
        phase = self._exchange(init, time.monotonic() + timeout)
        phase.elapsed_ms = (time.perf_counter() - started) * 1000  # from the spawn on
        return phase

    def spawn(self, *, env: Mapping[str, str], cwd: str, spare: bool = False) -> None:
        """Start the worker process, which then waits for its init frame (a spare one imports
        `worker.PRELOAD` meanwhile)."""
        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        output_r, output_w = os.pipe()
        flags = ["--spare"] if spare else []
        if self.sdk:
            flags.append(f"--sdk={self.sdk}")
        try:
            self._process = subprocess.Popen(
                [self.python, WORKER_SCRIPT, str(request_r), str(answer_w), *flags],
                stdin=subprocess.DEVNULL,
                stdout=output_w,
                stderr=output_w,
                pass_fds=(request_r, answer_w),
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )
        except OSError:
            for fd in (request_w, answer_r, output_r):  # the others: just below
                os.close(fd)
            raise
        finally:
            for fd in (request_r, answer_w, output_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._request_fd, self._answer_fd, self._output_fd = request_w, answer_r, output_r

    def _adopt(self, spare: WorkerProcess) -> None:
        """Take over the process and pipes of `spare` (which is left without them)."""
        self.python, self.sdk = spare.python, spare.sdk
        self._process, spare._process = spare._process, None
        self._request_fd, self._answer_fd, self._output_fd = (
            spare._request_fd,
            spare._answer_fd,
            spare._output_fd,
        )
        spare._request_fd = spare._answer_fd = spare._output_fd = -1

    def run(
        self,
        *,
        request_id: str,
        event: str,
        arn: str,
        timeout: float,
        client_context: Any = None,
        cancellation: Cancellation | None = None,
    ) -> Phase:
        """One invocation: `result` / `error` answered, or the worker exited or timed out, or
        was killed because its caller gave up (`cancellation`)."""
        deadline = time.monotonic() + timeout
        request = {
            "type": "invoke",
            "id": request_id,
            "event": event,
            "arn": arn,
            "deadline_ms": now_ms() + int(timeout * 1000),
            "client_context": client_context,
        }
        return self._exchange(request, deadline, cancellation)

    def kill(self) -> int | None:
        """End the worker and everything it started; returns its exit status."""
        returncode = self._terminate()
        self._close()
        return returncode

    # -----------------------------------------------------------------------------------------

    def _exchange(
        self, message: dict[str, Any], deadline: float, cancellation: Cancellation | None = None
    ) -> Phase:
        started = time.perf_counter()
        try:
            protocol.write_frame(self._request_fd, message)
        except OSError:  # the worker is gone already (broken pipe)
            phase = self._ended("exited", [])
        else:
            phase = self._collect(deadline, cancellation)
        phase.elapsed_ms = (time.perf_counter() - started) * 1000
        return phase

    def _collect(self, deadline: float, cancellation: Cancellation | None = None) -> Phase:
        """Read answers and output until the phase ends (see the module docstring)."""
        output: list[Event] = []
        frame: dict[str, Any] | None = None
        ended = False
        poller = select.poll()
        poller.register(self._answer_fd, select.POLLIN)
        poller.register(self._output_fd, select.POLLIN)
        open_fds = {self._answer_fd, self._output_fd}
        while frame is None or not ended:
            now = time.monotonic()
            remaining = deadline - now
            if frame is None and cancellation is not None and cancellation.stopped(now):
                return self._ended("cancelled", output)
            if remaining <= 0:
                if frame is not None:
                    break  # answered, but the output marker never came: keep what we have
                return self._ended("timeout", output)
            if cancellation is not None:
                remaining = min(remaining, cancellation.wait(now))
            for fd, _ in poller.poll(remaining * 1000):
                chunk = os.read(fd, READ_SIZE)
                if fd == self._answer_fd:
                    if chunk:
                        self._frames.feed(chunk)
                        frame = frame or self._frames.next()
                        if frame is not None:
                            deadline = min(deadline, time.monotonic() + SENTINEL_GRACE)
                        continue
                elif chunk:
                    ended = self._take_output(chunk, output) or ended
                    continue
                poller.unregister(fd)
                open_fds.discard(fd)
            if self._answer_fd not in open_fds and frame is None:
                return self._ended("exited", output)
            if self._output_fd not in open_fds and frame is not None:
                break
        return Phase("answered", frame, output)

    def _take_output(self, chunk: bytes, output: list[Event]) -> bool:
        """Split output into lines; True once the sentinel (end of the phase) is seen."""
        stamp = now_ms()
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()
        sentinel = self._sentinel.rstrip("\n")
        for index, raw in enumerate(lines):
            line = raw.decode("utf-8", "replace")
            if line.endswith(sentinel):
                before = line[: -len(sentinel)]
                if before:
                    output.append((stamp, before.replace("\r", "\n")))
                # Printed after the phase ended (by a thread it left running): the next phase's.
                self._pending = b"\n".join([*lines[index + 1 :], self._pending])
                return True
            output.append((stamp, line.replace("\r", "\n")))
        return False

    def _flush_pending(self, output: list[Event]) -> None:
        if self._pending:
            output.append((now_ms(), self._pending.decode("utf-8", "replace").replace("\r", "\n")))
            self._pending = b""

    def _ended(self, ending: Ending, output: list[Event]) -> Phase:
        """The worker exited or ran out of time: end it (and what it started), keep what it
        printed last, reap it."""
        returncode = self._terminate()
        deadline = time.monotonic() + REAP_TIMEOUT
        poller = select.poll()
        poller.register(self._output_fd, select.POLLIN)
        while time.monotonic() < deadline:
            if not poller.poll(max(deadline - time.monotonic(), 0) * 1000):
                break
            chunk = os.read(self._output_fd, READ_SIZE)
            if not chunk:
                break
            self._take_output(chunk, output)
        self._flush_pending(output)
        self._close()
        return Phase(ending, None, output, returncode)

    def _terminate(self) -> int | None:
        process = self._process
        if process is None:
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # the group outlives a leader that exited
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=REAP_TIMEOUT)
        return process.returncode

    def _close(self) -> None:
        for fd in (self._request_fd, self._answer_fd, self._output_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._request_fd = self._answer_fd = self._output_fd = -1
