"""`tether dev` as a user runs it: deploy, watch, and one line per saved change."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return found


def wait_for(found: queue.Queue[str], text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = found.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r}; saw:\n" + "\n".join(seen))


def test_dev_redeploys_each_save_and_survives_a_broken_one(
    local_cloud: str, photos_copy: Path
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", "dev", "--stage", "devloop"],
        cwd=photos_copy,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        found = lines_of(process)
        wait_for(found, "watching")
        api = photos_copy / "app" / "api.py"
        original = api.read_text()
        api.write_text(original + "\n# first edit\n")
        line = wait_for(found, "app/api.py")
        assert "api live (quick)" in line and "ms from save" in line

        api.write_text(original + "\ndef broken(:\n")
        line = wait_for(found, "syntax error")
        assert "app/api.py:" in line and "the previous code keeps serving" in line
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
