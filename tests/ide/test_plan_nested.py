"""The IDE's status line on a project split into nested stacks counts what changes in the
user's words (one function), not the nested stack that holds it, and finds nothing to deploy
when nothing changed."""

from __future__ import annotations

from pathlib import Path

from tests.synth.big_project import write_big_project
from tether.deploy.changes import snapshot
from tether.deploy.plan import template_hash
from tether.deploy.state import StageState, save_state, save_template
from tether.ide.plan import summary
from tether.loading import load
from tether.synth import synthesize_stacks


def _record_deploy(root: Path) -> dict[str, str]:
    """What a full deploy of the project as it is now records: its templates as one. Returns
    which nested stack holds each function."""
    project = load(root)
    stacks = synthesize_stacks(project, stage="dev", target="local")
    assert stacks.children, "the project must be split for this test to mean anything"
    files = snapshot(project)
    save_template(root, "dev", stacks.flat())
    save_state(
        root,
        StageState(
            stage="dev",
            target="local",
            region=project.region,
            stack=project.stack_name("dev"),
            code_path=".tether/build/code.zip",
            template_sha256=template_hash(stacks.flat()),
            files={p: r.as_json() for p, r in files.code.items()},
            project_file_sha256=files.project_file,
            requirements_sha256=files.requirements,
        ),
    )
    return stacks.functions_by_stack()


def test_a_split_projects_plan_counts_functions_not_nested_stacks(tmp_path: Path) -> None:
    root = write_big_project(tmp_path / "big", 200)
    holders = _record_deploy(root)
    unchanged = summary(load(root), stage="dev", target="local")
    assert unchanged["path"] == "none", unchanged

    # Three functions of one nested stack get a new variable: three changes, not one stack's.
    first = holders["fn000"]
    same_stack = [int(name[2:]) for name, stack in sorted(holders.items()) if stack == first][:3]
    write_big_project(root, 200, environment=dict.fromkeys(same_stack, "changed"))
    changed = summary(load(root), stage="dev", target="local")
    assert (changed["path"], changed["changes"], changed["data_at_risk"]) == ("full", 3, 0)
    assert changed["text"] == "3 changes · +0 permissions · 0 data at risk · full path"
