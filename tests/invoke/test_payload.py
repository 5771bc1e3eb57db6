"""Events from the user are checked before anything is invoked: JSON, UTF-8, sane nesting, and
no larger than Lambda's payload limit (6 MB synchronous, 1 MB asynchronous)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tether.errors import ProjectError
from tether.invoke.cases import find_cases
from tether.invoke.invoker import invoke
from tether.invoke.payload import (
    MAX_DEPTH,
    PAYLOAD_LIMITS,
    EventError,
    encode,
    parse_event,
    read_event_file,
    read_event_stream,
)
from tether.invoke.target import Deployed


def test_lambda_payload_limits_are_the_documented_ones() -> None:
    assert PAYLOAD_LIMITS == {"RequestResponse": 6_291_456, "Event": 1_048_576}


def test_a_valid_event_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": [1, 2, {"b": null}]}')  # a BOM is fine
    assert read_event_file(path) == {"a": [1, 2, {"b": None}]}
    assert read_event_stream(io.BytesIO(b"[1]")) == [1]


def test_broken_json_names_line_and_column() -> None:
    with pytest.raises(EventError) as caught:
        parse_event(b'{\n  "a": 1\n  "b": 2\n}', where="events/x.json")
    assert caught.value.message == (
        "the event in events/x.json is not valid JSON: Expecting ',' delimiter at line 3, column 3"
    )
    assert caught.value.hint


def test_deep_nesting_is_refused_without_overflowing_the_stack() -> None:
    for data in (b"[" * 100_000, b'{"a":' * 50_000):
        with pytest.raises(EventError) as caught:
            parse_event(data, where="stdin")
        assert "nested too deeply" in caught.value.message
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_event(ok, where="x") is not None
    with pytest.raises(EventError, match="nested 257 or more levels deep"):
        parse_event(b"[" + ok + b"]", where="x")


def test_binary_data_is_not_an_event() -> None:
    with pytest.raises(EventError) as caught:
        parse_event(b"GIF89a\x01\x00\xff\xfe", where="cat.gif")
    assert caught.value.message == (
        "the event in cat.gif is not UTF-8 text: byte 0xff at offset 8 (line 1) cannot be decoded"
    )
    assert "binary" in caught.value.hint


def test_the_payload_limit_depends_on_the_invocation_type() -> None:
    event = {"data": "x" * (1024 * 1024)}
    assert len(encode(event, kind="RequestResponse")) > PAYLOAD_LIMITS["Event"]
    with pytest.raises(EventError) as caught:
        encode(event, kind="Event")
    assert caught.value.message == (
        "the event is 1.0 MB (1,048,588 bytes) as JSON; Lambda accepts at most 1.0 MB "
        "(1,048,576 bytes) for an asynchronous invoke"
    )


def test_an_event_over_6_mb_is_refused_before_the_cloud_is_called() -> None:
    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the cloud was called: {name}")

    deployed = cast(
        Deployed, SimpleNamespace(function_name=lambda name: "demo-dev-hello", cloud=Untouchable())
    )
    with pytest.raises(EventError) as caught:
        invoke(deployed, "hello", {"data": "x" * 6_291_456}, source="big.json")
    assert caught.value.message.startswith("the event in big.json is 6.0 MB (6,291,468 bytes)")
    assert "6.0 MB (6,291,456 bytes) for a synchronous invoke" in caught.value.message


def test_case_files_with_bad_events_are_problems_with_file_and_line(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    (events / "a.test.yaml").write_text("# a case\nfunction: hello\nevent: a.json\n")
    (events / "a.json").write_bytes(b"\x89PNG\r\n")
    (events / "b.test.json").write_text(json.dumps({"function": "hello", "event": "b.json"}))
    (events / "b.json").write_text("[" * 5000)
    (events / "c.test.yaml").write_text("function: hello\nevent: {when: 2024-13-45}\n")
    with pytest.raises(ProjectError) as caught:
        find_cases(tmp_path)
    found = [(p.file, p.line, p.message) for p in caught.value.problems]
    assert found == [
        (
            "events/a.test.yaml",
            3,
            "the event in events/a.json is not UTF-8 text: byte 0x89 at offset 0 (line 1) "
            "cannot be decoded",
        ),
        ("events/b.test.json", 1, "the event in events/b.json is nested too deeply to read"),
        (
            "events/c.test.yaml",
            2,
            "cannot read '2024-13-45' as a date: month must be in 1..12",
        ),
    ]
