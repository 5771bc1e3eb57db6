"""One real IDE server per test session (uvicorn in a thread on a free port), serving a private
copy of examples/photos, and a small HTTP client that can send any Host or Origin."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE, running_ide
from tether.ide.server import IdeServer


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Ide:
    root: Path
    port: int
    token: str
    server: IdeServer

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "default",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = {"Host": self.host}
        if token == "default":
            token = self.token
        if token is not None:
            sent["X-Tether-Token"] = token
        sent.update(headers or {})
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Reply(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def ws_url(self) -> str:
        return f"ws://{self.host}/api/events"

    def wait_for_watcher(self) -> None:
        events = self.server.app.app.state.ide.events  # type: ignore[attr-defined]
        assert events.ready.wait(10), "the IDE's file watcher did not start"


@pytest.fixture(scope="session")
def ide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ide]:
    root = tmp_path_factory.mktemp("ide") / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    with running_ide(root) as (server, config):
        yield Ide(root=root, port=config.port, token=config.token, server=server)


@pytest.fixture
def restore(ide: Ide) -> Iterator[None]:
    """Put the project back as it was after the test (the server is shared): new files, folders
    and links go, changed files get their bytes back, .tether/ is wiped."""
    kept = {p for p in ide.root.rglob("*") if ".tether" not in p.relative_to(ide.root).parts}
    before = {p: p.read_bytes() for p in kept if p.is_file() and not p.is_symlink()}
    yield
    for path in sorted(ide.root.rglob("*"), reverse=True):
        if path in kept or not (path.exists() or path.is_symlink()):
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
    for path, data in before.items():
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    shutil.rmtree(ide.root / ".tether", ignore_errors=True)
