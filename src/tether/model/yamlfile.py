"""Reading YAML with positions: every key and value keeps its 1-based line and column.

The loader needs positions to point users at the exact spot of a problem; ruamel.yaml's
round-trip loader records them, and these helpers read them back in one convention.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

Pos = tuple[int, int]


class YamlSyntaxError(Exception):
    def __init__(self, message: str, pos: Pos, hint: str) -> None:
        super().__init__(message)
        self.message, self.pos, self.hint = message, pos, hint


def parse(text: str) -> Any:
    """Parse YAML text; raise YamlSyntaxError with a position and a hint on bad syntax."""
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        hint = "fix the YAML syntax"
        if "duplicate key" in problem:
            hint = "each key may appear once in a mapping; remove or rename one of them"
            if exc.context_mark is not None and "original" in problem:
                problem += f" (first at line {exc.context_mark.line + 1})"
        elif "\\t" in problem or "'\\t'" in problem:
            hint = "YAML indentation must use spaces, not tabs"
        elif exc.context and exc.context_mark is not None and exc.problem_mark is not None:
            hint = f"{exc.context.strip()} at line {exc.context_mark.line + 1}; check that it is closed"
        raise YamlSyntaxError(f"YAML syntax error: {problem}", pos, hint) from None


def key_pos(node: Any, key: Any, default: Pos) -> Pos:
    if isinstance(node, CommentedMap) and key in node:
        line, col = node.lc.key(key)
        return (line + 1, col + 1)
    return default


def value_pos(node: Any, key: Any, default: Pos) -> Pos:
    if isinstance(node, CommentedMap) and key in node:
        line, col = node.lc.value(key)
        return (line + 1, col + 1)
    return default


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
        return f"the text {str(value)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
