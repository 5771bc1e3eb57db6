"""Atomic writes: a user's file waits for the disk before it replaces the old one; a cache
(the analysis results) does not wait, since losing it costs only a recomputation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE
from tether.analysis.cache import AnalysisCache
from tether.atomic import write_atomically


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return calls


def test_a_users_file_is_synced_and_a_cache_is_not(tmp_path: Path, fsyncs: list[int]) -> None:
    target = tmp_path / "tether.yaml"
    target.write_text("old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and len(fsyncs) == 1
    write_atomically(target, b"newer", durable=False)
    assert target.read_bytes() == b"newer" and len(fsyncs) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["tether.yaml"]  # no temporary left


def test_the_analysis_cache_is_saved_without_waiting_for_the_disk(
    tmp_path: Path, fsyncs: list[int]
) -> None:
    from tether.analysis import analyse
    from tether.model import read_project_file

    project = read_project_file(EXAMPLE)
    cache = AnalysisCache(tmp_path / "analysis")
    analyse(project, cache=cache)
    cache.save()
    written = {p.name for p in (tmp_path / "analysis").iterdir()}
    assert {"functions.json", "modules.json"} <= written
    assert fsyncs == []
