"""A schedule expression checked as the project file checks it, and when it would fire next:
what the trigger dialog and `tether add` show before a schedule is written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tether.localcloud.scheduler.scheduler_expressions import ScheduleError, parse
from tether.model import rules


def preview(expression: str, *, now: datetime | None = None, count: int = 3) -> dict[str, Any]:
    """{valid, next: [ISO times], message, hint}. Rates count from now, as a new rule does."""
    expression = expression.strip()
    finding = rules.schedule_expression(expression)
    if finding:
        return {"valid": False, "next": [], "message": finding[0], "hint": finding[1]}
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    try:
        schedule = parse(expression)
    except ScheduleError as exc:
        return {"valid": False, "next": [], "message": str(exc), "hint": rules.SCHEDULE_HINT}
    times: list[str] = []
    at = moment
    while len(times) < count:
        nxt = schedule.next_after(at, moment)
        if nxt is None:
            break
        times.append(nxt.isoformat())
        at = nxt
    return {"valid": True, "next": times, "message": None, "hint": None}
