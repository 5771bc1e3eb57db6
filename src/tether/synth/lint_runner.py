"""Running cfn-lint for `lint`: one *job* (a whole template, a piece of one, its sections or
its template-wide rules) in this process or spread over worker processes, each returning
cfn-lint's findings as plain data.

cfn-lint's rules load once per process (about half a second: `api.lint` loads them on every
call) and are shared by every job of that process; worker processes are forked after they
load, so they start with them. Rules are split in collections (see `lint_pieces`): the
template-wide rules (`match` rules, which scan the whole template), the rest, and the rest but
those that check the Parameters section only (for the pieces: the sections template checks
that section, which every piece holds verbatim). Jobs run with `lint_speedups`.

Only this module (and `lint_speedups`, which it imports) imports cfn-lint; `lint_pieces` and
`lint` stay importable without it.
"""

from __future__ import annotations

import enum
import gc
import json
import multiprocessing
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

JobKind = Literal["whole", "piece", "exact", "sections", "exact-sections", "template"]
CfnPath = tuple[str | int, ...]
SPAWN_WORTH = 200  # resources to lint, at 5-15 ms each, worth starting a process (~1.5 s)
_LOADED: dict[str, Any] = {}  # cfn-lint's rule collections, loaded once per process
_RUNNING = threading.RLock()  # one job at a time per process: the rules are shared


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match: its rule, message and path in the template (None when cfn-lint
    gives none: a rule that crashed), the index of the finding it details, if any (cfn-lint
    reports the branches of a failed anyOf as findings of their own under the failure), and
    where cfn-lint put it in the text it read (1-based line and column of start and end; not
    from the path, which some rules change after placing the match)."""

    rule: str
    message: str
    path: CfnPath | None
    parent: int | None = None
    at: tuple[int, int, int, int] = (1, 1, 1, 2)

    def as_json(self) -> list[Any]:
        path = None if self.path is None else list(self.path)
        return [self.rule, self.message, path, self.parent, list(self.at)]

    @classmethod
    def from_json(cls, data: list[Any]) -> Finding:
        rule, message, path, parent, (line, column, end_line, end_column) = data
        if not (isinstance(rule, str) and isinstance(message, str)):
            raise ValueError("not a finding")
        path = None if path is None else tuple(path)
        return cls(rule, message, path, parent, (line, column, end_line, end_column))


@dataclass(frozen=True)
class Job:
    """What to lint: `whole` a template with every rule; `sections` and `exact-sections` the
    sections template of one cut by `lint_pieces`, with every rule but the template-wide ones;
    `piece` and `exact` a piece of it, with those but the rules of the Parameters section
    (`piece` needs no positions: only whether it has findings is used); `template` a whole
    template with the template-wide rules only."""

    kind: JobKind
    text: str
    region: str
    size: int = 1  # how much work, to start the biggest first


def run(job: Job) -> list[Finding]:
    from tether.synth.lint_speedups import speedups

    with _RUNNING, speedups():  # rules keep the template they check while they check it
        return _run(job)


def _run(job: Job) -> list[Finding]:
    from cfnlint.decode.decode import decode_str

    rules = _rules()[_COLLECTION[job.kind]]
    if job.kind in ("piece", "template"):
        # Positions do not matter here (`template` runs again from the text when it finds
        # anything): nodes built by json are several times faster than cfn-lint's decoder.
        matches = _matches(_nodes(json.loads(job.text)), rules, job.region)
        if job.kind == "piece" or not matches:
            return _findings(matches)
    template, errors = decode_str(job.text)
    if errors or not isinstance(template, dict):
        return _findings(errors)  # not from Tether's JSON: reported as cfn-lint reports it
    return _findings(_matches(template, rules, job.region))


def run_all(jobs: Sequence[Job], *, workers: int | None = None) -> list[list[Finding]]:
    """Each job's findings, in order: in this process, or over `workers` processes (default:
    one per CPU this process may use) when there is more than one job."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    workers = min(workers, len(jobs))
    context = _context()
    if context.get_start_method() != "fork" and sum(job.size for job in jobs) < SPAWN_WORTH:
        workers = 1  # a new process would take longer to load cfn-lint than the work
    if workers <= 1:
        return [run(job) for job in jobs]
    _rules()  # forked workers start with the rules loaded
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].size)
    gc.freeze()  # the workers' collector leaves what they share alone: no copy, no scan
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = dict(zip(order, pool.map(run, [jobs[i] for i in order]), strict=True))
    finally:
        gc.unfreeze()
    return [done[i] for i in range(len(jobs))]


def whole_with_api(text: str, region: str) -> list[Finding]:
    """What Tether ran before pieces, for a template cfn-lint's own configuration files
    (.cfnlintrc) may change the rules of: `api.lint`, which reads them."""
    from cfnlint import api

    return _findings(api.lint(text, config=api.ManualArgs(regions=[region])))


def template_rule_ids() -> frozenset[str]:
    return frozenset(_rules()[Collection.TEMPLATE_WIDE].data)


def parameters_rule_ids() -> frozenset[str]:
    """The rules pieces leave to the sections template."""
    return frozenset(_rules()[Collection.SECTIONS].data) - frozenset(
        _rules()[Collection.PIECES].data
    )


class Collection(enum.IntEnum):
    """cfn-lint's rules, in the collections `_rules` gives (by the jobs that run them)."""

    EVERYTHING = 0
    SECTIONS = 1  # every rule but the template-wide ones
    PIECES = 2  # those but the rules of the Parameters section
    TEMPLATE_WIDE = 3


_COLLECTION: dict[JobKind, Collection] = {
    "whole": Collection.EVERYTHING,
    "sections": Collection.SECTIONS,
    "exact-sections": Collection.SECTIONS,
    "piece": Collection.PIECES,
    "exact": Collection.PIECES,
    "template": Collection.TEMPLATE_WIDE,
}


def _rules() -> tuple[Any, ...]:
    """The rule collections, by `Collection`."""
    with _RUNNING:
        if not _LOADED:
            _load()
    rules: tuple[Any, ...] = _LOADED["rules"]
    return rules


def _load() -> None:
    """cfn-lint's rules, as `Runner` loads them, in the collections `_rules` gives."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.rules import CloudFormationLintRule, Rules
    from cfnlint.runner import Runner

    from tether.synth import lint_speedups

    config = ConfigMixIn(regions=["us-east-1"])
    everything = Runner(config).rules
    everything.data["E1101"] = lint_speedups.e1101()
    called = {child for rule in everything.data.values() for child in rule.child_rules}
    template_wide = {
        rule_id
        for rule_id, rule in everything.data.items()
        if type(rule).match is not CloudFormationLintRule.match
        and rule_id not in called  # E1001 calls it where the schema says: a piece's work
        and not rule.child_rules  # E1001, the JSON-schema validation: the pieces' work
        and not rule.parent_rules
    }
    sections = {k: r for k, r in everything.data.items() if k not in template_wide}
    parameters = _parameters_rules(sections)
    pieces = {k: r for k, r in sections.items() if k not in parameters}
    # Its own E1101: a collection wires the rules it runs to their parents (E1101 calls the
    # rules of each part of the template), and the other collections have more of them.
    pieces["E1101"] = lint_speedups.e1101()
    _LOADED["rules"] = (
        everything,
        Rules(sections),
        Rules(pieces),
        # Their own instances, for the same reason. A disabled one is left out: what it finds
        # is dropped anyway.
        Rules(
            {
                k: type(everything.data[k])()
                for k in sorted(template_wide)
                if everything.is_rule_enabled(k, config)
            }
        ),
    )
    lint_speedups.changed()  # read the source it checks once, before workers are forked


def _parameters_rules(rules: dict[str, Any]) -> set[str]:
    """The rules that check the Parameters section and nothing else: those E1101 calls for
    a part of that section only (their keywords), and the rules only they call. Parameters
    hold no intrinsic function, so what these find there depends on that section alone,
    which the sections template holds as every piece does."""
    callers: dict[str, set[str]] = {}
    for rule_id, rule in rules.items():
        for child in rule.child_rules:
            callers.setdefault(child, set()).add(rule_id)
        for parent in rule.parent_rules:
            callers.setdefault(rule_id, set()).add(parent)

    def in_parameters(keyword: str) -> bool:
        return keyword == "Parameters" or keyword.startswith("Parameters/")

    found: set[str] = set()
    while True:
        more = set()
        for rule_id, rule in rules.items():
            keywords = getattr(rule, "keywords", None) or []
            by = callers.get(rule_id, set())
            if rule_id in found or not by:
                continue
            if keywords and all(map(in_parameters, keywords)):
                if by <= found | {"E1101"}:
                    more.add(rule_id)
            elif not keywords and by <= found:
                more.add(rule_id)
        if not more:
            return found
        found |= more


def _nodes(value: Any) -> Any:
    """A json value as cfn-lint's decoder gives it, less positions: objects and arrays as its
    node types (rules build on them), strings left plain (only a finding's position reads
    theirs, and a job that must place findings decodes the text)."""
    from cfnlint.decode.node import dict_node, list_node

    if isinstance(value, dict):
        return dict_node({k: _nodes(v) for k, v in value.items()}, None, None)
    if isinstance(value, list):
        return list_node([_nodes(v) for v in value], None, None)
    return value


def _matches(template: Any, rules: Any, region: str) -> list[Any]:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import run_template_by_data

    return list(run_template_by_data(template, ConfigMixIn(regions=[region]), rules))


def _findings(matches: Sequence[Any]) -> list[Finding]:
    first: dict[str, int] = {}
    for i, match in enumerate(matches):
        first.setdefault(match.id, i)
    found = []
    for match in matches:
        path = getattr(match, "path", None)
        found.append(
            Finding(
                rule=match.rule.id,
                message=match.message,
                path=None
                if path is None
                else tuple(p if isinstance(p, int) else str(p) for p in path),
                parent=first.get(match.parent_id) if match.parent_id else None,
                at=(
                    match.linenumber,
                    match.columnnumber,
                    match.linenumberend,
                    match.columnnumberend,
                ),
            )
        )
    return found


def _context() -> Any:
    # fork shares the loaded rules, but is only safe in a process with a single thread (a
    # server's other threads may hold locks) and on Linux; elsewhere workers load their own.
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
