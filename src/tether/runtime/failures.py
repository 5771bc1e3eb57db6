"""Lambda's error payloads, word for word, and the log lines that go with them.

Used on both sides of the pipe: the worker turns the handler's exceptions and import problems
into payloads; the local cloud adds the ones only it can see (timeouts, a worker that exited,
a runtime it cannot run). Standard library only (the worker loads this file by path).
"""

from __future__ import annotations

import signal
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

Payload = dict[str, Any]


def from_exception(exc: BaseException, request_id: str, *, skip_frames: int = 0) -> Payload:
    """An exception the handler raised: its type, message and the user's stack frames."""
    tb: TracebackType | None = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(traceback.extract_tb(tb)),
    }


def fault(
    error_type: str, message: str, request_id: str = "", trace: list[str] | None = None
) -> Payload:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace or [],
    }


def malformed_handler(handler: str, problem: str) -> Payload:
    return fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {problem}")


def import_error(module: str, exc: BaseException) -> Payload:
    return fault("Runtime.ImportModuleError", f"Unable to import module '{module}': {exc}")


def syntax_error(module: str, exc: SyntaxError) -> Payload:
    trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").rstrip()}\n']
    return fault(
        "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module}': {exc}", "", trace
    )


def handler_not_found(module: str, name: str) -> Payload:
    return fault("Runtime.HandlerNotFound", f"Handler '{name}' missing on module '{module}'")


def marshal_error(exc: BaseException, request_id: str) -> Payload:
    return fault("Runtime.MarshalError", f"Unable to marshal response: {exc}", request_id)


def timestamp(when: float) -> str:
    """`2024-05-02T10:11:12.345Z`, as Lambda writes times in its messages."""
    moment = datetime.fromtimestamp(when, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def timeout_message(request_id: str, seconds: float, when: float) -> str:
    return f"{timestamp(when)} {request_id} Task timed out after {seconds:.2f} seconds"


def timeout(request_id: str, seconds: float, when: float) -> Payload:
    return {"errorMessage": timeout_message(request_id, seconds, when)}


def cancelled(request_id: str, reason: str, when: float) -> Payload:
    """Not Lambda's (it runs on after API Gateway gives up): the local cloud stops an invocation
    its caller no longer waits for (`cancel.Cancellation`)."""
    message = f"{timestamp(when)} {request_id} Invocation cancelled: {reason}"
    return {"errorMessage": message, "errorType": "Runtime.Cancelled"}


def exit_reason(returncode: int | None) -> str:
    """Go's wording (Lambda's runtime is written in Go): `exit status 1`, `signal: killed`."""
    if returncode is None:
        return "exit status unknown"
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = (signal.strsignal(-returncode) or f"signal {-returncode}").lower()
    except ValueError:
        name = f"signal {-returncode}"
    return f"signal: {name}"


def exit_error(request_id: str, returncode: int | None) -> Payload:
    if returncode == 0:
        problem = "Runtime exited without providing a reason"
    else:
        problem = f"Runtime exited with error: {exit_reason(returncode)}"
    message = f"RequestId: {request_id} Error: {problem}"
    return {"errorMessage": message, "errorType": "Runtime.ExitError"}


def unsupported(request_id: str, problem: str) -> Payload:
    return fault("Runtime.Unsupported", problem, request_id)


def log_line(payload: Payload) -> str:
    """How the runtime logs an error: one event, lines joined by carriage returns."""
    text = f"[ERROR] {payload.get('errorType', 'Error')}: {payload.get('errorMessage', '')}"
    trace = payload.get("stackTrace") or []
    if trace:
        text += "\rTraceback (most recent call last):\r" + "".join(trace).rstrip("\n")
    return text.replace("\n", "\r")
