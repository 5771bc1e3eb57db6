"""The fast way to read tether.yaml: libyaml's events into plain containers with positions.

ruamel.yaml's round-trip loader (`yamlfile.parse`) is written in Python and keeps comments; it
takes over half a second for a project of 200 functions. Loading needs neither, so `read` takes the
events of libyaml (PyYAML's C parser) and builds `MarkedMap`s and `MarkedList`s in one pass,
resolving plain scalars by ruamel's own YAML 1.2 table and recording the position of every key,
value and item exactly where the round-trip loader records it.

It only reads what it can reproduce exactly. Anything else goes to `yamlfile.parse`, whose
result (or YamlSyntaxError, with its message and position) then stands: any syntax error,
directives, tags, several documents, merge keys (`<<`, which ruamel fills breadth-first),
duplicate keys, mappings or lists used as keys, anchors on scalars (ruamel gives those types of
its own), scalars other than text, null, true/false, decimal integers and plain floats (dates,
0x1F, 0o17, 017, 1_000, .inf), tabs and line breaks other than LF and CRLF, and documents that
come anywhere near the alias and nesting limits `yamlfile.parse` enforces. A project file is
none of these, so loading it is fast; a broken or unusual one reads as before.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from ruamel.yaml.reader import Reader
from ruamel.yaml.resolver import implicit_resolvers
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from tether.model.marked import MarkedList, MarkedMap, Pos
from tether.model.yamlfile import (
    MAX_ALIAS_CHARACTERS,
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    parse,
)

try:  # PyYAML's loader on libyaml, of which only the event stream is used
    from yaml import CBaseLoader as LibyamlLoader
except ImportError:  # PyYAML built without libyaml: every read goes to the round-trip loader
    LibyamlLoader = None

# Well inside what `yamlfile.parse` refuses, so that whatever it refuses is handed to it. The
# characters are a quarter of its budget: ruamel counts the fold marks of folded scalars too.
DEPTH_LIMIT = MAX_DEPTH // 2
ALIAS_VALUES_LIMIT = MAX_ALIAS_VALUES // 2
ALIAS_CHARACTERS_LIMIT = MAX_ALIAS_CHARACTERS // 4

# Text the two parsers read differently, or that ruamel refuses: tabs, line breaks other than
# LF and CRLF, a byte-order mark, directives, and characters ruamel's reader rejects.
_HANDED_OVER = re.compile(r"[\t\x85\u2028\u2029\ufeff]|\r(?!\n)|^%", re.MULTILINE)
_NON_PRINTABLE = Reader.NON_PRINTABLE.search  # ruamel compiles its patterns on first use

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# A block scalar's header as ruamel reads it: libyaml also takes `|#comment`, ruamel does not.
_BLOCK_HEADER = re.compile(r"[|>](?:[-+][1-9]?|[1-9][-+]?)?(?:[ \r\n]|\Z)")

# ruamel's YAML 1.2 implicit resolvers (tag, match), by the first character of a plain scalar,
# in its order: VersionedResolver builds the same table when it reads a document
_RESOLVERS: dict[str, list[tuple[str, Any]]] = {}
for _versions, _tag, _regexp, _first in implicit_resolvers:
    if (1, 2) in _versions:
        for _char in _first:
            _RESOLVERS.setdefault(_char, []).append((_tag, _regexp.match))


# How to read a project file: libyaml where it gives the same result, or ruamel's round trip only
# (which the benchmark and the tests compare it with).
YamlReader = Literal["fast", "round-trip"]


class HandOver(Exception):
    """The document holds something only the round-trip loader reads exactly."""


def read(text: str, reader: YamlReader = "fast") -> Any:
    """What `yamlfile.parse(text)` returns, with the same positions, and raises what it raises;
    "fast" reads with libyaml when the document allows, into plain containers."""
    if reader == "fast":
        try:
            return read_fast(text)
        except HandOver:
            pass
    return parse(text)


def read_fast(text: str) -> Any:
    """The document read by libyaml; HandOver when only `yamlfile.parse` can read it exactly."""
    if (
        LibyamlLoader is None
        or len(text) > MAX_FILE_BYTES
        or _HANDED_OVER.search(text)
        or _NON_PRINTABLE(text)
    ):
        raise HandOver
    parser = LibyamlLoader(text)
    try:
        return _Builder(text, parser.get_event).document()
    except HandOver:
        raise
    except Exception as exc:  # a syntax error, or a value Python cannot convert
        raise HandOver from exc
    finally:
        parser.dispose()


class _Open:
    """A mapping or list being read, with what its entries add up to so far."""

    __slots__ = ("anchor", "at", "chars", "data", "height", "key", "key_at", "values")

    def __init__(self, data: MarkedMap | MarkedList, at: Pos, anchor: str | None) -> None:
        self.data = data
        self.at = at
        self.anchor = anchor
        self.key: Any = _NO_KEY  # in a mapping: the key read, waiting for its value
        self.key_at: Pos = at
        self.values = 1  # the collection itself, then each entry, aliases expanded
        self.chars = 0
        self.height = 1


_NO_KEY = object()


class _Anchored:
    """What an anchor names: the value, where it is, and its size with aliases expanded."""

    __slots__ = ("at", "chars", "height", "value", "values")

    def __init__(self, value: Any, at: Pos, values: int, chars: int, height: int) -> None:
        self.value, self.at = value, at
        self.values, self.chars, self.height = values, chars, height


class _Builder:
    """One document's events into containers; HandOver at the first thing it cannot read."""

    def __init__(self, text: str, next_event: Any) -> None:
        self.text = text
        self.next_event = next_event
        self.anchors: dict[str, _Anchored | None] = {}  # None: the anchored value is still open
        self.alias_values = 0  # what aliases add to the document
        self.alias_chars = 0

    def document(self) -> Any:
        next_event = self.next_event
        if next_event().__class__ is not StreamStartEvent:
            raise HandOver
        event = next_event()
        if event.__class__ is StreamEndEvent:
            return None  # no document: an empty file, or only comments
        if event.__class__ is not DocumentStartEvent or event.version or event.tags:
            raise HandOver
        root = self.node()
        next_event()  # the document's end
        if next_event().__class__ is not StreamEndEvent:
            raise HandOver  # another document: ruamel's error says so
        return root

    def node(self) -> Any:
        """Read the document's node: a scalar, or a collection with everything in it."""
        stack: list[_Open] = []
        next_event = self.next_event
        while True:
            event = next_event()
            kind = event.__class__
            if kind is ScalarEvent:
                if event.tag is not None or event.anchor is not None:
                    raise HandOver
                mark = event.start_mark
                at = (mark.line + 1, mark.column + 1)
                text = event.value
                style = event.style
                if style == "":
                    value = _plain(text)
                elif style == "|" or style == ">":
                    if not _BLOCK_HEADER.match(self.text, mark.index):
                        raise HandOver
                    value = text
                else:
                    value = text
                values, chars, height = 1, len(text), 0
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag is not None or len(stack) >= DEPTH_LIMIT:
                    raise HandOver
                if event.anchor is not None:
                    if event.anchor in self.anchors:
                        raise HandOver  # ruamel lets a later anchor replace an earlier one
                    self.anchors[event.anchor] = None
                mark = event.start_mark
                data = MarkedMap() if kind is MappingStartEvent else MarkedList()
                stack.append(_Open(data, (mark.line + 1, mark.column + 1), event.anchor))
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                value, at = done.data, done.at
                values, chars, height = done.values, done.chars, done.height
                if done.anchor is not None:
                    self.anchors[done.anchor] = _Anchored(value, at, values, chars, height)
            elif kind is AliasEvent:
                target = self.anchors.get(event.anchor)
                if target is None:
                    raise HandOver  # undefined, or inside the value it names
                self.alias_values += target.values
                self.alias_chars += target.chars
                if (
                    len(stack) + target.height > DEPTH_LIMIT
                    or self.alias_values > ALIAS_VALUES_LIMIT
                    or self.alias_chars > ALIAS_CHARACTERS_LIMIT
                ):
                    raise HandOver
                value, at = target.value, target.at
                values, chars, height = target.values, target.chars, target.height
            else:
                raise HandOver
            if not stack:
                return value
            parent = stack[-1]
            parent.values += values
            parent.chars += chars
            if height >= parent.height:
                parent.height = height + 1
            data = parent.data
            if data.__class__ is MarkedList:
                data.append(value)
                data.marks.append(at)
            elif parent.key is _NO_KEY:
                if value.__class__ is MarkedMap or value.__class__ is MarkedList or value in data:
                    raise HandOver  # a mapping or list as a key, a repeated key
                parent.key, parent.key_at = value, at
            else:
                key = parent.key
                data[key] = value
                data.marks[key] = (parent.key_at, at)
                parent.key = _NO_KEY


def _plain(text: str) -> Any:
    """A plain scalar as ruamel's round-trip constructor makes it, when that is plain Python."""
    for tag, match in _RESOLVERS.get(text[:1], ()):
        if match(text):
            return _resolved(tag, text)
    return text


def _resolved(tag: str, text: str) -> Any:
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() == "true"
    if tag == _INT and _DECIMAL.fullmatch(text):
        return int(text)
    if tag == _FLOAT and _PLAIN_FLOAT.fullmatch(text):
        return float(text)
    raise HandOver  # a date, 0x1F, 017, 1_000, .inf, <<, =: ruamel's own types and rules
