"""Test-case files: how they are read and how results are matched (no cloud needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.errors import ProjectError
from tether.invoke.cases import find_cases, is_subset


def test_subset_matching_is_recursive_and_strict_on_values() -> None:
    result = {"statusCode": 200, "headers": {"a": "1", "b": "2"}, "items": [{"id": 1, "x": 2}]}
    assert is_subset({"statusCode": 200, "headers": {"a": "1"}}, result)
    assert is_subset({"items": [{"id": 1}]}, result)
    assert not is_subset({"statusCode": 404}, result)
    assert not is_subset({"items": []}, result)
    assert not is_subset({"missing": None}, result)


def test_cases_are_found_with_their_event_files(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "get.json").write_text('{"pathParameters": {"id": "cat"}}')
    (tmp_path / "events" / "get.test.yaml").write_text(
        "function: api\nevent: get.json\nexpect:\n  result: {statusCode: 200}\n"
    )
    (tmp_path / "events" / "inline.test.yaml").write_text(
        "function: worker\nevent: {Records: []}\n"
    )
    cases = find_cases(tmp_path)
    assert [(c.name, c.function) for c in cases] == [
        ("events/get.test.yaml", "api"),
        ("events/inline.test.yaml", "worker"),
    ]
    assert cases[0].event == {"pathParameters": {"id": "cat"}}
    assert [c.name for c in find_cases(tmp_path, "inline")] == ["events/inline.test.yaml"]


def test_a_broken_case_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "bad.test.yaml").write_text(
        "function: api\nevent: missing.json\nexpect:\n  reslt: {}\n"
    )
    with pytest.raises(ProjectError) as error:
        find_cases(tmp_path)
    messages = [(p.file, p.line, p.message) for p in error.value.problems]
    assert ("events/bad.test.yaml", 4, "unknown expectation 'reslt'") in messages
    assert ("events/bad.test.yaml", 2, "event file missing.json not found") in messages
