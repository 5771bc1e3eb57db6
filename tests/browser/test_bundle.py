"""The IDE bundle shipped in the Python package is the one its sources build (no Node needed:
the build writes the digest of its sources into the bundle's first line)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.helpers import REPO

FRONTEND = REPO / "frontend"
STATIC = REPO / "src" / "tether" / "ide" / "static"


def sources_hash() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sources_hash", FRONTEND / "sources_hash.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_bundle_matches_its_sources() -> None:
    module = sources_hash()
    assert module.stale(STATIC, FRONTEND) == [], (
        "the IDE bundle is stale: run `make bundle` (npm ci and the build in frontend/) and commit "
        "src/tether/ide/static/"
    )


def test_the_digest_covers_every_source() -> None:
    module = sources_hash()
    listed = module.sources(FRONTEND)
    assert {"package-lock.json", "build.mjs", "src/main.ts", "src/index.html"} <= set(listed)
    assert not any(p.startswith("node_modules") for p in listed)


def test_the_page_loads_nothing_from_elsewhere() -> None:
    index = (STATIC / "index.html").read_text()
    assert "http://" not in index and "https://" not in index
    assert "/static/app.js" in index and "/static/app.css" in index
