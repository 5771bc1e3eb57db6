"""Results of the analyse stage: what each function's code does, and the project's problems.

A `FunctionAnalysis` is what one function's code does; an `Analysis` holds every function's,
and merges their problems so that a helper shared by several functions is reported once, its
hint naming each of them. Findings (resolve.py) become problems here.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tether.analysis.resolve import Finding
from tether.errors import Problem
from tether.model import Operation


@dataclass(frozen=True)
class FunctionAnalysis:
    """What one function's code does."""

    name: str
    operations: tuple[Operation, ...]  # one per call site and resource, origin "code"
    closure: frozenset[str]  # project-relative .py files the handler imports, itself included
    problems: tuple[Problem, ...]
    indexes: tuple[tuple[str, str], ...] = ()  # (table, index) pairs queried by IndexName=
    reads: tuple[str, ...] = ()  # resources whose variable the code reads, not calling them
    findings: tuple[Finding, ...] = dataclasses.field(default=(), repr=False, compare=False)

    def grants(self) -> frozenset[tuple[str, str]]:
        """Every (resource, IAM action) the code needs: compare two analyses to see whether
        an edit changed the function's permissions."""
        return frozenset((o.resource, a) for o in self.operations for a in o.actions)


@dataclass(frozen=True)
class Analysis:
    """Every function's analysis, by function name."""

    functions: Mapping[str, FunctionAnalysis]

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every function's problems, once per place: a helper shared by several functions
        is reported once, its hint naming each function."""
        return _merge(self.functions.values())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def affected(self, files: Iterable[str]) -> list[str]:
        """The functions whose code includes any of these project-relative files."""
        changed = set(files)
        return sorted(name for name, f in self.functions.items() if f.closure & changed)


def function_analysis(
    name: str,
    *,
    operations: tuple[Operation, ...],
    closure: frozenset[str],
    findings: tuple[Finding, ...],
    indexes: tuple[tuple[str, str], ...],
    reads: tuple[str, ...],
) -> FunctionAnalysis:
    """A function's analysis from its resolver's findings (or those kept for it)."""
    return FunctionAnalysis(
        name=name,
        operations=operations,
        closure=closure,
        problems=tuple(problem(f, (name,)) for f in findings),
        indexes=indexes,
        findings=findings,
        reads=reads,
    )


# --- problems -------------------------------------------------------------------------------


def problem(finding: Finding, functions: tuple[str, ...]) -> Problem:
    hint = finding.hint
    if finding.yaml:
        owners = ", ".join(f"'{f}'" for f in functions)
        noun = "function" if len(functions) == 1 else "functions"
        declare = (
            f"if it calls a resource of the project, declare it in tether.yaml under "
            f"`operations:` of {noun} {owners}:\n        {finding.yaml}"
        )
        hint = f"{hint}; {declare}" if hint else declare
    return Problem(
        finding.file, finding.line, finding.column, finding.severity, finding.message, hint
    )


def _merge(functions: Iterable[FunctionAnalysis]) -> tuple[Problem, ...]:
    owners: dict[Finding, list[str]] = defaultdict(list)
    for function in functions:
        for finding in function.findings:
            owners[finding].append(function.name)
    return tuple(sorted({problem(f, tuple(names)) for f, names in owners.items()}))
