"""Saved test cases: a world to set up, an event, and what should come of it, run against a
deployed stage.

A case is a file `events/<name>.test.yaml` (or `.test.json`):

    function: resize
    given:                          # created on the stage before the invoke
      objects: [{bucket: uploads, key: cases/cat.jpg, file: cat.jpg}]
      items: [{table: orders, item: {id: cat, status: uploaded}}]
      messages: [{queue: work, body: {id: cat}}]
    sample: {kind: s3-created, key: cases/cat.jpg}   # or `event:`, a file or a mapping
    expect:
      result: {processed: 1}        # a JSON subset of the result (or `equals:` for equality)
      error: false                  # whether the function must fail (default: it must not)
      objects: [{bucket: thumbs, key: thumbs/cat.jpg}]
      items: [{table: orders, key: {id: cases/cat}, match: {status: uploaded}}]
      messages: [{queue: work, match: {action: process}}]
      eventually: 10s               # retry the side-effect checks; consumers keep running
    cleanup: true                   # remove what it set up and what it expected to be created

Running one is a pipeline: check it against the project (`case_refs`) → pause the consumers of
the queues and streams involved (`consumers`) → set up the world (`world`) → invoke → check the
result, then the side effects (`side_effects`) → clean up → resume the consumers. `run_cases`
returns one Outcome per case; the report reads like pytest's, and `junit_xml` writes it for CI.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Any

from tether.errors import ProjectError, TetherError
from tether.invoke.case_file import CASE_SUFFIXES, find_cases
from tether.invoke.case_model import NOTHING, Case, Expectations
from tether.invoke.case_refs import check_case, sample_resource
from tether.invoke.consumers import consumers, paused, resume_abandoned
from tether.invoke.events import Names, sample_event
from tether.invoke.invoker import Invocation, invoke
from tether.invoke.matching import is_subset, normal
from tether.invoke.queue_watch import HOLD_MARGIN, QueueWatches
from tether.invoke.side_effects import check_side_effects
from tether.invoke.target import Deployed
from tether.invoke.world import Footprint, SetupError, clean_up, set_up
from tether.model import Project, Queue, Table

__all__ = [
    "CASE_SUFFIXES",
    "Case",
    "Outcome",
    "check_cases",
    "find_cases",
    "is_subset",
    "junit_xml",
    "paused_sources",
    "run_case",
    "run_cases",
]


@dataclass
class Outcome:
    case: Case
    failures: list[str] = field(default_factory=list)
    milliseconds: float = 0.0
    logs: str = ""
    notes: list[str] = field(default_factory=list)  # what Tether did around the case

    @property
    def passed(self) -> bool:
        return not self.failures


def check_cases(project: Project, cases: list[Case]) -> None:
    """ProjectError with every problem of `cases` against `project`: functions and resources
    it does not have, or of the wrong kind. Needs no cloud, so a command can call it before it
    reaches the stage; `run_cases` calls it too."""
    problems = [p for case in cases for p in check_case(project, case)]
    if problems:
        raise ProjectError(problems)


def run_cases(deployed: Deployed, cases: list[Case]) -> list[Outcome]:
    """Every case, one after the other; ProjectError (before any runs) when one names what
    the project does not have."""
    check_cases(deployed.project, cases)
    notes = resume_abandoned(deployed)
    outcomes = [_run(deployed, case) for case in cases]
    if outcomes:
        outcomes[0].notes[:0] = notes
    return outcomes


def run_case(deployed: Deployed, case: Case) -> Outcome:
    """One case (as the IDE runs them); ProjectError when it names what the project lacks."""
    check_cases(deployed.project, [case])
    notes = resume_abandoned(deployed)
    outcome = _run(deployed, case)
    outcome.notes[:0] = notes
    return outcome


def paused_sources(project: Project, case: Case) -> set[str]:
    """The queues and tables whose consumers are paused while `case` runs: those of the
    messages it sets up or expects (a consumer would take them first), and, unless it waits
    for downstream effects (`eventually`), those of its items and those its function writes
    to, so what it checks is what the function did."""
    sources = {m.queue for m in case.given.messages} | {m.queue for m in case.expect.messages}
    if case.expect.eventually is None:
        sources |= {i.table for i in case.given.items} | {i.table for i in case.expect.items}
        function = project.functions[case.function]
        sources |= {
            op.resource
            for op in function.operations
            if isinstance(project.resources.get(op.resource), Queue | Table)
            and any(_writes(action) for action in op.actions)
        }
    return sources


def _writes(action: str) -> bool:
    """An IAM action that adds to a queue or changes a table (and so its stream)."""
    service, _, name = action.partition(":")
    if service == "sqs":
        return name.startswith("SendMessage")
    return service == "dynamodb" and name.startswith(_TABLE_WRITES)


_TABLE_WRITES = (
    "Put",
    "Update",
    "Delete",
    "BatchWrite",
    "TransactWrite",
    "PartiQLInsert",
    "PartiQLUpdate",
    "PartiQLDelete",
)


def _run(deployed: Deployed, case: Case) -> Outcome:
    outcome = Outcome(case)
    started, since = time.perf_counter(), time.time()
    footprint = Footprint()
    watches = QueueWatches(deployed, hold=int(case.expect.eventually or 0) + HOLD_MARGIN)
    try:
        wanted = consumers(deployed, paused_sources(deployed.project, case))
        with paused(deployed, wanted) as stopped:
            outcome.notes += [f"paused {c.describe()} while the case ran" for c in stopped]
            try:
                set_up(deployed, case, footprint)
                invocation = invoke(
                    deployed, case.function, _event(deployed, case), source=case.name
                )
                outcome.logs = invocation.logs
                outcome.failures += result_failures(case.expect, invocation)
                outcome.failures += check_side_effects(
                    deployed, case, since=since, footprint=footprint, watches=watches
                )
            except SetupError as exc:
                outcome.failures.append(f"{exc.message}; the case did not run")
            finally:
                if case.cleanup:
                    outcome.failures += clean_up(deployed, footprint, watches)
                outcome.failures += watches.release()
    except TetherError as exc:  # the cloud failed or refused: this case fails, the next runs
        outcome.failures.append(exc.message + (f" (hint: {exc.hint})" if exc.hint else ""))
    outcome.milliseconds = (time.perf_counter() - started) * 1000
    return outcome


def _event(deployed: Deployed, case: Case) -> Any:
    """The case's event; a `sample:` made now, with the stage's deployed names."""
    if case.sample is None:
        return case.event
    sample = case.sample
    return sample_event(
        deployed.project,
        sample.kind,
        resource=sample_resource(deployed.project, case, sample),
        names=Names(deployed.project, deployed.output),
        key=sample.key,
        body=sample.body,
        route=sample.route,
    )


def result_failures(expect: Expectations, invocation: Invocation) -> list[str]:
    """What is wrong with the result (and whether the function failed)."""
    failures = []
    if invocation.failed != expect.error:
        detail = json.dumps(invocation.result)[:500]
        failures.append(
            f"the function {'failed' if invocation.failed else 'succeeded'}, expected it to "
            f"{'fail' if expect.error else 'succeed'}: {detail}"
        )
    if expect.equals is not NOTHING and normal(invocation.result) != normal(expect.equals):
        failures.append(
            f"result: expected {json.dumps(expect.equals)}, got {json.dumps(invocation.result)}"
        )
    if expect.result is not NOTHING and not is_subset(expect.result, invocation.result):
        failures.append(
            f"result: expected to contain {json.dumps(expect.result)}, "
            f"got {json.dumps(invocation.result)}"
        )
    return failures


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
