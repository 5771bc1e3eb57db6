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


def start_dev(project: Path, stage: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", "dev", "--stage", stage],
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_dev_redeploys_each_save_and_survives_a_broken_one(
    local_cloud: str, photos_copy: Path
) -> None:
    process = start_dev(photos_copy, "devloop")
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
        stop(process)


EDITOR_FILES = ["app/.api.py.swp", "app/4913", "app/api.py~", "app/sedAbC123", "app/.#api.py"]
HANDLER = "def handler(event, context):\n"
REKOGNITION = "    boto3.client('rekognition').detect_labels(Image={})\n"


def test_dev_shows_urls_and_warnings_and_ignores_editor_files(
    local_cloud: str, photos_copy: Path
) -> None:
    process = start_dev(photos_copy, "devurls")
    try:
        found = lines_of(process)
        url = wait_for(found, "http api web: ")
        assert url.startswith("http api web: http://127.0.0.1:")
        ready = wait_for(found, "watching")
        assert ready.startswith("deployed (first deploy of the stage) in ")

        # what editors write and remove around a save is not a save: no deploy, no line
        for rel in EDITOR_FILES:
            (photos_copy / rel).write_text("swap")
        time.sleep(1.0)
        for rel in EDITOR_FILES:
            (photos_copy / rel).unlink()
        time.sleep(1.0)
        api = photos_copy / "app" / "api.py"
        api.write_text(api.read_text().replace(HANDLER, HANDLER + REKOGNITION))
        line = found.get(timeout=60)
        assert " app/api.py: api live (quick) in " in line, line
        assert wait_for(found, "warnings changed") == "warnings changed: 1 warning now"
        warning = found.get(timeout=5)
        assert warning.startswith("app/api.py:")
        assert ": warning: rekognition.detect_labels: " in warning and "(fix: " in warning

        # a new HTTP API: its URL is shown when its deploy is done; the warnings did not change
        yaml = photos_copy / "tether.yaml"
        yaml.write_text(
            yaml.read_text()
            .replace(
                "  web: {type: http.api}\n", "  web: {type: http.api}\n  admin: {type: http.api}\n"
            )
            .replace(
                'triggers: [{resource: web, route: "GET /orders/{id}"}]',
                'triggers: [{resource: web, route: "GET /orders/{id}"}, '
                '{resource: admin, route: "GET /admin"}]',
            )
        )
        line = wait_for(found, "tether.yaml")
        assert " tether.yaml: deployed (full: tether.yaml changed) in " in line, line
        assert found.get(timeout=5).startswith("http api admin: http://127.0.0.1:")
        assert found.get(timeout=5).startswith("http api web: http://127.0.0.1:")
    finally:
        stop(process)
