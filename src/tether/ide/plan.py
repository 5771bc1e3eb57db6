"""The status line "3 changes · +1 permission · 0 data at risk · quick path": what the next
deploy of the stage would do, from its recorded state (.tether/<stage>/state.json) and a local
synth, without a call to the cloud.

The quick-path decision is the deploy's own (tether.deploy.quick.quick_plan on a snapshot of the
files). Counting template changes needs the template last deployed, which each full deploy
keeps in `.tether/<stage>/template.json`: when it matches the state's hash it is diffed with
tether.deploy.plan's own functions; otherwise (a stage deployed before Tether kept it) a changed
template gives counts of None, said as "unknown". Data at risk counts buckets, tables
and queues that would be removed or replaced: whether they hold data only the cloud can say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from tether.deploy.changes import FileRecord, compare, snapshot
from tether.deploy.data import DATA_TYPES
from tether.deploy.plan import Change, diff_templates, permission_changes, template_hash
from tether.deploy.quick import QuickRefused, quick_plan
from tether.deploy.state import TEMPLATE_FILE, StageState, load_state, stage_dir
from tether.errors import TetherError
from tether.model import Project
from tether.synth import synthesize_stacks
from tether.words import count

PlanPath = Literal["quick", "full", "none", "unknown"]
RECORDED_TEMPLATE = TEMPLATE_FILE


def summary(project: Project | None, *, stage: str, target: str) -> dict[str, Any]:
    if project is None:
        return _body("unknown", None, None, None, "the project has errors: fix them to see a plan")
    try:
        return _summary(project, stage=stage, target=target)
    except TetherError as exc:  # a state file or a code file the build would refuse
        return _body("unknown", None, None, None, exc.message)


def _summary(project: Project, *, stage: str, target: str) -> dict[str, Any]:
    state = load_state(project.root, stage)
    # A split project's stacks as one template: counts are of functions and resources, not of
    # nested stacks, and its hash is the one the state records.
    template = synthesize_stacks(project, stage=stage, target=target).flat()
    if state is None:
        changes = diff_templates({}, template, {}, {})
        added = sum(len(p.added) for p in permission_changes({}, template))
        return _body("full", len(changes), added, 0, f"stage {stage} has not been deployed yet")
    if state.target != target:
        return _body("full", None, None, None, f"stage {stage} was last deployed to {state.target}")
    if template_hash(template) != state.template_sha256:
        return _template_changed(project.root, state, template)
    return _same_template(project, state, template)


def _same_template(project: Project, state: StageState, template: dict[str, Any]) -> dict[str, Any]:
    previous = {p: FileRecord.from_json(r) for p, r in state.files.items()}
    files = snapshot(project, previous)
    try:
        plan = quick_plan(project, state, files, template, project.affected)
    except QuickRefused as refused:
        # The template is the same, so a full deploy changes resources only through new code:
        # every function, when any code file changed.
        code_changed = bool(compare(previous, files.code))
        functions = len(project.functions) if code_changed else 0
        return _body("full", functions, 0, 0, refused.reason)
    if not plan.functions:
        return _body("none", 0, 0, 0, "nothing changed since the last deploy")
    files_changed = len(plan.changes.paths)
    why = f"only code changed: {count(files_changed, 'file')}"
    return _body("quick", len(plan.functions), 0, 0, why)


def _template_changed(root: Path, state: StageState, template: dict[str, Any]) -> dict[str, Any]:
    why = "the template changed (resources, permissions or environment)"
    previous = _recorded_template(root, state)
    if previous is None:
        return _body("full", None, None, None, why + "; the deployed template was not recorded")
    changes = diff_templates(previous, template, {}, {})
    added = sum(len(p.added) for p in permission_changes(previous, template))
    return _body("full", len(changes), added, _data_at_risk(changes), why)


def _recorded_template(root: Path, state: StageState) -> dict[str, Any] | None:
    path = stage_dir(root, state.stage) / RECORDED_TEMPLATE
    try:
        template = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(template, dict) or template_hash(template) != state.template_sha256:
        return None
    return template


def _data_at_risk(changes: list[Change]) -> int:
    return sum(c.action in {"remove", "replace"} and c.resource_type in DATA_TYPES for c in changes)


def _body(
    path: PlanPath,
    changes: int | None,
    permissions_added: int | None,
    data_at_risk: int | None,
    reason: str,
) -> dict[str, Any]:
    return {
        "text": _text(path, changes, permissions_added, data_at_risk),
        "path": path,
        "changes": changes,
        "permissions_added": permissions_added,
        "data_at_risk": data_at_risk,
        "reason": reason,
    }


def _count(n: int | None, word: str, sign: str = "") -> str:
    if n is None:
        return f"{word}s unknown"
    return sign + count(n, word)


def _text(path: PlanPath, changes: int | None, permissions: int | None, risk: int | None) -> str:
    if path == "none":
        return "no changes · nothing to deploy"
    if path == "unknown":
        return "plan unknown"
    parts = [
        _count(changes, "change"),
        _count(permissions, "permission", "+"),
        f"{'?' if risk is None else risk} data at risk",
        f"{path} path",
    ]
    return " · ".join(parts)
