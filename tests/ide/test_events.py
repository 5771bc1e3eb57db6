"""The WebSocket: an edit made outside the IDE shows up in it, then the re-checked project and
the plan status line."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.ide.conftest import Ide


def _until(ws: ClientConnection, wanted: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if wanted(message):
            return message  # type: ignore[no-any-return]


def test_an_edit_outside_the_ide_is_pushed_then_rechecked(ide: Ide, restore: None) -> None:
    ide.wait_for_watcher()
    headers = {"X-Tether-Token": ide.token}
    with connect(ide.ws_url(), additional_headers=headers, origin=f"http://{ide.host}") as ws:  # type: ignore[arg-type]
        time.sleep(0.1)  # the server registers the client after the handshake
        worker = ide.root / "app" / "worker.py"
        worker.write_text(worker.read_text() + "\ndef broken(:\n")
        files = _until(ws, lambda m: m["type"] == "files")
        assert files["changed"] == ["app/worker.py"]
        project = _until(ws, lambda m: m["type"] == "project")
        assert project["summary"]["errors"] == 1
        assert project["problems"][0]["file"] == "app/worker.py"
        plan = _until(ws, lambda m: m["type"] == "plan")
        assert plan["path"] == "unknown"
        # a save through the IDE is seen the same way, and the problem goes away
        read = ide.get("/api/file?path=app/worker.py").json
        fixed = read["content"].replace("\ndef broken(:\n", "")
        saved = ide.request(
            "PUT",
            "/api/file",
            {"path": "app/worker.py", "content": fixed, "version": read["version"]},
        )
        assert saved.status == 200
        files = _until(ws, lambda m: m["type"] == "files")
        assert files["changed"] == ["app/worker.py"]  # not the temporary file of the save
        project = _until(ws, lambda m: m["type"] == "project")
        assert project["summary"]["errors"] == 0


def test_changes_under_state_and_caches_are_not_pushed(ide: Ide, restore: None) -> None:
    ide.wait_for_watcher()
    headers = {"X-Tether-Token": ide.token}
    with connect(ide.ws_url(), additional_headers=headers, origin=f"http://{ide.host}") as ws:  # type: ignore[arg-type]
        time.sleep(0.1)
        (ide.root / ".tether" / "dev").mkdir(parents=True, exist_ok=True)
        (ide.root / ".tether" / "dev" / "state.json").write_text("{}")
        (ide.root / "app" / "__pycache__").mkdir(exist_ok=True)
        (ide.root / "app" / "__pycache__" / "x.pyc").write_bytes(b"\0")
        (ide.root / "marker.txt").write_text("after\n")
        files = _until(ws, lambda m: m["type"] == "files")
        assert files["changed"] == ["marker.txt"]
