"""Reading YAML with positions: every key and value keeps its 1-based line and column.

The loader needs positions to point users at the exact spot of a problem; ruamel.yaml's
round-trip loader records them, and these helpers read them back in one convention, from its
commented containers or from the marked ones `tether.model.fastyaml` reads faster.

Reading is also where hostile or accidental YAML is stopped, before anything walks the data:
aliases that would expand into millions of values ("billion laughs"), an alias inside the value
it names, nesting deeper than `MAX_DEPTH` levels (ruamel and Tether's own walks recurse), and
scalars ruamel cannot convert (a 5000-digit number, the date 2024-13-45). Each becomes a
YamlSyntaxError with the position of the offending alias or value.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLWarning
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.reader import ReaderError

from tether.model.marked import MarkedList, MarkedMap

Pos = tuple[int, int]

MAX_DEPTH = 64  # levels of nested mappings and lists; a project file needs fewer than ten
# what aliases may add to a document once expanded: values, and characters of scalars (a long
# string repeated is a bomb too); the template AWS accepts is at most 1 MB anyway
MAX_ALIAS_VALUES = 50_000
MAX_ALIAS_CHARACTERS = 2_000_000
MAX_FILE_BYTES = 1024 * 1024  # a project file of 1 MB is already far beyond any real one


class YamlSyntaxError(Exception):
    """YAML that Tether will not read: bad syntax, or a document too large, deep or aliased to
    read safely. Carries the position to blame and a hint."""

    def __init__(self, message: str, pos: Pos, hint: str) -> None:
        super().__init__(message)
        self.message, self.pos, self.hint = message, pos, hint


class _Refused(Exception):
    """Raised inside ruamel's composer or constructor; `parse` turns it into YamlSyntaxError."""

    def __init__(self, mark: Any, message: str, hint: str) -> None:
        super().__init__(message)
        self.pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        self.message, self.hint = message, hint


class _BoundedComposer(Composer):
    """ruamel's composer (set as `YAML.Composer`), measuring what each node would become once
    its aliases are expanded.

    ruamel shares one node for every use of an anchor, so reading stays cheap, but whatever walks
    the data later (conversion to plain values, json.dumps of the template, cfn-lint) visits the
    anchor once per use: nine nested levels of nine aliases each are 387 million values. Each
    node's expanded size and height are recorded as it is composed, so an alias is measured in
    constant time, and the document is refused at the first alias that goes over a budget.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False  # legal YAML: a later anchor replaces an earlier one
        self._measured: dict[int, _Size] = {}  # id(node) -> its size with aliases expanded
        self._nesting = 0  # collections open around the node being composed
        self._added = _Size(0, 0, 0)  # what aliases have added so far (height unused)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            self._measure_alias(self.parser.peek_event())
            return super().compose_node(parent, index)
        event = self.parser.peek_event()
        opens = isinstance(event, MappingStartEvent | SequenceStartEvent)
        if opens and self._nesting >= MAX_DEPTH:
            raise _Refused(
                event.start_mark, f"the YAML is nested deeper than {MAX_DEPTH} levels", _FLAT
            )
        self._nesting += opens
        try:
            node = super().compose_node(parent, index)
        finally:
            self._nesting -= opens
        self._measured[id(node)] = self._measure(node)
        return node

    def _measure(self, node: Node) -> _Size:
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            return _Size(1, len(str(node.value)), 0)
        sizes = [self._measured.get(id(child), _Size(1, 0, 0)) for child in children]
        return _Size(
            1 + sum(s.values for s in sizes),
            sum(s.characters for s in sizes),
            1 + max((s.height for s in sizes), default=0),
        )

    def _measure_alias(self, event: Any) -> None:
        name = event.anchor
        target = self.anchors.get(name)
        if target is None:
            return  # ruamel reports the undefined alias
        size = self._measured.get(id(target))
        if size is None:
            raise _Refused(
                event.start_mark,
                f"alias *{name} is inside the value it refers to, so it never ends",
                f"an alias may only repeat a value that is complete before it; write the value "
                f"out instead of *{name}",
            )
        if self._nesting + size.height > MAX_DEPTH:
            raise _Refused(
                event.start_mark,
                f"alias *{name} nests the YAML deeper than {MAX_DEPTH} levels",
                _FLAT,
            )
        added = self._added = _Size(
            self._added.values + size.values, self._added.characters + size.characters, 0
        )
        over = (
            f"{MAX_ALIAS_VALUES:,} values"
            if added.values > MAX_ALIAS_VALUES
            else f"{MAX_ALIAS_CHARACTERS:,} characters"
            if added.characters > MAX_ALIAS_CHARACTERS
            else None
        )
        if over is not None:
            raise _Refused(
                event.start_mark,
                f"alias *{name} expands the YAML beyond {over}",
                "each alias (*name) repeats everything its anchor (&name) marks, aliases inside "
                "it included, so nested aliases multiply (an alias bomb); write the values out, "
                "or repeat smaller pieces",
            )


class _Size(NamedTuple):
    values: int  # scalars, mappings and lists
    characters: int  # in scalars
    height: int  # levels of mappings and lists


_FLAT = "a project file needs only a few levels of mappings and lists; flatten the data"


_KINDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:bool": "a boolean",
}


class _CheckedConstructor(RoundTripConstructor):
    """ruamel's round-trip constructor; a scalar it cannot convert is refused at its position
    instead of escaping as a bare ValueError (a 5000-digit number, the date 2024-13-45)."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            value = str(node.value) if isinstance(node.value, str) else ""
            shown = repr(value if len(value) <= 40 else value[:37] + "...")
            kind = _KINDS.get(str(node.tag), "a value")
            detail = str(exc).split(";")[0]
            raise _Refused(
                node.start_mark,
                f"cannot read {shown} as {kind}: {detail}"
                if value
                else f"cannot read this value: {detail}",
                f'quote it to keep it as text: "{value[:40]}"' if value else "check the value",
            ) from None


def parse(text: str) -> Any:
    """Parse YAML text; raise YamlSyntaxError with a position and a hint on bad syntax, and on
    documents too large, too deep or too aliased to read safely."""
    if len(text) > MAX_FILE_BYTES:
        raise YamlSyntaxError(
            f"the file is {_size(len(text))}, more than the {_size(MAX_FILE_BYTES)} Tether reads",
            (1, 1),
            "a project file holds settings, not data: keep large values in other files",
        )
    yaml = YAML(typ="rt")
    yaml.Composer = _BoundedComposer
    yaml.Constructor = _CheckedConstructor
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", YAMLWarning)
            return yaml.load(text)
    except _Refused as exc:
        raise YamlSyntaxError(exc.message, exc.pos, exc.hint) from None
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
    except (ValueError, AssertionError, TypeError) as exc:
        # ruamel refuses a few documents with bare exceptions and no position: `%YAML 1.3`,
        # a repeated key in an `!!omap`
        detail = str(exc) or "the YAML library refused this document"
        raise YamlSyntaxError(
            f"YAML that cannot be read: {detail}", (1, 1), "fix the YAML"
        ) from None


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


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
    if isinstance(node, MarkedMap):
        marks = node.marks.get(key)
        return default if marks is None else marks[0]
    owner = _written_in(node, key) if isinstance(node, CommentedMap) and key in node else None
    if owner is None:
        return default
    line, col = owner.lc.key(key)
    return (line + 1, col + 1)


def value_pos(node: Any, key: Any, default: Pos) -> Pos:
    if isinstance(node, MarkedMap):
        marks = node.marks.get(key)
        if marks is None:
            return default
        return marks[0] if node[key] is None else marks[1]
    owner = _written_in(node, key) if isinstance(node, CommentedMap) and key in node else None
    if owner is None:
        return default
    if owner[key] is None:
        # ruamel places a missing value at the next token, often on a later line
        return key_pos(owner, key, default)
    line, col = owner.lc.value(key)
    return (line + 1, col + 1)


def item_pos(node: Any, index: int, default: Pos) -> Pos:
    if isinstance(node, MarkedList):
        return node.marks[index] if index < len(node) else default
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
