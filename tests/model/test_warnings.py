"""Warnings: the project loads, and the user is told about something likely to bite later."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_project
from tether import load_project


def test_http_function_that_outlives_the_api_timeout_is_flagged(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: slow
        resources:
          web: {type: http.api}
        functions:
          report:
            handler: app/report.handler
            timeout: 120
            triggers: [{resource: web, route: "POST /reports"}]
        """,
    )
    (warning,) = load_project(tmp_path).warnings
    assert (warning.line, warning.severity) == (8, "warning")
    assert "stops waiting after 30 s, but the function may run for 120 s" in warning.message
    assert "queue" in warning.hint


def test_unused_resource_is_a_warning_not_an_error(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: tidy
        resources:
          spare: {type: sqs.queue}
        functions:
          hello:
            handler: app/hello.handler
        """,
    )
    (warning,) = load_project(tmp_path).warnings
    assert warning.line == 3
    assert warning.message == "resource 'spare' is unused: no trigger and no operation"
