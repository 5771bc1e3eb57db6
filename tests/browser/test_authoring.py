"""Visual authoring in the IDE, in a real browser: drag a resource onto a line of code (an
operation) or onto a function (a trigger), preview the edit, apply it, undo it; the gutter's
trigger marks; completion from the project. The deploying tests run the result on the local
cloud. A screenshot of each dialog goes to the test's tmp folder."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Ide
from tests.helpers import local_session, running_ide

Shot = Callable[[str], Path]
SLOW = 15_000  # ms: a preview, a re-check, a file watcher round trip on a busy machine
DEPLOY = 120_000  # ms: a first deploy of the small project on a busy machine
INVOKE = 30_000  # ms: an invoke (a cold worker)

# A small project: one function without a trigger, a bucket and a queue nobody uses yet.
TINY = """\
    name: tiny
    runtime: python3.12
    region: us-east-1

    resources:
      files: {type: s3.bucket}
      jobs: {type: sqs.queue}

    functions:
      writer:
        handler: app/writer.handler
"""

# The same with settings and triggers written by hand: a flow map, a block map (and a comment).
TRIGGERED = """\
    name: tiny
    runtime: python3.12
    region: us-east-1

    resources:
      files: {type: s3.bucket}
      jobs: {type: sqs.queue, visibility_timeout: 45}

    functions:
      writer:
        handler: app/writer.handler
        memory: 512
        timeout: 20
        environment: {GREETING: hello}
        triggers:
          - {resource: jobs, batch_size: 5, batch_window: 2}
          - resource: files   # uploads
            events: [created]
            prefix: incoming/
"""

WRITER = '''\
"""Writer: greets whoever the event names."""

import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    name = event.get("name", "nobody") if isinstance(event, dict) else "nobody"
    message = f"hello {name}"
    print(message)
    return {"message": message}
'''


@pytest.fixture
def stage(request: pytest.FixtureRequest) -> str:
    """A stage (so a stack in the shared local cloud) of each test's own."""
    return "a-" + str(request.node.name).removeprefix("test_").replace("_", "-")[:14].strip("-")


@pytest.fixture
def project_yaml() -> str:
    """The small project's tether.yaml (a test parametrizes it to start from another)."""
    return TINY


@pytest.fixture
def ide(tmp_path: Path, stage: str, project_yaml: str) -> Iterator[Ide]:
    """The IDE server on a fresh copy of the small project."""
    from tether.ide.server import url

    root = tmp_path / "tiny"
    (root / "app").mkdir(parents=True)
    (root / "tether.yaml").write_text(textwrap.dedent(project_yaml))
    (root / "app" / "writer.py").write_text(WRITER)
    with running_ide(root, stage=stage) as (_, config):
        yield Ide(root=root, url=url(config), base=url(config, with_token=False))


# --- helpers ---------------------------------------------------------------------------------


def open_file(page: Page, path: str) -> None:
    page.get_by_test_id(f"file-{path}").click()
    expect(page.get_by_test_id("editor")).to_have_attribute("data-path", path)


def editor_text(page: Page) -> str:
    """The active editor's whole text (CodeMirror renders only what is in view)."""
    return str(
        page.evaluate(
            "() => document.querySelector('.editor-pane:not([hidden])')"
            ".editorView.state.doc.toString()"
        )
    )


def line(page: Page, text: str) -> Locator:
    """The editor's line that contains `text`."""
    return page.locator(".editor-pane:not([hidden]) .cm-line").filter(has_text=text).first


def click_end_of(page: Page, text: str) -> None:
    """Put the cursor at the end of the line that contains `text`."""
    line(page, text).click()
    page.keyboard.press("End")


def no_errors(page: Page) -> None:
    expect(page.get_by_test_id("status-problems")).to_contain_text("✖ 0", timeout=SLOW)
    expect(page.locator("[data-testid=problem-row][data-severity=error]")).to_have_count(0)


def deploy(page: Page) -> None:
    """Plan and deploy from the status line, as a user does; wait for it to finish."""
    page.get_by_test_id("status-plan").click()
    button = page.get_by_test_id("deploy-button")
    expect(button).to_be_enabled(timeout=INVOKE)
    button.click()
    expect(page.get_by_test_id("deploy-state")).to_have_text("deployed", timeout=DEPLOY)
    page.get_by_test_id("plan-close").click()


def output(page: Page, name: str) -> str:
    """A stack output's value, from the Output panel after a deploy."""
    return page.get_by_test_id(f"output-{name}").locator("td").last.inner_text().strip()


def apply(dialog: Locator) -> None:
    button = dialog.get_by_test_id("dialog-apply")
    expect(button).to_be_enabled(timeout=SLOW)
    button.click()
    expect(dialog).to_be_hidden(timeout=SLOW)


# --- an operation, dropped on a line -----------------------------------------------------------


def test_drop_a_bucket_on_a_line_then_deploy_and_run(
    local_cloud: str, page: Page, ide: Ide, shot: Shot
) -> None:
    open_file(page, "app/writer.py")
    before = editor_text(page)
    plan = page.get_by_test_id("status-plan")
    expect(plan).to_contain_text("permissions", timeout=SLOW)
    plan_before = plan.inner_text()
    # The project's bucket, dragged from the resources onto a line in the handler.
    page.get_by_test_id("resource-files").drag_to(line(page, "print(message)"))
    dialog = page.get_by_test_id("operation-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("operation-resource")).to_have_value("files")
    expect(dialog.get_by_test_id("dialog-subtitle")).to_have_text("app/writer.py:14")
    dialog.get_by_test_id("operation-select").select_option("s3.put_object")
    expect(dialog.get_by_test_id("operation-action")).to_have_text("s3:PutObject")
    dialog.get_by_test_id("param-Key").fill('f"greetings/{name}.txt"')
    dialog.get_by_test_id("param-Body").fill("message")
    preview = dialog.get_by_test_id("preview")
    expect(preview.get_by_test_id("diff")).to_contain_text("greetings/{name}.txt", timeout=SLOW)
    expect(preview.get_by_test_id("preview-permissions")).to_contain_text("s3:PutObject")
    expect(preview.locator(".dl-add").first).to_contain_text("s3.put_object(")
    shot("operation-dialog")
    apply(dialog)

    # The code is in the editor (the tab reloaded from disk), at the line it went to.
    expect(line(page, "s3.put_object(")).to_be_visible(timeout=SLOW)
    text = editor_text(page)
    assert text == (ide.root / "app/writer.py").read_text()
    assert "s3.put_object(" in text and text != before
    expect(page.get_by_test_id("toast").filter(has_text="s3.put_object")).to_be_visible()
    no_errors(page)
    # The plan follows (one more permission), the bucket left the dustbin (writer uses it now),
    # the graph has the new operation arrow.
    expect(plan).not_to_have_text(plan_before, timeout=SLOW)
    expect(page.get_by_test_id("resources").get_by_test_id("resource-files")).to_contain_text(
        "used by writer", timeout=SLOW
    )
    page.get_by_test_id("tab-graph").click()
    arrow = page.locator("[data-testid=graph-edge].edge-operation[data-to$=files]")
    expect(arrow).to_have_count(1, timeout=SLOW)
    shot("graph-with-operation")

    # Deploy, invoke: the object is in the bucket.
    deploy(page)
    bucket = output(page, "FilesBucketName")
    page.get_by_test_id("side-panel").get_by_test_id("run-writer").click()
    run = page.get_by_test_id("run-panel")
    expect(run.get_by_test_id("run-event-editor")).to_contain_text("{", timeout=INVOKE)
    run.get_by_test_id("run-invoke").click()
    expect(run.get_by_test_id("run-status")).to_have_text("ok", timeout=INVOKE)
    shot("invoked")
    s3 = local_session().client("s3", endpoint_url=local_cloud)
    body = s3.get_object(Bucket=bucket, Key="greetings/nobody.txt")["Body"].read()
    assert body == b"hello nobody"

    # The bucket exists in the target now: a new resource can reference it (external).
    page.get_by_test_id("palette-kind-s3.bucket").click()
    use = page.get_by_test_id("use-dialog")
    expect(use.get_by_test_id("use-add")).to_be_checked()
    use.get_by_test_id("use-continue").click()
    add = page.get_by_test_id("resource-dialog")
    add.get_by_test_id("mode-existing").click()
    add.get_by_test_id("existing-search").fill(bucket)
    item = add.get_by_test_id("existing-item").filter(has_text=bucket)
    expect(item).to_have_count(1, timeout=SLOW)
    item.click()
    expect(item).to_have_class(re.compile(r"\bpicked\b"))
    add.get_by_test_id("resource-name").fill("shared")
    expect(add.get_by_test_id("diff")).to_contain_text(
        f'external: "arn:aws:s3:::{bucket}"', timeout=SLOW
    )
    shot("existing-bucket")
    apply(add)
    expect(page.get_by_test_id("resource-shared")).to_contain_text("external", timeout=SLOW)


# --- a trigger, dropped on a function ----------------------------------------------------------


def test_drop_a_queue_on_a_function_then_deploy_and_send(
    local_cloud: str, page: Page, ide: Ide, shot: Shot
) -> None:
    side = page.get_by_test_id("side-panel")
    side.get_by_test_id("resource-jobs").drag_to(side.get_by_test_id("function-writer"))
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("trigger-resource")).to_have_value("jobs")
    expect(dialog.get_by_test_id("trigger-function")).to_have_value("writer")
    dialog.get_by_test_id("input-batch_size").fill("1")
    preview = dialog.get_by_test_id("preview")
    expect(preview.get_by_test_id("preview-file")).to_have_attribute("data-path", "tether.yaml")
    expect(preview.locator(".dl-add").filter(has_text="jobs")).to_have_count(1, timeout=SLOW)
    expect(preview.get_by_test_id("preview-permissions")).to_contain_text("sqs:")
    shot("trigger-dialog")
    apply(dialog)

    project = ide.root / "tether.yaml"
    expect(side.get_by_test_id("function-writer")).to_contain_text("jobs", timeout=SLOW)
    assert re.search(r"triggers:.*jobs", project.read_text(), re.S), project.read_text()
    no_errors(page)
    shot("triggered")

    # Deploy, follow writer's logs, send a message: the function ran on it.
    deploy(page)
    queue = output(page, "JobsQueueUrl")
    page.get_by_test_id("bottom-tab-logs").click()
    logs = page.get_by_test_id("logs-panel")
    logs.get_by_test_id("logs-function").select_option("writer")
    logs.get_by_test_id("logs-follow").click()
    expect(logs.get_by_test_id("logs-follow")).to_have_class(re.compile(r"\bon\b"))
    sqs = local_session().client("sqs", endpoint_url=local_cloud)
    sqs.send_message(QueueUrl=queue, MessageBody='{"hi": 1}')
    expect(logs.get_by_test_id("logs-lines")).to_contain_text("hello nobody", timeout=INVOKE)
    shot("queue-message-ran")
    logs.get_by_test_id("logs-follow").click()


# --- the keyboard path ---------------------------------------------------------------------------


def test_an_operation_by_keyboard(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "app/writer.py")
    click_end_of(page, "print(message)")
    # The resource, from the keyboard: focus it, Enter; the cursor's line is where it goes.
    resource = page.get_by_test_id("side-panel").get_by_test_id("resource-files")
    resource.focus()
    page.keyboard.press("Enter")
    use = page.get_by_test_id("use-dialog")
    expect(use).to_be_visible()
    expect(use.get_by_test_id("use-operation")).to_be_checked()
    expect(use.get_by_test_id("use-file")).to_have_value("app/writer.py")
    expect(use.get_by_test_id("use-line")).to_have_value("14")
    shot("use-dialog")
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("operation-dialog")
    expect(dialog).to_be_visible()
    operation = dialog.get_by_test_id("operation-select")
    expect(operation).to_be_focused()
    # The first operation of a bucket is get_object; the keyboard picks the next, put_object.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(operation).to_have_value("s3.put_object")
    expect(dialog.get_by_test_id("preview-permissions")).to_contain_text(
        "s3:PutObject", timeout=SLOW
    )
    expect(dialog.get_by_test_id("dialog-apply")).to_be_enabled()
    shot("operation-by-keyboard")
    page.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden(timeout=SLOW)
    expect(line(page, "s3.put_object(")).to_be_visible(timeout=SLOW)
    assert "s3.put_object(" in (ide.root / "app/writer.py").read_text()


# --- the gutter's trigger marks ------------------------------------------------------------------


def test_trigger_marks_in_the_gutter(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "app/writer.py")
    mark = page.locator(".editor-pane:not([hidden]) [data-testid=trigger-mark]")
    # writer has no trigger: red, on its def line.
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("data-state", "off")
    expect(mark).to_have_attribute("data-function", "writer")
    mark_box, def_box = mark.bounding_box(), line(page, "def handler(").bounding_box()
    assert mark_box and def_box and abs(mark_box["y"] - def_box["y"]) < 4
    mark.click()
    pop = page.get_by_test_id("trigger-popover")
    expect(pop.get_by_test_id("trigger-none")).to_be_visible()
    pop.get_by_test_id("trigger-add-resource").select_option("jobs")
    shot("trigger-popover-empty")
    pop.get_by_test_id("trigger-add").click()
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog.get_by_test_id("trigger-resource")).to_have_value("jobs")
    apply(dialog)
    # Triggered now: green.
    expect(mark).to_have_attribute("data-state", "on", timeout=SLOW)
    shot("trigger-mark-green")

    # An operation now offers the queue's event values for its parameters.
    page.get_by_test_id("resource-files").drag_to(line(page, "print(message)"))
    dialog = page.get_by_test_id("operation-dialog")
    dialog.get_by_test_id("operation-select").select_option("s3.put_object")
    values = dialog.locator("datalist[data-testid=event-values] option")
    expect(values.first).to_be_attached()
    assert 'event["Records"][0]["body"]' in values.evaluate_all("os => os.map(o => o.value)")
    expect(dialog.get_by_test_id("param-Body")).to_have_attribute("list", re.compile(".+"))
    dialog.get_by_test_id("dialog-cancel").click()

    # A resource dropped on the handler's def line is a trigger too.
    page.get_by_test_id("resource-files").drag_to(line(page, "def handler("))
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog.get_by_test_id("trigger-resource")).to_have_value("files")
    expect(dialog.get_by_test_id("trigger-function")).to_have_value("writer")
    expect(dialog.get_by_test_id("input-events-created")).to_be_checked()
    expect(dialog.locator(".dl-add").filter(has_text="files")).to_have_count(1, timeout=SLOW)
    shot("trigger-dialog-from-def-line")
    dialog.get_by_test_id("dialog-cancel").click()
    expect(dialog).to_have_count(0)

    # Remove it from the mark's popover: the preview first, then the mark is red again.
    mark.click()
    item = pop.get_by_test_id("trigger-item")
    expect(item).to_have_attribute("data-resource", "jobs")
    shot("trigger-popover")
    item.get_by_test_id("trigger-remove").click()
    confirm = page.get_by_test_id("remove-trigger-dialog")
    expect(confirm.locator(".dl-del").filter(has_text="jobs")).to_have_count(1, timeout=SLOW)
    shot("remove-trigger-dialog")
    apply(confirm)
    expect(mark).to_have_attribute("data-state", "off", timeout=SLOW)
    assert "jobs" not in (ide.root / "tether.yaml").read_text().split("functions:")[1]

    # A new function, from the palette: its handler file opens, its def line red.
    page.get_by_test_id("add-function").click()
    add = page.get_by_test_id("add-function-dialog")
    add.get_by_test_id("function-name").fill("reader")
    expect(add.get_by_test_id("function-handler")).to_have_value("app/reader.handler")
    expect(add.get_by_test_id("preview-title")).to_contain_text("reader", timeout=SLOW)
    expect(add.get_by_test_id("preview-file")).to_have_count(2)
    shot("add-function-dialog")
    apply(add)
    expect(page.get_by_test_id("editor")).to_have_attribute(
        "data-path", "app/reader.py", timeout=SLOW
    )
    reader = page.locator(".editor-pane:not([hidden]) [data-testid=trigger-mark]")
    expect(reader).to_have_attribute("data-function", "reader", timeout=SLOW)
    expect(reader).to_have_attribute("data-state", "off")
    shot("new-function")


# --- undo ------------------------------------------------------------------------------------------


def test_undo_restores_the_file(page: Page, ide: Ide, shot: Shot) -> None:
    path = ide.root / "app/writer.py"
    original = path.read_text()
    open_file(page, "app/writer.py")
    page.get_by_test_id("resource-files").drag_to(line(page, "return {"))
    dialog = page.get_by_test_id("operation-dialog")
    dialog.get_by_test_id("operation-select").select_option("s3.delete_object")
    apply(dialog)
    expect(line(page, "s3.delete_object(")).to_be_visible(timeout=SLOW)
    assert path.read_text() != original
    toast = page.get_by_test_id("toast").filter(has_text="delete_object")
    shot("applied-with-undo")
    toast.get_by_test_id("toast-undo").click()
    expect(page.get_by_test_id("toast").filter(has_text="Undone")).to_be_visible(timeout=SLOW)
    expect(page.locator(".editor-pane:not([hidden]) .cm-content")).not_to_contain_text(
        "delete_object", timeout=SLOW
    )
    assert path.read_text() == original
    assert editor_text(page) == original
    shot("undone")


def test_unsaved_edits_refuse_a_drop(page: Page, ide: Ide) -> None:
    open_file(page, "app/writer.py")
    click_end_of(page, "print(message)")
    page.keyboard.type("  # mine")
    page.get_by_test_id("resource-files").drag_to(line(page, "return {"))
    expect(page.get_by_test_id("toast").filter(has_text="Save app/writer.py first")).to_be_visible()
    expect(page.get_by_test_id("operation-dialog")).to_have_count(0)


# --- a new resource from the palette -----------------------------------------------------------


def test_a_new_topic_from_the_palette_then_its_operation(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "app/writer.py")
    page.get_by_test_id("palette-kind-sns.topic").drag_to(line(page, "print(message)"))
    add = page.get_by_test_id("resource-dialog")
    expect(add).to_be_visible()
    expect(add.get_by_test_id("resource-kind")).to_have_value("sns.topic")
    add.get_by_test_id("resource-name").fill("alerts")
    expect(
        add.get_by_test_id("preview").locator(".dl-add").filter(has_text="alerts")
    ).to_have_count(1, timeout=SLOW)
    # Existing (external): the target's topics are listed, or why they cannot be.
    add.get_by_test_id("mode-existing").click()
    status = add.get_by_test_id("existing-status")
    expect(status).not_to_have_text(re.compile("Reading"), timeout=SLOW)
    shot("resource-dialog-existing")
    add.get_by_test_id("mode-new").click()
    expect(add.get_by_test_id("dialog-apply")).to_have_text("Add and continue")
    shot("resource-dialog")
    apply(add)

    # Then the operation, on the new topic.
    dialog = page.get_by_test_id("operation-dialog")
    expect(dialog).to_be_visible(timeout=SLOW)
    expect(dialog.get_by_test_id("operation-resource")).to_have_value("alerts")
    expect(dialog.get_by_test_id("operation-select")).to_have_value("sns.publish")
    expect(dialog.get_by_test_id("preview-permissions")).to_contain_text(
        "sns:Publish", timeout=SLOW
    )
    apply(dialog)
    expect(line(page, "sns")).to_be_visible(timeout=SLOW)
    assert "alerts" in (ide.root / "tether.yaml").read_text()
    no_errors(page)


def test_a_schedule_shows_when_it_fires(page: Page, ide: Ide, shot: Shot) -> None:
    page.get_by_test_id("palette-kind-schedule").click()
    use = page.get_by_test_id("use-dialog")
    expect(use.get_by_test_id("use-add")).to_be_checked()
    use.get_by_test_id("use-continue").click()
    add = page.get_by_test_id("resource-dialog")
    add.get_by_test_id("input-expression").fill("cron(0 6 * * ? *)")
    fires = add.get_by_test_id("schedule-fire")
    expect(fires).to_have_count(3, timeout=SLOW)
    expect(fires.first).to_contain_text("06:00 UTC")
    shot("schedule-dialog")
    apply(add)
    expect(page.get_by_test_id("resource-schedule")).to_be_visible(timeout=SLOW)

    # A drop on the function: the schedule's expression and next times in the trigger dialog.
    side = page.get_by_test_id("side-panel")
    side.get_by_test_id("resource-schedule").drag_to(side.get_by_test_id("function-writer"))
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog.get_by_test_id("schedule-expression")).to_have_text("cron(0 6 * * ? *)")
    expect(dialog.get_by_test_id("schedule-fire")).to_have_count(3, timeout=SLOW)
    shot("schedule-trigger-dialog")
    apply(dialog)
    expect(side.get_by_test_id("function-writer")).to_contain_text("schedule", timeout=SLOW)


# --- edit and remove from the side panel ----------------------------------------------------------


def test_rename_settings_and_remove(page: Page, ide: Ide, shot: Shot) -> None:
    side = page.get_by_test_id("side-panel")
    project = ide.root / "tether.yaml"
    # An operation first, so code reads the bucket's variable.
    open_file(page, "app/writer.py")
    side.get_by_test_id("resource-files").drag_to(line(page, "print(message)"))
    dialog = page.get_by_test_id("operation-dialog")
    dialog.get_by_test_id("operation-select").select_option("s3.put_object")
    apply(dialog)
    expect(side.get_by_test_id("resources").get_by_test_id("resource-files")).to_be_visible(
        timeout=SLOW
    )

    # Rename the queue nothing reads: tether.yaml's diff.
    side.get_by_test_id("resource-menu-jobs").click()
    page.get_by_test_id("menu-rename").click()
    rename = page.get_by_test_id("rename-dialog")
    rename.get_by_test_id("rename-input").fill("tasks")
    preview = rename.get_by_test_id("preview")
    expect(preview.locator(".dl-add").filter(has_text="tasks")).to_have_count(1, timeout=SLOW)
    expect(preview.locator(".dl-del").filter(has_text="jobs")).to_have_count(1)
    shot("rename-dialog")
    apply(rename)
    expect(side.get_by_test_id("resource-tasks")).to_be_visible(timeout=SLOW)

    # Function settings: memory and an environment variable.
    side.get_by_test_id("settings-writer").click()
    settings = page.get_by_test_id("function-dialog")
    settings.get_by_test_id("input-memory").fill("512")
    settings.get_by_test_id("env-add").click()
    settings.get_by_test_id("env-key").fill("GREETING")
    settings.get_by_test_id("env-value").fill("hello")
    expect(settings.locator(".dl-add").filter(has_text="512")).to_have_count(1, timeout=SLOW)
    shot("function-settings")
    apply(settings)
    text = project.read_text()
    assert "memory: 512" in text and "GREETING" in text
    # Opened again (at once), it shows the project as it is now.
    side.get_by_test_id("settings-writer").click()
    settings = page.get_by_test_id("function-dialog")
    expect(settings.get_by_test_id("input-memory")).to_have_value("512")
    expect(settings.get_by_test_id("env-value-GREETING")).to_have_value("hello")
    settings.get_by_test_id("dialog-cancel").click()

    # A resource's settings: versioning on for the bucket.
    side.get_by_test_id("resource-menu-files").click()
    page.get_by_test_id("menu-settings").click()
    resource = page.get_by_test_id("resource-settings-dialog")
    expect(resource.get_by_test_id("input-versioning")).not_to_be_checked()
    resource.get_by_test_id("input-versioning").check()
    expect(resource.locator(".dl-add").filter(has_text="versioning")).to_have_count(1, timeout=SLOW)
    shot("resource-settings")
    apply(resource)
    assert "versioning: true" in project.read_text()

    # Remove the unused queue: its line goes.
    side.get_by_test_id("resource-menu-tasks").click()
    page.get_by_test_id("menu-remove").click()
    remove = page.get_by_test_id("remove-resource-dialog")
    expect(remove.locator(".dl-del").filter(has_text="tasks")).to_have_count(1, timeout=SLOW)
    shot("remove-resource-dialog")
    apply(remove)
    expect(side.get_by_test_id("resource-tasks")).to_have_count(0, timeout=SLOW)
    assert "tasks" not in project.read_text()

    # Rename the bucket that code reads: it applies, and the notes name the lines that read the
    # old variable, as links (in the preview, then under the note of the change).
    code = (ide.root / "app/writer.py").read_text().splitlines()
    reads = [n for n, text in enumerate(code, 1) if "FILES_BUCKET" in text]
    assert reads, code
    where = f"app/writer.py:{reads[0]}"
    side.get_by_test_id("resource-menu-files").click()
    page.get_by_test_id("menu-rename").click()
    rename = page.get_by_test_id("rename-dialog")
    rename.get_by_test_id("rename-input").fill("documents")
    notes = rename.get_by_test_id("preview-notes")
    expect(notes).to_contain_text("the variable is now DOCUMENTS_BUCKET", timeout=SLOW)
    expect(notes.get_by_test_id("note-source").filter(has_text=where)).to_have_count(1)
    shot("rename-dialog-code-reads-it")
    apply(rename)
    assert "documents:" in project.read_text()
    toast = page.get_by_test_id("toast").filter(has_text="documents")
    expect(toast.get_by_test_id("toast-notes")).to_contain_text("reads FILES_BUCKET")
    shot("renamed-with-notes")
    toast.get_by_test_id("note-source").filter(has_text=where).click()
    editor = page.get_by_test_id("editor")
    expect(editor).to_have_attribute("data-path", "app/writer.py")
    expect(editor).to_have_attribute("data-line", str(reads[0]))
    expect(page.locator(".editor-pane:not([hidden]) .cm-activeLine")).to_contain_text(
        "FILES_BUCKET"
    )
    # Until the code changes, the project reports the line that reads the old variable.
    problem = page.locator(
        f"[data-testid=problem-row][data-file='app/writer.py'][data-line='{reads[0]}']"
    )
    expect(problem).to_contain_text("FILES_BUCKET", timeout=SLOW)
    expect(problem).to_have_attribute("data-severity", "error")
    shot("problem-after-rename")


# --- edit a trigger, settings from the report -------------------------------------------------------


@pytest.mark.parametrize("project_yaml", [TRIGGERED])
def test_edit_a_trigger(page: Page, ide: Ide, shot: Shot) -> None:
    project = ide.root / "tether.yaml"
    before = project.read_text()
    at = next(n for n, text in enumerate(before.splitlines(), 1) if "{resource: jobs" in text)
    open_file(page, "app/writer.py")
    mark = page.locator(".editor-pane:not([hidden]) [data-testid=trigger-mark]")
    expect(mark).to_have_attribute("data-state", "on")
    mark.click()
    pop = page.get_by_test_id("trigger-popover")
    expect(pop.get_by_test_id("trigger-item")).to_have_count(2)
    shot("trigger-popover-edit")
    pop.get_by_test_id("trigger-item").filter(has_text="jobs").get_by_test_id(
        "trigger-edit"
    ).click()

    # The trigger dialog, its settings as tether.yaml has them (the flow map on its line).
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog).to_have_attribute("data-mode", "edit")
    expect(dialog.get_by_test_id("trigger-resource")).to_have_value("jobs")
    expect(dialog.get_by_test_id("trigger-resource")).to_be_disabled()
    expect(dialog.get_by_test_id("input-batch_size")).to_have_value("5")
    expect(dialog.get_by_test_id("input-batch_window")).to_have_value("2")
    expect(dialog.get_by_test_id("trigger-current")).to_contain_text(f"tether.yaml:{at}")
    expect(dialog.get_by_test_id("dialog-apply")).to_be_disabled()
    # A value the project refuses is marked on its field.
    dialog.get_by_test_id("input-batch_size").fill("0")
    expect(dialog.get_by_test_id("error-batch_size")).to_be_visible(timeout=SLOW)
    expect(dialog.get_by_test_id("dialog-apply")).to_be_disabled()
    dialog.get_by_test_id("input-batch_size").fill("8")
    preview = dialog.get_by_test_id("preview")
    expect(preview.locator(".dl-add").filter(has_text="batch_size: 8")).to_have_count(
        1, timeout=SLOW
    )
    expect(preview.locator(".dl-del").filter(has_text="batch_size: 5")).to_have_count(1)
    expect(dialog.get_by_test_id("error-batch_size")).to_be_hidden()
    shot("edit-trigger-dialog")
    apply(dialog)
    # tether.yaml changed exactly that.
    assert project.read_text() == before.replace("batch_size: 5", "batch_size: 8")
    mark.click()
    expect(pop.get_by_test_id("trigger-item").filter(has_text="jobs")).to_contain_text(
        "batch 8", timeout=SLOW
    )
    page.keyboard.press("Escape")

    # From the function's card: the block-map trigger, its prefix cleared (back to none).
    before = project.read_text()
    card = page.get_by_test_id("side-panel").get_by_test_id("function-writer")
    card.get_by_test_id("trigger-row").filter(has_text="files").get_by_test_id(
        "trigger-edit"
    ).click()
    dialog = page.get_by_test_id("trigger-dialog")
    expect(dialog.get_by_test_id("trigger-resource")).to_have_value("files")
    expect(dialog.get_by_test_id("input-events-created")).to_be_checked()
    expect(dialog.get_by_test_id("input-events-removed")).not_to_be_checked()
    expect(dialog.get_by_test_id("input-prefix")).to_have_value("incoming/")
    expect(dialog.get_by_test_id("input-suffix")).to_have_value("")
    dialog.get_by_test_id("input-prefix").fill("")
    expect(dialog.get_by_test_id("preview").locator(".dl-del")).to_contain_text(
        "prefix: incoming/", timeout=SLOW
    )
    shot("edit-trigger-block-map")
    apply(dialog)
    assert project.read_text() == before.replace("        prefix: incoming/\n", "")


@pytest.mark.parametrize("project_yaml", [TRIGGERED])
def test_settings_from_the_report(page: Page, ide: Ide, shot: Shot) -> None:
    project = ide.root / "tether.yaml"
    before = project.read_text()
    side = page.get_by_test_id("side-panel")
    side.get_by_test_id("settings-writer").click()
    settings = page.get_by_test_id("function-dialog")
    expect(settings.get_by_test_id("input-memory")).to_have_value("512")
    expect(settings.get_by_test_id("input-timeout")).to_have_value("20")
    expect(settings.get_by_test_id("input-runtime")).to_have_value("python3.12")
    expect(settings.get_by_test_id("env-value-GREETING")).to_have_value("hello")
    expect(settings.get_by_test_id("dialog-apply")).to_be_disabled()
    settings.get_by_test_id("input-memory").fill("1024")
    expect(settings.locator(".dl-add").filter(has_text="memory: 1024")).to_have_count(
        1, timeout=SLOW
    )
    shot("function-settings-from-report")
    apply(settings)
    assert project.read_text() == before.replace("memory: 512", "memory: 1024")
    expect(side.get_by_test_id("function-writer")).to_contain_text("1024 MB", timeout=SLOW)

    # A resource's settings: the queue's visibility timeout as the project has it.
    side.get_by_test_id("resource-menu-jobs").click()
    page.get_by_test_id("menu-settings").click()
    resource = page.get_by_test_id("resource-settings-dialog")
    expect(resource.get_by_test_id("input-visibility_timeout")).to_have_value("45")
    expect(resource.get_by_test_id("input-retain")).not_to_be_checked()
    shot("resource-settings-from-report")
    resource.get_by_test_id("dialog-cancel").click()


# --- completion ------------------------------------------------------------------------------------


def test_completion_from_the_project(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "app/writer.py")
    click_end_of(page, "print(message)")
    page.keyboard.press("Enter")
    options = page.locator(".cm-tooltip-autocomplete li")
    # Environment variables of the project's resources.
    page.keyboard.type('bucket = os.environ["')
    expect(options.filter(has_text="FILES_BUCKET")).to_have_count(1, timeout=SLOW)
    expect(options.filter(has_text="JOBS_QUEUE_URL")).to_have_count(1)
    shot("completion-environ")
    page.keyboard.press("Enter")
    expect(line(page, "bucket =")).to_have_text('    bucket = os.environ["FILES_BUCKET"]')
    # The methods of a module-level client, with their IAM actions.
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("s3.")
    put = options.filter(has_text="put_object")
    expect(put).to_have_count(1, timeout=SLOW)
    expect(put).to_contain_text("s3:PutObject")
    shot("completion-client")
    page.keyboard.press("Escape")
    # The event's keys (writer has no trigger: those of every kind).
    page.keyboard.type('\nx = event["')
    expect(options.filter(has_text="Records")).to_have_count(1, timeout=SLOW)
    shot("completion-event")
