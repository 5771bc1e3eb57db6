"""Running functions from the IDE: the local cloud's status, sample events, invoke with the
error's traceback mapped to the project's files. Each is the CLI's service (tether.localcloud,
tether.invoke.events, tether.invoke.invoker) returning data instead of printing it.

    local_status(where) / local_start(where) / local_stop(where)   GET/POST /api/local...
    new_event(project, where, kind, resource)                        GET /api/events/new
    invoke(project, where, function, event)                          POST /api/invoke (with
                                                                     hints for refused calls)
    trace(root, payload)                 the project's frames (tether.invoke.frames)
"""

from __future__ import annotations

from typing import Any

from tether.ide.errors import ApiError
from tether.ide.jobs import Where
from tether.invoke.frames import trace
from tether.model import Project


def local_status(where: Where) -> dict[str, Any]:
    from tether.localcloud import status

    return _local_body(status(), where)


def local_start(where: Where) -> dict[str, Any]:
    from tether.localcloud import start

    return _local_body(start(), where)


def local_stop(where: Where) -> dict[str, Any]:
    from tether.localcloud import stop

    stop()
    return _local_body(None, where)


def _local_body(cloud: Any, where: Where) -> dict[str, Any]:
    return {
        "running": cloud is not None,
        "endpoint": cloud.endpoint if cloud is not None else None,
        "pid": cloud.pid if cloud is not None else None,
        "target": where.target,
        "stage": where.stage,
    }


def event_kinds() -> dict[str, Any]:
    from tether.invoke.kinds import KINDS

    return {"kinds": list(KINDS)}


def new_event(project: Project, where: Where, kind: Any, resource: Any) -> dict[str, Any]:
    """`tether events new KIND [--resource R]`, with the stage's deployed names when it has
    a recorded deploy."""
    from tether.deploy.state import load_state
    from tether.invoke.events import Names, sample_event

    if not isinstance(kind, str) or not kind:
        raise ApiError(400, "invalid", "name the event kind (?kind=...)")
    if resource is not None and not isinstance(resource, str):
        raise ApiError(400, "invalid", '"resource" must be a resource name')
    state = load_state(project.root, where.stage)
    outputs = state.outputs if state is not None and state.target == where.target else {}

    def lookup(name: str, suffix: str) -> str:
        return outputs[f"{project.resources[name].logical_id}{suffix}"]

    names = Names(project, lookup if outputs else None)
    return {"event": sample_event(project, kind, resource=resource or None, names=names)}


def invoke(project: Project, where: Where, function: Any, event: Any) -> dict[str, Any]:
    """`tether invoke FN --json`, plus the error's frames inside the project."""
    from tether.invoke.denials import denials, payload_text
    from tether.invoke.invoker import invoke as run_invoke
    from tether.invoke.target import deployed_stage

    if not isinstance(function, str) or not function:
        raise ApiError(400, "invalid", '"function" must name a function')
    if function not in project.functions:
        raise ApiError(
            404,
            "not_found",
            f"no function {function!r}",
            hint=f"functions: {', '.join(project.functions) or 'none'}",
        )
    deployed = deployed_stage(project, stage=where.stage, target=where.target)
    result = run_invoke(deployed, function, event, source="the IDE's event")
    refused = payload_text(result.result) if result.failed else result.logs
    return {
        "function": function,
        "result": result.result,
        "error": result.error,
        "logs": result.logs,
        "milliseconds": round(result.milliseconds, 1),
        "trace": trace(project.root, result.result) if result.failed else [],
        # calls the function's role refused: the line, and the operation to declare
        "hints": [d.hint(project.file) for d in denials(deployed, function, refused)],
    }


def invoke_timeout(project: Project, function: Any) -> float:
    """How long the IDE waits for an invoke: the function's own timeout and some slack."""
    found = project.functions.get(function) if isinstance(function, str) else None
    return (found.timeout if found is not None else 3) + 30.0
