"""EventBridge rules deliver to Lambda targets, with the target's input settings.

moto's `Rule.send_to_targets` raised NotImplementedError on a Lambda target (PutEvents, or an
S3 event for EventBridge, failed on any rule that targets a function), ignored a target's
`Input` and `InputPath`, and sent bus events to disabled rules and to schedule-only rules.
Here, as on AWS:

- a Lambda target is invoked asynchronously (invocation type `Event`) through moto's lambda
  backend (`lambda_invoke`), so Tether's runtime runs it;
- it receives the target's `Input` (a JSON text), else `InputPath` applied to the event, else
  its `InputTransformer` (moto's parser), else the whole event (`time` in ISO 8601);
- other targets (SQS, log groups, archives, buses, API destinations) go to moto's own code,
  one target at a time, with `Input`/`InputPath` applied first;
- a disabled rule receives nothing; a rule with a ScheduleExpression and no EventPattern
  receives no bus events (only its schedule fires it).

`deliver(rule, event)` is how the scheduler fires a rule (and, with `wait=True`, how a
fire-now request invokes its functions and reports what they returned).

It also stamps each rule with its creation time on the schedule clock (`created_at`), from
which `rate(...)` schedules count; PutRule on an existing rule keeps the stamp unless the
schedule expression changed.
Hook: replaces `Rule.send_to_targets`; wraps `EventsBackend.put_rule`.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.events.models import EventPattern, EventsBackend, Rule
from moto.events.utils import EventTemplateParser

from tether.localcloud._patching import original, replace
from tether.localcloud.lambda_.lambda_invoke import FunctionNotFound, invoke
from tether.localcloud.scheduler import scheduler_clock

ASYNC_SLOTS = 16  # asynchronous invocations running at once; more wait their turn
_CREATED = "_tether_created"

log = logging.getLogger(__name__)
_SLOTS = threading.BoundedSemaphore(ASYNC_SLOTS)


@dataclass(frozen=True)
class Delivery:
    """What happened to one target: `sent` (asynchronous), `ok` or `error` (waited for)."""

    target_id: str
    arn: str
    input: Any
    status: str
    response: Any = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.target_id,
            "arn": self.arn,
            "input": self.input,
            "status": self.status,
        }
        if self.status != "sent":
            found["response"] = self.response
        if self.error:
            found["error"] = self.error
        return found


def created_at(rule: Any) -> float | None:
    """When the rule was created (seconds since the epoch, on the schedule clock)."""
    value = getattr(rule, _CREATED, None)
    return float(value) if isinstance(value, int | float) else None


def is_lambda(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 6 and parts[0] == "arn" and parts[2] == "lambda"


def iso_time(value: Any) -> str:
    """EventBridge's `time`: `2024-05-01T03:00:00Z` (moto keeps seconds since the epoch)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def epoch_time(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return scheduler_clock.current().now()


def target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """What a target receives for `event`: Input, InputPath, InputTransformer or the event."""
    if target.get("Input") is not None:
        text = str(target["Input"])
        try:
            return json.loads(text)
        except ValueError:
            return text
    if target.get("InputPath"):
        from jsonpath_ng.ext.parser import parse

        matches = parse(str(target["InputPath"])).find(event)
        return matches[0].value if matches else None
    transformer = target.get("InputTransformer")
    if transformer:
        with_ingestion: Any = {"ingestion-time": epoch_time(event.get("time")), **event}
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=with_ingestion,
        )
    return event


def deliver(
    rule: Rule,
    event: dict[str, Any],
    *,
    wait: bool = False,
    only: Callable[[dict[str, Any]], bool] | None = None,
    transform_input: bool = False,
) -> list[Delivery]:
    """Send `event` to the rule's targets (those `only` accepts). Lambda targets are invoked
    in the background, or, with `wait`, one after the other with their results reported."""
    source = f"rule {rule.name}"
    for_lambda = {k: v for k, v in event.items() if k != "ingestion-time"}
    for_lambda["time"] = iso_time(event.get("time"))
    results: list[Delivery] = []
    for target in list(rule.targets):
        if only is not None and not only(target):
            continue
        arn, target_id = str(target.get("Arn", "")), str(target.get("Id", ""))
        try:
            payload = target_input(target, for_lambda)
        except Exception as exc:
            log.warning("%s: target %s: cannot build its input: %s", source, target_id, exc)
            results.append(Delivery(target_id, arn, None, "error", error=str(exc)))
            continue
        if is_lambda(arn):
            results.append(_to_lambda(source, target_id, arn, payload, wait))
        else:
            results.append(_to_moto(rule, target, event, payload, transform_input))
    return results


def _to_lambda(source: str, target_id: str, arn: str, payload: Any, wait: bool) -> Delivery:
    if not wait:
        _invoke_later(source, arn, payload)
        return Delivery(target_id, arn, payload, "sent")
    try:
        invocation = invoke(arn, payload)
    except FunctionNotFound as exc:
        return Delivery(target_id, arn, payload, "error", error=str(exc))
    error = invocation.function_error
    return Delivery(target_id, arn, payload, "error" if error else "ok", invocation.result(), error)


def _invoke_later(source: str, arn: str, payload: Any) -> None:
    def run() -> None:
        with _SLOTS:
            try:
                invocation = invoke(arn, payload, asynchronous=True)
            except FunctionNotFound:
                log.warning("%s: target %s does not exist", source, arn)
            except Exception:
                log.exception("%s: invoking %s", source, arn)
            else:
                if invocation.function_error:
                    detail = invocation.payload[:500].decode("utf-8", errors="replace")
                    log.warning("%s: %s failed: %s", source, arn, detail)

    threading.Thread(target=run, name="events-invoke", daemon=True).start()


def _to_moto(
    rule: Rule, target: dict[str, Any], event: dict[str, Any], payload: Any, transform: bool
) -> Delivery:
    """One non-Lambda target through moto's own delivery code."""
    arn, target_id = str(target.get("Arn", "")), str(target.get("Id", ""))
    single = copy.copy(rule)
    single.targets = [target]
    single.event_pattern = EventPattern.load(None)  # the rule matched already
    send = original(Rule, "send_to_targets")
    moto_event = {"ingestion-time": epoch_time(event.get("time")), **event}
    moto_event["time"] = epoch_time(event.get("time"))
    try:
        if (target.get("Input") is not None or target.get("InputPath")) and isinstance(
            payload, dict
        ):
            send(single, payload, transform_input=False)
        else:
            send(single, moto_event, transform_input=transform or "InputTransformer" in target)
    except Exception as exc:
        log.warning("rule %s: target %s (%s): %s", rule.name, target_id, arn, exc)
        return Delivery(target_id, arn, payload, "error", error=str(exc) or type(exc).__name__)
    return Delivery(target_id, arn, payload, "sent")


def _send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
    if self.state != "ENABLED":
        return
    if self.scheduled_expression and not self.event_pattern.get_pattern():
        return
    if not self.event_pattern.matches_event(original_event):
        return
    deliver(self, dict(original_event), transform_input=transform_input)


def _put_rule(
    self: EventsBackend,
    name: str,
    description: str | None = None,
    event_bus_arn: str | None = None,
    event_pattern: str | None = None,
    role_arn: str | None = None,
    scheduled_expression: str | None = None,
    state: str | None = None,
    managed_by: str | None = None,
    tags: list[dict[str, str]] | None = None,
) -> Rule:
    bus = self.event_buses.get(self._normalize_event_bus_arn(event_bus_arn))
    previous = bus.rules.get(name) if bus is not None else None
    rule: Rule = original(EventsBackend, "put_rule")(
        self,
        name,
        description=description,
        event_bus_arn=event_bus_arn,
        event_pattern=event_pattern,
        role_arn=role_arn,
        scheduled_expression=scheduled_expression,
        state=state,
        managed_by=managed_by,
        tags=tags,
    )
    stamp = created_at(previous) if previous is not None else None
    if previous is None or previous.scheduled_expression != rule.scheduled_expression:
        stamp = None
    if stamp is None:
        stamp = scheduler_clock.current().now()
    setattr(rule, _CREATED, stamp)
    return rule


def install() -> None:
    replace(Rule, "send_to_targets", _send_to_targets)
    replace(EventsBackend, "put_rule", _put_rule)
