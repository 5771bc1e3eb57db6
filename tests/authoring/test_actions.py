"""The authoring actions on a copy of examples/photos: each one's diff touches only what it must,
the project still loads, the permissions and variables that follow are named, bad input names
the field and the fix, and apply/undo write all or nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE
from tether import summary
from tether.authoring import actions, history
from tether.authoring.edits import AuthoringError
from tether.authoring.operations import add_operation, default_place
from tether.errors import ProjectError
from tether.loading import load
from tether.model.project import Bucket, QueueTrigger


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    return root


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines only in before, lines only in after), by a line diff."""
    import difflib

    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_add_a_project_bucket_adds_one_line_and_nothing_else(photos: Path) -> None:
    before = (photos / "tether.yaml").read_text()
    edit = actions.add_resource(photos, "reports", "s3.bucket", {"versioning": True})
    (change,) = edit.changes
    assert change.path == "tether.yaml" and change.before == before
    assert changed_lines(before, change.after) == (
        [],
        ["  reports: {type: s3.bucket, versioning: true}"],
    )
    assert "+  reports: {type: s3.bucket, versioning: true}" in edit.diff()
    assert any("unused" in note for note in edit.notes)
    assert (photos / "tether.yaml").read_text() == before  # a preview writes nothing

    history.apply(photos, edit)
    resource = load(photos).resources["reports"]
    assert isinstance(resource, Bucket) and resource.versioning and not resource.is_external


def test_an_existing_bucket_becomes_an_external_resource(photos: Path) -> None:
    edit = actions.add_resource(photos, "legacy", "s3.bucket", external="acme-legacy-data")
    history.apply(photos, edit)
    resource = load(photos).resources["legacy"]
    assert resource.external == "arn:aws:s3:::acme-legacy-data"


@pytest.mark.parametrize(
    ("name", "type_name", "settings", "field", "words"),
    [
        ("9lives", "s3.bucket", {}, "name", "invalid resource name"),
        ("uploads", "s3.bucket", {}, "name", "exists already"),
        ("jobs", "kafka.topic", {}, "type", "unknown resource type"),
        ("jobs", "sqs.queue", {"colour": "red"}, "colour", "unknown setting"),
        ("tick", "schedule", {"expression": "rate(5 minute)"}, "settings", "unit to agree"),
    ],
)
def test_bad_resource_input_names_the_field_and_writes_nothing(
    photos: Path, name: str, type_name: str, settings: dict[str, object], field: str, words: str
) -> None:
    before = (photos / "tether.yaml").read_bytes()
    with pytest.raises(AuthoringError, match=words) as raised:
        actions.add_resource(photos, name, type_name, settings)
    assert raised.value.field == field
    assert (photos / "tether.yaml").read_bytes() == before


def test_a_queue_dropped_on_a_function_becomes_its_trigger_with_the_permission_to_poll(
    photos: Path,
) -> None:
    history.apply(photos, actions.add_resource(photos, "jobs", "sqs.queue"))
    edit = actions.add_trigger(photos, "report", "jobs", {"batch_size": 5})
    before = (photos / "tether.yaml").read_text()
    assert changed_lines(before, edit.changes[0].after) == (
        ["    triggers: [{resource: nightly}]"],
        ["    triggers: [{resource: nightly}, {resource: jobs, batch_size: 5}]"],
    )
    assert any("report: sqs:ReceiveMessage" in p for p in edit.permissions)
    history.apply(photos, edit)
    triggers = load(photos).functions["report"].triggers
    assert [t.resource for t in triggers] == ["nightly", "jobs"]
    assert isinstance(triggers[1], QueueTrigger) and triggers[1].batch_size == 5


def test_a_table_without_a_stream_gets_one_when_it_triggers_a_function(photos: Path) -> None:
    history.apply(
        photos, actions.add_resource(photos, "audit", "dynamodb.table", {"key": {"pk": "S"}})
    )
    edit = actions.add_trigger(photos, "worker", "audit", {})
    assert any("gets a stream" in note for note in edit.notes)
    history.apply(photos, edit)
    project = load(photos)
    assert project.resources["audit"].stream == "new_and_old_images"  # type: ignore[attr-defined]
    assert [t.resource for t in project.functions["worker"].triggers] == ["work", "audit"]


def test_an_http_route_taken_by_another_function_is_refused_with_where(photos: Path) -> None:
    with pytest.raises(
        AuthoringError, match=r"web routes GET /orders/\{id\} to api already"
    ) as raised:
        actions.add_trigger(photos, "report", "web", {"route": "GET /orders/{order}"})
    assert raised.value.field == "route"
    assert "tether.yaml:" in raised.value.message
    with pytest.raises(AuthoringError, match="methods are upper case"):
        actions.add_trigger(photos, "report", "web", {"route": "get /reports"})
    edit = actions.add_trigger(photos, "report", "web", {"route": "GET /reports"})
    assert "{resource: web, route: GET /reports}" in edit.diff()


def test_an_operation_is_code_in_the_handler_and_the_permission_follows(photos: Path) -> None:
    path, line = default_place(load(photos), "worker")
    assert path == "app/worker.py"
    edit = add_operation(photos, "alerts", "sns.publish", path, line)
    (change,) = edit.changes  # tether.yaml is not touched: the analysis finds the call
    assert change.path == "app/worker.py"
    removed, added = changed_lines(change.before or "", change.after)
    assert removed == []
    assert any("publish(" in text and "ALERTS_TOPIC_ARN" in text for text in added)
    assert edit.permissions == ("worker: sns:Publish on topic alerts",)
    assert edit.environment == ("worker: ALERTS_TOPIC_ARN",)
    assert edit.where is not None and edit.where[0] == "app/worker.py"
    history.apply(photos, edit)
    operations = load(photos).functions["worker"].operations
    assert any(
        op.resource == "alerts" and op.actions == ("sns:Publish",) and op.origin == "code"
        for op in operations
    )


def test_an_operation_the_handler_never_reaches_says_so(photos: Path) -> None:
    (photos / "app/tools.py").write_text(
        "def helper():\n    return None\n"
    )  # worker never imports it
    edit = add_operation(photos, "alerts", "sns.publish", "app/tools.py", 2, function="worker")
    assert any("does not see this call" in note for note in edit.notes)
    assert not edit.permissions


def test_an_operation_of_another_kind_or_outside_a_handler_module_is_refused(photos: Path) -> None:
    with pytest.raises(AuthoringError, match=re.escape("is an operation on a sqs.queue")) as raised:
        add_operation(photos, "alerts", "sqs.send_message", "app/worker.py", 5)
    assert raised.value.field == "operation"
    with pytest.raises(
        AuthoringError, match=re.escape("not a Python module of the project")
    ) as raised:
        add_operation(photos, "alerts", "sns.publish", "../outside.py", 1)
    assert raised.value.field == "file"


def test_set_and_reset_function_settings_touch_their_lines_only(photos: Path) -> None:
    before = (photos / "tether.yaml").read_text()
    edit = actions.set_function(
        photos, "resize", {"memory": 1024}, {"LOG_LEVEL": "debug", "MODE": "fast"}
    )
    removed, added = changed_lines(before, edit.changes[0].after)
    assert removed == ["    memory: 512", "    environment: {LOG_LEVEL: info}"]
    assert added == ["    memory: 1024", "    environment: {LOG_LEVEL: debug, MODE: fast}"]
    assert edit.environment == ("resize: MODE",)
    history.apply(photos, edit)
    edit = actions.set_function(photos, "resize", {"memory": None, "timeout": None})
    history.apply(photos, edit)
    fn = load(photos).functions["resize"]
    assert (fn.memory, fn.timeout) == (256, 30)  # the defaults again
    resize = (photos / "tether.yaml").read_text().split("  resize:")[1].split("  api:")[0]
    assert "memory:" not in resize and "timeout:" not in resize
    with pytest.raises(AuthoringError, match="has no setting 'colour'") as raised:
        actions.set_function(photos, "resize", {"colour": "red"})
    assert raised.value.field == "colour"


def test_remove_a_trigger_then_undo_restores_every_byte(photos: Path) -> None:
    before = (photos / "tether.yaml").read_bytes()
    edit = actions.remove_trigger(photos, "worker", 0)
    history.apply(photos, edit)
    assert load(photos).functions["worker"].triggers == ()
    assert (
        b"triggers: [{resource: work, batch_size: 10}]" not in (photos / "tether.yaml").read_bytes()
    )
    undone = history.undo(photos)
    assert undone.title.startswith("undo: remove the trigger work")
    assert (photos / "tether.yaml").read_bytes() == before
    with pytest.raises(AuthoringError, match="nothing to undo"):
        history.undo(photos)


def test_undo_refuses_when_the_file_changed_since(photos: Path) -> None:
    history.apply(photos, actions.set_function(photos, "api", {"memory": 256}))
    edited = (photos / "tether.yaml").read_text() + "# my own note\n"
    (photos / "tether.yaml").write_text(edited)
    with pytest.raises(
        AuthoringError, match=re.escape("tether.yaml changed since the edit was made")
    ):
        history.undo(photos)
    assert (photos / "tether.yaml").read_text() == edited


def test_an_edit_is_not_applied_over_a_file_changed_after_its_preview(photos: Path) -> None:
    edit = add_operation(
        photos, "alerts", "sns.publish", "app/worker.py", default_place(load(photos), "worker")[1]
    )
    (photos / "app/worker.py").write_text(
        (photos / "app/worker.py").read_text() + "# typed meanwhile\n"
    )
    with pytest.raises(
        AuthoringError,
        match=re.escape("app/worker.py changed since the edit was built: nothing was written"),
    ):
        history.apply(photos, edit)
    assert (photos / "app/worker.py").read_text().endswith("# typed meanwhile\n")


def test_rename_a_resource_follows_its_references_and_lists_the_code_reading_it(
    photos: Path,
) -> None:
    edit = actions.rename_resource(photos, "thumbs", "pictures")
    assert [c.path for c in edit.changes] == ["tether.yaml"]  # code is listed, never rewritten
    before = (photos / "tether.yaml").read_text()
    removed, added = changed_lines(before, edit.changes[0].after)
    assert removed == [
        "  thumbs: {type: s3.bucket}",
        '      - {resource: thumbs, actions: ["s3:PutObject"]}',
    ]
    assert added == [
        "  pictures: {type: s3.bucket}",
        '      - {resource: pictures, actions: ["s3:PutObject"]}',
    ]
    reading = [n for n in edit.notes if "reads THUMBS_BUCKET" in n]
    assert reading and reading[0].startswith("app/re")
    assert all(
        note.endswith("the variable is now PICTURES_BUCKET: change the code") for note in reading
    )
    assert any("the data of the old one" in note for note in edit.notes)
    history.apply(photos, edit)
    with pytest.raises(ProjectError, match="THUMBS_BUCKET"):  # until the code is changed
        load(photos)
    for path in ("app/resize.py", "app/report.py"):
        code = (photos / path).read_text()
        (photos / path).write_text(code.replace("THUMBS_BUCKET", "PICTURES_BUCKET"))
    project = load(photos)
    assert project.used_by("pictures") == ["report", "resize"]


def test_a_used_resource_is_not_removed(photos: Path) -> None:
    with pytest.raises(
        AuthoringError, match=r"work is still used: .*a trigger of worker \(tether.yaml:\d+\)"
    ):
        actions.remove_resource(photos, "work")
    history.apply(photos, actions.add_resource(photos, "spare", "sns.topic"))
    edit = actions.remove_resource(photos, "spare")
    assert any("asks first if it holds data" in note for note in edit.notes)


def test_add_a_function_creates_its_handler_module(photos: Path) -> None:
    edit = actions.add_function(photos, "billing", None, {"memory": 256})
    paths = {c.path: c for c in edit.changes}
    assert paths["app/billing.py"].before is None
    assert "def handler(event, context):" in paths["app/billing.py"].after
    # written as its neighbours are: a block mapping among block mappings
    assert (
        "  billing:\n    handler: app/billing.handler\n    memory: 256\n"
        in paths["tether.yaml"].after
    )
    history.apply(photos, edit)
    assert load(photos).functions["billing"].memory == 256
    history.undo(photos)
    assert not (photos / "app/billing.py").exists()


def test_a_project_with_errors_is_not_edited(photos: Path) -> None:
    (photos / "app/api.py").write_text("def handler(event, context:\n")
    with pytest.raises(AuthoringError, match="the project has errors") as raised:
        actions.add_resource(photos, "more", "sns.topic")
    assert "tether check" in raised.value.hint


def test_edit_a_trigger_in_place(photos: Path) -> None:
    before = (photos / "tether.yaml").read_text()
    edit = actions.set_trigger(photos, "resize", 0, {"prefix": "raw/", "suffix": None})
    assert changed_lines(before, edit.changes[0].after) == (
        ["      - {resource: uploads, events: [created], prefix: incoming/, suffix: .jpg}"],
        ["      - {resource: uploads, events: [created], prefix: raw/}"],
    )
    history.apply(photos, edit)
    assert load(photos).functions["resize"].triggers[0].describe() == "s3 created raw/*"
    with pytest.raises(AuthoringError, match="has no setting 'batch_size'") as raised:
        actions.set_trigger(photos, "resize", 0, {"batch_size": 5})
    assert raised.value.field == "batch_size"
    with pytest.raises(AuthoringError, match="resize has no trigger #3"):
        actions.set_trigger(photos, "resize", 2, {"prefix": "x/"})
    # a route may be kept, or moved to one no other function has
    edit = actions.set_trigger(photos, "api", 0, {"route": "GET /orders/{order_id}"})
    assert '{resource: web, route: "GET /orders/{order_id}"}' in edit.changes[0].after


def test_an_edit_never_writes_outside_the_project_through_a_link(
    photos: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (photos / "lib").symlink_to(outside, target_is_directory=True)
    edit = actions.add_function(photos, "escape", "lib/escape.handler", {})
    with pytest.raises(AuthoringError, match=re.escape("lib/escape.py leads outside the project")):
        history.apply(photos, edit)
    assert list(outside.iterdir()) == []
    assert "escape" not in (photos / "tether.yaml").read_text()


def test_a_queue_gets_a_dead_letter_queue_and_loses_it_again(photos: Path) -> None:
    history.apply(photos, actions.add_resource(photos, "jobs", "sqs.queue", {"dead_letter": 4}))
    text = (photos / "tether.yaml").read_text()
    assert "  jobs: {type: sqs.queue, dead_letter: {after: 4}}" in text
    assert load(photos).resources["jobs"].dead_letter_after == 4  # type: ignore[attr-defined]

    history.apply(photos, actions.set_resource(photos, "jobs", {"dead_letter": 9}))
    assert load(photos).resources["jobs"].dead_letter_after == 9  # type: ignore[attr-defined]
    report = summary.check_report(load(photos), [])
    assert report["resources"]["jobs"]["settings"]["dead_letter"] == 9  # what the form shows

    history.apply(photos, actions.set_resource(photos, "jobs", {"dead_letter": None}))
    assert load(photos).resources["jobs"].dead_letter_after is None  # type: ignore[attr-defined]
    assert "  jobs: {type: sqs.queue}" in (photos / "tether.yaml").read_text()
