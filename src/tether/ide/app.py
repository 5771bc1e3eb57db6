"""The IDE's server: an ASGI app (Starlette) over the services the CLI uses.

    create_app(IdeConfig(root, stage, target, token, port)) -> the app, behind the Guard

Request handlers only parse the request, call a service and shape the answer; the work is in
tether.loading, tether.summary, tether.permissions, tether.prune and tether.deploy (through
ide.project, ide.graph, ide.permissions and ide.plan). Project work runs in worker threads so
the event loop keeps serving the WebSocket. API reference: README, "The IDE"; the front end's
contract lives beside the front end's sources.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from tether import __version__
from tether.ide import graph, permissions, plan
from tether.ide.errors import ApiError
from tether.ide.events import Events, Message
from tether.ide.files import ProjectFiles
from tether.ide.project import Checked, Checker, project_name, report
from tether.ide.security import Guard

Target = Literal["local", "aws"]
MAX_UNSAVED_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class IdeConfig:
    root: Path
    stage: str
    target: Target
    token: str
    port: int


def static_dir() -> Path:
    return Path(str(resources.files("tether.ide") / "static"))


class _Ide:
    """The services one IDE run works on, shared by the handlers."""

    def __init__(self, config: IdeConfig) -> None:
        self.config = config
        self.root = config.root.resolve()
        self.files = ProjectFiles(self.root)
        self.checker = Checker(self.root)
        self.events = Events(self.root, self.recheck)

    def recheck(self) -> list[Message]:
        checked = self.checker.check()
        return [{"type": "project", **report(checked)}, {"type": "plan", **self.plan(checked)}]

    def plan(self, checked: Checked) -> dict[str, Any]:
        return plan.summary(checked.project, stage=self.config.stage, target=self.config.target)

    def loaded(self) -> Checked:
        """The checked project, or 422 with its problems when it has errors."""
        checked = self.checker.check()
        if checked.project is None:
            raise ApiError(
                422,
                "project",
                "the project has errors",
                hint="fix the problems listed, then try again",
                extra={"problems": [p.as_json() for p in checked.problems]},
            )
        return checked

    def unsaved(self, body: Any) -> dict[str, str]:
        texts = body.get("unsaved", {}) if isinstance(body, dict) else None
        if not isinstance(texts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in texts.items()
        ):
            raise ApiError(400, "invalid", '"unsaved" must map project paths to texts')
        if sum(len(v) for v in texts.values()) > MAX_UNSAVED_BYTES:
            raise ApiError(400, "invalid", "the unsaved texts are too large to check")
        return {self.files.relative(self.files.confine(k)): v for k, v in texts.items()}

    def prune(self) -> dict[str, Any]:
        from tether.prune import prune

        checked = self.loaded()
        if checked.unread is not None:
            raise ApiError(
                422,
                "project",
                f"{checked.unread.file} cannot be analysed, so unused resources are not known",
                hint="fix that file first: the code that cannot be read may use them",
                extra={"problems": [p.as_json() for p in checked.problems]},
            )
        assert checked.project is not None
        return {"removed": prune(checked.project)}


Handler = Callable[[Request], Awaitable[Any]]


def _api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """JSON out; ApiError as the contract's error body."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    return endpoint


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "invalid", "the request body is not JSON") from None


def _body_field(body: Any, name: str) -> Any:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the request body must be a JSON object")
    return body.get(name)


def create_app(config: IdeConfig) -> ASGIApp:
    ide = _Ide(config)
    threads = run_in_threadpool

    async def index(request: Request) -> Response:
        return FileResponse(static_dir() / "index.html", media_type="text/html")

    async def info(request: Request) -> Any:
        checked = await threads(ide.checker.check)
        return {
            "project": project_name(ide.root, checked),
            "root": str(ide.root),
            "stage": config.stage,
            "target": config.target,
            "version": __version__,
        }

    async def project(request: Request) -> Any:
        return report(await threads(ide.checker.check))

    async def check(request: Request) -> Any:
        overlay = ide.unsaved(await _json(request))
        return report(await threads(ide.checker.check, overlay))

    async def list_files(request: Request) -> Any:
        return {"files": await threads(ide.files.list)}

    async def read_file(request: Request) -> Any:
        return await threads(ide.files.read, request.query_params.get("path"))

    async def save_file(request: Request) -> Any:
        body = await _json(request)
        path, content = _body_field(body, "path"), _body_field(body, "content")
        return await threads(ide.files.save, path, content, body.get("version"))

    async def rename_file(request: Request) -> Any:
        body = await _json(request)
        return await threads(ide.files.rename, _body_field(body, "from"), body.get("to"))

    async def delete_file(request: Request) -> Any:
        return await threads(ide.files.delete, request.query_params.get("path"))

    async def project_graph(request: Request) -> Any:
        checked = await threads(ide.checker.check)
        return await threads(graph.layout, checked.project, checked.unused)

    async def function_permissions(request: Request) -> Any:
        checked = await threads(ide.loaded)
        assert checked.project is not None
        return await threads(
            permissions.statements,
            checked.project,
            request.query_params.get("function"),
            stage=config.stage,
            target=config.target,
        )

    async def plan_summary(request: Request) -> Any:
        checked = await threads(ide.checker.check)
        return await threads(ide.plan, checked)

    async def prune(request: Request) -> Any:
        return await threads(ide.prune)

    async def events(websocket: WebSocket) -> None:
        await ide.events.serve(websocket)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(ide.events.watch(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(watcher, timeout=2)

    routes = [
        Route("/", index),
        Route("/api/info", _api(info)),
        Route("/api/project", _api(project)),
        Route("/api/check", _api(check), methods=["POST"]),
        Route("/api/files", _api(list_files)),
        Route("/api/file", _api(read_file), methods=["GET"]),
        Route("/api/file", _api(save_file), methods=["PUT"]),
        Route("/api/file", _api(delete_file), methods=["DELETE"]),
        Route("/api/file/rename", _api(rename_file), methods=["POST"]),
        Route("/api/graph", _api(project_graph)),
        Route("/api/permissions", _api(function_permissions)),
        Route("/api/plan/summary", _api(plan_summary)),
        Route("/api/prune", _api(prune), methods=["POST"]),
        WebSocketRoute("/api/events", events),
        Mount("/static", StaticFiles(directory=static_dir(), check_dir=False), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ide = ide
    return Guard(app, token=config.token, port=config.port)
