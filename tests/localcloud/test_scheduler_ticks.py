"""The scheduler's tick on a manual clock: when rules fire, and what changes to them do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tether.localcloud.scheduler.scheduler import RuleRef, Scheduler, scheduled_event

START = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC).timestamp()


class ManualClock:
    speed = 1.0

    def __init__(self, now: float = START) -> None:
        self.value = now

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@dataclass
class FakeRule:
    scheduled_expression: str
    created: float = START
    state: str = "ENABLED"
    arn: str = "arn:aws:events:us-east-1:123456789012:rule/r"


@dataclass
class World:
    clock: ManualClock = field(default_factory=ManualClock)
    rules: dict[RuleRef, FakeRule] = field(default_factory=dict)
    fired: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, expression: str, **changes: Any) -> FakeRule:
        rule = FakeRule(expression, created=self.clock.now(), **changes)
        self.rules[RuleRef("123456789012", "us-east-1", "default", name)] = rule
        return rule

    def scheduler(self) -> Scheduler:
        return Scheduler(
            self.clock,
            fire=lambda ref, rule, when: self.fired.append((ref.name, when.strftime("%H:%M:%S"))),
            rules=lambda: list(self.rules.items()),
            created=lambda rule: rule.created,
        )

    def run(self, scheduler: Scheduler, seconds: int) -> list[tuple[str, str]]:
        """Tick once per second for `seconds`; what fired."""
        self.fired.clear()
        for _ in range(seconds):
            self.clock.advance(1)
            scheduler.tick()
        return list(self.fired)


def test_a_rate_fires_every_period_from_its_creation() -> None:
    world = World()
    world.clock.advance(17)
    world.add("r", "rate(1 minute)")
    scheduler = world.scheduler()
    assert world.run(scheduler, 200) == [
        ("r", "10:01:17"),
        ("r", "10:02:17"),
        ("r", "10:03:17"),
    ]


def test_a_cron_fires_at_its_minutes() -> None:
    world = World()
    world.add("c", "cron(0/2 * * * ? *)")
    scheduler = world.scheduler()
    assert [when for _, when in world.run(scheduler, 300)] == ["10:02:00", "10:04:00"]


def test_a_disabled_rule_does_not_fire_nor_catch_up() -> None:
    world = World()
    rule = world.add("r", "rate(1 minute)", state="DISABLED")
    scheduler = world.scheduler()
    assert world.run(scheduler, 150) == []
    rule.state = "ENABLED"
    assert world.run(scheduler, 60) == [("r", "10:03:00")]


def test_a_deleted_rule_stops_and_a_recreated_one_counts_again() -> None:
    world = World()
    world.add("r", "rate(1 minute)")
    scheduler = world.scheduler()
    assert len(world.run(scheduler, 60)) == 1
    del world.rules[RuleRef("123456789012", "us-east-1", "default", "r")]
    assert world.run(scheduler, 120) == []
    world.add("r", "rate(1 minute)")  # created at 10:03:00
    assert world.run(scheduler, 60) == [("r", "10:04:00")]


def test_a_changed_expression_is_picked_up() -> None:
    world = World()
    rule = world.add("r", "rate(1 minute)")
    scheduler = world.scheduler()
    assert len(world.run(scheduler, 60)) == 1
    rule.scheduled_expression = "rate(5 minutes)"
    rule.created = world.clock.now()  # PutRule with a new expression restarts the count
    assert world.run(scheduler, 299) == []
    assert world.run(scheduler, 1) == [("r", "10:06:00")]


def test_a_scheduler_that_fell_behind_fires_once() -> None:
    world = World()
    world.add("r", "rate(1 minute)")
    scheduler = world.scheduler()
    scheduler.tick()
    world.clock.advance(600)  # ten periods without a tick
    scheduler.tick()
    assert world.fired == [("r", "10:01:00")]
    assert world.run(scheduler, 60) == [("r", "10:11:00")]


def test_an_expression_it_cannot_run_is_skipped() -> None:
    world = World()
    world.add("bad", "cron(nonsense)")
    world.add("good", "rate(1 minute)")
    scheduler = world.scheduler()
    assert world.run(scheduler, 60) == [("good", "10:01:00")]


def test_a_failing_target_does_not_stop_the_others() -> None:
    world = World()
    world.add("a", "rate(1 minute)")
    world.add("b", "rate(1 minute)")
    seen: list[str] = []

    def fire(ref: RuleRef, rule: Any, when: datetime) -> None:
        seen.append(ref.name)
        if ref.name == "a":
            raise RuntimeError("boom")

    scheduler = Scheduler(
        world.clock,
        fire=fire,
        rules=lambda: list(world.rules.items()),
        created=lambda rule: rule.created,
    )
    world.clock.advance(60)
    scheduler.tick()
    assert sorted(seen) == ["a", "b"]


def test_the_scheduled_event() -> None:
    rule = FakeRule("rate(1 day)")
    event = scheduled_event(rule, "123456789012", "eu-west-1", datetime.fromtimestamp(START, UTC))
    event.pop("id")
    assert event == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2024-05-01T10:00:00Z",
        "region": "eu-west-1",
        "resources": [rule.arn],
        "detail": {},
    }
