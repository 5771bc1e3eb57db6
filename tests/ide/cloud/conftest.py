"""The IDE against a real local cloud (the session's `local_cloud`, tests/conftest.py): per test
a fresh IDE server on a fresh copy of examples/photos, deploying its own stage."""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.helpers import EXAMPLE, running_ide
from tests.ide.conftest import Ide

_STAGES = itertools.count(1)
Message = dict[str, Any]


@dataclass
class CloudIde(Ide):
    stage: str = "dev"

    def events(self) -> Events:
        return Events(self)

    def deploy(self, body: Any = None, timeout: float = 120) -> list[Message]:
        """POST /api/deploy and the messages of that deploy, through its "done" or "failed"."""
        with self.events() as events:
            reply = self.request("POST", "/api/deploy", body or {})
            assert reply.status == 202, reply.body
            return events.operation(reply.json["op"], timeout)

    def deployed(self) -> dict[str, Any]:
        """Deploy, insist that it worked, and return the "done" message."""
        messages = self.deploy()
        assert messages[-1]["event"] == "done", messages[-1]
        return messages[-1]

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text()
        assert old in text, old
        file.write_text(text.replace(old, new))


class Events:
    """The IDE's WebSocket, read in a test."""

    def __init__(self, ide: CloudIde) -> None:
        self.ide = ide
        self.ws: ClientConnection | None = None

    def __enter__(self) -> Events:
        headers = {"X-Tether-Token": self.ide.token}
        self._connection = connect(
            self.ide.ws_url(),
            additional_headers=headers,
            origin=f"http://{self.ide.host}",  # type: ignore[arg-type]
        )
        self.ws = self._connection.__enter__()
        time.sleep(0.1)  # the server registers the client just after the handshake
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.__exit__(None, None, None)

    def until(self, wanted: Callable[[Message], bool], timeout: float = 30) -> Message:
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "timed out waiting for a WebSocket message"
            message: Message = json.loads(self.ws.recv(timeout=left))
            if wanted(message):
                return message

    def operation(self, op: str | None, timeout: float = 120) -> list[Message]:
        """Every "deploy" message of `op` (any op when None) up to its end."""
        seen: list[Message] = []
        while True:
            message = self.until(
                lambda m, op=op: m["type"] == "deploy" and op in (None, m["op"]), timeout
            )
            seen.append(message)
            op = message["op"]
            if message["event"] in ("done", "failed"):
                return seen


@pytest.fixture
def cloud_ide(local_cloud: str, tmp_path: Path) -> Iterator[CloudIde]:
    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    stage = f"i{next(_STAGES)}"
    with running_ide(root, stage=stage) as (server, config):
        yield CloudIde(root=root, port=config.port, token=config.token, server=server, stage=stage)
