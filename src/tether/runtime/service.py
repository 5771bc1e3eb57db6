"""The local cloud's Lambda runtime: run an invocation on a warm worker, log it, report it.

`Runtime.invoke` takes a function version (`FunctionSpec`) and the event as JSON text:

- `RequestResponse` runs it now, on an idle worker of that version or a new one (waiting while
  the version has `TETHER_LOCAL_CONCURRENCY` workers busy, default 4), and returns Lambda's
  answer: the result, or an error payload with `function_error="Unhandled"`, and the log.
- `Event` queues the same run in the background and returns at once (status 202).
- `DryRun` runs nothing (status 204).

A worker runs on the Python of the function's runtime when this machine has it, else on the
local cloud's own (`interpreters`; the deploy says so); on another interpreter than the local
cloud's own, with the SDK's directory on its path (`sdk`: boto3, as Lambda's runtime ships it).
It starts from the spare process of its interpreter when it fits (`spare`: boto3 and botocore
already imported). After a code or configuration update, `prewarm` starts the new version's
first worker in the background; until a worker of the new version has started, the version
is `updating` (the local cloud reports the update in progress). Every invocation is logged to
CloudWatch Logs through the `LogSink`. A timed-out or crashed worker is killed and replaced on
the next invocation. Idle workers go after `TETHER_LOCAL_IDLE_SECONDS` (default 120), and at
most `TETHER_LOCAL_MAX_WORKERS` (default 10) are kept across all functions, the least recently
used idle one going first (`pool`).

A caller that stops waiting (`cancel`: the HTTP router's integration timeout, a client that
hung up) has its invocation cancelled: taken out of the queue for a worker, or its worker
killed as at a timeout (`Status: cancelled` in the log), so its place is free at once.

`configure` makes a runtime the local cloud process's one runtime; `current` gives it to the
process's other parts (triggers, the scheduler, the HTTP router).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.runtime import artifacts, cancel, failures, interpreters, sdk
from tether.runtime.environment import worker_environment
from tether.runtime.logs import InvocationLog, LogSink, stream_name
from tether.runtime.pool import Pool, Registry
from tether.runtime.process import INIT_TIMEOUT, Phase, WorkerProcess
from tether.runtime.spare import Spare
from tether.runtime.spare import fits as spare_fits
from tether.runtime.spec import FunctionSpec
from tether.runtime.tasks import Background

CONCURRENCY_ENV = "TETHER_LOCAL_CONCURRENCY"
IDLE_ENV = "TETHER_LOCAL_IDLE_SECONDS"
MAX_WORKERS_ENV = "TETHER_LOCAL_MAX_WORKERS"
DEFAULT_CONCURRENCY = 4
# Lambda keeps an idle execution environment 5 to 15 minutes; here a worker costs the user's
# machine ~40 MB and a cold start costs ~0.3 s, so idle ones go sooner, and only so many stay.
DEFAULT_IDLE_SECONDS = 120.0
DEFAULT_MAX_WORKERS = 10
BACKGROUND_THREADS = 32
WARMING_THREADS = 8

log = logging.getLogger("tether.runtime")


@dataclass(frozen=True)
class Invocation:
    """Lambda's answer to one Invoke call."""

    request_id: str
    status_code: int  # 200 RequestResponse, 202 Event, 204 DryRun
    payload: str = ""  # JSON text: the handler's result or Lambda's error payload
    function_error: str | None = None  # "Unhandled" when the payload is an error
    log: str = ""  # this invocation's log (START ... REPORT), as written to CloudWatch

    @property
    def errored(self) -> bool:
        return self.function_error is not None


def setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class Runtime:
    """Warm workers for every function of the local cloud."""

    def __init__(
        self,
        *,
        home: Path,
        endpoint: Callable[[], str],
        sink: LogSink,
        concurrency: int | None = None,
        idle_seconds: float | None = None,
        max_workers: int | None = None,
        python: str = sys.executable,
    ) -> None:
        self.home = home
        self.python = python  # the local cloud's own interpreter (its environment has boto3)
        self._endpoint = endpoint
        self._sink = sink
        limit = concurrency or int(setting(CONCURRENCY_ENV, DEFAULT_CONCURRENCY))
        idle = idle_seconds or setting(IDLE_ENV, DEFAULT_IDLE_SECONDS)
        cap = max_workers or int(setting(MAX_WORKERS_ENV, DEFAULT_MAX_WORKERS))
        self.registry = Registry(limit, self._new_worker, idle_seconds=idle, max_workers=cap)
        self.background = Background(BACKGROUND_THREADS)
        # Workers started ahead: never queued behind asynchronous invocations.
        self.warming = Background(WARMING_THREADS, name="tether-warm")
        self._spares: dict[tuple[str, str | None], Spare] = {}
        self._placed: dict[str, str | None] = {}  # interpreter -> its SDK directory
        self._placing: dict[str, threading.Lock] = {}
        self._preparing: set[str] = set()  # runtimes being prepared in the background
        self._told: set[str] = set()  # what was logged once already
        self._lock = threading.Lock()
        self._closed = False
        self.spare = self.spare_for(python)  # the one of the local cloud's own interpreter

    def invoke(
        self,
        spec: FunctionSpec,
        event: str,
        *,
        invocation_type: str = "RequestResponse",
        client_context: Any = None,
        invoked_arn: str | None = None,
    ) -> Invocation:
        request_id = str(uuid.uuid4())
        if invocation_type == "DryRun":
            return Invocation(request_id, 204)
        if invocation_type == "Event":
            self.background.submit(lambda: self.run(spec, event, request_id=request_id))
            return Invocation(request_id, 202)
        return self.run(
            spec,
            event,
            request_id=request_id,
            client_context=client_context,
            invoked_arn=invoked_arn,
        )

    def submit(self, task: Callable[[], object]) -> None:
        """Run `task` in the background (asynchronous deliveries of the local cloud)."""
        self.background.submit(task)

    def run(
        self,
        spec: FunctionSpec,
        event: str,
        *,
        request_id: str | None = None,
        client_context: Any = None,
        invoked_arn: str | None = None,
        cancellation: cancel.Cancellation | None = None,
    ) -> Invocation:
        """Run one invocation now and return its result (see the module docstring).

        `cancellation` (else the one of this thread's `cancel.scope`) is the caller's say."""
        request_id = request_id or str(uuid.uuid4())
        record = InvocationLog(request_id)
        problem = self._unsupported(spec)
        if problem:
            result = self._failed(spec, record, failures.unsupported(request_id, problem), None)
            self._write(spec, stream_name(spec.version), record)
            return result
        cancellation = cancellation or cancel.current()
        pool = self.registry.pool_for(spec)
        try:
            worker = pool.checkout(cancellation)
        except cancel.Cancelled as exc:  # never reached a worker: nothing ran, nothing to log
            payload = failures.cancelled(request_id, str(exc), time.time())
            return Invocation(request_id, 200, json.dumps(payload), "Unhandled")
        if not worker.started and worker.init is None:
            self.registry.make_room()  # a new worker: the least recently used idle one goes
        reusable = False
        try:
            init_ms: float | None = None
            init, worker.init = worker.init, None  # started ahead (`prewarm`): its init phase
            if init is None and not worker.started:
                try:
                    begun = self._start(spec, worker, request_id)
                finally:
                    pool.started()
                if isinstance(begun, dict):
                    return self._failed(spec, record, begun, None)
                init = begun
            if init is not None:
                record.extend(init.output)
                init_ms = init.elapsed_ms
                if init.ending != "answered" or (init.frame or {}).get("type") != "ready":
                    payload = self._init_problem(init, request_id)
                    return self._failed(spec, record, payload, init_ms)
            if cancellation is not None and cancellation.stopped():
                # Given up while the worker started: it stays warm, the handler does not run.
                reusable = True
                payload = failures.cancelled(request_id, cancellation.reason, time.time())
                return self._failed(spec, record, payload, init_ms)
            record.start(spec.version)
            started = time.perf_counter()
            phase = worker.run(
                request_id=request_id,
                event=event,
                arn=invoked_arn or spec.arn,
                timeout=float(spec.timeout_s),
                client_context=client_context,
                cancellation=cancellation,
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
            record.extend(phase.output)
            reusable = phase.ending == "answered"
            reason = cancellation.reason if cancellation is not None else ""
            return self._finish(spec, record, phase, worker, elapsed_ms, init_ms, reason)
        finally:
            self._write(spec, worker.log_stream, record)  # before the worker serves another
            pool.checkin(worker, reusable=reusable)
            self.registry.make_room()  # a burst over the cap shrinks back as it ends

    def retire(self, arn: str, *, keep: str | None = None) -> int:
        """A function changed or was deleted: its workers (but those of `keep`) go away; how
        many there were. A function created or changed (`keep`, its version now) is made
        ready to start in the background (`prepare`)."""
        if keep is not None:
            self._prepare_soon(arn)
        return self.registry.retire(arn, keep=keep)

    def prepare(self, spec: FunctionSpec) -> None:
        """Make ready what the first worker of `spec` needs, ahead of its first invocation:
        its code unpacked, its interpreter found, the SDK's directory for it (bytecode
        included, see `sdk.warm`), and that interpreter's spare started."""
        if self._unsupported(spec):
            return
        with contextlib.suppress(artifacts.BadArchiveError, OSError):
            artifacts.code_dir(self.home, spec.code)  # else its first invocation says why
        python, sdk_dir = self.placement(spec)
        self.spare_for(python, sdk_dir).refill()

    def prewarm(self, spec: FunctionSpec) -> bool:
        """Start a worker of `spec` in the background (unpack, spawn, import the handler), if
        its version has none yet: the next invocation waits for it rather than starting
        another, and logs its init phase (output, Init Duration, init error) as its own."""
        if self._unsupported(spec):
            return False
        pool = self.registry.pool_for(spec)
        worker = pool.reserve()
        if worker is None:
            return False
        self.registry.make_room()
        self.warming.submit(lambda: self._warm(spec, pool, worker))
        return True

    def updating(self, arn: str) -> bool:
        """Whether the function's current version is still starting its first worker (after
        an update, `prewarm`, or by an invocation): until then its update is not live."""
        return self.registry.updating(arn)

    def wait_updated(self, arn: str, timeout: float = INIT_TIMEOUT + 5.0) -> bool:
        """Wait while the function is `updating` (at most the init phase's limit, and some);
        whether it is done."""
        return self.registry.wait_updated(arn, timeout)

    def retire_all(self, arn: str) -> None:
        """The function was deleted: all its versions' workers go away."""
        self.registry.retire_all(arn)

    def release_unpacked(self, needed: Collection[str]) -> list[str]:
        """Remove the unpacked code and layers under the home that neither `needed` (what the
        local cloud's functions and layers refer to) nor a running worker uses; the sha256 of
        those removed."""
        running: set[str] = set()
        for spec in self.registry.in_use():
            running.add(spec.code.sha256)
            running.update(layer.sha256 for layer in spec.layers)
        return artifacts.remove_unused(self.home, {*needed, *running})

    def spare_for(self, python: str, sdk_dir: str | None = None) -> Spare:
        """The spare of an interpreter (made on first use; filled when a worker starts)."""
        with self._lock:
            spare = self._spares.get((python, sdk_dir))
            if spare is None:
                spare = Spare(python=python, cwd=os.sep, submit=self.warming.submit, sdk=sdk_dir)
                if self._closed:
                    spare.close()
                self._spares[python, sdk_dir] = spare
        return spare

    def placement(self, spec: FunctionSpec) -> tuple[str, str | None]:
        """The interpreter that runs `spec`, and the SDK directory it needs (None: its own
        environment has boto3)."""
        found = interpreters.find(spec.runtime)
        if found is None:
            self._once(
                f"runtime:{spec.runtime}",
                "%s",
                " ".join(interpreters.fallback_notes([spec.runtime])),
            )
            return self.python, None
        if found.path == self.python:
            return self.python, None
        with self._lock:
            if found.path in self._placed:
                return found.path, self._placed[found.path]
            placing = self._placing.setdefault(found.path, threading.Lock())
        with placing:  # one thread makes the SDK directory; the others wait for it
            with self._lock:
                if found.path in self._placed:
                    return found.path, self._placed[found.path]
            sdk_dir = self._sdk_for(found)
            with self._lock:
                self._placed[found.path] = sdk_dir
        return found.path, sdk_dir

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            spares = list(self._spares.values())
        for spare in spares:
            spare.close()
        self.registry.shutdown()

    # -----------------------------------------------------------------------------------------

    def _warm(self, spec: FunctionSpec, pool: Pool, worker: WorkerProcess) -> None:
        ready: WorkerProcess | None = None
        try:
            init = self._start(spec, worker, "")
            if isinstance(init, Phase):
                worker.init, ready = init, worker
            # else: the code cannot be unpacked; the invocation that makes a worker reports it
        finally:
            if ready is None:
                worker.kill()
            pool.warmed(ready)

    def _prepare_soon(self, arn: str) -> None:
        """`prepare` the function of `arn` in the background (the process's runtime only: the
        resolver finds its functions)."""
        resolver = _RESOLVER if _RUNTIME is self else None
        if resolver is None:
            return

        def prepare() -> None:
            try:
                spec = resolver(arn)
            except LookupError:
                return  # deleted meanwhile
            with self._lock:
                if spec.runtime in self._preparing:
                    return  # a deploy of many functions: one prepares their runtime
                self._preparing.add(spec.runtime)
            try:
                self.prepare(spec)
            finally:
                with self._lock:
                    self._preparing.discard(spec.runtime)

        self.warming.submit(prepare)

    def _new_worker(self, spec: FunctionSpec) -> WorkerProcess:
        return WorkerProcess(log_stream=stream_name(spec.version), python=self.python)

    def _sdk_for(self, found: interpreters.Interpreter) -> str | None:
        try:
            folder = sdk.directory(self.home)
        except (sdk.MissingError, OSError) as exc:
            self._once(
                f"sdk:{found.path}", "functions on %s cannot import boto3: %s", found.path, exc
            )
            return None
        problems = sdk.unsupported(folder, found.version_info)
        if problems:
            self._once(
                f"sdk:{found.path}",
                "functions on Python %s (%s) get no boto3 from the local cloud: %s",
                found.version_text,
                found.path,
                "; ".join(problems),
            )
            return None
        sdk.warm(folder, found.path, found.version_info)
        return str(folder)

    def _once(self, key: str, message: str, *args: object) -> None:
        with self._lock:
            if key in self._told:
                return
            self._told.add(key)
        log.warning(message, *args)

    def _unsupported(self, spec: FunctionSpec) -> str | None:
        if not spec.runtime.startswith("python"):
            return f"the local cloud runs Python functions only, not {spec.runtime or 'images'}"
        if not spec.code.sha256:
            return "the function has no code (its zip could not be read)"
        return None

    def _start(
        self, spec: FunctionSpec, worker: WorkerProcess, request_id: str
    ) -> Phase | failures.Payload:
        try:
            code = artifacts.code_dir(self.home, spec.code)
            path = [str(code)]
            for layer in spec.layers:
                path += [str(p) for p in artifacts.layer_paths(self.home, layer, spec.runtime)]
        except (artifacts.BadArchiveError, OSError) as exc:
            return failures.fault(
                "Runtime.InvalidCode", f"cannot unpack the code: {exc}", request_id
            )
        env = worker_environment(
            spec, endpoint=self._endpoint(), code_dir=str(code), log_stream=worker.log_stream
        )
        worker.python, worker.sdk = self.placement(spec)
        spares = self.spare_for(worker.python, worker.sdk)
        spare = spares.take() if spare_fits(spec.environment, path) else None
        if spare is None:
            spares.refill()  # none was ready (several workers starting at once): at once
        try:
            return worker.start(
                env=env, cwd=str(code), path=path, handler=spec.handler, spare=spare
            )
        except OSError as exc:
            return failures.fault("Runtime.Unknown", f"cannot start a worker: {exc}", request_id)
        finally:
            # Else once this worker is started, not before: on a machine of two cores, a new
            # spare importing boto3 would slow down the init the edit loop is waiting for.
            spares.refill()

    @staticmethod
    def _init_problem(init: Phase, request_id: str) -> failures.Payload:
        frame = init.frame or {}
        if init.ending == "answered" and isinstance(frame.get("error"), dict):
            error: failures.Payload = frame["error"]
            return error
        if init.ending == "timeout":
            return failures.timeout(request_id, INIT_TIMEOUT, time.time())
        return failures.exit_error(request_id, init.returncode)

    def _failed(
        self,
        spec: FunctionSpec,
        record: InvocationLog,
        payload: failures.Payload,
        init_ms: float | None,
    ) -> Invocation:
        """An invocation that never reached the handler (unsupported, bad code, init error)."""
        record.add(failures.log_line(payload).replace("\r", "\n"))
        record.start(spec.version)
        record.end()
        error_type = str(payload.get("errorType", "Runtime.Unknown"))
        record.report(
            duration_ms=0.0,
            memory_mb=spec.memory_mb,
            max_memory_kb=0,
            init_ms=init_ms,
            status="error",
            error_type=error_type,
        )
        return Invocation(record.request_id, 200, json.dumps(payload), "Unhandled", record.text())

    def _finish(
        self,
        spec: FunctionSpec,
        record: InvocationLog,
        phase: Phase,
        worker: WorkerProcess,
        elapsed_ms: float,
        init_ms: float | None,
        cancel_reason: str = "",
    ) -> Invocation:
        request_id = record.request_id
        frame = phase.frame or {}
        status: str | None = None
        error_type: str | None = None
        payload: failures.Payload
        if phase.ending in ("cancelled", "timeout"):
            if phase.ending == "cancelled":
                payload = failures.cancelled(request_id, cancel_reason, time.time())
            else:
                payload = failures.timeout(request_id, spec.timeout_s, time.time())
            record.add(payload["errorMessage"])
            body, error, duration, status = (
                json.dumps(payload),
                "Unhandled",
                elapsed_ms,
                phase.ending,
            )
        elif phase.ending == "exited":
            payload = failures.exit_error(request_id, phase.returncode)
            record.add(f"{payload['errorMessage']}\n{payload['errorType']}")
            body, error, duration = json.dumps(payload), "Unhandled", elapsed_ms
            status, error_type = "error", str(payload["errorType"])
        else:
            worker.max_rss_kb = int(frame.get("max_rss_kb") or worker.max_rss_kb)
            duration = float(frame.get("duration_ms", elapsed_ms))
            if frame.get("type") == "result":
                body, error = str(frame.get("payload", "null")), None
            else:
                payload = frame.get("error") or {}
                record.add(failures.log_line(payload).replace("\r", "\n"))
                body, error = json.dumps(payload), "Unhandled"
        record.end()
        record.report(
            duration_ms=duration,
            memory_mb=spec.memory_mb,
            max_memory_kb=worker.max_rss_kb,
            init_ms=init_ms,
            status=status,
            error_type=error_type,
        )
        return Invocation(request_id, 200, body, error, record.text())

    def _write(self, spec: FunctionSpec, stream: str, record: InvocationLog) -> None:
        try:
            self._sink.put(spec, stream, record.events)
        except Exception:  # logging must never fail an invocation
            log.exception("could not write the log of %s", spec.name)


# The one runtime of this process (the local cloud's server), and how to find a function by
# name or ARN: set once when the server installs its extensions, for the process's life.
_LOCK = threading.Lock()
_RUNTIME: Runtime | None = None
_RESOLVER: Callable[[str], FunctionSpec] | None = None


def configure(runtime: Runtime, resolver: Callable[[str], FunctionSpec] | None = None) -> None:
    """Make `runtime` the process's runtime (its workers are killed when the process exits)."""
    global _RUNTIME, _RESOLVER
    with _LOCK:
        first = _RUNTIME is None
        _RUNTIME = runtime
        if resolver is not None:
            _RESOLVER = resolver
    if first:
        atexit.register(_shutdown)


def current() -> Runtime:
    runtime = _RUNTIME
    if runtime is None:
        raise RuntimeError("the local cloud's Lambda runtime is not installed in this process")
    return runtime


def _shutdown() -> None:
    runtime = _RUNTIME
    if runtime is not None:
        runtime.shutdown()
