"""Saved test cases: an event plus what should come of it, run against a deployed stage.

A case is a file `events/<name>.test.yaml` (or `.test.json`):

    function: api
    event: get-order.json           # a file in events/, or the event itself as a mapping
    expect:
      result: {statusCode: 200}     # a JSON subset of the result (or `equals:` for equality)
      error: false                  # whether the function must fail (default: it must not)
      objects: [{bucket: thumbs, key: thumbs/cat.jpg}]
      items: [{table: orders, key: {id: cat}, match: {status: uploaded}}]
      messages: [{queue: work, match: {action: process}}]

`run_cases` invokes each case's function and checks the result and the side effects; the report
reads like pytest's, and `junit_xml` writes it for CI systems.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tether.errors import Problem, ProjectError
from tether.invoke.invoker import invoke
from tether.invoke.payload import EventError, encode, read_event_file
from tether.invoke.target import Deployed
from tether.model.yamlfile import MAX_FILE_BYTES, YamlSyntaxError, key_pos, parse, plain

CASE_SUFFIXES = (".test.yaml", ".test.yml", ".test.json")
CASE_KEYS = ("function", "event", "expect", "description")
EXPECT_KEYS = ("result", "equals", "error", "objects", "items", "messages")


@dataclass(frozen=True)
class Case:
    name: str  # events/get-order.test.yaml
    function: str
    event: Any
    expect: dict[str, Any]


@dataclass
class Outcome:
    case: Case
    failures: list[str] = field(default_factory=list)
    milliseconds: float = 0.0
    logs: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures


def find_cases(root: Path, pattern: str | None = None) -> list[Case]:
    """Every case file under events/, matching `pattern` (a substring or a glob) if given."""
    directory = root / "events"
    files = (
        sorted(p for p in directory.rglob("*") if p.name.endswith(CASE_SUFFIXES))
        if directory.is_dir()
        else []
    )
    problems: list[Problem] = []
    cases = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if pattern and pattern not in rel and not fnmatch.fnmatch(rel, pattern):
            continue
        case = _read_case(root, path, rel, problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise ProjectError(problems)
    return cases


def _read_case(root: Path, path: Path, rel: str, problems: list[Problem]) -> Case | None:
    def problem(at: tuple[int, int], message: str, hint: str) -> None:
        problems.append(Problem(rel, at[0], at[1], "error", message, hint))

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problem(
                (1, 1),
                f"the test case is {size / (1024 * 1024):.1f} MB; a case file may be at most "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                "put a large event in a JSON file in events/ and name it: `event: big.json`",
            )
            return None
        document = parse(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        problem(
            (line, 1),
            f"the test case is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start})",
            "save it as UTF-8 YAML or JSON",
        )
        return None
    except OSError as exc:
        problem(
            (1, 1), f"cannot read the test case: {exc.strerror or exc}", "check its permissions"
        )
        return None
    except YamlSyntaxError as exc:
        problem(exc.pos, exc.message, exc.hint)
        return None
    if not isinstance(document, dict):
        problem((1, 1), "a test case must be a mapping", "write function:, event: and expect:")
        return None
    for key in document:
        if key not in CASE_KEYS:
            problem(
                key_pos(document, key, (1, 1)),
                f"unknown key '{key}' in a test case",
                f"keys: {', '.join(CASE_KEYS)}",
            )
    expect = document.get("expect") or {}
    for key in expect if isinstance(expect, dict) else []:
        if key not in EXPECT_KEYS:
            problem(
                key_pos(expect, key, (1, 1)),
                f"unknown expectation '{key}'",
                f"expectations: {', '.join(EXPECT_KEYS)}",
            )
    if not isinstance(document.get("function"), str):
        problem((1, 1), "a test case needs `function: NAME`", "name the function to invoke")
        return None
    event = document.get("event", {})
    at = key_pos(document, "event", (1, 1))
    if isinstance(event, str):
        event_path = (
            (path.parent / event) if (path.parent / event).is_file() else root / "events" / event
        )
        if not event_path.is_file():
            problem(at, f"event file {event} not found", "put it in events/ or inline the event")
            return None
        try:
            event = read_event_file(event_path, shown=os.path.relpath(event_path, root))
        except EventError as exc:
            problem(at, exc.message, exc.hint)
            return None
    else:
        event = plain(event)
        try:
            encode(event, where=rel)
        except EventError as exc:
            problem(at, exc.message, exc.hint)
            return None
    return Case(
        rel,
        str(document["function"]),
        event,
        plain(expect) if isinstance(expect, dict) else {},
    )


def run_cases(deployed: Deployed, cases: list[Case]) -> list[Outcome]:
    return [run_case(deployed, case) for case in cases]


def run_case(deployed: Deployed, case: Case) -> Outcome:
    outcome = Outcome(case)
    started = time.perf_counter()
    invocation = invoke(deployed, case.function, case.event, source=case.name)
    outcome.logs = invocation.logs
    expect = case.expect
    must_fail = bool(expect.get("error", False))
    if invocation.failed != must_fail:
        detail = json.dumps(invocation.result)[:500]
        outcome.failures.append(
            f"the function {'failed' if invocation.failed else 'succeeded'}, expected it to "
            f"{'fail' if must_fail else 'succeed'}: {detail}"
        )
    if "equals" in expect and _normal(invocation.result) != _normal(expect["equals"]):
        outcome.failures.append(
            f"result: expected {json.dumps(expect['equals'])}, got {json.dumps(invocation.result)}"
        )
    if "result" in expect and not is_subset(expect["result"], invocation.result):
        outcome.failures.append(
            f"result: expected to contain {json.dumps(expect['result'])}, got {json.dumps(invocation.result)}"
        )
    for check in expect.get("objects", []):
        _check_object(deployed, check, outcome)
    for check in expect.get("items", []):
        _check_item(deployed, check, outcome)
    for check in expect.get("messages", []):
        _check_message(deployed, check, outcome)
    outcome.milliseconds = (time.perf_counter() - started) * 1000
    return outcome


def is_subset(expected: Any, actual: Any) -> bool:
    """Every key of `expected` is in `actual` with a matching value, recursively; lists match
    element by element; other values must be equal."""
    actual = _normal(actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and is_subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(_normal(expected) == actual)


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_normal(v) for v in value]
    return value


def _check_object(deployed: Deployed, check: dict[str, Any], outcome: Outcome) -> None:
    bucket = deployed.output(check["bucket"], "Name")
    s3 = deployed.cloud.client("s3")
    with deployed.cloud.guard():
        try:
            s3.head_object(Bucket=bucket, Key=check["key"])
        except s3.exceptions.ClientError:
            outcome.failures.append(
                f"no object {check['key']!r} in bucket {check['bucket']} ({bucket})"
            )


def _check_item(deployed: Deployed, check: dict[str, Any], outcome: Outcome) -> None:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    table = deployed.output(check["table"], "Name")
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    key = {k: serializer.serialize(v) for k, v in check["key"].items()}
    with deployed.cloud.guard():
        found = deployed.cloud.client("dynamodb").get_item(TableName=table, Key=key).get("Item")
    if found is None:
        outcome.failures.append(f"no item {json.dumps(check['key'])} in table {check['table']}")
        return
    item = {k: deserializer.deserialize(v) for k, v in found.items()}
    if not is_subset(check.get("match", {}), item):
        outcome.failures.append(
            f"item {json.dumps(check['key'])} in table {check['table']}: expected {json.dumps(check.get('match'))}, got {json.dumps(_normal(item))}"
        )


def _check_message(deployed: Deployed, check: dict[str, Any], outcome: Outcome) -> None:
    url = deployed.output(check["queue"], "Url")
    with deployed.cloud.guard():
        received = deployed.cloud.client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        )
    bodies = []
    for message in received.get("Messages", []):
        try:
            bodies.append(json.loads(message["Body"]))
        except ValueError:
            bodies.append(message["Body"])
    if not any(is_subset(check.get("match", {}), body) for body in bodies):
        outcome.failures.append(
            f"no message matching {json.dumps(check.get('match'))} on queue {check['queue']} (saw {len(bodies)})"
        )


def junit_xml(outcomes: list[Outcome], seconds: float) -> str:
    failures = sum(not o.passed for o in outcomes)
    suite = ElementTree.Element(
        "testsuite",
        name="tether",
        tests=str(len(outcomes)),
        failures=str(failures),
        errors="0",
        time=f"{seconds:.3f}",
    )
    for outcome in outcomes:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=outcome.case.name,
            name=outcome.case.function,
            time=f"{outcome.milliseconds / 1000:.3f}",
        )
        if not outcome.passed:
            failure = ElementTree.SubElement(case, "failure", message=outcome.failures[0])
            failure.text = "\n".join(outcome.failures)
        if outcome.logs:
            ElementTree.SubElement(case, "system-out").text = outcome.logs
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
