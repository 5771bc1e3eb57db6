"""The plan's diff of two templates, in the user's words (pure logic, no cloud)."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.helpers import EXAMPLE, write_project
from tether import Project, load_project, synthesize
from tether.deploy.plan import diff_templates, permission_changes

PARAMS = {"ArtifactBucket": "art", "CodeKey": "code/a.zip"}


def test_first_deploy_adds_everything_in_user_names(photos: Project) -> None:
    changes = diff_templates({}, synthesize(photos), {}, PARAMS)
    assert {c.action for c in changes} == {"add"}
    owners = {c.owner for c in changes}
    assert {
        "bucket uploads",
        "function resize",
        "function resize (role)",
        "trigger uploads -> resize",
    } <= owners


def test_identical_template_and_parameters_is_a_noop(photos: Project) -> None:
    template = synthesize(photos)
    assert diff_templates(template, copy.deepcopy(template), PARAMS, dict(PARAMS)) == []


def test_new_code_modifies_every_function_and_nothing_else(photos: Project) -> None:
    template = synthesize(photos)
    changes = diff_templates(template, template, PARAMS, {**PARAMS, "CodeKey": "code/b.zip"})
    assert {(c.action, c.owner, c.reason) for c in changes} == {
        ("modify", f"function {name}", "new code") for name in photos.functions
    }


def test_changing_a_table_key_replaces_it_and_a_timeout_modifies(tmp_path: Path) -> None:
    text = (EXAMPLE / "tether.yaml").read_text()
    before = synthesize(load_project(EXAMPLE))
    write_project(
        tmp_path, text.replace("key: {id: S}", "key: {pk: S}").replace("timeout: 30", "timeout: 20")
    )
    for module in ("resize", "api", "worker", "notify", "report"):
        (tmp_path / "app" / f"{module}.py").write_text("def handler(event, context):\n    pass\n")
    after = synthesize(load_project(tmp_path))
    changes = {c.owner: (c.action, c.reason) for c in diff_templates(before, after, PARAMS, PARAMS)}
    assert changes["table orders"] == ("replace", "AttributeDefinitions, KeySchema")
    assert changes["function resize"] == ("modify", "Timeout")


def test_removed_resource_and_its_permissions_are_listed(tmp_path: Path) -> None:
    text = (EXAMPLE / "tether.yaml").read_text()
    text = text.replace('      - {resource: work, actions: ["sqs:SendMessage"]}\n', "")
    write_project(tmp_path, text)
    for module in ("resize", "api", "worker", "notify", "report"):
        (tmp_path / "app" / f"{module}.py").write_text("def handler(event, context):\n    pass\n")
    before, after = synthesize(load_project(EXAMPLE)), synthesize(load_project(tmp_path))
    (change,) = permission_changes(before, after)
    assert change.function == "resize"
    assert change.removed == ("sqs:SendMessage on queue work",)
    assert change.added == ()
