"""Managing the local cloud process: start, status, stop, stale state, busy ports, and the
server's own command line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import alive
from tests.localcloud.helpers import free_port
from tether.errors import TetherError
from tether.localcloud import (
    LocalCloud,
    ensure_running,
    log_file,
    start,
    state_dir,
    state_file,
    status,
    stop,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TETHER_HOME of this test only; whatever it started is stopped afterwards."""
    monkeypatch.setenv("TETHER_HOME", str(tmp_path))
    try:
        yield tmp_path
    finally:
        stop()


def answers(cloud: LocalCloud) -> bool:
    try:
        with urllib.request.urlopen(cloud.endpoint + "/_tether/health", timeout=2) as response:
            return bool(json.loads(response.read())["pid"] == cloud.pid)
    except OSError:
        return False


def test_managing_the_process_does_not_load_moto() -> None:
    """`tether local status` must stay fast: moto loads only in the server process."""
    code = "import sys, tether.localcloud; print('moto' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False", loaded.stderr


def test_start_status_stop(home: Path) -> None:
    port = free_port()
    assert status() is None

    cloud = start(port)

    assert cloud.endpoint == f"http://127.0.0.1:{port}" and cloud.port == port
    assert answers(cloud)
    assert status() == cloud
    assert json.loads(state_file().read_text()) == cloud.as_json()
    assert set(cloud.as_json()) == {"endpoint", "pid", "port", "started_at"}
    assert state_file() == home / "local" / "cloud.json"
    assert f"tether local cloud listening on http://127.0.0.1:{port} (state in {state_dir()})" in (
        log_file().read_text()
    )
    assert state_dir() == home / "local" / "state"
    assert start(port) == cloud  # already running: the same server
    assert ensure_running() == cloud
    with pytest.raises(TetherError, match="already running on port"):
        start(free_port())

    assert stop() is True
    assert not alive(cloud.pid)
    assert status() is None
    assert not state_file().exists()
    assert stop() is False


def test_ensure_running_starts_the_cloud_once(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("TETHER_LOCAL_PORT", str(port))

    first = ensure_running()
    second = ensure_running()

    assert first == second and first.port == port and answers(first)


def test_a_port_variable_that_is_no_port_is_refused_before_anything_starts(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_LOCAL_PORT", "http://localhost:4599")
    with pytest.raises(
        TetherError, match="TETHER_LOCAL_PORT='http://localhost:4599' is not a port"
    ) as raised:
        ensure_running()
    assert "1024 to 65535" in raised.value.hint
    assert status() is None and not state_file().exists()


def test_a_stale_state_file_is_detected_and_removed(home: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state_file().parent.mkdir(parents=True)
    stale = {"endpoint": f"http://127.0.0.1:{free_port()}", "port": 1, "started_at": 0.0}

    state_file().write_text(json.dumps({**stale, "pid": dead.pid}))
    assert status() is None
    assert not state_file().exists()

    # A live process that is not the local cloud (this test) is never signalled.
    state_file().write_text(json.dumps({**stale, "pid": os.getpid()}))
    assert stop() is False
    assert not state_file().exists()

    state_file().write_text("{not json")
    assert status() is None
    assert not state_file().exists()


def test_a_port_in_use_is_reported_with_the_port_option(home: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(TetherError) as raised:
            start(port)

    assert f"port {port}" in raised.value.message
    assert "--port" in raised.value.hint
    assert not state_file().exists()


def test_a_server_that_dies_while_starting_is_reported_with_its_log(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server refuses hosts other than loopback: a reliable way to make it exit early.
    monkeypatch.setattr("tether.localcloud.process.HOST", "0.0.0.0")

    with pytest.raises(TetherError) as raised:
        start(free_port())

    assert "exited while starting (exit status 2)" in raised.value.message
    assert str(log_file()) in raised.value.hint
    assert "refusing to listen" in raised.value.hint
    assert not state_file().exists()


def server(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tether.localcloud.server", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_server_refuses_other_hosts() -> None:
    refused = server("--host", "0.0.0.0", "--port", str(free_port()))
    _, stderr = refused.communicate(timeout=30)
    assert refused.returncode == 2
    assert "refusing to listen on '0.0.0.0'" in stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_server_announces_itself_and_exits_cleanly_on_signals(
    sig: signal.Signals, home: Path
) -> None:
    port = free_port()
    running = server("--host", "127.0.0.1", "--port", str(port))
    try:
        assert running.stdout is not None
        line = running.stdout.readline().strip()
        assert (
            line
            == f"tether local cloud listening on http://127.0.0.1:{port} (state in {state_dir()})"
        )
        running.send_signal(sig)
        assert running.wait(timeout=10) == 0
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()


def test_a_taken_port_is_refused_with_a_port_that_is_really_free(home: Path) -> None:
    import re

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            TetherError, match=f"port {port} is already in use by another program"
        ) as raised:
            start(port)
        suggested = re.search(
            r"--port (\d+), or `export TETHER_LOCAL_PORT=(\d+)`", raised.value.hint
        )
        assert suggested and suggested.group(1) == suggested.group(2)
        free = int(suggested.group(1))
        assert free >= port + 10  # room above the local cloud for its HTTP APIs
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", free))  # really free
    assert status() is None
