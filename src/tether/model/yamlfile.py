"""Reading YAML with positions: every key and value keeps its 1-based line and column.

The loader needs positions to point users at the exact spot of a problem; ruamel.yaml's
round-trip loader records them, and these helpers read them back in one convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

Pos = tuple[int, int]


class YamlSyntaxError(Exception):
    def __init__(self, message: str, pos: Pos, hint: str) -> None:
        super().__init__(message)
        self.message, self.pos, self.hint = message, pos, hint


def parse(text: str) -> Any:
    """Parse YAML text; raise YamlSyntaxError with a position and a hint on bad syntax."""
    try:
        return YAML(typ="rt").load(text)
    except ReaderError as exc:
        before = text[: exc.position]
        pos = (before.count("\n") + 1, len(before) - before.rfind("\n"))
        raise YamlSyntaxError(
            f"YAML syntax error: unacceptable character #x{exc.character:04x}: {exc.reason}",
            pos,
            "remove the character; a project file holds printable text only",
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        context = (exc.context or "").strip()
        hint = "fix the YAML syntax"
        if "duplicate key" in problem:
            hint = "each key may appear once in a mapping; remove or rename one of them"
            if exc.context_mark is not None and "original" in problem:
                # drop ruamel's dump of both values: a whole function's settings, say
                problem = problem.split(" with value ", 1)[0]
                problem += f" (first at line {exc.context_mark.line + 1})"
        elif "\\t" in problem or "'\\t'" in problem:
            hint = "YAML indentation must use spaces, not tabs"
        elif "another document" in problem:
            hint = "a project file holds one YAML document; remove the '---' line"
        elif "simple key" in context and exc.context_mark is not None:
            # the key that lacks its ':' is where the scan started, not where it gave up
            pos = (exc.context_mark.line + 1, exc.context_mark.column + 1)
            hint = "write each setting as `key: value`; is a ':' missing?"
        elif context and exc.context_mark is not None and exc.problem_mark is not None:
            line = exc.context_mark.line + 1
            if "block" not in context:
                hint = f"{context} at line {line}; check that it is closed"
            elif "found '}'" in problem or "found ']'" in problem:
                hint = f"{context} at line {line}; remove the bracket that closes nothing"
            else:
                hint = f"{context} at line {line}; check the indentation"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", pos, hint) from None


def _written_in(node: CommentedMap, key: Any) -> CommentedMap | None:
    """The mapping where `key` is written: `node`, or one merged into it with `<<: *anchor`."""
    if key in (node.lc.data or {}):
        return node
    for merged in getattr(node, merge_attrib, []):
        source = merged[1] if isinstance(merged, tuple) else merged  # ruamel < 0.19: (pos, map)
        if isinstance(source, CommentedMap) and key in source:
            return _written_in(source, key)
    return None


def key_pos(node: Any, key: Any, default: Pos) -> Pos:
    owner = _written_in(node, key) if isinstance(node, CommentedMap) and key in node else None
    if owner is None:
        return default
    line, col = owner.lc.key(key)
    return (line + 1, col + 1)


def value_pos(node: Any, key: Any, default: Pos) -> Pos:
    owner = _written_in(node, key) if isinstance(node, CommentedMap) and key in node else None
    if owner is None:
        return default
    if owner[key] is None:
        # ruamel places a missing value at the next token, often on a later line
        return key_pos(owner, key, default)
    line, col = owner.lc.value(key)
    return (line + 1, col + 1)


def item_pos(node: Any, index: int, default: Pos) -> Pos:
    if isinstance(node, CommentedSeq) and index < len(node):
        line, col = node.lc.item(index)
        return (line + 1, col + 1)
    return default


def plain(value: Any) -> Any:
    """ruamel's commented containers and scalar types -> plain dict, list, str, int, float."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def describe(value: Any) -> str:
    """How a value reads to a user in an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, list | tuple):  # a tuple is a list used as a key: `? [a, b]`
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__
