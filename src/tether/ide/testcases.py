"""Saved test cases in the IDE: list them, save a new one, run them, as `tether test` does
(tether.invoke.cases: the same files, the same checks, the same failure texts).

    listing(root)                         GET /api/tests
    save(project, body)                   POST /api/tests -> events/<name>.test.yaml
    run(project, where, names, publish)   POST /api/tests/run (one "tests" message per case too)
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from tether.errors import Problem, ProjectError
from tether.ide.errors import ApiError
from tether.ide.jobs import Publish, Where, new_op
from tether.invoke.cases import CASE_SUFFIXES, Case, Outcome, find_cases
from tether.model import Project

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def case_files(root: Path) -> list[str]:
    directory = root / "events"
    if not directory.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in directory.rglob("*")
        if p.name.endswith(CASE_SUFFIXES)
    )


def listing(root: Path) -> dict[str, Any]:
    """Every readable case, and the problems of those that cannot be read (file by file)."""
    cases: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for rel in case_files(root):
        try:
            found = [c for c in find_cases(root, rel) if c.name == rel]
        except ProjectError as exc:
            problems += [p for p in exc.problems if p.file == rel] or exc.problems
            continue
        cases += [{"name": c.name, "file": c.name, "function": c.function} for c in found]
    return {"cases": cases, "problems": [p.as_json() for p in problems]}


def save(project: Project, body: Any) -> dict[str, Any]:
    """Write events/<name>.test.yaml from {name, function, event, expect?}; never overwrites."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the request body must be a JSON object")
    name, function = body.get("name"), body.get("function")
    if not isinstance(name, str) or not _NAME.match(name) or name.endswith(CASE_SUFFIXES):
        raise ApiError(
            400,
            "invalid",
            f"{name!r} is not a test case name",
            hint="letters, digits, '-', '_' and '.', without the .test.yaml ending",
        )
    if not isinstance(function, str) or function not in project.functions:
        raise ApiError(
            404,
            "not_found",
            f"no function {function!r}",
            hint=f"functions: {', '.join(project.functions) or 'none'}",
        )
    expect = body.get("expect")
    if expect is not None and not isinstance(expect, dict):
        raise ApiError(400, "invalid", '"expect" must be a mapping (result, error, objects...)')
    document: dict[str, Any] = {"function": function, "event": body.get("event", {})}
    if expect:
        document["expect"] = expect
    rel = f"events/{name}.test.yaml"
    path = project.root / rel
    if any((project.root / f"events/{name}{suffix}").exists() for suffix in CASE_SUFFIXES):
        raise ApiError(
            409,
            "conflict",
            f"{rel} already exists",
            hint="choose another name; nothing was written",
        )
    text = _yaml(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ApiError(409, "conflict", f"{rel} already exists") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        find_cases(project.root, rel)
    except ProjectError as exc:  # what `tether test` would refuse is not left behind
        path.unlink(missing_ok=True)
        raise ApiError(
            400,
            "invalid",
            f"the test case would not be readable: {exc.problems[0].message}",
            hint=exc.problems[0].hint,
        ) from None
    return {"file": rel}


def _yaml(document: dict[str, Any]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    out = io.StringIO()
    out.write("# Saved from the Tether IDE; `tether test` runs it.\n")
    yaml.dump(document, out)
    return out.getvalue()


def selected(root: Path, names: Any) -> list[Case]:
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        raise ApiError(400, "invalid", '"names" must be a list of test case names, or null')
    cases = find_cases(root)
    if names is None:
        return cases
    wanted = set(names)
    chosen = [c for c in cases if c.name in wanted or _short(c.name) in wanted]
    known = {c.name for c in chosen} | {_short(c.name) for c in chosen}
    missing = sorted(wanted - known)
    if missing:
        raise ApiError(
            404,
            "not_found",
            f"no test case {', '.join(missing)}",
            hint=f"cases: {', '.join(c.name for c in cases) or 'none'}",
        )
    return chosen


def _short(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    for suffix in CASE_SUFFIXES:
        base = base.removesuffix(suffix)
    return base


def run(project: Project, where: Where, cases: list[Case], publish: Publish) -> dict[str, Any]:
    """`tether test`: each case against the deployed stage (cases run one after the other; each
    outcome is also pushed as it comes, for a long run)."""
    from tether.invoke.cases import run_case
    from tether.invoke.target import deployed_stage

    op = new_op()
    deployed = deployed_stage(project, stage=where.stage, target=where.target)
    outcomes = []
    for case in cases:
        outcome = _outcome(run_case(deployed, case))
        publish({"type": "tests", "op": op, "event": "outcome", **outcome})
        outcomes.append(outcome)
    passed = sum(o["passed"] for o in outcomes)
    return {"outcomes": outcomes, "passed": passed, "failed": len(outcomes) - passed}


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {
        "name": outcome.case.name,
        "function": outcome.case.function,
        "passed": outcome.passed,
        "failures": list(outcome.failures),
        "milliseconds": round(outcome.milliseconds, 1),
        "logs": outcome.logs,
        "notes": list(outcome.notes),  # consumers paused for the case, or resumed after a crash
    }
