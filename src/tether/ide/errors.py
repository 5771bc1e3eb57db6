"""What the IDE's API answers when a request cannot be served: one exception, turned into the
JSON body of the contract ({"error", "message", "hint"}) by the app.

    ApiError             any refused request: status, code, message, hint
"""

from __future__ import annotations

from typing import Any, Literal

Code = Literal["forbidden", "not_found", "outside_project", "conflict", "invalid", "project"]


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
