"""The IDE in a real browser: one fixture starts the IDE server (in a thread, on a copy of
examples/photos) and one Chromium (Debian's, driven by Playwright; Playwright's own browser
download is not used). Each test gets a fresh copy, server and page; screenshots of each step
go to the test's tmp folder (`shot`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, running_ide

CHROMIUM = Path(os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WINDOW = {"width": 1440, "height": 900}


@dataclass
class Ide:
    root: Path
    url: str  # with the token
    base: str  # without it


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Install it with `sudo apt-get install -y chromium` (`make test` does it as root), "
            "or point TETHER_CHROMIUM at another Chromium."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def stage() -> str:
    """The stage the IDE opens on; a module whose tests deploy overrides it, so each test has
    its own stack in the shared local cloud."""
    return "dev"


@pytest.fixture
def ide(tmp_path: Path, stage: str) -> Iterator[Ide]:
    """The IDE server on a fresh copy of examples/photos, until the test ends."""
    from tether.ide.server import url

    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    with running_ide(root, stage=stage) as (_, config):
        yield Ide(root=root, url=url(config), base=url(config, with_token=False))


@pytest.fixture
def page(browser: object, ide: Ide) -> Iterator[object]:
    """A page with the IDE open and loaded (tree, side panel and status line filled)."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport=WINDOW)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(ide.url)
    page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def shot(
    page: object, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Path]]:
    """shot("name") saves a full-window screenshot as <tmp>/screenshots/NN-name.png (and one
    named "failed" is taken when the test fails)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    count = 0

    def take(name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{name}.png"
        page.screenshot(path=str(path))  # type: ignore[attr-defined]
        return path

    yield take
    if request.node.stash.get(FAILED, False):
        take("failed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


FAILED = pytest.StashKey[bool]()
