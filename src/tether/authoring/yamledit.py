"""Minimal text edits of a project file (tether.yaml): set, remove, append to and rename the
setting at a path, changing only the characters of the edited spot, so that everything else the
user wrote (comments, key order, quoting, blank lines, flow or block style, CRLF line endings,
anchors) stays byte for byte as it was. Re-serialising the YAML would reformat the file, so the
text is parsed only to find where each value starts and ends (ruamel.yaml's event stream marks
both, and tells an alias from the value it repeats), the new text is spliced in, written the way
its neighbours are written, and the result is parsed again to check it reads back as intended.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from tether.authoring.edits import AuthoringError
from tether.model.yamlfile import YamlSyntaxError, parse, plain

Path = tuple[str | int, ...]

LINE_LIMIT = 100  # a mapping is written inline ({a: 1}) when its line stays this short
_NULLS = ("", "~", "null", "Null", "NULL")
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
_STR_TAG = "tag:yaml.org,2002:str"

Edits = list[tuple[int, int, str]]  # (start, end, new text): replace text[start:end]


class YamlEditError(AuthoringError):
    """An edit of the project file that cannot be made as asked: a missing key, a list where a
    mapping is needed, an alias whose change would change every use of its anchor, bad YAML."""


# --- the public operations ------------------------------------------------------------------


def set_value(text: str, path: Path, value: object) -> str:
    """Set the mapping key at `path` to `value`: replace the value if the key exists (keeping a
    comment that follows it on the same line), else add the key to its parent mapping. The parent
    mapping must exist, EXCEPT that missing intermediate mapping keys are created (e.g. setting
    ("functions","api","environment","X") when `api` has no `environment:` creates it). An int
    last in `path` replaces that item of a list."""
    doc = _Doc(text)
    _need(path)
    depth, edits = _set_edits(doc, path, value)
    result = _splice(text, edits)
    _check(doc, result, path[:depth], lambda data: _set_plain(data, path[depth:], value))
    return result


def _set_edits(doc: _Doc, path: Path, value: object) -> tuple[int, Edits]:
    """Follow `path` down to the deepest mapping or list that holds it; return its depth and
    the edits that set the rest of the path there (creating the missing keys in one value)."""
    node = doc.root
    for depth, key in enumerate(path):
        here, rest = path[: depth + 1], path[depth + 1 :]
        creating = any(isinstance(part, int) for part in rest)  # only keys can be created
        index = _index(doc, node, key, here)
        if index is None:
            if rest:
                _refuse_inherited(doc, node, str(key), here, "setting a key inside")
                if creating:
                    raise _missing(doc, node, str(key), here)
            return depth, _add_pair(doc, node, str(key), _nest(rest, value), block_list=True)
        child = node.items[index]
        if child.is_null and creating:
            raise YamlEditError(
                f"`{_show(path)}` is not in the file: `{_show(here)}` (line "
                f"{doc.line(child.head)}) is empty",
                hint="a list item can only be set once the list has it; append it instead",
            )
        if not rest or child.is_null:
            return depth, _replace(doc, node, child, _nest(rest, value), here)
        node = child
    raise AssertionError("unreachable: the path is not empty")


def remove(text: str, path: Path) -> str:
    """Remove a mapping key (with its whole value, and the comment lines directly above it at its
    indentation) or a list item. Removing the last entry of a list or mapping leaves its key with
    an empty flow collection (`triggers: []`, `resources: {}`)."""
    doc = _Doc(text)
    _need(path)
    parent, key = _walk(doc, path[:-1]), path[-1]
    index = _index(doc, parent, key, path)
    if index is None:
        _refuse_inherited(doc, parent, str(key), path, "removing")
        raise _missing(doc, parent, str(key), path)
    target = parent.items[index]
    _refuse_shared_anchor(doc, target.head, target.end, path, "removing")
    edits = _flow_remove(doc, parent, index) if parent.flow else _block_remove(doc, parent, index)
    result = _splice(text, edits)
    shadowed = parent.kind == "map" and _inherited(doc, parent, str(key)) is not None
    ignore = str(key) if shadowed else None  # the inherited value shows through again
    _check(doc, result, path[:-1], lambda data: _remove_plain(data, key), ignore=ignore)
    return result


def append(text: str, path: Path, value: object) -> str:
    """Append `value` to the list at `path`; if the key does not exist in its parent mapping,
    create it holding a one-item list."""
    doc = _Doc(text)
    _need(path)
    parent, key = _walk(doc, path[:-1]), path[-1]
    index = _index(doc, parent, key, path)
    if index is None:
        _refuse_inherited(doc, parent, str(key), path, "appending to")
        edits = _add_pair(doc, parent, str(key), [value], block_list=True)
    else:
        target = parent.items[index]
        _refuse_alias(doc, target, path)
        if target.is_null:
            edits = _replace(doc, parent, target, [value], path)
        elif target.kind != "seq":
            raise _wrong_kind(doc, target, path, "a list")
        elif target.flow:
            edits = _flow_insert(doc, target, render(value))
        else:
            edits = _block_insert(doc, target, [f"- {render(value)}"])
    result = _splice(text, edits)
    _check(doc, result, path[:-1], lambda data: _append_plain(data, key, value))
    return result


def rename_key(text: str, path: Path, new: str) -> str:
    """Rename the mapping key at `path` (only the key token changes; its value, comments and
    position stay)."""
    doc = _Doc(text)
    _need(path)
    parent, key = _walk(doc, path[:-1]), path[-1]
    if isinstance(key, int):
        raise YamlEditError(
            f"`{_show(path)}` is a list item, which has no key to rename",
            hint="rename a key of a mapping",
        )
    index = _index(doc, parent, key, path)
    if index is None:
        _refuse_inherited(doc, parent, key, path, "renaming")
        raise _missing(doc, parent, key, path)
    if new == key:
        return text
    clash = _own(parent, new)
    if clash is not None:
        raise YamlEditError(
            f"`{_show((*path[:-1], new))}` already exists at line "
            f"{doc.line(parent.keys[clash].start)}",
            hint="choose another name, or remove the existing key first",
        )
    token = parent.keys[index]
    result = _splice(text, [(token.start, token.end, _key_like(token, new))])
    shadowed = _inherited(doc, parent, key) is not None
    _check(
        doc,
        result,
        path[:-1],
        lambda data: _rename_plain(data, key, new),
        ignore=key if shadowed else None,
    )
    return result


def render(value: object, *, flow: bool = True) -> str:
    """YAML for a value as one would write it by hand: strings plain unless they need quotes
    (then in double quotes, escaped as JSON does), true/false, numbers, null; lists and mappings
    in flow style (`[a, b]`, `{type: s3.bucket, key: {id: S}}`). With flow=False a non-empty list
    or mapping is written in block style, one entry per line (nested values inline when short)."""
    if not flow and _is_collection(value) and value:
        return "\n".join(_block_entries(_Layout(), value, 0))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return _scalar(value)


# --- reading the text: nodes with their spans -----------------------------------------------


@dataclass(eq=False)
class _Node:
    """A node of the document with its place in the text (indexes into the text)."""

    kind: str  # "map", "seq", "scalar" or "alias"
    start: int  # its first character (its anchor or tag, if it has one)
    end: int  # just past its last character; a block collection: past its last entry's value
    flow: bool = False  # a collection written {...} or [...]
    anchor: str | None = None
    name: str = ""  # the anchor an alias repeats
    value: str = ""  # a scalar's text
    style: str | None = None  # a scalar's quotes: None (plain), '"', "'", "|" or ">"
    tagged: bool = False
    lead: int = 0  # just past the ':' or '-' that introduces it
    head: int = 0  # where its entry starts: its key, or its '-' in a block list
    keys: list[_Node] = field(default_factory=list)  # a mapping's keys
    items: list[_Node] = field(default_factory=list)  # a mapping's values, a list's items
    opening: int = 0  # a flow collection's '{' or '['
    closing: int = 0  # a flow collection's '}' or ']'

    @property
    def is_null(self) -> bool:
        plain_scalar = self.kind == "scalar" and self.style is None and not self.tagged
        return plain_scalar and self.value in _NULLS

    @property
    def is_block(self) -> bool:
        return self.kind in ("map", "seq") and not self.flow


class _Layout(NamedTuple):
    """How the file indents: a mapping's keys under their parent key, a list's '-' under its
    key (0 for `key:\\n- item`)."""

    step: int = 2
    seq_indent: int = 2


class _Doc:
    """The text, its parsed data, and its nodes with their positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._breaks = [i for i, ch in enumerate(text) if ch == "\n"]
        try:
            self.data = parse(text)
        except YamlSyntaxError as exc:
            raise YamlEditError(f"{exc.message} (line {exc.pos[0]})", hint=exc.hint) from None
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.anchors: list[_Node] = []
        self.aliases: list[_Node] = []
        self._events = [
            e
            for e in YAML(typ="safe", pure=True).parse(text)
            if isinstance(e, NodeEvent | CollectionEndEvent)
        ]
        self._at = 0
        root = self._build() if self._events else None
        if root is None or root.kind != "map":
            raise YamlEditError(
                "the file does not hold a mapping of settings (line 1)",
                hint="a project file is a mapping: `name: ...`, `resources: ...`, `functions: ...`",
            )
        self.root = root
        self.layout = self._layout()

    # positions
    def line(self, index: int) -> int:
        """The 1-based line number of `index`."""
        return bisect_left(self._breaks, index) + 1

    def bol(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def eol(self, index: int) -> int:
        """Where the line holding `index` ends (its line break, or the end of the text)."""
        end = self.text.find("\n", index)
        if end == -1:
            return len(self.text)
        return end - 1 if end > index and self.text[end - 1] == "\r" else end

    def next_line(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end == -1 else end + 1

    def col(self, index: int) -> int:
        return index - self.bol(index)

    def line_text(self, start: int) -> str:
        return self.text[start : self.eol(start)]

    def skip(self, index: int) -> int:
        """Past whitespace, line breaks and comments."""
        text = self.text
        while index < len(text):
            if text[index] in " \t\r\n":
                index += 1
            elif text[index] == "#":
                index = self.eol(index)
            else:
                break
        return index

    def skip_blanks(self, index: int) -> int:
        """Past spaces and tabs."""
        while self.text[index : index + 1] in (" ", "\t"):
            index += 1
        return index

    def token_end(self, index: int) -> int:
        """Past the token (an anchor, a tag) that starts at `index`."""
        while index < len(self.text) and self.text[index] not in " \t\r\n":
            index += 1
        return index

    def target(self, alias: _Node) -> _Node:
        """The node an alias repeats: the last one anchored with its name before it."""
        named = [n for n in self.anchors if n.anchor == alias.name and n.start < alias.start]
        return named[-1]

    # building
    def _peek(self) -> Event:
        return self._events[self._at]

    def _next(self) -> Event:
        self._at += 1
        return self._events[self._at - 1]

    def _build(self) -> _Node:
        event = self._next()
        assert isinstance(event, NodeEvent)
        start, end = event.start_mark.index, event.end_mark.index
        if isinstance(event, AliasEvent):
            node = _Node("alias", start, end, name=str(event.anchor))
            self.aliases.append(node)
            return node
        if isinstance(event, ScalarEvent):
            if event.style in ("|", ">"):  # a block scalar's span takes in the line breaks after it
                end = len(self.text[:end].rstrip(" \t\r\n"))
            node = _Node(
                "scalar",
                start,
                end,
                value=str(event.value),
                style=event.style,
                tagged=event.tag is not None,
            )
        else:
            assert isinstance(event, CollectionStartEvent)
            node = self._collection(event)
        if event.anchor is not None:
            node.anchor = str(event.anchor)
            self.anchors.append(node)
        return node

    def _collection(self, event: CollectionStartEvent) -> _Node:
        kind = "map" if isinstance(event, MappingStartEvent) else "seq"
        node = _Node(
            kind, event.start_mark.index, event.end_mark.index, flow=bool(event.flow_style)
        )
        while isinstance(self._peek(), NodeEvent):
            if kind == "map":
                node.keys.append(self._build())
            node.items.append(self._build())
        closing = self._next()
        self._place_entries(node)
        if node.flow:
            node.opening = event.end_mark.index - 1
            node.closing = closing.start_mark.index
            node.end = closing.end_mark.index
        else:
            node.end = node.items[-1].end
        return node

    def _place_entries(self, node: _Node) -> None:
        """Set where each entry starts (head) and where its value is introduced (lead)."""
        if node.kind == "map":
            for key, value in zip(node.keys, node.items, strict=True):
                colon = self.skip(key.end)
                value.lead = colon + 1 if self.text[colon : colon + 1] == ":" else key.end
                value.head = key.head = key.start
                _pin_empty(value)
            return
        after = node.start
        for item in node.items:
            if node.flow:
                item.lead = item.head = item.start
                continue
            dash = self.skip(after)
            while self.text[dash : dash + 1] in ("&", "!"):  # the list's anchor or tag
                dash = self.skip(self.token_end(dash))
            item.head, item.lead = dash, dash + 1
            _pin_empty(item)
            after = item.end

    def _layout(self) -> _Layout:
        steps: Counter[int] = Counter()
        seq_indents: Counter[int] = Counter()
        for node in _walk_nodes(self.root):
            if node.kind != "map" or node.flow:
                continue
            for key, value in zip(node.keys, node.items, strict=True):
                if not value.is_block or self.line(value.items[0].head) == self.line(key.start):
                    continue
                offset = self.col(value.items[0].head) - self.col(key.start)
                (steps if value.kind == "map" else seq_indents)[offset] += 1
        positive = [s for s in steps if s > 0]
        step = max(positive, key=lambda s: (steps[s], -s)) if positive else 2
        seq_indent = seq_indents.most_common(1)[0][0] if seq_indents else step
        return _Layout(step, max(seq_indent, 0))


def _pin_empty(value: _Node) -> None:
    """An empty value (`key:` with nothing after it) is placed right after its ':' or '-';
    ruamel marks it there, or at the next token when that starts a line."""
    if value.start == value.end and value.kind == "scalar":
        value.start = value.end = value.lead


def _walk_nodes(node: _Node) -> list[_Node]:
    found = [node]
    for child in [*node.keys, *node.items]:
        found.extend(_walk_nodes(child))
    return found


# --- finding the spot -----------------------------------------------------------------------


def _need(path: Path) -> None:
    if not path:
        raise YamlEditError("an empty path names the whole file", hint="name a key to edit")


def _own(node: _Node, key: str) -> int | None:
    """The index of `key` written in the mapping `node` itself (not merged into it)."""
    for index, token in enumerate(node.keys):
        if token.kind == "scalar" and token.value == key:
            return index
    return None


def _index(doc: _Doc, node: _Node, key: str | int, path: Path) -> int | None:
    """The index in `node` of the entry at `path` (whose last part is `key`); None when a
    mapping lacks the key. Refuses aliases and the wrong kind of node."""
    _refuse_alias(doc, node, path[:-1])
    if isinstance(key, int):
        if node.kind != "seq":
            raise _wrong_kind(doc, node, path[:-1], "a list")
        if not -len(node.items) <= key < len(node.items):
            raise YamlEditError(
                f"`{_show(path)}` is not in the file: the list at line {doc.line(node.start)} "
                f"has {len(node.items)} item{'' if len(node.items) == 1 else 's'}",
                hint="list items are counted from 0",
            )
        return key % len(node.items)
    if node.kind != "map":
        raise _wrong_kind(doc, node, path[:-1], "a mapping")
    return _own(node, key)


def _walk(doc: _Doc, path: Path) -> _Node:
    """The node at `path`, which must be written out (not inherited through `<<`)."""
    node = doc.root
    for depth, key in enumerate(path):
        here = path[: depth + 1]
        index = _index(doc, node, key, here)
        if index is None:
            _refuse_inherited(doc, node, str(key), here, "editing inside")
            raise _missing(doc, node, str(key), here)
        node = node.items[index]
    _refuse_alias(doc, node, path)
    return node


def _merge_sources(doc: _Doc, node: _Node) -> list[tuple[_Node, _Node]]:
    """The mappings merged into `node` with `<<`, each with the node that names it there."""
    sources = []
    for key, value in zip(node.keys, node.items, strict=True):
        if key.kind == "scalar" and key.style is None and key.value == "<<":
            for ref in value.items if value.kind == "seq" else [value]:
                source = doc.target(ref) if ref.kind == "alias" else ref
                if source.kind == "map":
                    sources.append((source, ref))
    return sources


def _inherited(doc: _Doc, node: _Node, key: str) -> tuple[_Node, _Node] | None:
    """Where `node` inherits `key` from through `<<`: (the mapping that writes it, the merge)."""
    for source, ref in _merge_sources(doc, node):
        if _own(source, key) is not None or _inherited(doc, source, key) is not None:
            return source, ref
    return None


def _refuse_inherited(doc: _Doc, node: _Node, key: str, path: Path, doing: str) -> None:
    found = _inherited(doc, node, key)
    if found is None:
        return
    source, ref = found
    via = f"*{ref.name}" if ref.kind == "alias" else "a mapping"
    anchor = f"&{source.anchor} " if source.anchor else ""
    raise YamlEditError(
        f"`{_show(path)}` is inherited from {anchor}at line {doc.line(source.start)} "
        f"(merged with `<<: {via}` at line {doc.line(ref.start)}): {doing} it here would "
        "change every mapping that merges it",
        hint=f"edit it at line {doc.line(source.start)}, or write `{key}:` out in this "
        "mapping to override it",
    )


def _refuse_alias(doc: _Doc, node: _Node, path: Path) -> None:
    if node.kind != "alias":
        return
    anchored = doc.target(node)
    raise YamlEditError(
        f"`{_show(path)}` at line {doc.line(node.start)} is an alias of &{node.name} at line "
        f"{doc.line(anchored.start)}: edit the anchor, or write the value out",
        hint=f"*{node.name} repeats the value marked &{node.name}; changing it here would "
        "change every place that uses it",
    )


def _refuse_shared_anchor(doc: _Doc, start: int, end: int, path: Path, doing: str) -> None:
    """Refuse to replace or remove text that defines an anchor an alias elsewhere repeats."""
    for alias in doc.aliases:
        if start <= alias.start < end:
            continue
        anchored = doc.target(alias)
        if start <= anchored.start < end:
            raise YamlEditError(
                f"`{_show(path)}` at line {doc.line(start)} holds the anchor &{alias.name} "
                f"that line {doc.line(alias.start)} repeats (*{alias.name}): {doing} it would "
                "change or break that use",
                hint=f"write the value out in place of *{alias.name} first",
            )


def _missing(doc: _Doc, node: _Node, key: str, path: Path) -> YamlEditError:
    keys = [token.value for token in node.keys if token.value != "<<"]
    owner = f"`{_show(path[:-1])}` (line {doc.line(node.head)})" if path[:-1] else "the top level"
    return YamlEditError(
        f"`{_show(path)}` is not in the file: {owner} has no key `{key}`",
        hint=f"its keys are: {', '.join(keys)}" if keys else "it has no keys yet",
    )


def _wrong_kind(doc: _Doc, node: _Node, path: Path, wanted: str) -> YamlEditError:
    if node.kind == "map":
        what = "a mapping"
    elif node.kind == "seq":
        what = "a list"
    elif node.is_null:
        what = "empty (null)"
    else:
        what = f"the value {node.value!r}"
    return YamlEditError(
        f"`{_show(path) or 'the document'}` at line {doc.line(node.start)} is {what}, not {wanted}",
        hint=f"only {wanted} can hold this edit; check the path",
    )


def _show(path: Path) -> str:
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else f".{part}" if shown else part
    return shown


# --- writing the edit -----------------------------------------------------------------------


def _replace(doc: _Doc, owner: _Node, child: _Node, value: object, path: Path) -> Edits:
    """Edits that replace the value `child` (an entry of `owner`) with `value`."""
    _refuse_shared_anchor(doc, child.start, child.end, path, "replacing")
    inline = render(value)
    if owner.flow or owner.kind == "seq":
        return [(child.start, child.end, (" " if child.start == child.end else "") + inline)]
    key_col = doc.col(child.head)
    wide = doc.col(child.lead) + 1 + len(inline) > LINE_LIMIT
    if _is_collection(value) and value and (child.is_block or child.is_null or wide):
        lines = _block_body(doc.layout, value, key_col)
        block = "".join(doc.newline + " " * key_col + line for line in lines)
        if child.is_block:  # keep an anchor or comment on the key's line
            return [(doc.eol(child.lead), doc.eol(child.end), block)]
        return [(child.lead, child.end, ""), (doc.eol(child.end), doc.eol(child.end), block)]
    if not child.is_block:
        if child.start == child.end:  # `key:` with nothing after it
            return [(child.start, child.start, " " + inline)]
        return [(child.start, child.end, inline)]
    if child.start < doc.eol(child.lead):  # an anchor or tag on the key's line goes with it
        return [(child.start, doc.eol(child.end), inline)]
    return [(child.lead, child.lead, " " + inline), (doc.eol(child.lead), doc.eol(child.end), "")]


def _add_pair(doc: _Doc, node: _Node, key: str, value: object, *, block_list: bool) -> Edits:
    """Edits that add `key: value` to the mapping `node`."""
    if node.flow:
        return _flow_insert(doc, node, f"{_scalar(key)}: {render(value)}")
    col = doc.col(node.items[-1].head)
    if (
        isinstance(value, Mapping)
        and value
        and all(i.kind == "map" and i.is_block for i in node.items)
    ):
        # among entries that are all block mappings (functions, usually), a new one is one too
        return _block_insert(doc, node, [f"{_scalar(key)}:", *_block_body(doc.layout, value, col)])
    return _block_insert(doc, node, _entry_lines(doc.layout, key, value, col, block_list))


def _flow_insert(doc: _Doc, node: _Node, entry: str) -> Edits:
    """Edits that add `entry` at the end of the flow collection `node`."""
    if not node.items:
        return [(node.opening + 1, node.closing, entry)]
    last = node.items[-1]
    end = last.end
    comma = doc.skip_blanks(end)
    trailing = doc.text[comma : comma + 1] == ","
    if trailing:
        end = comma + 1
    one_line = doc.line(last.head) == doc.line(node.opening)
    if one_line or doc.line(end) == doc.line(node.closing):
        return [(end, end, (" " if trailing else ", ") + entry + ("," if trailing else ""))]
    indent = " " * doc.col(last.head)
    new_line = doc.newline + indent + entry + ("," if trailing else "")
    edits = [(doc.eol(end), doc.eol(end), new_line)]
    return edits if trailing else [(end, end, ","), *edits]


def _flow_remove(doc: _Doc, node: _Node, index: int) -> Edits:
    """Edits that take entry `index` out of the flow collection `node`, with its comma (and
    its line, when it has a line of its own in a flow collection written over several)."""
    items, text = node.items, doc.text
    if len(items) == 1:
        return [(node.opening + 1, node.closing, "")]
    entry, last = items[index], index == len(items) - 1
    after = text[entry.end : doc.eol(entry.end)].lstrip(" \t")
    comma = after.startswith(",")
    after = after[1:].lstrip(" \t") if comma else after
    alone = not text[doc.bol(entry.head) : entry.head].strip()
    if (
        alone
        and (not after or after.startswith("#"))
        and doc.line(entry.end) < doc.line(node.closing)
    ):
        edits = [(doc.bol(entry.head), doc.next_line(entry.end), "")]
        if last and not comma:  # the entry before it becomes the last: its comma goes
            before = _comma_after(doc, items[index - 1].end)
            edits.append((before, before + 1, ""))
        return edits
    if not last:
        return [(entry.head, items[index + 1].head, "")]
    return [(items[index - 1].end, entry.end, "")]


def _comma_after(doc: _Doc, index: int) -> int:
    """The comma that ends the flow entry ending at `index`."""
    return doc.text.index(",", index)


def _block_insert(doc: _Doc, node: _Node, lines: list[str]) -> Edits:
    """Edits that add `lines` (indented relative to the entries) after the last entry of the
    block collection `node`."""
    last = node.items[-1]
    col = doc.col(last.head)
    at = _entry_end(doc, last, col)
    return [(at, at, "".join(doc.newline + " " * col + line for line in lines))]


def _block_remove(doc: _Doc, node: _Node, index: int) -> Edits:
    """Edits that take entry `index` out of the block collection `node`."""
    entry = node.items[index]
    alone = doc.text[doc.bol(entry.head) : entry.head].strip() == ""
    if len(node.items) == 1:
        empty = "{}" if node.kind == "map" else "[]"
        if not alone:  # `- only: 1`: the mapping starts on its owner's line
            return [(entry.head, _entry_end(doc, entry, doc.col(entry.head)), empty)]
        start, end = _entry_lines_span(doc, node, index)
        if node is doc.root:
            cut = doc.text[start:end]
            if cut.endswith("\n"):
                return [(start, end, empty + doc.newline)]
            return [(start, end, (doc.newline if cut.startswith(("\n", "\r")) else "") + empty)]
        at = _after_properties(doc, node)
        return [(start, end, ""), (at, at, " " + empty)]
    if not alone:  # `- a: 1` followed by `  b: 2`: b moves up onto the '-' line
        return [(entry.head, node.items[1].head, "")]
    start, end = _entry_lines_span(doc, node, index)
    return [(start, end, "")]


def _entry_end(doc: _Doc, entry: _Node, col: int) -> int:
    """Where the last line of a block entry ends: the line of its value's end, or of a comment
    line indented deeper than the entry (`col`) right after it."""
    end = doc.eol(entry.end)
    while (start := doc.next_line(end)) < len(doc.text):
        line = doc.line_text(start)
        if not line.lstrip().startswith("#") or _indent(line) <= col:
            break
        end = doc.eol(start)
    return end


def _entry_lines_span(doc: _Doc, node: _Node, index: int) -> tuple[int, int]:
    """The whole lines of block entry `index`: from the comment lines directly above it at its
    indentation to its last line, with the blank lines around it when it stood between two."""
    text, entry = doc.text, node.items[index]
    col = doc.col(entry.head)
    start = doc.bol(entry.head)
    while start > 0:
        above = doc.bol(start - 1)
        line = doc.line_text(above)
        if not (line.lstrip().startswith("#") and _indent(line) == col):
            break
        start = above
    end = doc.next_line(_entry_end(doc, entry, col))
    blank_before = start > 0 and not doc.line_text(doc.bol(start - 1)).strip()
    blank_after = end == len(text) or not doc.line_text(end).strip()
    if blank_before and blank_after:
        while start > 0 and not doc.line_text(doc.bol(start - 1)).strip():
            start = doc.bol(start - 1)
    elif index == 0 and len(node.items) > 1 and blank_after:
        while end < len(text) and not doc.line_text(end).strip():
            end = doc.next_line(end)
    if end == len(text) and not text.endswith("\n") and start > 0:
        start = doc.eol(start - 1)  # the last line has no line break: take the one before it
    return start, end


def _after_properties(doc: _Doc, node: _Node) -> int:
    """Where an empty `{}` or `[]` goes for `node`: after its ':' or '-', and after an anchor
    or tag written on that line."""
    at = node.lead
    while doc.text[doc.skip_blanks(at) : doc.skip_blanks(at) + 1] in ("&", "!"):
        at = doc.token_end(doc.skip_blanks(at))
    return at


def _splice(text: str, edits: Edits) -> str:
    """Apply the edits from the end of the text backwards; of two insertions at one place, the
    one listed first comes first."""
    order = sorted(range(len(edits)), key=lambda i: (edits[i][0], edits[i][1], i), reverse=True)
    for start, end, new in (edits[i] for i in order):
        text = text[:start] + new + text[end:]
    return text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# --- rendering ------------------------------------------------------------------------------


def _entry_lines(
    layout: _Layout, key: object, value: object, col: int, block_list: bool
) -> list[str]:
    """The lines of a new `key: value` entry at column `col`, relative to that column: inline
    when short, else the key alone with its value in block style below it."""
    head = f"{_scalar(key)}:"
    inline = f"{head} {render(value)}"
    if _is_collection(value) and value:
        wide = col + len(inline) > LINE_LIMIT
        if wide or (block_list and not isinstance(value, Mapping)):
            return [head, *_block_body(layout, value, col)]
    return [inline]


def _block_entries(layout: _Layout, value: Any, col: int) -> list[str]:
    """The entries of a non-empty list or mapping in block style at column `col`, one line per
    entry (more for a long mapping), relative to that column."""
    if isinstance(value, Mapping):
        return [
            line
            for key, item in value.items()
            for line in _entry_lines(layout, key, item, col, block_list=False)
        ]
    return [f"- {render(item)}" for item in value]


def _block_body(layout: _Layout, value: Any, key_col: int) -> list[str]:
    """A non-empty list or mapping in block style below its key at column `key_col`, indented
    by the file's step, relative to the key's column."""
    indent = layout.step if isinstance(value, Mapping) else layout.seq_indent
    return [" " * indent + line for line in _block_entries(layout, value, key_col + indent)]


def _key_like(token: _Node, new: str) -> str:
    """The new key in the quotes the old one used, when those quotes can write it."""
    writable = all(_printable(ch) and ch not in "\r\n" for ch in new)
    if token.style == "'" and writable:
        return "'" + new.replace("'", "''") + "'"
    if token.style == '"':
        return _quote(new)
    return _scalar(new)


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(float(value))
    if isinstance(value, str):
        return _quote(value) if _needs_quotes(value) else value
    raise TypeError(f"cannot write {type(value).__name__} into YAML: {value!r}")


def _needs_quotes(text: str) -> bool:
    if not text or text != text.strip() or text.startswith(("---", "...")):
        return True
    if text[0] in "!&*{}[],#|>@%`'\"?:" or (text[0] == "-" and text[1:2] in ("", " ")):
        return True
    if any(ch in text for ch in ",[]{}:") or " #" in text:
        return True
    if not all(_printable(ch) and ch not in "\t\n\r" for ch in text):
        return True
    return any(str(r.resolve(ScalarNode, text, (True, False))) != _STR_TAG for r in _RESOLVERS)


def _printable(ch: str) -> bool:
    code = ord(ch)
    return (
        ch in "\t\n\r"
        or 0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and ch not in "\u2028\u2029")
        or (0xE000 <= code <= 0xFFFD and ch != "\ufeff")
        or code >= 0x10000
    )


def _quote(text: str) -> str:
    """A double-quoted YAML string, escaped as JSON escapes, plus what YAML cannot hold raw."""
    quoted = json.dumps(text, ensure_ascii=False)
    out = []
    for ch in quoted:
        if _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def _is_collection(value: object) -> bool:
    return isinstance(value, Mapping | list | tuple)


# --- checking the result --------------------------------------------------------------------


def _check(
    doc: _Doc,
    result: str,
    base: Path,
    expect: Callable[[Any], Any],
    *,
    ignore: str | None = None,
) -> None:
    """The edited file must read back as the old data at `base` changed by `expect`; anything
    else is a bug of this module, not the user's."""
    try:
        new = plain(parse(result))
    except YamlSyntaxError as exc:
        raise AssertionError(
            f"yamledit wrote unreadable YAML ({exc.message}, line {exc.pos[0]}):\n{result}"
        ) from None
    want = expect(deepcopy(_at(plain(doc.data), base)))
    got = _at(new, base)
    if ignore is not None and isinstance(want, dict) and isinstance(got, dict):
        want.pop(ignore, None)
        got.pop(ignore, None)
    if _canonical(got) != _canonical(want):
        raise AssertionError(
            f"yamledit bug: `{_show(base)}` reads back as {got!r}, expected {want!r}"
        )


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, default=repr)


def _normal(value: object) -> Any:
    """A value as it reads back from YAML: str keys, lists for tuples."""
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


def _nest(keys: Path, value: object) -> object:
    for key in reversed(keys):
        value = {key: value}
    return value


def _set_plain(data: Any, path: Path, value: object) -> Any:
    if not path:
        return _normal(value)
    if data is None:
        data = {}
    key = path[0]
    data[key] = _set_plain(data[key] if isinstance(key, int) else data.get(key), path[1:], value)
    return data


def _remove_plain(data: Any, key: str | int) -> Any:
    del data[key]
    return data


def _append_plain(data: Any, key: str | int, value: object) -> Any:
    current = data[key] if isinstance(key, int) else data.get(key)
    data[key] = [*(current or []), _normal(value)]
    return data


def _rename_plain(data: dict[str, Any], key: str, new: str) -> dict[str, Any]:
    return {new if k == key else k: v for k, v in data.items() if k != new}
