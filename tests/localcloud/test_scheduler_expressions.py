"""When rate(...) and cron(...) schedules fire next: pure logic, many cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tether.localcloud.scheduler.scheduler_expressions import (
    Cron,
    Rate,
    ScheduleError,
    parse,
)


def at(text: str) -> datetime:
    """'2024-01-31 23:59' or '2024-01-31 23:59:30' in UTC."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def fmt(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def following(expression: str, start: str, count: int = 1) -> list[str | None]:
    """The next `count` times after `start` (rates count from `start`)."""
    schedule = parse(expression)
    origin = at(start)
    found: list[str | None] = []
    moment: datetime | None = origin
    for _ in range(count):
        assert moment is not None
        moment = schedule.next_after(moment, origin)
        found.append(fmt(moment))
    return found


# --- rate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43200),
        ("rate(1 day)", 86400),
        ("rate(7 days)", 604800),
        ("rate( 2  minutes )", 120),
        ("RATE(3 Minutes)", 180),
    ],
)
def test_rates_parse_to_seconds(expression: str, seconds: int) -> None:
    assert parse(expression) == Rate(seconds)


def test_a_rate_counts_from_its_start_not_from_the_clock() -> None:
    assert following("rate(5 minutes)", "2024-03-10 10:02:17", 3) == [
        "2024-03-10 10:07:17",
        "2024-03-10 10:12:17",
        "2024-03-10 10:17:17",
    ]


def test_a_rate_skips_to_the_first_time_after_the_moment() -> None:
    rate = parse("rate(1 hour)")
    start = at("2024-01-01 00:30")
    assert fmt(rate.next_after(at("2024-01-01 05:10"), start)) == "2024-01-01 05:30:00"
    assert fmt(rate.next_after(at("2024-01-01 05:30"), start)) == "2024-01-01 06:30:00"
    assert fmt(rate.next_after(at("2023-12-31 00:00"), start)) == "2024-01-01 01:30:00"


def test_a_daily_rate() -> None:
    assert following("rate(1 day)", "2024-02-28 08:00", 2) == [
        "2024-02-29 08:00:00",
        "2024-03-01 08:00:00",
    ]


# --- cron: minutes and hours ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        # every minute, at whole minutes
        (
            "cron(* * * * ? *)",
            "2024-05-01 10:00:30",
            ["2024-05-01 10:01:00", "2024-05-01 10:02:00"],
        ),
        # every day at 03:00
        ("cron(0 3 * * ? *)", "2024-05-01 03:00", ["2024-05-02 03:00:00", "2024-05-03 03:00:00"]),
        ("cron(0 3 * * ? *)", "2024-05-01 02:59", ["2024-05-01 03:00:00", "2024-05-02 03:00:00"]),
        # steps from 0 and from an offset
        (
            "cron(0/15 * * * ? *)",
            "2024-05-01 10:07",
            ["2024-05-01 10:15:00", "2024-05-01 10:30:00"],
        ),
        (
            "cron(*/20 * * * ? *)",
            "2024-05-01 10:41",
            ["2024-05-01 11:00:00", "2024-05-01 11:20:00"],
        ),
        (
            "cron(5/20 * * * ? *)",
            "2024-05-01 10:46",
            ["2024-05-01 11:05:00", "2024-05-01 11:25:00"],
        ),
        # ranges, lists and a stepped range
        (
            "cron(0 9-11 * * ? *)",
            "2024-05-01 10:30",
            ["2024-05-01 11:00:00", "2024-05-02 09:00:00"],
        ),
        (
            "cron(15,45 8,20 * * ? *)",
            "2024-05-01 08:15",
            ["2024-05-01 08:45:00", "2024-05-01 20:15:00"],
        ),
        (
            "cron(10-40/10 6 * * ? *)",
            "2024-05-01 06:35",
            ["2024-05-01 06:40:00", "2024-05-02 06:10:00"],
        ),
        # a range that wraps midnight
        (
            "cron(0 22-2 * * ? *)",
            "2024-05-01 23:30",
            ["2024-05-02 00:00:00", "2024-05-02 01:00:00"],
        ),
        # hour and minute roll over the end of a month and a year
        ("cron(0 0 * * ? *)", "2024-12-31 12:00", ["2025-01-01 00:00:00", "2025-01-02 00:00:00"]),
        ("cron(59 23 * * ? *)", "2024-02-29 23:59", ["2024-03-01 23:59:00"]),
    ],
)
def test_cron_times_of_day(expression: str, start: str, expected: list[str]) -> None:
    assert following(expression, start, len(expected)) == expected


# --- cron: days of the month ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        ("cron(0 12 1 * ? *)", "2024-01-15 00:00", ["2024-02-01 12:00:00", "2024-03-01 12:00:00"]),
        # the 31st skips months without one
        ("cron(0 0 31 * ? *)", "2024-01-31 00:00", ["2024-03-31 00:00:00", "2024-05-31 00:00:00"]),
        # the 29th of February only in leap years
        ("cron(0 0 29 2 ? *)", "2024-03-01 00:00", ["2028-02-29 00:00:00"]),
        # L: the last day of the month
        (
            "cron(0 18 L * ? *)",
            "2024-01-31 18:00",
            ["2024-02-29 18:00:00", "2024-03-31 18:00:00", "2024-04-30 18:00:00"],
        ),
        # days 1-7 every second day, and a list
        (
            "cron(0 0 1-7/2 * ? *)",
            "2024-06-01 00:00",
            ["2024-06-03 00:00:00", "2024-06-05 00:00:00"],
        ),
        (
            "cron(0 0 10,20 * ? *)",
            "2024-06-10 00:00",
            ["2024-06-20 00:00:00", "2024-07-10 00:00:00"],
        ),
        # W: the weekday nearest the 15th (2024-06-15 is a Saturday -> Friday 14th;
        # 2024-09-15 is a Sunday -> Monday 16th)
        ("cron(0 9 15W 6 ? *)", "2024-01-01 00:00", ["2024-06-14 09:00:00"]),
        ("cron(0 9 15W 9 ? *)", "2024-01-01 00:00", ["2024-09-16 09:00:00"]),
        # 1W on a Saturday stays in the month: Monday the 3rd (2024-06-01 is a Saturday)
        ("cron(0 9 1W 6 ? *)", "2024-01-01 00:00", ["2024-06-03 09:00:00"]),
        # LW: the last weekday (2024-08-31 is a Saturday -> Friday 30th)
        ("cron(0 9 LW 8 ? *)", "2024-01-01 00:00", ["2024-08-30 09:00:00"]),
    ],
)
def test_cron_days_of_month(expression: str, start: str, expected: list[str]) -> None:
    assert following(expression, start, len(expected)) == expected


# --- cron: days of the week -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        # 2024-05-01 is a Wednesday. MON-FRI, names and numbers (1 = Sunday).
        (
            "cron(0 8 ? * MON-FRI *)",
            "2024-05-02 08:00",
            ["2024-05-03 08:00:00", "2024-05-06 08:00:00"],
        ),
        ("cron(0 8 ? * 2-6 *)", "2024-05-02 08:00", ["2024-05-03 08:00:00", "2024-05-06 08:00:00"]),
        ("cron(0 8 ? * SUN *)", "2024-05-01 00:00", ["2024-05-05 08:00:00", "2024-05-12 08:00:00"]),
        ("cron(0 8 ? * 1 *)", "2024-05-01 00:00", ["2024-05-05 08:00:00"]),
        ("cron(0 8 ? * 7 *)", "2024-05-01 00:00", ["2024-05-04 08:00:00"]),
        (
            "cron(0 8 ? * mon,wed *)",
            "2024-05-01 08:00",
            ["2024-05-06 08:00:00", "2024-05-08 08:00:00"],
        ),
        # a wrapping range: Friday to Monday
        (
            "cron(0 8 ? * FRI-MON *)",
            "2024-05-03 08:00",
            [
                "2024-05-04 08:00:00",
                "2024-05-05 08:00:00",
                "2024-05-06 08:00:00",
                "2024-05-10 08:00:00",
            ],
        ),
        # #: the second Tuesday; the fifth Friday only in months that have one
        (
            "cron(0 10 ? * TUE#2 *)",
            "2024-05-01 00:00",
            ["2024-05-14 10:00:00", "2024-06-11 10:00:00"],
        ),
        (
            "cron(0 10 ? * 6#5 *)",
            "2024-05-01 00:00",
            ["2024-05-31 10:00:00", "2024-08-30 10:00:00"],
        ),
        # nL: the last Thursday of the month; L alone: Saturday
        ("cron(0 10 ? * 5L *)", "2024-05-01 00:00", ["2024-05-30 10:00:00", "2024-06-27 10:00:00"]),
        ("cron(0 10 ? * L *)", "2024-05-01 00:00", ["2024-05-04 10:00:00"]),
        ("cron(0 12 ? * * *)", "2024-05-01 12:00", ["2024-05-02 12:00:00"]),
    ],
)
def test_cron_days_of_week(expression: str, start: str, expected: list[str]) -> None:
    assert following(expression, start, len(expected)) == expected


# --- cron: months and years -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "start", "expected"),
    [
        (
            "cron(0 0 1 JAN,JUL ? *)",
            "2024-02-01 00:00",
            ["2024-07-01 00:00:00", "2025-01-01 00:00:00"],
        ),
        ("cron(0 0 1 1,7 ? *)", "2024-02-01 00:00", ["2024-07-01 00:00:00", "2025-01-01 00:00:00"]),
        (
            "cron(0 0 1 MAR-MAY ? *)",
            "2024-04-15 00:00",
            ["2024-05-01 00:00:00", "2025-03-01 00:00:00"],
        ),
        ("cron(0 0 1 */4 ? *)", "2024-02-01 00:00", ["2024-05-01 00:00:00", "2024-09-01 00:00:00"]),
        (
            "cron(0 0 1 nov-feb ? *)",
            "2024-03-01 00:00",
            ["2024-11-01 00:00:00", "2024-12-01 00:00:00"],
        ),
        # the year field: one year, a list, a range and a step
        ("cron(0 0 1 1 ? 2030)", "2024-06-01 00:00", ["2030-01-01 00:00:00", None]),
        ("cron(0 0 1 1 ? 2026,2028)", "2026-01-01 00:00", ["2028-01-01 00:00:00", None]),
        ("cron(30 6 ? * MON 2025-2026)", "2026-12-28 06:30", [None]),
        (
            "cron(0 0 1 1 ? 2024/3)",
            "2024-01-01 00:00",
            ["2027-01-01 00:00:00", "2030-01-01 00:00:00"],
        ),
        # a year already past fires never
        ("cron(0 0 * * ? 2020)", "2024-01-01 00:00", [None]),
    ],
)
def test_cron_months_and_years(expression: str, start: str, expected: list[str | None]) -> None:
    schedule = parse(expression)
    origin = at(start)
    moment: datetime | None = origin
    found: list[str | None] = []
    for _ in expected:
        moment = schedule.next_after(moment, origin) if moment is not None else None
        found.append(fmt(moment))
    assert found == expected


def test_cron_stops_after_2199() -> None:
    assert (
        parse("cron(0 0 1 1 ? *)").next_after(at("2199-01-01 00:00"), at("2199-01-01 00:00"))
        is None
    )


def test_cron_ignores_seconds_of_the_moment() -> None:
    schedule = parse("cron(30 10 * * ? *)")
    assert fmt(schedule.next_after(at("2024-01-01 10:29:59"), at("2024-01-01 00:00"))) == (
        "2024-01-01 10:30:00"
    )
    assert fmt(schedule.next_after(at("2024-01-01 10:30:00"), at("2024-01-01 00:00"))) == (
        "2024-01-02 10:30:00"
    )


def test_parsed_cron_fields() -> None:
    cron = parse("cron(0/30 9-17 ? * MON-FRI *)")
    assert isinstance(cron, Cron)
    assert cron.minutes == (0, 30)
    assert cron.hours == tuple(range(9, 18))
    assert cron.months == tuple(range(1, 13))
    assert cron.years is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 weeks)",
        "rate(minutes)",
        "every 5 minutes",
        "cron(0 3 * * *)",  # five fields
        "cron(0 3 * * * *)",  # neither day field is '?'
        "cron(0 3 ? * ? *)",  # both are
        "cron(60 * * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 0 * ? *)",
        "cron(0 0 ? 13 * *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? * MON#6 *)",
        "cron(0 0 ? FOO * *)",
        "cron(*/0 * * * ? *)",
        "cron(0 0 1 1 ? 1969)",
        "cron(a b c d e f)",
    ],
)
def test_invalid_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse(expression)
