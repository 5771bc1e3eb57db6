"""Hostile or accidental YAML in tether.yaml is refused fast, with the file, the line and a fix.

Alias bombs ("billion laughs") in any field, aliases inside themselves, nesting hundreds of
levels deep, values ruamel cannot convert and files of many megabytes must never hang, overflow
the stack or escape as a traceback. Each test runs the load in a thread with a deadline, so a
regression fails instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_project
from tether import ProjectError, load_project
from tether.errors import Problem
from tether.model.yamlfile import MAX_DEPTH, YamlSyntaxError, parse

BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """Run `call` in a thread; fail if it takes longer than `seconds` (it may hang forever)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    assert time.perf_counter() - started < seconds
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def errors_of(root: Path, seconds: float = 1.0) -> list[Problem]:
    with pytest.raises(ProjectError) as caught:
        within(seconds, lambda: load_project(root))
    return [p for p in caught.value.problems if p.severity == "error"]


def indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def bomb_project(tmp_path: Path, where: str) -> Path:
    """A project with the bomb in one field: a schedule's input, an SNS filter, the environment
    of a function, or a key Tether does not know (read and reported, never expanded)."""
    fields = {
        "schedule input": ("triggers:\n  - resource: nightly\n    input:\n", 6),
        "sns filter": ("triggers:\n  - resource: alerts\n    filter:\n", 6),
        "environment": ("environment:\n", 2),
        "unknown key": ("extra:\n", 2),
    }
    head, indent = fields[where]
    text = (
        "name: demo\n"
        "resources:\n"
        "  nightly: {type: schedule, expression: rate(1 day)}\n"
        "  alerts: {type: sns.topic}\n"
        "functions:\n"
        "  hello:\n"
        "    handler: app/main.handler\n" + indented(head, 4) + indented(BOMB, 4 + indent)
    )
    return write_project(tmp_path, text)


@pytest.mark.parametrize("where", ["schedule input", "sns filter", "environment", "unknown key"])
def test_an_alias_bomb_in_any_field_is_refused_in_well_under_a_second(
    tmp_path: Path, where: str
) -> None:
    """Nine levels of nine aliases (387 million values) are refused at the alias that overflows."""
    root = bomb_project(tmp_path, where)
    errors = errors_of(root, seconds=1.0)
    assert len(errors) == 1, errors
    problem = errors[0]
    assert problem.file == "tether.yaml"
    assert "expands the YAML beyond 50,000 values" in problem.message
    assert problem.message.startswith("alias *")
    line = root.joinpath("tether.yaml").read_text().splitlines()[problem.line - 1]
    assert line.lstrip().startswith("e: &e [*d"), line
    assert "alias bomb" in problem.hint


def test_a_long_string_repeated_by_aliases_is_a_bomb_too() -> None:
    """Few values but megabytes of text: the characters aliases add are bounded as well."""
    text = "s: &s " + "x" * 100_000 + "\n" + "".join(f"k{i}: *s\n" for i in range(40))
    with pytest.raises(YamlSyntaxError) as caught:
        within(1.0, lambda: parse(text))
    assert "expands the YAML beyond 2,000,000 characters" in caught.value.message


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    """`&a [*a]` is an endless list; walking it would overflow the stack."""
    for text in ("a: &a [1, *a]\n", "a: &a {x: *a}\n"):
        with pytest.raises(YamlSyntaxError) as caught:
            within(1.0, lambda text=text: parse(text))
        assert caught.value.message == "alias *a is inside the value it refers to, so it never ends"
        assert caught.value.pos == (1, 11)


def test_merge_keys_and_ordinary_aliases_still_work(tmp_path: Path) -> None:
    """`<<: *defaults` and a repeated environment are ordinary YAML and load as before."""
    root = write_project(
        tmp_path,
        """
        name: demo
        functions:
          base: &defaults
            handler: app/main.handler
            memory: 512
            environment: &env {LOG_LEVEL: debug, MODE: fast}
          other:
            <<: *defaults
            timeout: 10
          third:
            handler: app/main.handler
            environment: *env
        """,
    )
    project = within(5.0, lambda: load_project(root))
    assert project.functions["other"].memory == 512
    assert project.functions["other"].timeout == 10
    assert dict(project.functions["third"].environment) == {"LOG_LEVEL": "debug", "MODE": "fast"}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x: " + "[" * 400 + "]" * 400 + "\n", id="flow-lists"),
        pytest.param("x: " + "{a: " * 400 + "1" + "}" * 400 + "\n", id="flow-mappings"),
        pytest.param(
            "".join("  " * i + f"k{i}:\n" for i in range(400)) + "  " * 400 + "end: 1\n",
            id="block-mappings",
        ),
        pytest.param(
            "".join("  " * i + "-\n" for i in range(400)) + "  " * 400 + "- 1\n", id="block-lists"
        ),
    ],
)
def test_yaml_nested_hundreds_of_levels_deep_is_a_clear_error(text: str) -> None:
    """400 levels used to overflow ruamel's recursive constructor (RecursionError)."""
    with pytest.raises(YamlSyntaxError) as caught:
        within(2.0, lambda: parse(text))
    assert caught.value.message == f"the YAML is nested deeper than {MAX_DEPTH} levels"
    assert caught.value.pos[0] >= 1
    assert "flatten" in caught.value.hint


def test_nesting_up_to_the_limit_is_fine_and_aliases_count_their_depth() -> None:
    assert parse("x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)) is not None
    deep = "[" * 40 + "]" * 40
    text = f"a: &a {deep}\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    with pytest.raises(YamlSyntaxError) as caught:
        parse(text)
    assert caught.value.message == f"alias *a nests the YAML deeper than {MAX_DEPTH} levels"
    assert caught.value.pos == (2, 34)


def test_deep_nesting_in_tether_yaml_names_file_and_line(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "name: demo\nfunctions:\n  hello:\n    handler: app/main.handler\n"
        "    environment: " + "[" * 100_000 + "]" * 100_000 + "\n",
    )
    errors = errors_of(root, seconds=5.0)
    assert [(p.file, p.line) for p in errors] == [("tether.yaml", 5)]
    assert errors[0].message == f"the YAML is nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9" * 5000, "cannot read '99999"),
        ("2024-13-45", "cannot read '2024-13-45' as a date: month must be in 1..12"),
        ("!!int many", "cannot read 'many' as a number"),
    ],
)
def test_values_ruamel_cannot_convert_are_errors_at_their_position(
    tmp_path: Path, value: str, message: str
) -> None:
    """These used to escape from ruamel as a bare ValueError: a traceback."""
    root = write_project(
        tmp_path,
        f"name: demo\nfunctions:\n  hello:\n    handler: app/main.handler\n    memory: {value}\n",
    )
    errors = errors_of(root)
    assert [(p.line, p.column) for p in errors] == [(5, 13)]
    assert message in errors[0].message
    assert "quote it" in errors[0].hint


def test_a_50_mb_project_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    root = write_project(tmp_path, "name: demo\n")
    with (root / "tether.yaml").open("ab") as file:
        file.truncate(50 * 1024 * 1024)
    errors = errors_of(root, seconds=1.0)
    assert [p.message for p in errors] == [
        "tether.yaml is 50.0 MB; a project file may be at most 1 MB"
    ]


def test_a_binary_project_file_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    root = write_project(tmp_path, "name: demo\n")
    (root / "tether.yaml").write_bytes(b"name: demo\nfunctions:\n  \x89PNG\r\n")
    errors = errors_of(root)
    assert [(p.line, p.message) for p in errors] == [
        (3, "tether.yaml is not UTF-8 text (byte 0x89 at offset 24)")
    ]


def test_an_unreadable_project_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    root = write_project(tmp_path, "name: demo\n")
    (root / "tether.yaml").unlink()
    (root / "tether.yaml").mkdir()
    errors = errors_of(root)
    assert errors and errors[0].message.startswith("cannot read tether.yaml")


def test_the_ruamel_internals_relied_on_exist() -> None:
    """The guards subclass ruamel's composer and constructor; an upgrade that renames what they
    override or read must fail here, by name, not silently stop guarding."""
    import inspect

    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.constructor import RoundTripConstructor

    assert list(inspect.signature(Composer.compose_node).parameters) == ["self", "parent", "index"]
    assert list(inspect.signature(RoundTripConstructor.construct_object).parameters) == [
        "self",
        "node",
        "deep",
    ]
    composer = Composer()
    assert composer.anchors == {}
    assert hasattr(composer, "warn_double_anchors")
    yaml = YAML(typ="rt")
    assert yaml.Composer is Composer and yaml.Constructor is RoundTripConstructor
