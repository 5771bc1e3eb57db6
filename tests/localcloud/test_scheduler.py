"""Schedules of a deployed project fire their functions inside the local cloud, with
EventBridge's "Scheduled Event" or the trigger's input; disabled and deleted rules do not fire;
a rule can be fired now over HTTP; EventBridge rules with a Lambda target deliver bus events.

The local cloud's schedule clock runs 60x faster here: rate(1 minute) fires every second."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_project
from tests.localcloud.helpers import ACCOUNT, REGION, unique
from tests.localcloud.router_fixtures import HookedCloud, wait_for
from tether import load_project
from tether.deploy.pipeline import deploy

PROJECT = """
name: ticks
resources:
  minutely: {type: schedule, expression: "rate(1 minute)"}
functions:
  plain:
    handler: app/record.plain
    triggers:
      - {resource: minutely}
  given:
    handler: app/record.given
    triggers:
      - {resource: minutely, input: {job: nightly, count: 3}}
"""

# Each handler appends what it received to a file, so the test can see every invocation
# whatever runs the code (the test-only fake inside the server, or Tether's runtime).
RECORD = """
import json

OUT = {out!r}


def _record(name, event):
    with open(OUT, "a") as out:
        out.write(json.dumps({{"function": name, "event": event}}) + "\\n")
    return {{"recorded": name}}


def plain(event, context):
    return _record("plain", event)


def given(event, context):
    return _record("given", event)
"""

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Deployed:
    outputs: dict[str, str]
    out: Path
    rule_arn: str

    @property
    def rule_name(self) -> str:
        return self.rule_arn.rsplit("/", 1)[1]

    def records(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.strip()]

    def received(self, function: str) -> list[Any]:
        return [r["event"] for r in self.records() if r["function"] == function]


@pytest.fixture(scope="module")
def deployed(
    hooked_cloud: HookedCloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    base = tmp_path_factory.mktemp("ticks")
    out = base / "received.jsonl"
    root = write_project(base / "ticks", PROJECT, {"app/record.py": RECORD.format(out=str(out))})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(hooked_cloud.home))
        result = deploy(load_project(root), stage="dev", target="local")
    yield Deployed(result.outputs, out, result.outputs["MinutelyScheduleArn"])
    # Stop the schedule: the server lives on for the other tests of this worker.
    hooked_cloud.client("events").disable_rule(
        Name=result.outputs["MinutelyScheduleArn"].rsplit("/", 1)[1]
    )


def test_a_rate_schedule_fires_its_targets_with_the_scheduled_event(deployed: Deployed) -> None:
    events = wait_for(lambda: deployed.received("plain"), 30, "the schedule to fire")
    event = events[0]
    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == ACCOUNT
    assert event["region"] == REGION
    assert event["resources"] == [deployed.rule_arn]
    assert event["detail"] == {}
    assert UUID.match(event["id"])
    assert ISO_TIME.match(event["time"])


def test_a_target_with_input_receives_the_input(deployed: Deployed) -> None:
    events = wait_for(lambda: deployed.received("given"), 30, "the schedule to fire")
    assert events[0] == {"count": 3, "job": "nightly"}


def test_a_rate_keeps_firing_at_its_period(deployed: Deployed) -> None:
    def scheduled() -> list[Any]:
        found = [e for e in deployed.received("plain") if "id" in e]
        return found if len(found) >= 3 else []

    events = wait_for(scheduled, 30, "3 fires")
    times = [e["time"] for e in events]
    assert len(set(times)) == len(times)  # one fire per period, each with its own time
    # Fires come a whole number of minutes after the rule's creation: the same second.
    # (Fire-now calls of other tests may add events at other seconds.)
    assert Counter(t[-3:-1] for t in times).most_common(1)[0][1] >= 3


def test_fire_now_invokes_each_target_and_reports_what_it_returned(
    deployed: Deployed, hooked_cloud: HookedCloud
) -> None:
    rule = urllib.parse.quote(deployed.rule_arn, safe="")
    status, answer = hooked_cloud.request_json(
        f"{hooked_cloud.endpoint}/_tether/schedules/{rule}/fire?wait=1", "POST"
    )
    assert status == 200, answer
    assert answer["arn"] == deployed.rule_arn
    assert answer["event"]["detail-type"] == "Scheduled Event"
    results = {t["id"]: t for t in answer["targets"]}
    assert {t["status"] for t in results.values()} == {"ok"}
    assert sorted(t["response"]["recorded"] for t in results.values()) == ["given", "plain"]
    by_function = {t["response"]["recorded"]: t["input"] for t in results.values()}
    assert by_function["given"] == {"count": 3, "job": "nightly"}
    assert by_function["plain"] == answer["event"]
    assert answer["event"] in deployed.received("plain")


def test_fire_now_for_one_target_by_function_name_in_the_background(
    deployed: Deployed, hooked_cloud: HookedCloud
) -> None:
    function = deployed.outputs["GivenFunctionArn"].rsplit(":", 1)[1]
    status, answer = hooked_cloud.request_json(
        f"{hooked_cloud.endpoint}/_tether/schedules/{deployed.rule_name}/fire?target={function}",
        "POST",
    )
    assert status == 202, answer
    [target] = answer["targets"]
    assert (target["arn"], target["status"]) == (deployed.outputs["GivenFunctionArn"], "sent")


def test_fire_now_errors(hooked_cloud: HookedCloud, deployed: Deployed) -> None:
    base = f"{hooked_cloud.endpoint}/_tether/schedules"
    status, answer = hooked_cloud.request_json(f"{base}/no-such-rule/fire", "POST")
    assert status == 404 and "no-such-rule" in answer["message"]
    status, answer = hooked_cloud.request_json(
        f"{base}/{deployed.rule_name}/fire?target=nobody", "POST"
    )
    assert status == 404 and "nobody" in answer["message"]
    status, _ = hooked_cloud.request_json(f"{base}/{deployed.rule_name}/fire")
    assert status == 405


def test_the_schedule_list_and_the_preview(hooked_cloud: HookedCloud, deployed: Deployed) -> None:
    status, answer = hooked_cloud.request_json(f"{hooked_cloud.endpoint}/_tether/schedules")
    assert status == 200
    [listed] = [s for s in answer["schedules"] if s["arn"] == deployed.rule_arn]
    assert listed["expression"] == "rate(1 minute)"
    assert listed["state"] == "ENABLED"
    assert listed["next"] is None or ISO_TIME.match(listed["next"])
    status, preview = hooked_cloud.request_json(
        f"{hooked_cloud.endpoint}/_tether/schedules/{deployed.rule_name}/event"
    )
    assert status == 200
    inputs = {t["arn"]: t["input"] for t in preview["targets"]}
    assert inputs[deployed.outputs["GivenFunctionArn"]] == {"count": 3, "job": "nightly"}
    assert inputs[deployed.outputs["PlainFunctionArn"]]["detail-type"] == "Scheduled Event"


def rule_with_target(hooked_cloud: HookedCloud, deployed: Deployed, state: str, marker: str) -> str:
    name = unique("extra")
    events = hooked_cloud.client("events")
    events.put_rule(Name=name, ScheduleExpression="rate(1 minute)", State=state)
    target = {"Id": "plain", "Arn": deployed.outputs["PlainFunctionArn"]}
    events.put_targets(Rule=name, Targets=[{**target, "Input": json.dumps({"marker": marker})}])
    return name


def fired_with(deployed: Deployed, marker: str) -> list[Any]:
    return [e for e in deployed.received("plain") if e.get("marker") == marker]


def test_a_disabled_rule_does_not_fire_until_enabled(
    hooked_cloud: HookedCloud, deployed: Deployed
) -> None:
    marker = unique("disabled")
    name = rule_with_target(hooked_cloud, deployed, "DISABLED", marker)
    # Let 3 periods pass (3 s): the enabled stack rule fires meanwhile, this one must not.
    before = len(deployed.received("plain"))
    wait_for(lambda: len(deployed.received("plain")) >= before + 3, 30, "3 other fires")
    assert fired_with(deployed, marker) == []
    hooked_cloud.client("events").enable_rule(Name=name)
    wait_for(lambda: fired_with(deployed, marker), 30, "the enabled rule to fire")


def test_a_deleted_rule_stops_firing(hooked_cloud: HookedCloud, deployed: Deployed) -> None:
    marker = unique("deleted")
    name = rule_with_target(hooked_cloud, deployed, "ENABLED", marker)
    wait_for(lambda: fired_with(deployed, marker), 30, "the new rule to fire")
    events = hooked_cloud.client("events")
    events.remove_targets(Rule=name, Ids=["plain"])
    events.delete_rule(Name=name)
    count = len(fired_with(deployed, marker))
    before = len(deployed.received("plain"))
    wait_for(lambda: len(deployed.received("plain")) >= before + 3, 30, "3 other fires")
    assert len(fired_with(deployed, marker)) <= count + 1  # one may have been on its way


def test_bus_events_reach_lambda_targets_of_pattern_rules_only(
    hooked_cloud: HookedCloud, deployed: Deployed
) -> None:
    events = hooked_cloud.client("events")
    source = unique("tether.test")
    name = unique("pattern")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=name, Targets=[{"Id": "given", "Arn": deployed.outputs["GivenFunctionArn"]}]
    )
    answer = events.put_events(
        Entries=[{"Source": source, "DetailType": "Order Placed", "Detail": '{"id": 7}'}]
    )
    assert answer["FailedEntryCount"] == 0

    def delivered() -> list[Any]:
        return [e for e in deployed.received("given") if e.get("source") == source]

    [event] = wait_for(delivered, 30, "the bus event")
    assert event["detail-type"] == "Order Placed"
    assert event["detail"] == {"id": 7}
    assert event["account"] == ACCOUNT
    assert ISO_TIME.match(event["time"])
    # The schedule rule (its targets include "plain") is not matched by bus events.
    assert not [e for e in deployed.received("plain") if e.get("source") == source]
