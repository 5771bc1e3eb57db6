"""Bad input through the real `tether` command: an error naming the file, line and fix, exit 1,
never a traceback or a hang.

Covers hostile YAML in tether.yaml and in saved test cases, events that are not JSON Lambda
would accept (binary, not UTF-8, broken JSON, nested 100,000 levels, over 6 MB, from standard
input), and projects bigger than one CloudFormation stack. No stage is deployed: the input is
refused before Tether looks for one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import tether, write_project
from tests.model.test_hostile_yaml import BOMB, indented
from tests.synth.big_project import topic_functions

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "demo",
        """
        name: demo
        functions:
          hello:
            handler: app/main.handler
        """,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "bug in Tether" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


# --- tether.yaml -----------------------------------------------------------------------------


def test_check_refuses_an_alias_bomb_fast(project: Path) -> None:
    (project / "tether.yaml").write_text(
        "name: demo\nfunctions:\n  hello:\n    handler: app/main.handler\n    environment:\n"
        + indented(BOMB, 6)
    )
    started = time.monotonic()
    result = tether("check", cwd=project)
    assert time.monotonic() - started < 20  # the CLI starting up included; it used to hang
    assert_user_error(
        result,
        "tether.yaml:10:34: error: alias *d expands the YAML beyond 50,000 values",
        "hint: each alias (*name) repeats everything its anchor (&name) marks",
        "1 error; nothing was changed",
    )


def test_check_refuses_yaml_nested_400_levels(project: Path) -> None:
    (project / "tether.yaml").write_text(
        "name: demo\nfunctions:\n  hello:\n    handler: app/main.handler\n"
        "    environment: " + "[" * 400 + "]" * 400 + "\n"
    )
    assert_user_error(
        tether("check", cwd=project), "tether.yaml:5:", "the YAML is nested deeper than 64 levels"
    )


MESSAGE_OUTPUTS = (
    "tether.yaml:2:1: error: the project's resources need 202 CloudFormation outputs in its root "
    "stack, more than the 200 AWS allows in one stack"
)


def many_buckets(root: Path, count: int) -> None:
    """Each bucket has 2 outputs (name, ARN), which stay in the root stack."""
    buckets = "".join(f"  b{i:03d}: {{type: s3.bucket}}\n" for i in range(count))
    write_project(root, "name: wide\nresources:\n" + buckets)


def test_check_refuses_a_project_nested_stacks_cannot_hold(tmp_path: Path) -> None:
    many_buckets(tmp_path, 101)
    result = tether("check", cwd=tmp_path)
    assert_user_error(result, MESSAGE_OUTPUTS, "move some functions into another project")
    assert "please report" not in result.stderr


def test_synth_refuses_a_project_nested_stacks_cannot_hold_as_a_user_error(
    tmp_path: Path,
) -> None:
    """It used to reach cfn-lint and ask the user to report a Tether bug."""
    many_buckets(tmp_path, 101)
    result = tether("synth", cwd=tmp_path)
    assert_user_error(result, MESSAGE_OUTPUTS)
    assert "please report" not in result.stderr
    assert result.stdout == ""


def test_synth_writes_the_nested_stacks_of_a_project_over_500_resources(tmp_path: Path) -> None:
    topic_functions(tmp_path, 120)  # 601 resources
    result = tether("synth", "--no-lint", "-o", "out/template.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    nested = sorted(p.name for p in (tmp_path / "out").glob("template.Functions*.json"))
    assert nested and all(f"wrote out/{name} (nested stack" in result.stderr for name in nested)


# --- tether invoke --event ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            PNG,
            "error: the event in event.bin is not UTF-8 text: byte 0x89 at offset 0 (line 1)",
            id="png",
        ),
        pytest.param(
            b'{"key": "caf\xe9"}',
            "error: the event in event.bin is not UTF-8 text: byte 0xe9 at offset 12 (line 1)",
            id="latin-1",
        ),
        pytest.param(
            b'{\n  "a": 1,\n  "b": 2\n  "c": 3\n}\n',
            "error: the event in event.bin is not valid JSON: Expecting ',' delimiter at line 4, "
            "column 3",
            id="broken-json",
        ),
        pytest.param(
            b"{'a': 1}",
            "error: the event in event.bin is not valid JSON: Expecting property name enclosed "
            "in double quotes at line 1, column 2",
            id="single-quotes",
        ),
        pytest.param(b"[" * 100_000, "is nested too deeply to read", id="nested-100000"),
        pytest.param(b"[" * 300 + b"]" * 300, "is nested 257 or more levels deep", id="nested-300"),
        pytest.param(b"  \n", "error: the event in event.bin is empty", id="empty"),
    ],
)
def test_invoke_refuses_an_event_file_that_is_not_json(
    project: Path, content: bytes, expected: str
) -> None:
    (project / "event.bin").write_bytes(content)
    result = tether("invoke", "hello", "--event", "event.bin", cwd=project)
    assert_user_error(result, expected, "hint: ")


def test_invoke_refuses_an_event_over_6_mb_before_invoking(project: Path) -> None:
    (project / "big.json").write_text(json.dumps({"data": "x" * (6 * 1024 * 1024)}))
    result = tether("invoke", "hello", "--event", "big.json", cwd=project)
    assert_user_error(
        result,
        "error: the event in big.json is 6.0 MB (6,291,468 bytes) as JSON; Lambda accepts at "
        "most 6.0 MB (6,291,456 bytes) for a synchronous invoke",
    )


def test_invoke_reads_a_broken_event_from_standard_input(project: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "tether.cli.main", "invoke", "hello", "--event", "-"],
        cwd=project,
        env=env,
        input=b'{"a": }',
        capture_output=True,
        timeout=60,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in stderr, stderr
    assert (
        "error: the event in standard input is not valid JSON: Expecting value at line 1, column 7"
        in stderr
    )


def test_invoke_names_a_missing_event_file(project: Path) -> None:
    result = tether("invoke", "hello", "--event", "nope.json", cwd=project)
    assert_user_error(result, "error: event file nope.json not found")


# --- tether test (events/*.test.yaml) ----------------------------------------------------------


def test_test_reports_every_broken_case_with_file_and_line(project: Path) -> None:
    events = project / "events"
    events.mkdir()
    (events / "png.test.yaml").write_bytes(PNG)
    (events / "bomb.test.yaml").write_text(
        "function: hello\nevent:\n" + indented(BOMB, 2) + "expect: {}\n"
    )
    (events / "deep.test.yaml").write_text("function: hello\nevent: deep.json\n")
    (events / "deep.json").write_text("[" * 100_000)
    (events / "broken.test.yaml").write_text("function: hello\nevent: broken.json\n")
    (events / "broken.json").write_text('{"a": 1,}')
    (events / "big.test.yaml").write_text("function: hello\nevent: big.json\n")
    (events / "big.json").write_text(json.dumps(["x" * (7 * 1024 * 1024)]))
    result = tether("test", cwd=project)
    assert_user_error(
        result,
        "events/png.test.yaml:1:1: error: the test case is not UTF-8 text (byte 0x89 at offset 0)",
        "events/bomb.test.yaml:7:30: error: alias *d expands the YAML beyond 50,000 values",
        "events/deep.test.yaml:2:1: error: the event in events/deep.json is nested too deeply "
        "to read",
        "events/broken.test.yaml:2:1: error: the event in events/broken.json is not valid "
        "JSON: Expecting property name enclosed in double quotes at line 1, column 9",
        "events/big.test.yaml:2:1: error: the event in events/big.json is 7.0 MB (7,340,036 "
        "bytes) as JSON; Lambda accepts at most 6.0 MB (6,291,456 bytes) for a synchronous invoke",
    )


def test_check_refuses_a_handler_nested_too_deep_for_python(project: Path) -> None:
    """`x = 1 + 1 + ...` 50,000 times overflows CPython's parser (a RecursionError)."""
    (project / "app" / "main.py").write_text(
        "x = 1" + " + 1" * 50_000 + "\ndef handler(event, context):\n    return x\n"
    )
    assert_user_error(
        tether("check", cwd=project),
        "app/main.py:1:1: error: app/main.py is nested too deeply for Python to parse",
    )
