"""Plan and deploy from the IDE, and deploy on save: tether.deploy.pipeline (as `tether plan`
and `tether deploy`) and tether.devloop (as `tether dev`), with their progress as WebSocket
messages instead of terminal lines.

    plan(project, where, delete)            -> the plan as data (POST /api/plan)
    start_deploy(...)                       -> an op id; "deploy" messages follow
    DeployOnSave                            -> each batch of saves deployed by devloop

The user confirmed by clicking Deploy, so the pipeline's `confirm` always agrees; data-loss
choices travel as `delete` and are still checked by the pipeline (DataLossError -> a "failed"
message listing the blocked resources).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from tether.deploy.execute import StackEvent
from tether.deploy.pipeline import DeployResult
from tether.deploy.plan import DataLossError, Plan
from tether.errors import TetherError
from tether.ide.errors import from_tether
from tether.ide.jobs import Jobs, Publish, Where
from tether.ide.permissions import parse_source
from tether.model import Project

Mode = Literal["auto", "quick", "full"]
MODES: tuple[Mode, ...] = ("auto", "quick", "full")


def plan(
    project: Project, where: Where, delete: Iterable[str], summary: dict[str, Any]
) -> dict[str, Any]:
    """`tether plan` as data. `summary` is the status line's (ide.plan): it knows whether the
    deploy would take the quick path, which the change set cannot say."""
    from tether.deploy.pipeline import preview
    from tether.permissions import sources_by_grant

    result, _ = preview(project, stage=where.stage, target=where.target, delete=delete)
    return plan_body(result, summary, lambda function: sources_by_grant(project, function))


def plan_body(
    result: Plan,
    summary: dict[str, Any],
    sources_of: Callable[[str], dict[str, list[str]]],
) -> dict[str, Any]:
    path = summary.get("path")
    reason = str(summary.get("reason", ""))
    if result.noop:
        path, reason = "none", "nothing changed since the last deploy"
    elif path not in ("quick", "full"):
        path = "full"
    permissions = []
    for change in result.permissions:
        known = sources_of(change.function)
        places: dict[str, list[dict[str, Any]]] = {}
        for grant in change.added:
            parsed = (parse_source(text) for text in known.get(grant, []))
            places[grant] = [{"file": p["file"], "line": p["line"]} for p in parsed if p]
        permissions.append(
            {
                "function": change.function,
                "added": list(change.added),
                "removed": list(change.removed),
                "sources": places,
            }
        )
    return {
        "stack": result.stack,
        "stage": result.stage,
        "target": result.target,
        "noop": result.noop,
        "path": path,
        "reason": reason,
        "changes": [
            {
                "action": c.action,
                "owner": c.owner,
                "reason": c.reason,
                "resource_type": c.resource_type,
            }
            for c in result.changes
        ],
        "permissions": permissions,
        "risks": [
            {
                "resource": r.resource,
                "type": r.type_name,
                "physical_id": r.physical_id,
                "holds": r.holds,
                "action": r.action,
                "decision": r.decision,
            }
            for r in result.risks
        ],
        "blocked": [r.resource for r in result.blocked],
    }


class Reporter:
    """One operation's "deploy" messages: the pipeline's callbacks, and its end."""

    def __init__(self, publish: Publish, op: str) -> None:
        self.publish, self.op = publish, op

    def send(self, event: str, **fields: Any) -> None:
        self.publish({"type": "deploy", "op": self.op, "event": event, **fields})

    def say(self, text: str) -> None:
        self.send("say", text=text)

    def progress(self, event: StackEvent) -> None:
        self.send(
            "resource",
            owner=event.owner,
            logical_id=event.logical_id,
            resource_type=event.resource_type,
            status=event.status,
            reason=event.reason,
            timestamp=event.timestamp.isoformat(),
        )

    def done(self, result: DeployResult, **extra: Any) -> None:
        self.send(
            "done",
            path=result.path,
            reason=result.reason,
            seconds=round(result.seconds, 3),
            functions=list(result.functions),
            outputs=result.outputs,
            notes=list(result.notes),
            uploaded_bytes=result.uploaded_bytes,
            sent_bytes=result.sent_bytes,
            **extra,
        )

    def failed(self, exc: TetherError) -> None:
        error = from_tether(exc)
        fields: dict[str, Any] = {"error": error.code, "message": exc.message, "hint": exc.hint}
        if isinstance(exc, DataLossError):
            fields["blocked"] = [risk.resource for risk in exc.risks]
        self.send("failed", **fields)

    def crashed(self, exc: BaseException) -> None:
        self.send(
            "failed",
            error="bug",
            message=f"the deploy stopped on an unexpected error: {type(exc).__name__}: {exc}",
            hint="this is a bug in Tether: please report it with the IDE's terminal output",
        )


def start_deploy(
    project: Project,
    where: Where,
    *,
    delete: Iterable[str],
    mode: Mode,
    jobs: Jobs,
    publish: Publish,
    after: Callable[[], None],
) -> str:
    """Start `tether deploy --yes` in a worker thread; returns the op id."""
    from tether.deploy.pipeline import deploy

    delete = tuple(delete)

    def work(op: str) -> None:
        report = Reporter(publish, op)
        report.send("started", stack=project.stack_name(where.stage), stage=where.stage)
        try:
            result = deploy(
                project,
                stage=where.stage,
                target=where.target,
                delete=delete,
                mode=mode,
                confirm=lambda _plan: True,
                progress=report.progress,
                say=report.say,
            )
        except TetherError as exc:
            report.failed(exc)
        except Exception as exc:  # a bug: the user still hears that the deploy stopped
            report.crashed(exc)
            raise
        else:
            report.done(result)
        finally:
            after()

    return jobs.start(where.stage, "deploy", work)


class DeployOnSave:
    """`tether dev` inside the IDE: the watcher's batches of saved paths, deployed one after
    the other by tether.devloop in one worker thread, while enabled."""

    def __init__(
        self,
        root: Any,
        *,
        where: Callable[[], Where],
        jobs: Jobs,
        publish: Publish,
        after: Callable[[], None],
    ) -> None:
        self.root = root
        self.where = where
        self.jobs = jobs
        self.publish = publish
        self.after = after
        self._enabled = False
        self._batches: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set(self, enabled: bool) -> bool:
        with self._lock:
            self._enabled = enabled
            if enabled and self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="tether-ide-deploy-on-save", daemon=True
                )
                self._thread.start()
        return self._enabled

    def saved(self, changed: list[str]) -> None:
        """From the watcher (on the event loop): never blocks."""
        if self._enabled:
            self._batches.put(changed)

    def _loop(self) -> None:
        from tether.devloop import relevant

        while True:
            batch = set(self._batches.get())
            while True:  # saves that came meanwhile join this deploy
                try:
                    batch.update(self._batches.get_nowait())
                except queue.Empty:
                    break
            files = relevant(self.root, batch)
            if files and self._enabled:
                try:
                    self._deploy(files)
                except Exception:  # a bug in one deploy must not end deploy on save
                    continue

    def _deploy(self, files: list[str]) -> None:
        from tether.devloop import deploy_change, saved_at
        from tether.ide.jobs import new_op

        where = self.where()
        report = Reporter(self.publish, new_op())
        with self.jobs.claim(where.stage, wait=True):
            report.send("started", stage=where.stage, files=files, on_save=True)
            started = time.monotonic()
            try:
                outcome = deploy_change(
                    self.root,
                    files,
                    stage=where.stage,
                    target=where.target,
                    saved_at=saved_at(self.root, files),
                    progress=report.progress,
                    say=report.say,
                )
            except Exception as exc:
                report.crashed(exc)
                raise
            finally:
                self.after()
        if outcome.result is not None:
            report.done(
                outcome.result,
                ms_from_save=round(outcome.ms_from_save or 0.0),
                ms_deploy=round((time.monotonic() - started) * 1000),
                line=outcome.line,
                files=files,
            )
        elif outcome.error is not None:
            report.failed(outcome.error)
        else:
            report.send("failed", error="invalid", message=outcome.line, hint="")
