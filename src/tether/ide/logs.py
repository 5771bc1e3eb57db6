"""A function's log lines in the IDE, as `tether logs FN [--follow]` (tether.invoke.logs):
read once (GET /api/logs), or followed in a worker thread that pushes
{"type": "logs", "function", "lines"} over the WebSocket until it is switched off."""

from __future__ import annotations

import threading
from typing import Any

from tether.errors import TetherError
from tether.ide.errors import ApiError
from tether.ide.jobs import Publish, Where
from tether.model import Project

MAX_SINCE = 14 * 86400.0
FOLLOW_POLL = 1.0


def _function(project: Project, function: Any) -> str:
    if not isinstance(function, str) or function not in project.functions:
        raise ApiError(
            404,
            "not_found",
            f"no function {function!r}",
            hint=f"functions: {', '.join(project.functions) or 'none'}",
        )
    return function


def since_seconds(text: Any) -> float:
    try:
        seconds = float(text) if text is not None else 600.0
    except ValueError:
        raise ApiError(400, "invalid", "since must be a number of seconds") from None
    if not 0 < seconds <= MAX_SINCE:
        raise ApiError(400, "invalid", "since must be between 1 s and 14 days")
    return seconds


def lines(project: Project, where: Where, function: Any, since: float) -> dict[str, Any]:
    from tether.invoke.logs import log_lines
    from tether.invoke.target import deployed_stage

    name = _function(project, function)
    deployed = deployed_stage(project, stage=where.stage, target=where.target)
    return {"function": name, "lines": list(log_lines(deployed, name, since_seconds=since))}


class Follower:
    """Follows one function's logs at a time."""

    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        self._stop: threading.Event | None = None
        self._lock = threading.Lock()
        self.function: str | None = None

    def follow(self, project: Project | None, where: Where, function: Any) -> dict[str, Any]:
        """Follow `function` from now on (None stops); the previous one stops either way."""
        with self._lock:
            if self._stop is not None:
                self._stop.set()
                self._stop, self.function = None, None
            if function is None:
                return {"function": None}
            assert project is not None
            name = _function(project, function)
            stop = threading.Event()
            self._stop, self.function = stop, name
        threading.Thread(
            target=self._run,
            args=(project, where, name, stop),
            name=f"tether-ide-logs-{name}",
            daemon=True,
        ).start()
        return {"function": name}

    def stop(self) -> None:
        self.follow(None, Where("dev", "local"), None)

    def _run(self, project: Project, where: Where, function: str, stop: threading.Event) -> None:
        from tether.invoke.logs import log_lines
        from tether.invoke.target import deployed_stage

        try:
            deployed = deployed_stage(project, stage=where.stage, target=where.target)
            for line in log_lines(
                deployed,
                function,
                since_seconds=1.0,
                follow=True,
                poll=FOLLOW_POLL,
                stopped=stop.is_set,
            ):
                if stop.is_set():
                    return
                self.publish({"type": "logs", "function": function, "lines": [line]})
        except TetherError as exc:
            if not stop.is_set():
                self.publish(
                    {
                        "type": "logs",
                        "function": function,
                        "lines": [],
                        "error": exc.message,
                        "hint": exc.hint,
                    }
                )
