"""The local cloud's clock for schedules: real time, or (tests only) a faster one.

TEST-ONLY: `TETHER_TEST_CLOCK_SPEED=60` in the environment of the local cloud process makes its
schedule time run 60 times faster than real time from the moment the clock is first read, so
`rate(1 minute)` fires every real second. The scheduler, rule creation times and the `time`
of scheduled events all read this clock; nothing else in the local cloud does.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Protocol

SPEED_VARIABLE = "TETHER_TEST_CLOCK_SPEED"


class Clock(Protocol):
    """Seconds since the epoch, and how fast they pass compared to real time."""

    speed: float

    def now(self) -> float: ...


class SystemClock:
    speed = 1.0

    def now(self) -> float:
        return time.time()


class FastClock:
    """Real time until creation, then `speed` times faster."""

    def __init__(self, speed: float, origin: float | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, not {speed}")
        self.speed = speed
        self.origin = time.time() if origin is None else origin
        self._real_origin = time.monotonic()

    def now(self) -> float:
        return self.origin + (time.monotonic() - self._real_origin) * self.speed


_LOCK = threading.Lock()
_CLOCK: Clock | None = None


def from_environment() -> Clock:
    """SystemClock, or a FastClock when TETHER_TEST_CLOCK_SPEED is set (tests only)."""
    text = os.environ.get(SPEED_VARIABLE, "").strip()
    if not text:
        return SystemClock()
    try:
        speed = float(text)
    except ValueError:
        raise ValueError(f"{SPEED_VARIABLE} must be a number, not {text!r}") from None
    return SystemClock() if speed == 1 else FastClock(speed)


def current() -> Clock:
    """The process's schedule clock (read from the environment on first use)."""
    global _CLOCK
    with _LOCK:
        if _CLOCK is None:
            _CLOCK = from_environment()
        return _CLOCK


def use(clock: Clock | None) -> None:
    """Replace the process's schedule clock (None: read the environment again)."""
    global _CLOCK
    with _LOCK:
        _CLOCK = clock
