"""The IDE's server: an ASGI app (Starlette) over the services the CLI uses.

    create_app(IdeConfig(root, stage, target, token, port)) -> the app, behind the Guard

Request handlers only parse the request, call a service and shape the answer; the work is in
tether.loading, tether.summary, tether.permissions, tether.prune, tether.deploy, tether.devloop,
tether.localcloud and tether.invoke (through ide.project, ide.graph, ide.permissions, ide.plan,
ide.deploys, ide.runs, ide.testcases, ide.logs and ide.http). Project work runs in worker
threads so the event loop keeps serving the WebSocket; deploys run in their own threads
(ide.jobs) and report over it. A service's TetherError becomes the contract's error body
(ide.errors.from_tether). API reference: README, "The IDE"; the front end's
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

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from tether import __version__
from tether.errors import TetherError
from tether.ide import authoring, deploys, graph, http, logs, permissions, plan, runs, testcases
from tether.ide.errors import ApiError, from_tether
from tether.ide.events import Events, Message
from tether.ide.files import ProjectFiles
from tether.ide.jobs import Jobs, Where
from tether.ide.project import Checked, Checker, project_name, report
from tether.ide.security import Guard
from tether.model import Project

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
        self.where = Where(config.stage, config.target)
        self.files = ProjectFiles(self.root)
        self.checker = Checker(self.root)
        self.jobs = Jobs()
        self.deploy_on_save = deploys.DeployOnSave(
            self.root,
            where=lambda: self.where,
            jobs=self.jobs,
            publish=self.publish,
            after=self.replan,
        )
        self.events = Events(self.root, self.recheck, on_change=self.files_changed)
        self.logs = logs.Follower(self.publish)

    def publish(self, message: Message) -> None:
        """From any thread (deploys and log followers run in their own)."""
        self.events.publish_threadsafe(message)

    def files_changed(self, paths: list[str]) -> None:
        """The watcher saw these files change: the kept check is stale (even an edit that kept
        a file's size within one tick of its clock), and deploy on save may act."""
        self.checker.invalidate()
        self.deploy_on_save.saved(paths)

    def recheck(self) -> list[Message]:
        checked = self.checker.check()
        return [{"type": "project", **report(checked)}, {"type": "plan", **self.plan(checked)}]

    def replan(self) -> None:
        """After a deploy: the status line says what is left to deploy."""
        self.publish({"type": "plan", **self.plan(self.checker.check())})

    def plan(self, checked: Checked) -> dict[str, Any]:
        where = self.where
        return plan.summary(checked.project, stage=where.stage, target=where.target)

    def retarget(self, body: Any) -> Where:
        from tether.synth import check_stage

        stage = _body_field(body, "stage") or self.where.stage
        target = body.get("target") or self.where.target
        if not isinstance(stage, str) or target not in ("local", "aws"):
            raise ApiError(400, "invalid", 'give "target": "local" or "aws", and a "stage" name')
        check_stage(stage, target)
        self.where = Where(stage, target)
        return self.where

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

    def project(self) -> Project:
        """The loaded project, or 422 with its problems when it has errors."""
        checked = self.loaded()
        assert checked.project is not None
        return checked.project

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


def _api(handler: Handler, *, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """JSON out; ApiError, and a service's TetherError, as the contract's error body."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request), status_code=status)
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        except TetherError as exc:
            error = from_tether(exc)
            return JSONResponse(error.body(), status_code=error.status)

    return endpoint


async def _waited(seconds: float, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a worker thread, answered with 504 after `seconds` (the thread
    finishes on its own: a cloud call cannot be interrupted)."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiError(
            504, "timeout", f"no answer within {seconds:.0f} s", hint="look at the logs"
        ) from None


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "invalid", "the request body is not JSON") from None


def _body_field(body: Any, name: str) -> Any:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the request body must be a JSON object")
    return body.get(name)


def _names(body: Any, name: str) -> list[str]:
    """A list of names in the body (absent: none)."""
    value = _body_field(body, name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, "invalid", f'"{name}" must be a list of resource names')
    return value


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
            "stage": ide.where.stage,
            "target": ide.where.target,
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
            stage=ide.where.stage,
            target=ide.where.target,
        )

    async def plan_summary(request: Request) -> Any:
        checked = await threads(ide.checker.check)
        return await threads(ide.plan, checked)

    async def prune(request: Request) -> Any:
        return await threads(ide.prune)

    async def events(websocket: WebSocket) -> None:
        await ide.events.serve(websocket)

    # -- authoring (README "The IDE": authoring endpoints) ------------------------------------

    async def authoring_catalogue(request: Request) -> Any:
        return authoring.catalogue()

    async def authoring_existing(request: Request) -> Any:
        from tether.authoring.existing import existing, open_cloud

        type_name = request.query_params.get("type") or ""
        region = (await threads(ide.project)).region
        cloud = await threads(open_cloud, ide.where.target, region)
        items = await _waited(30, existing, cloud, type_name)
        return {"target": ide.where.target, "items": items}

    async def authoring_schedule(request: Request) -> Any:
        from tether.authoring.schedules import preview

        return preview(request.query_params.get("expression") or "")

    async def authoring_preview(request: Request) -> Any:
        body = await _json(request)
        checked = await threads(ide.loaded)
        return await threads(authoring.preview, ide.root, body, checked.project)

    async def authoring_apply(request: Request) -> Any:
        body = await _json(request)
        checked = await threads(ide.loaded)
        answer = await threads(authoring.apply, ide.root, body, checked.project)
        ide.checker.invalidate()
        return answer

    async def authoring_undo(request: Request) -> Any:
        answer = await threads(authoring.undo, ide.root)
        ide.checker.invalidate()
        return answer

    # -- deploy, run, test (README "The IDE": the step-2 endpoints) ----------------------------

    async def local_status(request: Request) -> Any:
        return await threads(runs.local_status, ide.where)

    async def local_start(request: Request) -> Any:
        return await threads(runs.local_start, ide.where)

    async def local_stop(request: Request) -> Any:
        return await threads(runs.local_stop, ide.where)

    async def retarget(request: Request) -> Any:
        await threads(ide.retarget, await _json(request))
        ide.replan()
        return await info(request)

    async def plan_with_cloud(request: Request) -> Any:
        delete = _names(await _json(request), "delete")
        checked = await threads(ide.loaded)
        assert checked.project is not None
        summary = await threads(ide.plan, checked)
        return await threads(deploys.plan, checked.project, ide.where, delete, summary)

    async def deploy(request: Request) -> Any:
        body = await _json(request)
        delete = _names(body, "delete")
        mode = body.get("mode") or "auto"
        if mode not in deploys.MODES:
            raise ApiError(400, "invalid", '"mode" must be "auto", "quick" or "full"')
        op = deploys.start_deploy(
            await threads(ide.project),
            ide.where,
            delete=delete,
            mode=mode,
            jobs=ide.jobs,
            publish=ide.publish,
            after=ide.replan,
        )
        return {"op": op}

    async def dev(request: Request) -> Any:
        enabled = _body_field(await _json(request), "enabled")
        if not isinstance(enabled, bool):
            raise ApiError(400, "invalid", '"enabled" must be true or false')
        return {"enabled": ide.deploy_on_save.set(enabled)}

    async def event_kinds(request: Request) -> Any:
        return runs.event_kinds()

    async def new_event(request: Request) -> Any:
        project = await threads(ide.project)
        query = request.query_params
        return await threads(
            runs.new_event, project, ide.where, query.get("kind"), query.get("resource")
        )

    async def invoke(request: Request) -> Any:
        body = await _json(request)
        function = _body_field(body, "function")
        project = await threads(ide.project)
        seconds = runs.invoke_timeout(project, function)
        return await _waited(
            seconds, runs.invoke, project, ide.where, function, body.get("event", {})
        )

    async def list_tests(request: Request) -> Any:
        return await threads(testcases.listing, ide.root)

    async def save_test(request: Request) -> Any:
        project = await threads(ide.project)
        return await threads(testcases.save, project, await _json(request))

    async def run_tests(request: Request) -> Any:
        names = _body_field(await _json(request), "names")
        project, where = await threads(ide.project), ide.where

        def run() -> Any:
            cases = testcases.selected(project.root, names)
            with ide.jobs.claim(where.stage):
                return testcases.run(project, where, cases, ide.publish)

        return await threads(run)

    async def log_lines(request: Request) -> Any:
        since = logs.since_seconds(request.query_params.get("since"))
        project = await threads(ide.project)
        function = request.query_params.get("function")
        return await _waited(60, logs.lines, project, ide.where, function, since)

    async def follow_logs(request: Request) -> Any:
        function = _body_field(await _json(request), "function")
        project = await threads(ide.project) if function is not None else None
        return ide.logs.follow(project, ide.where, function)

    async def http_request(request: Request) -> Any:
        body = await _json(request)
        project = await threads(ide.project)
        function = body.get("function") if isinstance(body, dict) else None
        seconds = runs.invoke_timeout(project, function)
        return await _waited(
            seconds + 5, lambda: http.send(project, ide.where, body, timeout=seconds)
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        ide.events.bind(asyncio.get_running_loop())
        watcher = asyncio.create_task(ide.events.watch(stop))
        try:
            yield
        finally:
            ide.deploy_on_save.set(False)
            ide.logs.stop()
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
        Route("/api/local", _api(local_status)),
        Route("/api/local/start", _api(local_start), methods=["POST"]),
        Route("/api/local/stop", _api(local_stop), methods=["POST"]),
        Route("/api/target", _api(retarget), methods=["POST"]),
        Route("/api/plan", _api(plan_with_cloud), methods=["POST"]),
        Route("/api/deploy", _api(deploy, status=202), methods=["POST"]),
        Route("/api/dev", _api(dev), methods=["POST"]),
        Route("/api/events/kinds", _api(event_kinds)),
        Route("/api/events/new", _api(new_event)),
        Route("/api/invoke", _api(invoke), methods=["POST"]),
        Route("/api/tests", _api(list_tests), methods=["GET"]),
        Route("/api/tests", _api(save_test), methods=["POST"]),
        Route("/api/tests/run", _api(run_tests), methods=["POST"]),
        Route("/api/logs", _api(log_lines)),
        Route("/api/logs/follow", _api(follow_logs), methods=["POST"]),
        Route("/api/http", _api(http_request), methods=["POST"]),
        Route("/api/authoring/catalogue", _api(authoring_catalogue)),
        Route("/api/authoring/existing", _api(authoring_existing)),
        Route("/api/authoring/schedule", _api(authoring_schedule)),
        Route("/api/authoring/preview", _api(authoring_preview), methods=["POST"]),
        Route("/api/authoring/apply", _api(authoring_apply), methods=["POST"]),
        Route("/api/authoring/undo", _api(authoring_undo), methods=["POST"]),
        WebSocketRoute("/api/events", events),
        Mount("/static", StaticFiles(directory=static_dir(), check_dir=False), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ide = ide
    return Guard(app, token=config.token, port=config.port)
