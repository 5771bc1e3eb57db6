"""The plan's diff of two templates, in the user's words (pure logic, no cloud)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

from tests.helpers import EXAMPLE
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


def copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    return target


def test_changing_a_table_key_replaces_it_and_a_timeout_modifies(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "photos")
    before = synthesize(load_project(project))
    text = (project / "tether.yaml").read_text()
    (project / "tether.yaml").write_text(
        text.replace("key: {id: S}", "key: {pk: S}").replace("timeout: 30", "timeout: 20")
    )
    after = synthesize(load_project(project))
    changes = {c.owner: (c.action, c.reason) for c in diff_templates(before, after, PARAMS, PARAMS)}
    assert changes["table orders"] == ("replace", "AttributeDefinitions, KeySchema")
    assert changes["function resize"] == ("modify", "Timeout")


def test_code_that_stops_calling_a_resource_loses_the_permission(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "photos")
    before = synthesize(load_project(project))
    resize = project / "app" / "resize.py"
    code = resize.read_text()
    call = "        sqs.send_message(QueueUrl=WORK_QUEUE_URL, MessageBody=json.dumps(message))\n"
    assert call in code
    resize.write_text(code.replace(call, ""))
    after = synthesize(load_project(project))
    (change,) = permission_changes(before, after)
    assert change.function == "resize"
    assert change.removed == ("sqs:SendMessage on queue work",)
    assert change.added == ()
    # resize.py still reads WORK_QUEUE_URL when it is imported: the variable stays, so the
    # import works, and nothing is granted with it
    variables = after["Resources"]["ResizeFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["WORK_QUEUE_URL"] == {"Ref": "WorkQueue"}
