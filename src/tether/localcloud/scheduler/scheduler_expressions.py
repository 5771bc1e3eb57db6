"""EventBridge schedule expressions and when they fire next: pure logic, in UTC.

    parse("rate(5 minutes)").next_after(moment, start)   # start + k * 5 min, the first > moment
    parse("cron(0 3 ? * MON-FRI *)").next_after(moment, start)  # the first matching minute > moment

`rate(N minute(s)|hour(s)|day(s))` counts from `start` (the rule's creation). `cron(...)` has
EventBridge's six fields: minutes, hours, day-of-month, month, day-of-week, year, with `*`,
`,`, `-` (wrapping ranges too: `FRI-MON`), `/` steps (`*/5`, `0/15`, `10-40/10`), names
(`JAN`-`DEC`, `SUN`-`SAT`, any case; day-of-week 1 is Sunday), exactly one `?` in day-of-month
or day-of-week, and in day-of-month `L` (last day), `LW` (last weekday) and `15W` (the weekday
nearest the 15th, within the month); in day-of-week `L` (Saturday), `5L` (last Thursday) and
`2#1` (first Monday). Years run 1970-2199; past 2199 nothing fires (None).
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_YEAR = 2199
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.*)\)$", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """An expression this module cannot run."""


@dataclass(frozen=True)
class Rate:
    """Every `seconds`, counted from the rule's creation."""

    seconds: int

    def next_after(self, moment: datetime, start: datetime) -> datetime | None:
        if moment < start:
            return start + timedelta(seconds=self.seconds)
        periods = int((moment - start).total_seconds() // self.seconds) + 1
        return start + timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class DaysOfMonth:
    """A day-of-month field: plain days, `L`, `LW` and `nW`."""

    days: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: frozenset[int] = frozenset()

    def in_month(self, year: int, month: int) -> frozenset[int]:
        length = calendar.monthrange(year, month)[1]
        found = {day for day in self.days if day <= length}
        if self.last:
            found.add(length)
        if self.last_weekday:
            found.add(_nearest_weekday(year, month, length))
        found.update(
            _nearest_weekday(year, month, day) for day in self.nearest_weekday if day <= length
        )
        return frozenset(found)


@dataclass(frozen=True)
class DaysOfWeek:
    """A day-of-week field (1 = Sunday): plain days, `nL` and `n#k`."""

    days: frozenset[int] = frozenset()
    last: frozenset[int] = frozenset()
    nth: frozenset[tuple[int, int]] = frozenset()

    def in_month(self, year: int, month: int) -> frozenset[int]:
        length = calendar.monthrange(year, month)[1]
        found: set[int] = set()
        for day in range(1, length + 1):
            weekday = _weekday(year, month, day)
            if weekday in self.days:
                found.add(day)
            if weekday in self.last and day + 7 > length:
                found.add(day)
            if (weekday, (day - 1) // 7 + 1) in self.nth:
                found.add(day)
        return frozenset(found)


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression; `years` None means any year."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: DaysOfMonth | DaysOfWeek
    months: tuple[int, ...]
    years: tuple[int, ...] | None

    def next_after(self, moment: datetime, start: datetime | None = None) -> datetime | None:
        """The first whole minute after `moment` that matches (None past year 2199)."""
        t = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        while t.year <= MAX_YEAR:
            if self.years is not None and t.year not in self.years:
                year = _next_in(self.years, t.year)
                if year is None:
                    return None
                t = datetime(year, 1, 1, tzinfo=UTC)
                continue
            if t.month not in self.months:
                month = _next_in(self.months, t.month)
                t = (
                    datetime(t.year + 1, 1, 1, tzinfo=UTC)
                    if month is None
                    else datetime(t.year, month, 1, tzinfo=UTC)
                )
                continue
            day = _next_in(_days(self.days, t.year, t.month), t.day)
            if day is None:
                t = _first_of_next_month(t)
                continue
            if day != t.day:
                t = datetime(t.year, t.month, day, tzinfo=UTC)
                continue
            hour = _next_in(self.hours, t.hour)
            if hour is None:
                t = datetime(t.year, t.month, t.day, tzinfo=UTC) + timedelta(days=1)
                continue
            if hour != t.hour:
                t = t.replace(hour=hour, minute=0)
                continue
            minute = _next_in(self.minutes, t.minute)
            if minute is None:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            return t.replace(minute=minute)
        return None


Schedule = Rate | Cron


def parse(expression: str) -> Schedule:
    """A Rate or a Cron; ScheduleError names what is wrong."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        count = int(rate.group(1))
        if count < 1:
            raise ScheduleError(f"{expression!r}: a rate must be at least 1")
        return Rate(count * _UNIT_SECONDS[rate.group(2).lower().rstrip("s")])
    cron = _CRON.match(text)
    if not cron:
        raise ScheduleError(f"{expression!r} is neither rate(...) nor cron(...)")
    fields = cron.group(1).upper().split()
    if len(fields) != 6:
        raise ScheduleError(f"{expression!r}: cron takes 6 fields, found {len(fields)}")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleError(
            f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'"
        )
    try:
        days = _days_of_week(day_of_week) if day_of_month == "?" else _days_of_month(day_of_month)
        return Cron(
            minutes=_field(minutes, 0, 59),
            hours=_field(hours, 0, 23),
            days=days,
            months=_field(month, 1, 12, _MONTHS),
            years=None if year == "*" else _field(year, 1970, MAX_YEAR),
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{expression!r}: {exc}") from exc


# ---------------------------------------------------------------------------------------------


def _field(text: str, low: int, high: int, names: tuple[str, ...] = ()) -> tuple[int, ...]:
    values: set[int] = set()
    for item in text.split(","):
        values.update(_item(item, low, high, names))
    return tuple(sorted(values))


def _item(item: str, low: int, high: int, names: tuple[str, ...]) -> list[int]:
    """One comma-separated part: `*`, `n`, `a-b`, each optionally with `/step`."""
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ScheduleError(f"invalid step in {item!r}")
        step = int(step_text)
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, low, high, names), _value(last, low, high, names)
    else:
        start = _value(base, low, high, names)
        end = high if slash else start
    if start <= end:
        return list(range(start, end + 1, step))
    span = list(range(start, high + 1)) + list(range(low, end + 1))  # wraps: FRI-MON
    return span[::step]


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if text in names:
        return names.index(text) + low
    if not text.isdigit():
        raise ScheduleError(f"invalid value {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{value} is outside {low}-{high}")
    return value


def _days_of_month(text: str) -> DaysOfMonth:
    days: set[int] = set()
    nearest: set[int] = set()
    last = last_weekday = False
    for item in text.split(","):
        if item == "L":
            last = True
        elif item == "LW":
            last_weekday = True
        elif item.endswith("W"):
            nearest.add(_value(item[:-1], 1, 31, ()))
        else:
            days.update(_item(item, 1, 31, ()))
    return DaysOfMonth(frozenset(days), last, last_weekday, frozenset(nearest))


def _days_of_week(text: str) -> DaysOfWeek:
    days: set[int] = set()
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in text.split(","):
        if item == "L":
            days.add(7)  # alone, L is the last day of the week: Saturday
        elif item.endswith("L"):
            last.add(_value(item[:-1], 1, 7, _WEEKDAYS))
        elif "#" in item:
            day, _, which = item.partition("#")
            if not which.isdigit() or not 1 <= int(which) <= 5:
                raise ScheduleError(f"invalid {item!r}: write weekday#1 to weekday#5")
            nth.add((_value(day, 1, 7, _WEEKDAYS), int(which)))
        else:
            days.update(_item(item, 1, 7, _WEEKDAYS))
    return DaysOfWeek(frozenset(days), frozenset(last), frozenset(nth))


@functools.lru_cache(maxsize=4096)
def _days(spec: DaysOfMonth | DaysOfWeek, year: int, month: int) -> tuple[int, ...]:
    return tuple(sorted(spec.in_month(year, month)))


def _next_in(values: tuple[int, ...], current: int) -> int | None:
    """The smallest value >= current, or None."""
    for value in values:
        if value >= current:
            return value
    return None


def _first_of_next_month(t: datetime) -> datetime:
    if t.month == 12:
        return datetime(t.year + 1, 1, 1, tzinfo=UTC)
    return datetime(t.year, t.month + 1, 1, tzinfo=UTC)


def _weekday(year: int, month: int, day: int) -> int:
    """EventBridge's day of week: 1 = Sunday ... 7 = Saturday."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int) -> int:
    """The Monday-Friday day nearest `day`, without leaving the month."""
    length = calendar.monthrange(year, month)[1]
    weekday = calendar.weekday(year, month, day)  # Monday = 0
    if weekday == 5:  # Saturday: the Friday before, or the Monday after the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before the last day
        return day + 1 if day < length else day - 2
    return day
