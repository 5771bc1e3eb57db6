"""Analyse stage of the pipeline: function code -> operations, import closures and problems.

    analysis = analyse(project)                   # static: parses the code, never runs it
    analysis.functions["resize"].operations       # Operation(..., origin="code") per call site
    analysis.functions["resize"].closure          # project files the handler imports
    analysis.functions["resize"].grants()         # {(resource, action)}: compare for QuickDeploy
    analysis.affected(["app/util.py"])            # functions whose code includes these files
    analysis.problems                             # Problems: unresolved calls, bad env vars
    project = with_code_operations(project, analysis)   # declared + found operations

Modules: imports (import graph), program/frames/scopes/records/externs (the abstract
interpreter), values (abstract values), calls (boto3 semantics), actions (the generated data),
names (value -> resource), callgraph (per function: the bodies its handler may run), reach and
resolve (per function: call contexts -> operations).

Each function's handler module and every project module it imports (transitively) is read
whole: module-level code and every function body, dead branches included. A function then
keeps what it may run: the top-level code of those modules, its handler, and every function
they call or hand on, across modules (several handlers of one module each get their own). boto3
clients and resources are followed through assignments, attributes, arguments, return values
and imports; each call's IAM actions come from data generated from botocore
(data/boto3_actions.json), and the resource it calls from the injected environment variables,
constants, external resources' literal names and the trigger event. What cannot be resolved
is a warning with the YAML line to declare; it is never granted.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tether.analysis.imports import ModuleIndex, handler_module
from tether.analysis.names import Names
from tether.analysis.program import Program
from tether.analysis.resolve import Finding, FunctionResolver, shared_facts
from tether.analysis.values import reset_caches
from tether.errors import Problem
from tether.model import Operation, Project

__all__ = ["Analysis", "FunctionAnalysis", "analyse", "with_code_operations"]


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


def analyse(project: Project) -> Analysis:
    """Analyse the code of every function of `project`."""
    collecting = gc.isenabled()
    gc.disable()  # many short-lived tree objects, no cycles worth chasing while we run
    try:
        return _analyse(project)
    finally:
        if collecting:
            gc.enable()


def _analyse(project: Project) -> Analysis:
    reset_caches()
    index = ModuleIndex(project.root)
    functions = dict(project.functions)
    closures = {
        name: index.closure(handler_module(function.handler))
        for name, function in functions.items()
    }
    program = Program(index)
    program.run(m for modules in closures.values() for m in modules)
    names = Names(project)
    shared = shared_facts(program, functions)
    result: dict[str, FunctionAnalysis] = {}
    for name, function in functions.items():
        resolver = FunctionResolver(program, index, names, function, shared, closures[name])
        resolved = resolver.run()
        result[name] = FunctionAnalysis(
            name=name,
            operations=resolved.operations,
            closure=resolved.closure,
            problems=tuple(_problem(f, (name,)) for f in resolved.findings),
            indexes=resolved.indexes,
            findings=resolved.findings,
            reads=resolved.reads,
        )
    return Analysis(result)


def with_code_operations(project: Project, analysis: Analysis) -> Project:
    """`project` with each function's found operations added after its declared ones, the
    resources whose variables its code reads without calling them, and its code's files."""
    functions = {
        name: dataclasses.replace(
            function,
            operations=function.operations + analysis.functions[name].operations,
            reads=analysis.functions[name].reads,
            code_files=analysis.functions[name].closure,
        )
        if name in analysis.functions
        else function
        for name, function in project.functions.items()
    }
    return dataclasses.replace(project, functions=functions)


# --- problems -------------------------------------------------------------------------------


def _problem(finding: Finding, functions: tuple[str, ...]) -> Problem:
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
    return tuple(sorted({_problem(f, tuple(names)) for f, names in owners.items()}))
