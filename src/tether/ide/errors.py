"""What the IDE's API answers when a request cannot be served: one exception, turned into the
JSON body of the contract ({"error", "message", "hint"}) by the app.

    ApiError             any refused request: status, code, message, hint

`from_tether` maps the engine's user errors (tether.errors.TetherError and its kin) to the same
body, so a handler only calls services and lets their errors through:

    ProjectError     -> 422 "project" (with "problems")
    DataLossError    -> 409 "data_loss" (with "blocked": the resources' names)
    LockedError      -> 409 "busy" (another deploy of the stage runs)
    CloudError       -> 502 "cloud"
    AuthoringError   -> 422 "invalid" (with "field": the form field at fault, or null)
    other            -> 400 "invalid"
"""

from __future__ import annotations

from typing import Any, Literal

from tether.errors import ProjectError, TetherError

Code = Literal[
    "forbidden",
    "not_found",
    "outside_project",
    "conflict",
    "invalid",
    "project",
    "busy",
    "cloud",
    "data_loss",
    "timeout",
    "bug",
]


class ApiError(Exception):
    """A request the IDE refuses, with the status, the code and words for the user."""

    def __init__(
        self,
        status: int,
        code: Code,
        message: str,
        *,
        hint: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint = status, code, message, hint
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        return {**body, **self.extra}


def from_tether(exc: TetherError) -> ApiError:
    """The API's answer to a user error raised by a service."""
    from tether.authoring.edits import AuthoringError
    from tether.cloud.session import CloudError
    from tether.deploy.plan import DataLossError
    from tether.deploy.state import LockedError

    if isinstance(exc, ProjectError):
        problems = {"problems": [p.as_json() for p in exc.problems]}
        return ApiError(422, "project", exc.message, hint=exc.hint, extra=problems)
    if isinstance(exc, DataLossError):
        blocked = {"blocked": [risk.resource for risk in exc.risks]}
        return ApiError(409, "data_loss", exc.message, hint=exc.hint, extra=blocked)
    if isinstance(exc, LockedError):
        return ApiError(409, "busy", exc.message, hint=exc.hint)
    if isinstance(exc, AuthoringError):
        return ApiError(422, "invalid", exc.message, hint=exc.hint, extra={"field": exc.field})
    if isinstance(exc, CloudError):
        return ApiError(502, "cloud", exc.message, hint=exc.hint)
    return ApiError(400, "invalid", exc.message, hint=exc.hint)
