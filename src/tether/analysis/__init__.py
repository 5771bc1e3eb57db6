"""Analyse stage of the pipeline: function code -> operations, import closures and problems.

    analysis = analyse(project)                   # static: parses the code, never runs it
    analysis = analyse(project, cache=cache)      # re-analyses only what changed (cache.py)
    analysis.functions["resize"].operations       # Operation(..., origin="code") per call site
    analysis.functions["resize"].closure          # project files the handler imports
    analysis.functions["resize"].grants()         # {(resource, action)}: compare for QuickDeploy
    analysis.affected(["app/util.py"])            # functions whose code includes these files
    analysis.problems                             # Problems: unresolved calls, bad env vars
    project = with_code_operations(project, analysis)   # declared + found operations

Modules: sources (file texts: trees and import summaries), imports (import graph), groups
(functions sharing a closure, each group analysed with only its modules), readings (a module
read for one group, installed in the next ones), program/frames/scopes/records/externs (the
abstract interpreter), values (abstract values), calls (boto3 semantics), actions (the
generated data), names (value -> resource), callgraph (per function: the bodies its handler may
run), reach and resolve (per function: call contexts -> operations), results (what analysis
gives), cache and fingerprint (results kept across analyses).

Each function's handler module and every project module it imports (transitively), and only
those (what its Lambda loads), are read whole: module-level code and every function body, dead
branches included. A function then keeps what it may run: the top-level code of those modules, its handler, and every function
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

from tether.analysis.cache import AnalysisCache, for_project
from tether.analysis.fingerprint import project_part
from tether.analysis.groups import (
    Analysing,
    analyse_group,
    by_closure,
    kept,
    plan,
    shared_modules,
)
from tether.analysis.imports import ModuleIndex
from tether.analysis.names import Names
from tether.analysis.readings import Readings
from tether.analysis.results import Analysis, FunctionAnalysis
from tether.model import Project

__all__ = [
    "Analysis",
    "AnalysisCache",
    "FunctionAnalysis",
    "analyse",
    "for_project",
    "with_code_operations",
]


def analyse(project: Project, *, cache: AnalysisCache | None = None) -> Analysis:
    """Analyse the code of every function of `project`. With a `cache`, results kept from
    earlier analyses are reused where the code they depend on did not change."""
    collecting = gc.isenabled()
    gc.disable()  # many short-lived tree objects, no cycles worth chasing while we run
    try:
        return _analyse(project, cache if cache is not None else AnalysisCache())
    finally:
        if collecting:
            gc.enable()


def _analyse(project: Project, cache: AnalysisCache) -> Analysis:
    index = ModuleIndex(project.root, cache.sources)
    shared = project_part(project)
    planned = [plan(index, function, shared) for function in project.functions.values()]
    found = {p.function.name: r for p in planned if (r := kept(index, cache, p)) is not None}
    names = Names(project)
    groups = list(by_closure(p for p in planned if p.function.name not in found))
    imported_by_several = shared_modules(groups)
    analysing = Analysing(Readings(imported_by_several) if imported_by_several else None)
    for group in groups:
        found.update(analyse_group(index, names, group, cache, analysing))
    cache.save()
    return Analysis({name: found[name] for name in project.functions})


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
