"""Unpacked code goes once nothing needs it: not a version the caller still needs, not one a
worker runs, not one asked for a moment ago (its worker may be starting); a removed version
that is asked for again is unpacked again, whole. The runtime in this process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.test_workers import ListSink, spec
from tether.runtime import Runtime, artifacts


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    made = Runtime(home=tmp_path, endpoint=lambda: "http://127.0.0.1:9", sink=ListSink())
    try:
        yield made
    finally:
        made.shutdown()


def version(n: int) -> str:
    return f"VERSION = {n}\n\ndef handler(event, context):\n    return VERSION\n"


def test_only_what_is_needed_or_asked_for_just_now_stays(tmp_path: Path) -> None:
    old, kept, fresh = (spec({"app/main.py": version(n)}) for n in range(3))
    for function in (old, kept):
        artifacts.code_dir(tmp_path, function.code)

    removed = artifacts.remove_unused(tmp_path, {kept.code.sha256}, recent=0)

    assert removed == [old.code.sha256]
    assert artifacts.unpacked_digests(tmp_path) == {kept.code.sha256}
    time.sleep(0.3)
    artifacts.code_dir(tmp_path, fresh.code)  # asked for just now: its worker may be starting
    assert artifacts.remove_unused(tmp_path, set(), recent=0.2) == [kept.code.sha256]
    assert artifacts.unpacked_digests(tmp_path) == {fresh.code.sha256}
    assert (artifacts.code_dir(tmp_path, old.code) / "app" / "main.py").read_text() == version(0)


def test_the_code_of_a_running_worker_stays(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, replaced = spec({"app/main.py": version(1)}), spec({"app/main.py": version(2)})
    assert json.loads(runtime.invoke(running, "{}").payload) == 1  # its worker stays warm
    artifacts.code_dir(tmp_path, replaced.code)
    monkeypatch.setattr(artifacts, "RECENT", 0.0)  # what was asked for just now is not kept

    removed = runtime.release_unpacked(set())

    assert removed == [replaced.code.sha256]
    assert running.code.sha256 in artifacts.unpacked_digests(tmp_path)
    runtime.retire(running.arn)  # its worker goes: now it may go too
    assert running.code.sha256 in artifacts.remove_unused(tmp_path, set(), recent=0)
