"""HTTP interface of the scheduler on the local cloud's endpoint (what `tether invoke --schedule`
and the IDE call):

    GET  /_tether/schedules                      every scheduled rule: name, arn, account,
                                                 region, expression, state, next (UTC)
    GET  /_tether/schedules/<rule>/event         what each target would receive now (no call)
    POST /_tether/schedules/<rule>/fire          fire the rule now, enabled or not

`<rule>` is a rule name or its ARN (URL-encoded or not). Query parameters: `region` and
`account` narrow a name found in several places; `target` picks one target (its Id, its ARN or
the function's name); `wait=1` (fire only) invokes the Lambda targets one by one and answers
200 with each one's `status` (`ok`/`error`), `response` and `error`; without it they run in the
background and the answer is 202 with `status: sent`. Answers are JSON; errors are
`{"message": ...}` with 404 (no such rule or target), 409 (the name is in several regions),
405 (wrong method).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from tether.localcloud.scheduler import scheduler, scheduler_clock

PREFIX = "/_tether/schedules"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {
    200: "OK",
    202: "Accepted",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
}


def with_schedules(app: WsgiApp) -> WsgiApp:
    """Answer /_tether/schedules ourselves; pass every other request on."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return app(environ, start_response)
        status, answer = answer_request(
            str(environ.get("REQUEST_METHOD", "GET")), path, str(environ.get("QUERY_STRING", ""))
        )
        body = json.dumps(answer, indent=2, default=str).encode() + b"\n"
        start_response(
            f"{status} {_REASONS.get(status, '')}".strip(),
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return application


def answer_request(method: str, path: str, query_string: str) -> tuple[int, Any]:
    """(status, JSON answer) for one request under /_tether/schedules."""
    query = {key: values[-1] for key, values in parse_qs(query_string).items()}
    rest = unquote(path[len(PREFIX) :]).strip("/")
    if not rest:
        if method != "GET":
            return 405, {"message": f"use GET on {PREFIX}"}
        now = datetime.fromtimestamp(scheduler_clock.current().now(), UTC)
        return 200, {
            "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "schedules": scheduler.list_schedules(),
        }
    rule, _, action = rest.rpartition("/")
    where = {"account": query.get("account"), "region": query.get("region")}
    target = query.get("target")
    try:
        if action == "fire":
            if method != "POST":
                return 405, {"message": f"use POST on {PREFIX}/<rule>/fire"}
            wait = query.get("wait", "").lower() in ("1", "true", "yes")
            fired = scheduler.fire_now(rule, target=target, wait=wait, **where)
            return (200 if wait else 202), fired
        if action == "event":
            if method != "GET":
                return 405, {"message": f"use GET on {PREFIX}/<rule>/event"}
            return 200, scheduler.preview(rule, target=target, **where)
    except scheduler.RuleNotFound as exc:
        return 404, {"message": str(exc)}
    except scheduler.AmbiguousRule as exc:
        return 409, {"message": str(exc)}
    return 404, {"message": f"unknown path {path}: see {PREFIX}/<rule>/fire or /event"}
