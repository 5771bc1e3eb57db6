"""The analysis corpus: tiny projects with the exact operations and problems analysis must find.

Each folder of corpus/ holds tether.yaml, app code and expected.json:

    {"description": "...",
     "operations": [[function, resource, action], ...],      # the exact truth
     "locations": [[function, resource, action, "app/x.py:12"], ...],   # optional
     "warnings": [{"file": ..., "line": ..., "message": "substring"}],  # every warning
     "errors": [...],                                                   # every error
     "known_misses": [[function, resource, action], ...],    # truth analysis does not find yet
     "closure": {function: [files]},                         # optional
     "reads": {function: [resources]}}   # variables read without calls (default: none)

Precision is the share of found (function, resource, action) triples that are true; recall the
share of true triples found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tether.analysis import Analysis, analyse
from tether.model import read_project_file

CORPUS = Path(__file__).resolve().parent / "corpus"

Triple = tuple[str, str, str]


def cases() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file())


@dataclass
class Outcome:
    name: str
    expected: set[Triple]
    found: set[Triple]
    analysis: Analysis
    spec: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)

    @property
    def false_positives(self) -> set[Triple]:
        return self.found - self.expected

    @property
    def missed(self) -> set[Triple]:
        return self.expected - self.found


def run(path: Path) -> Outcome:
    spec: dict[str, Any] = json.loads((path / "expected.json").read_text())
    analysis = analyse(read_project_file(path))
    found = {
        (name, op.resource, action)
        for name, function in analysis.functions.items()
        for op in function.operations
        for action in op.actions
    }
    expected = {(f, r, a) for f, r, a in spec["operations"]}
    outcome = Outcome(path.name, expected, found, analysis, spec)
    outcome.mismatches = _mismatches(outcome)
    return outcome


def _mismatches(outcome: Outcome) -> list[str]:
    spec, analysis = outcome.spec, outcome.analysis
    problems: list[str] = []
    for triple in sorted(outcome.false_positives):
        problems.append(f"wrong operation (never allowed): {triple}")
    known = {tuple(t) for t in spec.get("known_misses", [])}
    for triple in sorted(outcome.missed - known):
        problems.append(f"missed operation: {triple}")
    for triple in sorted(known - outcome.missed):
        problems.append(f"listed as a known miss but found: {triple}")
    sites = {
        (name, op.resource, action, f"{op.location.file}:{op.location.line}")
        for name, function in analysis.functions.items()
        for op in function.operations
        for action in op.actions
    }
    for location in spec.get("locations", []):
        if tuple(location) not in sites:
            problems.append(f"no operation at {location}")
    for severity in ("error", "warning"):
        wanted = spec.get(f"{severity}s", [])
        got = [p for p in analysis.problems if p.severity == severity]
        unmatched = list(got)
        for item in wanted:
            match = next(
                (
                    p
                    for p in unmatched
                    if p.file == item["file"]
                    and p.line == item["line"]
                    and item["message"] in p.message
                ),
                None,
            )
            if match is None:
                problems.append(f"expected {severity} not reported: {item}")
            else:
                unmatched.remove(match)
        for extra in unmatched:
            problems.append(f"unexpected {severity}: {extra.format()}")
    for name, result in analysis.functions.items():
        wanted = sorted(spec.get("reads", {}).get(name, []))
        if sorted(result.reads) != wanted:
            problems.append(f"reads of {name}: {sorted(result.reads)}, expected {wanted}")
    for name, files in spec.get("closure", {}).items():
        closure = sorted(analysis.functions[name].closure)
        if closure != sorted(files):
            problems.append(f"closure of {name}: {closure}, expected {sorted(files)}")
    return problems


@dataclass
class Metrics:
    cases: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    def describe(self) -> str:
        return (
            f"analysis corpus: {self.cases} cases, "
            f"{self.true_positives + self.false_negatives} true operations; "
            f"precision {self.precision:.3f} ({self.false_positives} wrong), "
            f"recall {self.recall:.3f} ({self.false_negatives} missed)"
        )


def metrics() -> Metrics:
    tp = fp = fn = 0
    paths = cases()
    for path in paths:
        outcome = run(path)
        tp += len(outcome.found & outcome.expected)
        fp += len(outcome.false_positives)
        fn += len(outcome.missed)
    return Metrics(len(paths), tp, fp, fn)
