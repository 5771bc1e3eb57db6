"""A function's log lines from CloudWatch Logs, since a point in time, optionally followed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

from tether.errors import OptionError
from tether.invoke.target import Deployed

_SINCE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> float:
    """`10m` -> seconds; for --since."""
    match = _SINCE.match(text.strip())
    if match is None:
        raise OptionError(
            f"invalid --since {text!r}", hint="write a number and a unit: 30s, 10m, 2h, 1d"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def log_lines(
    deployed: Deployed,
    function: str,
    *,
    since_seconds: float,
    follow: bool = False,
    poll: float = 1.0,
    stopped: Callable[[], bool] = lambda: False,
) -> Iterator[str]:
    """Yield the function's log messages, oldest first; with `follow`, keep polling until
    `stopped()` says so (checked between polls: the IDE stops following without a new line)."""
    group = f"/aws/lambda/{deployed.function_name(function)}"
    logs = deployed.cloud.client("logs")
    start = int((time.time() - since_seconds) * 1000)
    seen: set[str] = set()
    while True:
        with deployed.cloud.guard():
            try:
                events = []
                for page in logs.get_paginator("filter_log_events").paginate(
                    logGroupName=group, startTime=start
                ):
                    events.extend(page.get("events", []))
            except logs.exceptions.ResourceNotFoundException:
                events = []
        for event in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0))):
            if event["eventId"] in seen:
                continue
            seen.add(event["eventId"])
            start = max(start, int(event["timestamp"]))
            yield str(event["message"]).rstrip("\n")
        if not follow or stopped():
            return
        time.sleep(poll)
