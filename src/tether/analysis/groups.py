"""Groups: each function's code is analysed with exactly the modules its Lambda loads.

A function's handler module and its import closure are what its Lambda process runs, so they
are all its result may depend on: functions whose handlers have the same closure (in the same
import order) form a group, read by one abstract interpreter (`Program`) holding only those
modules; a module a function never imports cannot write its globals or subclass its classes.
A module several groups import is read once: later groups' programs install that reading
(readings.py) where it is exactly what reading the module again gives, and read it otherwise.
A result is then a pure function of the closure's texts, the function's declaration and the
project's resources, which is what makes keeping it sound (cache.py): after an edit, only the
functions whose closure holds the edited file (or whose questions about the project's files
now get other answers) are analysed again, and they give what a fresh analysis gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tether.analysis.cache import AnalysisCache, Kept
from tether.analysis.fingerprint import analyser_version, function_part
from tether.analysis.imports import ModuleIndex, Probe, SourceModule, handler_module
from tether.analysis.names import Names
from tether.analysis.program import Program, ReadAgain
from tether.analysis.readings import Readings
from tether.analysis.resolve import Finding, FunctionResolver, Known, shared_facts
from tether.analysis.results import FunctionAnalysis, function_analysis
from tether.analysis.sources import digest
from tether.model import Function


@dataclass(frozen=True)
class Planned:
    """One function before analysis: its closure, and the key of its kept result."""

    function: Function
    closure: tuple[SourceModule, ...]
    probes: frozenset[Probe]  # what finding the closure asked
    key: str

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.closure)


def plan(index: ModuleIndex, function: Function, project_part: str) -> Planned:
    with index.tracing() as probes:
        closure = tuple(index.closure(handler_module(function.handler)))
    modules = (f"{m.name}\0{m.file}\0{m.text.digest}" for m in closure)
    key = digest(analyser_version(), project_part, function_part(function), *modules)
    return Planned(function, closure, frozenset(probes), key)


def kept(index: ModuleIndex, cache: AnalysisCache, planned: Planned) -> FunctionAnalysis | None:
    """The function's kept result, if this snapshot of the project still gives it."""
    found = cache.get(planned.key)
    if found is None:
        return None
    if any(index.answer(probe) != answer for probe, answer in found.answers.items()):
        return None
    return found.analysis


def by_closure(planned: Iterable[Planned]) -> Iterator[list[Planned]]:
    """The functions grouped by closure, in the order first met."""
    groups: dict[tuple[str, ...], list[Planned]] = {}
    for item in planned:
        groups.setdefault(item.order, []).append(item)
    yield from groups.values()


def shared_modules(groups: list[list[Planned]]) -> set[str]:
    """The modules more than one of these groups imports (worth keeping the reading of)."""
    seen: set[str] = set()
    shared: set[str] = set()
    for group in groups:
        for module in group[0].order:
            (shared if module in seen else seen).add(module)
    return shared


@dataclass
class Analysing:
    """What one analysis's groups pass on to the next ones: the readings of the modules
    several of them import (readings.py), and what resolving learnt (resolve.Known)."""

    readings: Readings | None = None
    known: Known = field(default_factory=Known)


def analyse_group(
    index: ModuleIndex,
    names: Names,
    group: list[Planned],
    cache: AnalysisCache,
    analysing: Analysing | None = None,
) -> dict[str, FunctionAnalysis]:
    """Analyse functions that share a closure, and keep each result. With `analysing`, the
    modules read for earlier groups are installed rather than read again (readings.py)."""
    analysing = analysing if analysing is not None else Analysing()
    closure = list(group[0].closure)
    try:
        return _analyse_group(index, names, group, cache, analysing, closure)
    except RecursionError:
        return {p.function.name: gave_up(p) for p in group}


def gave_up(planned: Planned) -> FunctionAnalysis:
    """What a function's analysis is when its code nests deeper than the analysis can follow
    (Python's recursion limit): no operation found, and a warning at its handler's file saying
    so, so the user declares what the code does instead of meeting a traceback."""
    files = frozenset(m.file for m in planned.closure)
    where = planned.closure[0].file if planned.closure else planned.function.handler
    finding = Finding(
        file=where,
        line=1,
        column=0,
        severity="warning",
        message=f"function {planned.function.name}: its code nests deeper than the analysis "
        "can follow, so no operation was found in it",
        hint="declare what it does under the function's `operations:` in tether.yaml; its "
        "role grants only what is declared",
    )
    return function_analysis(
        planned.function.name,
        operations=(),
        closure=files,
        findings=(finding,),
        indexes=(),
        reads=(),
    )


def _analyse_group(
    index: ModuleIndex,
    names: Names,
    group: list[Planned],
    cache: AnalysisCache,
    analysing: Analysing,
    closure: list[SourceModule],
) -> dict[str, FunctionAnalysis]:
    with index.tracing() as probes:
        try:
            program = Program(index, analysing.readings)
            program.run(closure)
        except ReadAgain:
            program = Program(index)
            program.run(closure)
        functions = {p.function.name: p.function for p in group}
        shared = shared_facts(program, functions, analysing.known)
        resolved = {
            p.function.name: FunctionResolver(
                program, index, names, p.function, shared, closure
            ).run()
            for p in group
        }
    results: dict[str, FunctionAnalysis] = {}
    for item in group:
        name = item.function.name
        result = resolved[name]
        results[name] = function_analysis(
            name,
            operations=result.operations,
            closure=result.closure,
            findings=result.findings,
            indexes=result.indexes,
            reads=result.reads,
        )
        answers = index.answers(probes | item.probes)
        cache.put(item.key, Kept(results[name], answers), persist=not index.overlaid)
    return results
