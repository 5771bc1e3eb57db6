"""Manage the local cloud server process: start it in the background, find it, stop it.

One server per TETHER_HOME (default ~/.tether). Its state file `$TETHER_HOME/local/cloud.json`
holds the endpoint, pid, port and start time; its output goes to `$TETHER_HOME/local/cloud.log`.
What is deployed to it is saved under `$TETHER_HOME/local/state` (`persistence`) and comes back
at the next start; `stop(forget=True)` wipes it. A start checks the saved state's versions
first, so a snapshot from another version is refused (`StateRefused`) before a server starts.
A state file whose process is gone or no longer answers is stale and is removed. The server is
recognised by its health answer (`GET /_tether/health` with its pid); one that stopped
answering is signalled only if its command line runs the server module, so `stop` never
signals an unrelated process that reused the pid. POSIX only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from tether.errors import TetherError
from tether.localcloud import home, persistence
from tether.localcloud.endpoint import (
    DEFAULT_HOST,
    HEALTH_PATH,
    SERVICE,
    default_port,
    endpoint_for,
)
from tether.localcloud.home import tether_home

HOST = DEFAULT_HOST
START_TIMEOUT = 15.0
LOAD_RATE = 20e6  # bytes of saved state a start is given one more second for
STOP_TIMEOUT = 30.0  # a stopping server saves its state first
LOG_TAIL = 15

# Servers this process started: kept so they can be reaped, not left as zombies.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class LocalCloud:
    """A running local cloud: where to send AWS requests, and which process serves them."""

    endpoint: str
    pid: int
    port: int
    started_at: float

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def state_file() -> Path:
    return tether_home() / "local" / "cloud.json"


def log_file() -> Path:
    return tether_home() / "local" / "cloud.log"


def status() -> LocalCloud | None:
    """The running local cloud of this TETHER_HOME, or None (a stale state file is removed)."""
    with _locked():
        return _current()


def start(port: int | None = None, *, foreground: bool = False) -> LocalCloud:
    """Start the local cloud (default: $TETHER_LOCAL_PORT, else 4599) and return once it answers.

    If it already runs on that port, returns it. `foreground=True` serves in this process
    until SIGTERM/SIGINT and returns the (then stopped) server's description.
    """
    wanted = default_port() if port is None else port
    with _locked():
        running = _current()
        if running is not None:
            if port is None or running.port == wanted:
                return running
            raise TetherError(
                f"the local cloud is already running on port {running.port} (pid {running.pid})",
                hint="stop it first, or keep using that port",
            )
        persistence.check(tether_home())  # another version's state: refused, nothing started
        _check_port_free(wanted)
        if not foreground:
            return _spawn(wanted)
    return _serve_here(wanted)  # outside the lock: it holds the terminal until stopped


def ensure_running(port: int | None = None) -> LocalCloud:
    """The running local cloud, started first if needed."""
    return start(port)


def stop(*, forget: bool = False) -> bool:
    """Stop the local cloud of this TETHER_HOME (it saves its state first); False if none was
    running. `forget` then wipes the saved state, running or not: the next start is empty."""
    with _locked():
        stopped = _stop_locked()
        if forget:
            persistence.forget(tether_home())
        return stopped


def state_dir() -> Path:
    """Where the local cloud of this TETHER_HOME keeps its state."""
    return home.state_dir(tether_home())


def saved_state() -> persistence.Header | None:
    """The header of the state the next start loads (None: it starts empty); StateRefused if
    this version cannot load it."""
    return persistence.check(tether_home())


def _stop_locked() -> bool:
    cloud = _read_state()
    if cloud is None:
        return False
    answering = _health_pid(cloud.endpoint)
    if not _alive(cloud.pid) or answering not in (cloud.pid, None):
        _remove_state()  # gone, or the port now belongs to another server
        return False
    if answering is None and not _looks_like_server(cloud.pid):
        _remove_state()  # the pid was reused by an unrelated process: leave it alone
        return False
    _terminate(cloud.pid)
    _remove_state()
    return True


# ---------------------------------------------------------------------------------------------


def _current() -> LocalCloud | None:
    cloud = _read_state()
    if cloud is None:
        return None
    if _alive(cloud.pid) and _health_pid(cloud.endpoint) == cloud.pid:
        return cloud
    _remove_state()
    return None


def _spawn(port: int) -> LocalCloud:
    log_path = log_file()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    endpoint = endpoint_for(HOST, port)
    command = [sys.executable, "-m", "tether.localcloud.server", "--host", HOST]
    with log_path.open("wb") as log:
        child = subprocess.Popen(
            [*command, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # detached: survives the terminal and Ctrl-C of the caller
            close_fds=True,
        )
    _CHILDREN[child.pid] = child
    started_at = time.time()
    timeout = _start_timeout()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            _CHILDREN.pop(child.pid, None)
            refused = _refusal() if child.returncode == persistence.EXIT_REFUSED else None
            if refused is not None:
                raise refused
            raise TetherError(
                f"the local cloud exited while starting (exit status {child.returncode})",
                hint=_log_hint(),
            )
        if _health_pid(endpoint) == child.pid:
            cloud = LocalCloud(endpoint=endpoint, pid=child.pid, port=port, started_at=started_at)
            _write_state(cloud)
            return cloud
        time.sleep(0.05)
    _terminate(child.pid)
    raise TetherError(
        f"the local cloud did not answer on {endpoint} within {timeout:.0f} s",
        hint=_log_hint(),
    )


def _start_timeout() -> float:
    """START_TIMEOUT, plus time to load a large saved state."""
    try:
        size = persistence.snapshot_path(tether_home()).stat().st_size
    except OSError:
        size = 0
    return START_TIMEOUT + size / LOAD_RATE


def _refusal() -> persistence.StateRefused | None:
    """The server's own words when it refused the saved state (its `error:` and `hint:`
    lines in the log)."""
    try:
        lines = log_file().read_text(errors="replace").splitlines()
    except OSError:
        return None
    for index, line in enumerate(lines):
        if line.startswith("error: "):
            hint = next(
                (
                    h.strip()[len("hint: ") :]
                    for h in lines[index + 1 :]
                    if h.strip().startswith("hint: ")
                ),
                "",
            )
            return persistence.StateRefused(line[len("error: ") :], hint=hint)
    return None


def _serve_here(port: int) -> LocalCloud:
    from tether.localcloud.server import serve

    started_at = time.time()
    cloud = LocalCloud(endpoint_for(HOST, port), os.getpid(), port, started_at)

    def ready(endpoint: str) -> None:
        _write_state(cloud)

    try:
        code = serve(HOST, port, on_ready=ready)
    finally:
        _remove_state()
    if code == persistence.EXIT_REFUSED:  # it printed why
        raise persistence.StateRefused(
            "the local cloud did not start: its saved state was refused",
            hint=persistence.FORGET_HINT,
        )
    if code != 0:
        raise TetherError(f"the local cloud could not start on port {port}", hint=_port_hint(port))
    return cloud


def _check_port_free(port: int) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
    try:
        probe.bind((HOST, port))
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
        owner = "another Tether local cloud" if _health_pid(endpoint_for(HOST, port)) else None
        raise TetherError(
            f"port {port} is already in use by {owner or 'another program'}",
            hint=_port_hint(port),
        ) from exc
    finally:
        probe.close()


def _port_hint(port: int) -> str:
    free = _free_port_after(port)
    suggestion = (
        f"--port {free}, or `export TETHER_LOCAL_PORT={free}` for every command (make run too)"
        if free is not None
        else "--port N, or TETHER_LOCAL_PORT=N for every command"
    )
    return f"stop what uses it, or choose another port: {suggestion}"


def _free_port_after(port: int, tries: int = 200) -> int | None:
    """The first port after `port` that can be bound now, leaving room above it: the HTTP
    router opens each API on the ports that follow the local cloud's."""
    for candidate in range(port + 10, min(port + 10 + tries, 65536)):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((HOST, candidate))
        except OSError:
            continue
        finally:
            probe.close()
        return candidate
    return None


def _health_pid(endpoint: str) -> int | None:
    """The pid reported by a local cloud answering at `endpoint`, or None."""
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=1.0) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if isinstance(answer, dict) and answer.get("service") == SERVICE:
        pid = answer.get("pid")
        return pid if isinstance(pid, int) else None
    return None


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether `pid` has exited and waits to be reaped by its parent (which, for a server whose
    starter is gone, is init: some reap late)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _looks_like_server(pid: int) -> bool:
    """Whether `pid` runs the server module (checked before signalling one that stopped
    answering; a foreground server inside another command is left alone)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        result = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
        )
        command = result.stdout
    return "tether.localcloud.server" in command


def _terminate(pid: int) -> None:
    """SIGTERM, wait, then SIGKILL if needed; reap our own child."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 2.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if not _alive(pid):
            break
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1.0)


def _read_state() -> LocalCloud | None:
    try:
        data = json.loads(state_file().read_text())
        return LocalCloud(
            endpoint=str(data["endpoint"]),
            pid=int(data["pid"]),
            port=int(data["port"]),
            started_at=float(data["started_at"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        _remove_state()  # unreadable: treat as stale
        return None


def _write_state(cloud: LocalCloud) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(cloud.as_json(), indent=2) + "\n")
    os.replace(partial, path)


def _remove_state() -> None:
    state_file().unlink(missing_ok=True)


def _log_hint() -> str:
    path = log_file()
    try:
        lines = path.read_text(errors="replace").splitlines()[-LOG_TAIL:]
    except OSError:
        lines = []
    tail = "\n".join(f"      {line}" for line in lines) or "      (empty)"
    return f"last lines of {path}:\n{tail}"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start/stop/status of one TETHER_HOME across processes."""
    lock_path = tether_home() / "local" / "cloud.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
