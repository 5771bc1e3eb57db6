"""The local cloud's scheduler: EventBridge rules with a ScheduleExpression fire on time.

A background thread of the server process looks at every rule of every account and region
each tick (one second of schedule time), so rules that a deploy creates, updates, disables or
deletes are picked up at once. An enabled rule fires when its next time comes:
`rate(...)` counts from the rule's creation, `cron(...)` runs in UTC to the minute
(`scheduler_expressions`). Firing sends EventBridge's "Scheduled Event" (version, id,
detail-type, source `aws.events`, account, time of the schedule, region, resources [rule ARN],
detail {}) to each target, or the target's Input (`events_targets.deliver`);
Lambda targets run asynchronously through moto's lambda backend. A disabled rule does not
fire, and does not catch up when enabled again; a scheduler that fell behind fires once, not
once per missed time. An expression it cannot run is logged once and skipped.

`fire_now` fires one rule at once, whatever its schedule (the `/_tether/schedules` HTTP
interface, `scheduler_http`, exposes it). Time comes from `scheduler_clock` (tests can speed
it up).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tether.localcloud.scheduler import scheduler_clock
from tether.localcloud.scheduler.scheduler_clock import Clock
from tether.localcloud.scheduler.scheduler_expressions import Schedule, ScheduleError, parse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleRef:
    """Where a rule lives."""

    account: str
    region: str
    bus: str
    name: str


@dataclass
class _Entry:
    expression: str
    created: float
    schedule: Schedule | None
    next_fire: datetime | None


Fire = Callable[[RuleRef, Any, datetime], None]


def scheduled_rules() -> list[tuple[RuleRef, Any]]:
    """Every rule with a ScheduleExpression, in every account and region of the local cloud."""
    from moto.events.models import events_backends

    found: list[tuple[RuleRef, Any]] = []
    for account, regions in list(events_backends.items()):
        for region, backend in list(regions.items()):
            for bus_name, bus in list(backend.event_buses.items()):
                for name, rule in list(bus.rules.items()):
                    if rule.scheduled_expression:
                        found.append((RuleRef(account, region, bus_name, name), rule))
    return found


def scheduled_event(rule: Any, account: str, region: str, when: datetime) -> dict[str, Any]:
    """EventBridge's "Scheduled Event" for `rule` at `when`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule.arn],
        "detail": {},
    }


def fire(ref: RuleRef, rule: Any, when: datetime) -> None:
    """Send the scheduled event of `when` to the rule's targets (in the background)."""
    from tether.localcloud.scheduler.events_targets import deliver

    deliver(rule, scheduled_event(rule, ref.account, ref.region, when))


class Scheduler:
    """Fires due rules on each `tick`; `run` ticks until stopped."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        fire: Fire = fire,
        rules: Callable[[], Iterable[tuple[RuleRef, Any]]] = scheduled_rules,
        created: Callable[[Any], float | None] | None = None,
    ) -> None:
        self.clock = clock or scheduler_clock.current()
        self._fire = fire
        self._rules = rules
        self._created = created or _created_at
        self._entries: dict[RuleRef, _Entry] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def tick(self) -> list[tuple[RuleRef, datetime]]:
        """Fire every enabled rule whose time has come; what was fired."""
        now = self.now()
        fired: list[tuple[RuleRef, datetime]] = []
        with self._lock:
            seen: set[RuleRef] = set()
            for ref, rule in self._rules():
                seen.add(ref)
                entry = self._entry(ref, rule, now)
                if entry.schedule is None or entry.next_fire is None or entry.next_fire > now:
                    continue
                due = entry.next_fire
                created = datetime.fromtimestamp(entry.created, UTC)
                entry.next_fire = entry.schedule.next_after(max(due, now), created)
                if str(rule.state) != "ENABLED":
                    continue
                fired.append((ref, due))
                try:
                    self._fire(ref, rule, due)
                except Exception:
                    log.exception("firing rule %s", ref.name)
            for gone in set(self._entries) - seen:
                del self._entries[gone]
        return fired

    def next_fire(self, ref: RuleRef) -> datetime | None:
        with self._lock:
            entry = self._entries.get(ref)
            return None if entry is None else entry.next_fire

    def saved(self) -> dict[RuleRef, tuple[str, float, datetime]]:
        """Each rule's expression, creation time and next time, for `resume` in the next
        process (`persistence` keeps them with the local cloud's state)."""
        with self._lock:
            return {
                ref: (entry.expression, entry.created, entry.next_fire)
                for ref, entry in self._entries.items()
                if entry.next_fire is not None
            }

    def resume(self, saved: dict[RuleRef, tuple[str, float, datetime]]) -> None:
        """Take up the next times an earlier process saved (before the first tick): a rule
        keeps its next time; one whose time passed while the cloud was stopped fires at its
        first time after now (no catching up, as for a disabled rule)."""
        now = self.now()
        with self._lock:
            for ref, (expression, created, next_fire) in saved.items():
                try:
                    schedule = parse(expression)
                except ScheduleError:
                    continue
                upcoming = (
                    next_fire
                    if next_fire > now
                    else schedule.next_after(now, datetime.fromtimestamp(created, UTC))
                )
                self._entries[ref] = _Entry(expression, created, schedule, upcoming)

    def _entry(self, ref: RuleRef, rule: Any, now: datetime) -> _Entry:
        """The rule's schedule state, (re)computed when the rule is new or changed."""
        expression = str(rule.scheduled_expression)
        created = self._created(rule)
        entry = self._entries.get(ref)
        unchanged = created is None or (entry is not None and created == entry.created)
        if entry is not None and entry.expression == expression and unchanged:
            return entry
        start = created if created is not None else now.timestamp()
        try:
            schedule: Schedule | None = parse(expression)
        except ScheduleError as exc:
            log.warning("rule %s will not fire: %s", ref.name, exc)
            schedule = None
        start_time = datetime.fromtimestamp(start, UTC)
        next_fire = None if schedule is None else schedule.next_after(start_time, start_time)
        entry = _Entry(expression, start, schedule, next_fire)
        self._entries[ref] = entry
        return entry

    def run(self) -> None:
        """Tick about once per second of schedule time until `stop()`."""
        interval = max(0.02, min(1.0, 1.0 / self.clock.speed))
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:  # one bad tick (a rule changing under us) must not stop it
                log.exception("scheduler tick")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _created_at(rule: Any) -> float | None:
    from tether.localcloud.scheduler.events_targets import created_at

    return created_at(rule)


# ---------------------------------------------------------------------------------------------
# The process's scheduler, and firing a rule now


class RuleNotFound(LookupError):
    pass


class AmbiguousRule(LookupError):
    pass


_SCHEDULER: Scheduler | None = None
_SCHEDULER_LOCK = threading.Lock()


def start(resume: dict[RuleRef, tuple[str, float, datetime]] | None = None) -> Scheduler:
    """Start the process's scheduler thread (once), with the next times of `resume` (what
    `Scheduler.saved` gave in an earlier process)."""
    global _SCHEDULER
    with _SCHEDULER_LOCK:
        if _SCHEDULER is None:
            _SCHEDULER = Scheduler()
            if resume:
                _SCHEDULER.resume(resume)
            _SCHEDULER.start()
        return _SCHEDULER


def stop() -> None:
    global _SCHEDULER
    with _SCHEDULER_LOCK:
        scheduler, _SCHEDULER = _SCHEDULER, None
    if scheduler is not None:
        scheduler.stop()


def running() -> Scheduler | None:
    return _SCHEDULER


def find_rule(
    name_or_arn: str, *, account: str | None = None, region: str | None = None
) -> tuple[RuleRef, Any]:
    """A rule by ARN, or by name (narrowed by account and region); RuleNotFound or
    AmbiguousRule (the same name in several regions or accounts)."""
    from moto.events.models import events_backends

    name, bus = name_or_arn, None
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("rule/"):
            raise RuleNotFound(f"{name_or_arn} is not an EventBridge rule ARN")
        region, account = parts[3], parts[4]
        path = parts[5][len("rule/") :]
        bus, _, name = path.rpartition("/")
        bus = bus or "default"
    found: list[tuple[RuleRef, Any]] = []
    for acct, regions in list(events_backends.items()):
        if account and acct != account:
            continue
        for reg, backend in list(regions.items()):
            if region and reg != region:
                continue
            for bus_name, event_bus in list(backend.event_buses.items()):
                if bus and bus_name != bus:
                    continue
                rule = event_bus.rules.get(name)
                if rule is not None:
                    found.append((RuleRef(acct, reg, bus_name, name), rule))
    if not found:
        raise RuleNotFound(f"no rule {name_or_arn!r} in the local cloud")
    if len(found) > 1:
        places = ", ".join(f"{ref.account}/{ref.region}" for ref, _ in found)
        raise AmbiguousRule(f"rule {name!r} exists in {places}: give the region (or its ARN)")
    return found[0]


def matches_target(target: dict[str, Any], wanted: str) -> bool:
    """Whether a target is `wanted`: its Id, its ARN, or the function name in its ARN."""
    arn = str(target.get("Arn", ""))
    parts = arn.split(":")
    function = parts[6] if len(parts) > 6 and parts[2] == "lambda" else None
    return wanted in (str(target.get("Id", "")), arn, function)


def fire_now(
    name_or_arn: str,
    *,
    account: str | None = None,
    region: str | None = None,
    target: str | None = None,
    wait: bool = False,
) -> dict[str, Any]:
    """Fire a rule now (enabled or not) with the scheduled event of this moment.

    `target` limits it to one target (Id, ARN or function name). With `wait`, Lambda targets
    are invoked one by one and their results reported; without, they run in the background.
    """
    from tether.localcloud.scheduler.events_targets import deliver

    ref, rule = find_rule(name_or_arn, account=account, region=region)
    when = datetime.fromtimestamp(scheduler_clock.current().now(), UTC)
    event = scheduled_event(rule, ref.account, ref.region, when)
    only = None if target is None else (lambda t: matches_target(t, target))
    deliveries = deliver(rule, event, wait=wait, only=only)
    if target is not None and not deliveries:
        raise RuleNotFound(f"rule {ref.name!r} has no target {target!r}")
    return {**describe(ref, rule), "event": event, "targets": [d.as_json() for d in deliveries]}


def preview(
    name_or_arn: str,
    *,
    account: str | None = None,
    region: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """What each target would receive if the rule fired now; nothing is invoked."""
    from tether.localcloud.scheduler.events_targets import target_input

    ref, rule = find_rule(name_or_arn, account=account, region=region)
    when = datetime.fromtimestamp(scheduler_clock.current().now(), UTC)
    event = scheduled_event(rule, ref.account, ref.region, when)
    targets = [
        {"id": t.get("Id"), "arn": t.get("Arn"), "input": target_input(t, event)}
        for t in list(rule.targets)
        if target is None or matches_target(t, target)
    ]
    if target is not None and not targets:
        raise RuleNotFound(f"rule {ref.name!r} has no target {target!r}")
    return {**describe(ref, rule), "event": event, "targets": targets}


def describe(ref: RuleRef, rule: Any) -> dict[str, Any]:
    """A rule as the HTTP interface shows it, with its next time if the scheduler runs."""
    scheduler = _SCHEDULER
    next_fire = scheduler.next_fire(ref) if scheduler is not None else None
    return {
        "name": ref.name,
        "arn": rule.arn,
        "account": ref.account,
        "region": ref.region,
        "expression": rule.scheduled_expression,
        "state": rule.state,
        "next": None
        if next_fire is None or rule.state != "ENABLED"
        else next_fire.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def list_schedules() -> list[dict[str, Any]]:
    return [describe(ref, rule) for ref, rule in scheduled_rules()]
