"""Deploy, run and test in the IDE, in a real browser against a real local cloud: open the plan
and deploy examples/photos with its progress in Output; invoke a function with a generated
event and see its result and logs; save it as a test case and run it; follow a permission
statement to its line of code. A screenshot of each step goes to the test's tmp folder."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Ide
from tests.helpers import local_session

Shot = Callable[[str], Path]
DEPLOY = 180_000  # ms: a full first deploy of the example on a busy machine
SLOW = 30_000  # ms: an invoke (a cold worker) or a test run


@pytest.fixture
def stage(request: pytest.FixtureRequest) -> str:
    """A stage (so a stack in the shared local cloud) of this test's own."""
    return str(request.node.name).removeprefix("test_").replace("_", "-")[:16].strip("-")


def test_plan_deploy_invoke_and_test(local_cloud: str, page: Page, ide: Ide, shot: Shot) -> None:
    expect(page.get_by_test_id("status-local")).to_have_attribute("data-state", "running")

    # The plan, from the status line: a first deploy adds every resource, and risks nothing.
    page.get_by_test_id("status-plan").click()
    plan = page.get_by_test_id("plan-view")
    expect(plan).to_be_visible()
    expect(plan.get_by_test_id("plan-change").first).to_be_visible(timeout=SLOW)
    expect(plan.get_by_test_id("plan-changes")).to_contain_text("uploads")
    expect(plan.get_by_test_id("plan-no-risk")).to_be_visible()
    deploy = plan.get_by_test_id("deploy-button")
    expect(deploy).to_be_enabled()
    shot("plan")
    # Each permission the deploy adds links to the line that needs it.
    permissions = plan.get_by_test_id("plan-permissions")
    permissions.scroll_into_view_if_needed()
    link = permissions.get_by_test_id("plan-permission-source").filter(has_text="app/resize.py")
    expect(link.first).to_be_visible()
    shot("plan-permissions")

    # Deploy: progress streams into Output, then the outputs with their URLs.
    deploy.click()
    output = page.get_by_test_id("output-panel")
    expect(output).to_be_visible()
    expect(output.get_by_test_id("out-resource").first).to_be_visible(timeout=DEPLOY)
    shot("deploying")
    expect(output.get_by_test_id("out-done")).to_be_visible(timeout=DEPLOY)
    expect(output.get_by_test_id("deploy-state")).to_have_text("deployed")
    expect(output.get_by_test_id("deploy-outputs")).to_be_visible()
    expect(output.get_by_test_id("output-url").first).to_have_attribute(
        "href", re.compile(r"^http://")
    )
    expect(output.locator(".out-status.st-failed")).to_have_count(0)
    # The plan on screen follows: nothing left to deploy.
    expect(plan.get_by_test_id("plan-path")).to_contain_text("Nothing to deploy", timeout=SLOW)
    shot("deployed")
    plan.get_by_test_id("plan-close").click()

    # Run: the api function with a generated HTTP event (its trigger preselected).
    page.get_by_test_id("side-panel").get_by_test_id("run-api").click()
    run = page.get_by_test_id("run-panel")
    expect(run).to_be_visible()
    expect(run.get_by_test_id("run-kind")).to_have_value("http")
    expect(run.get_by_test_id("run-event-editor")).to_contain_text("requestContext", timeout=SLOW)
    run.get_by_test_id("run-invoke").click()
    result = run.get_by_test_id("run-result")
    expect(result.get_by_test_id("run-status")).to_have_text("ok", timeout=SLOW)
    expect(result.get_by_test_id("run-value")).to_contain_text("statusCode")
    expect(result.get_by_test_id("run-duration")).to_contain_text("ms")
    expect(result.get_by_test_id("run-logs")).not_to_be_empty()
    shot("invoked")

    # Logs: follow api's log lines (the last invocation's are there), filter them by text.
    page.get_by_test_id("bottom-tab-logs").click()
    logs = page.get_by_test_id("logs-panel")
    logs.get_by_test_id("logs-function").select_option("api")
    logs.get_by_test_id("logs-follow").click()
    lines = logs.get_by_test_id("logs-lines")
    expect(lines).to_contain_text("START RequestId", timeout=SLOW)
    logs.get_by_test_id("logs-filter").fill("REPORT RequestId")
    expect(lines).not_to_contain_text("START RequestId")
    expect(lines).to_contain_text("REPORT RequestId")
    shot("logs")
    logs.get_by_test_id("logs-follow").click()  # stop following
    page.get_by_test_id("bottom-tab-run").click()

    # The request tool sends a real request to the stage's local URL of the HTTP API.
    run.get_by_test_id("run-mode-http").click()
    http = run.get_by_test_id("http-tool")
    http.get_by_test_id("http-path").fill("/orders/nope")
    http.get_by_test_id("http-send").click()
    expect(http.get_by_test_id("http-status")).to_have_text("404", timeout=SLOW)
    expect(http.get_by_test_id("http-response-body")).to_contain_text("not found")
    shot("http-request")
    run.get_by_test_id("run-mode-event").click()

    # Save it as a test case (the name asked inline), then run it: it passes.
    run.get_by_test_id("run-save-case").click()
    run.get_by_test_id("case-name").fill("api-smoke")
    run.get_by_test_id("case-save").click()
    tests = page.get_by_test_id("tests-panel")
    expect(tests).to_be_visible()
    case = tests.get_by_test_id("case-api-smoke")
    expect(case).to_be_visible(timeout=SLOW)
    assert (ide.root / "events" / "api-smoke.test.yaml").exists()
    tests.get_by_test_id("case-run-api-smoke").click()
    expect(case).to_have_attribute("data-state", "passed", timeout=SLOW)
    expect(case.get_by_test_id("case-verdict")).to_have_text("pass")
    shot("test-passed")

    # An error: resize on an upload that is not there; its traceback links to the handler's line.
    page.get_by_test_id("side-panel").get_by_test_id("run-resize").click()
    expect(run.get_by_test_id("run-kind")).to_have_value("s3-created")
    expect(run.get_by_test_id("run-event-editor")).to_contain_text("incoming/", timeout=SLOW)
    run.get_by_test_id("run-invoke").click()
    expect(result.get_by_test_id("run-status")).to_have_text("error", timeout=SLOW)
    frame = result.get_by_test_id("trace-frame").filter(has_text="app/resize.py").last
    expect(frame).to_be_visible()
    shot("invoke-error")
    frame.click()
    editor = page.get_by_test_id("editor")
    expect(editor).to_have_attribute("data-path", "app/resize.py")
    expect(page.locator(".editor-pane:not([hidden]) .cm-activeLine")).to_contain_text("get_object")
    shot("trace-opened")


def test_a_permission_statement_opens_its_line(page: Page, ide: Ide, shot: Shot) -> None:
    side = page.get_by_test_id("side-panel")
    side.get_by_test_id("permissions-toggle-resize").click()
    box = side.get_by_test_id("permissions-resize")
    statement = box.get_by_test_id("permission-statement").filter(has_text="s3:GetObject")
    expect(statement).to_be_visible()
    source = statement.get_by_test_id("permission-source").first
    file, line = source.get_attribute("data-file"), source.get_attribute("data-line")
    assert file == "app/resize.py" and line
    shot("permissions")
    source.click()
    editor = page.get_by_test_id("editor")
    expect(editor).to_have_attribute("data-path", "app/resize.py")
    expect(editor).to_have_attribute("data-line", line)
    expect(page.locator(".editor-pane:not([hidden]) .cm-activeLine")).to_contain_text("get_object")
    shot("permission-line")


def deploy_from_plan(page: Page) -> None:
    page.get_by_test_id("status-plan").click()
    deploy = page.get_by_test_id("deploy-button")
    expect(deploy).to_be_enabled(timeout=SLOW)
    deploy.click()
    expect(page.get_by_test_id("deploy-state")).to_have_text("deployed", timeout=DEPLOY)
    page.get_by_test_id("plan-close").click()


def test_data_at_risk_needs_a_choice(local_cloud: str, page: Page, ide: Ide, shot: Shot) -> None:
    project = ide.root / "tether.yaml"
    original = project.read_text()
    project.write_text(
        original.replace("resources:\n", "resources:\n  scratch: {type: s3.bucket}\n", 1)
    )
    expect(page.get_by_test_id("resource-scratch")).to_be_visible(timeout=SLOW)
    deploy_from_plan(page)
    outputs = page.get_by_test_id("output-ScratchBucketName").locator("td").last
    bucket = outputs.inner_text().strip()
    s3 = local_session().client("s3", endpoint_url=local_cloud)
    s3.put_object(Bucket=bucket, Key="keep-me.txt", Body=b"data")

    # Removed from tether.yaml while it holds an object: Deploy waits for a choice.
    project.write_text(original)
    expect(page.get_by_test_id("resource-scratch")).to_have_count(0, timeout=SLOW)
    page.get_by_test_id("status-plan").click()
    risk = page.get_by_test_id("risk-scratch")
    expect(risk).to_be_visible(timeout=SLOW)
    expect(risk).to_have_attribute("data-decision", "blocked")
    deploy = page.get_by_test_id("deploy-button")
    expect(deploy).to_be_disabled()
    expect(page.get_by_test_id("plan-gate")).to_contain_text("scratch")
    shot("risk-blocked")

    # Retain: the exact line to add, and tether.yaml opened; Deploy still waits.
    page.get_by_test_id("risk-scratch-retain").check()
    expect(page.get_by_test_id("risk-scratch-edit").get_by_test_id("risk-yaml-line")).to_have_text(
        "retain: true"
    )
    expect(deploy).to_be_disabled()
    shot("risk-retain")
    page.get_by_test_id("risk-scratch-open").click()
    expect(page.get_by_test_id("editor")).to_have_attribute("data-path", "tether.yaml")
    expect(page.get_by_test_id("plan-view")).to_be_hidden()
    shot("risk-retain-opened")

    # Delete: chosen explicitly, the plan agrees, Deploy runs and the bucket goes.
    page.get_by_test_id("status-plan").click()
    expect(page.get_by_test_id("risk-scratch-retain")).to_be_checked()
    page.get_by_test_id("risk-scratch-delete").check()
    expect(risk).to_have_attribute("data-decision", "delete", timeout=SLOW)
    expect(deploy).to_be_enabled()
    shot("risk-delete")
    deploy.click()
    expect(page.get_by_test_id("deploy-state")).to_have_text("deployed", timeout=DEPLOY)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    shot("risk-deployed")


def test_deploy_on_save(local_cloud: str, page: Page, ide: Ide, shot: Shot) -> None:
    deploy_from_plan(page)
    output = page.get_by_test_id("output-panel")
    output.get_by_test_id("output-clear").click()
    output.get_by_test_id("dev-toggle").check()
    expect(output.get_by_test_id("out-say").last).to_contain_text("Deploy on save is on")
    worker = ide.root / "app" / "worker.py"
    worker.write_text(worker.read_text() + "\n# saved in another editor\n")
    done = output.get_by_test_id("out-done")
    expect(done).to_contain_text("ms after the save", timeout=DEPLOY)
    started = output.get_by_test_id("out-started").last
    expect(started).to_contain_text("Deploying app/worker.py to stage")
    expect(started).not_to_contain_text("undefined")
    expect(done).to_contain_text("quick")
    expect(output.get_by_test_id("dev-times")).to_contain_text("save → live")
    shot("deployed-on-save")
    output.get_by_test_id("dev-toggle").uncheck()
    expect(output.get_by_test_id("out-say").last).to_contain_text("Deploy on save is off")


def test_switch_the_stage(page: Page, ide: Ide, stage: str, shot: Shot) -> None:
    where = page.get_by_test_id("status-stage")
    expect(where).to_contain_text(f"photos · {stage} · local")
    where.click()
    switch = page.get_by_test_id("target-switch")
    expect(switch).to_be_visible()
    switch.get_by_test_id("stage-input").fill("qa")
    shot("switching")
    switch.get_by_test_id("target-apply").click()
    expect(switch).to_be_hidden()
    expect(where).to_contain_text("photos · qa · local")
    expect(page.get_by_test_id("top-stage")).to_have_text("stage qa")
    assert page.request.get(ide.base + "api/info").json()["stage"] == "qa"
    shot("switched")


@pytest.fixture
def no_cloud_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TETHER_HOME of the test's own with no local cloud in it, and a free port for the one
    the IDE starts (stopped at the end whatever happened). Ask for it before `page`."""
    from tether.localcloud import process

    home = tmp_path / "tether-home"
    monkeypatch.setenv("TETHER_HOME", str(home))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TETHER_LOCAL_PORT", str(port))
    try:
        yield home
    finally:
        process.stop()


def test_start_and_stop_the_local_cloud(no_cloud_yet: Path, page: Page, shot: Shot) -> None:
    from tether.localcloud import status

    cloud = page.get_by_test_id("status-local")
    toggle = page.get_by_test_id("local-toggle")
    expect(cloud).to_have_attribute("data-state", "stopped")
    expect(toggle).to_have_text("Start")
    shot("stopped")

    toggle.click()
    expect(cloud).to_have_attribute("data-state", "running", timeout=SLOW)
    running = status()
    assert running is not None and f":{os.environ['TETHER_LOCAL_PORT']}" in running.endpoint
    expect(cloud).to_have_attribute("title", running.endpoint)
    expect(page.get_by_test_id("toast").last).to_contain_text(f"runs at {running.endpoint}")
    expect(toggle).to_have_text("Stop")
    shot("started")

    toggle.click()
    expect(cloud).to_have_attribute("data-state", "stopped", timeout=SLOW)
    assert status() is None
    expect(page.get_by_test_id("toast").last).to_contain_text("stopped")
    shot("stopped-again")
