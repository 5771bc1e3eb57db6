"""The IDE in a real browser on examples/photos: what a user sees and does, step by step, with a
screenshot of each step in the test's tmp folder (screenshots/)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import Ide
from tests.helpers import REPO

Shot = Callable[[str], Path]
SLOW = 10_000  # ms: a re-check or a file watcher round trip, with room for a busy machine


def open_file(page: Page, path: str) -> None:
    page.get_by_test_id(f"file-{path}").click()
    expect(page.get_by_test_id(f"tab-{path}")).to_have_class("tab active")
    expect(page.get_by_test_id("editor")).to_have_attribute("data-path", path)


def editor_text(page: Page) -> str:
    """The active editor's whole text (CodeMirror renders only what is in view)."""
    return str(
        page.evaluate(
            "() => document.querySelector('.editor-pane:not([hidden])')"
            ".editorView.state.doc.toString()"
        )
    )


def click_line(page: Page, text: str) -> None:
    """Put the cursor at the end of the first line that contains `text`, as a user would: find
    it with the editor's search (Ctrl+F), close the search, press End."""
    page.locator(".editor-pane:not([hidden]) .cm-content").focus()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+f")
    field = page.locator(".editor-pane:not([hidden]) .cm-search input[name=search]")
    field.select_text()
    field.press_sequentially(text)  # the search panel reads its field on key events
    field.press("Enter")
    field.press("Escape")
    page.keyboard.press("End")


def test_opens_on_the_example(page: Page, ide: Ide, shot: Shot) -> None:
    expect(page.get_by_test_id("file-tree")).to_contain_text("tether.yaml")
    expect(page.get_by_test_id("file-app/resize.py")).to_be_visible()
    side = page.get_by_test_id("side-panel")
    for name in ("resize", "api", "worker", "notify", "report"):
        expect(side.get_by_test_id(f"function-{name}")).to_be_visible()
    expect(side.get_by_test_id("function-resize")).to_contain_text("app/resize.handler")
    expect(side.get_by_test_id("function-resize")).to_contain_text("s3:GetObject")
    expect(side.get_by_test_id("resource-archive")).to_contain_text("external")
    expect(side.get_by_test_id("resource-thumbs")).to_contain_text("project")
    expect(page.get_by_test_id("status-plan")).to_contain_text("data at risk")
    expect(page.get_by_test_id("no-problems")).to_be_visible()
    graph = page.get_by_test_id("graph")
    expect(graph.locator("rect[data-node-id='f:resize']")).to_be_visible()
    expect(graph.locator(".node.external rect[data-node-id='r:archive']")).to_be_visible()
    expect(graph.locator("path[data-edge-id]")).to_have_count(
        len(page.request.get(ide.base + "api/graph").json()["edges"])
    )
    path = shot("opened")
    if os.environ.get("UPDATE_SCREENSHOT"):  # the README's picture, refreshed on request only
        shutil.copyfile(path, REPO / "docs" / "ide.png")


def test_edit_and_save_a_handler(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "app/worker.py")
    click_line(page, "def handler(event, context)")
    page.keyboard.press("Enter")
    page.keyboard.type('"""Marks the order as processed."""')
    tab = page.get_by_test_id("tab-app/worker.py")
    expect(tab).to_have_class("tab active dirty")
    shot("edited")
    page.keyboard.press("Control+s")
    expect(tab).to_have_class("tab active")
    assert '"""Marks the order as processed."""' in (ide.root / "app/worker.py").read_text()
    assert editor_text(page) == (ide.root / "app/worker.py").read_text()
    shot("saved")


def test_a_problem_appears_and_goes_away(page: Page, ide: Ide, shot: Shot) -> None:
    open_file(page, "tether.yaml")
    line_no = (ide.root / "tether.yaml").read_text().splitlines().index("    memory: 512") + 1
    click_line(page, "memory: 512")
    for _ in range(3):
        page.keyboard.press("Backspace")
    page.keyboard.type("lots")
    # Unsaved: found by the check on the text in the editor, after a pause in typing.
    row = page.get_by_test_id("problem-row")
    expect(row).to_have_count(1, timeout=SLOW)
    expect(row).to_have_attribute("data-file", "tether.yaml")
    expect(row).to_have_attribute("data-line", str(line_no))
    expect(row).to_contain_text("must be a whole number of MB")
    bad_line = page.locator(".editor-pane:not([hidden]) .cm-line", has_text="memory: lots")
    expect(bad_line.locator(".cm-lintRange-error")).to_have_text("lots")
    expect(page.locator(".editor-pane:not([hidden]) .cm-lint-marker-error")).to_have_count(1)
    expect(page.get_by_test_id("status-problems")).to_contain_text("✖ 1")
    shot("problem-unsaved")

    # Saved: the server re-checks the file on disk and pushes the same problem.
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("tab-tether.yaml")).to_have_class("tab active")
    assert "memory: lots" in (ide.root / "tether.yaml").read_text()
    expect(row).to_have_count(1, timeout=SLOW)
    expect(page.get_by_test_id("file-tether.yaml")).to_have_class(
        "tree-row tree-file active has-error"
    )

    # Clicking the problem lands on its line.
    click_line(page, "name: photos")
    row.click()
    expect(page.get_by_test_id("editor")).to_have_attribute("data-line", str(line_no))
    shot("problem-saved")

    page.keyboard.press("End")
    for _ in range(4):
        page.keyboard.press("Backspace")
    page.keyboard.type("512")
    expect(page.get_by_test_id("no-problems")).to_be_visible(timeout=SLOW)
    expect(page.locator(".editor-pane:not([hidden]) .cm-lintRange-error")).to_have_count(0)
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("tab-tether.yaml")).to_have_class("tab active")
    expect(page.get_by_test_id("no-problems")).to_be_visible(timeout=SLOW)
    shot("problem-fixed")


def graph_edge(ide: Ide, page: Page, edge_id: str) -> dict[str, Any]:
    edges = page.request.get(ide.base + "api/graph").json()["edges"]
    return next(e for e in edges if e["id"] == edge_id)


def test_graph_arrow_opens_the_line_behind_it(page: Page, ide: Ide, shot: Shot) -> None:
    edge = graph_edge(ide, page, "o:resize>work")
    source = edge["source"]
    assert source["file"] == "app/resize.py"
    label = page.locator("[data-label-for='o:resize>work']")
    expect(label).to_contain_text("sqs:SendMessage")
    shot("graph")
    label.click()
    editor = page.get_by_test_id("editor")
    expect(editor).to_have_attribute("data-path", "app/resize.py")
    expect(editor).to_have_attribute("data-line", str(source["line"]))
    cursor_line = page.locator(".editor-pane:not([hidden]) .cm-activeLine")
    expect(cursor_line).to_contain_text("send_message")
    # The operation is marked in the gutter; hovering shows the resource and its actions.
    marker = page.locator(".editor-pane:not([hidden]) [data-testid=op-marker][data-resource=work]")
    marker.hover()
    expect(page.get_by_test_id("op-tooltip")).to_be_visible()
    expect(page.get_by_test_id("op-tooltip")).to_contain_text("work sqs:SendMessage")
    shot("graph-arrow-opened")

    # A trigger arrow lands in tether.yaml, on the trigger's line.
    page.get_by_test_id("tab-graph").click()
    trigger = graph_edge(ide, page, "t:uploads>resize:0")
    page.locator("path[data-edge-id='t:uploads>resize:0']").dispatch_event("click")
    expect(editor).to_have_attribute("data-path", "tether.yaml")
    expect(editor).to_have_attribute("data-line", str(trigger["source"]["line"]))
    shot("graph-trigger-opened")


def test_every_arrow_label_sits_on_its_background(page: Page, ide: Ide, shot: Shot) -> None:
    """The labels' backgrounds are sized without laying the page out (measured on a canvas in
    the labels' fonts): each must still cover its text as the browser draws it, or labels would
    be cut by the arrows behind them."""
    labels = page.locator("[data-testid=graph] g.edge-label")
    expect(labels.first).to_be_visible()
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=graph] g.edge-label')].map((g) => {
            const t = g.querySelector('text').getBBox();
            const r = g.querySelector('rect').getBBox();
            return {label: g.textContent, t: [t.x, t.y, t.x + t.width, t.y + t.height],
                    r: [r.x, r.y, r.x + r.width, r.y + r.height]};
        })"""
    )
    assert len(boxes) == len(page.request.get(ide.base + "api/graph").json()["edges"])
    for box in boxes:
        (tx0, ty0, tx1, ty1), (rx0, ry0, rx1, ry1) = box["t"], box["r"]
        assert tx1 - tx0 > 10, box  # the text is drawn
        assert rx0 <= tx0 and tx1 <= rx1 and ry0 <= ty0 + 1 and ty1 - 1 <= ry1, box
        assert (rx1 - rx0) - (tx1 - tx0) < 12, box  # and the background hugs it
    # No label hides another, even where many arrows share a corridor.
    crossing = [
        (a["label"], b["label"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a["r"][2], b["r"][2]) - max(a["r"][0], b["r"][0]) > 1
        and min(a["r"][3], b["r"][3]) - max(a["r"][1], b["r"][1]) > 1
    ]
    assert not crossing
    shot("graph-labels")


def test_edits_on_disk_show_in_open_tabs(page: Page, ide: Ide, shot: Shot) -> None:
    api = ide.root / "app/api.py"
    open_file(page, "app/api.py")
    # No unsaved edits: the tab follows the file.
    api.write_text(api.read_text() + "\n# edited in another editor\n")
    expect(page.locator(".editor-pane:not([hidden]) .cm-content")).to_contain_text(
        "# edited in another editor", timeout=SLOW
    )
    assert editor_text(page) == api.read_text()
    shot("reloaded-from-disk")

    # Unsaved edits: they are kept, the tab says the file changed on disk, a save is refused.
    click_line(page, "# edited in another editor")
    page.keyboard.type(" and in the IDE")
    api.write_text(api.read_text() + "# and again\n")
    notice = page.get_by_test_id("editor-notice")
    expect(notice).to_have_attribute("data-kind", "disk", timeout=SLOW)
    expect(notice).to_contain_text("changed on disk")
    shot("changed-on-disk")
    page.keyboard.press("Control+s")
    expect(notice).to_have_attribute("data-kind", "conflict")
    expect(notice).to_contain_text("Nothing was overwritten")
    assert "and in the IDE" not in api.read_text()
    shot("save-conflict")
    page.get_by_test_id("notice-reload").click()
    expect(notice).to_be_hidden()
    assert editor_text(page) == api.read_text()
    expect(page.get_by_test_id("tab-app/api.py")).to_have_class("tab active")
