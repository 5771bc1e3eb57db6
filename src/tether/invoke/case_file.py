"""Reading saved test cases: `events/<name>.test.yaml` (or `.test.yml`, `.test.json`) into the
data of `case_model`.

Everything that can be checked without the project is checked here: the keys (with a guess for
a misspelt one), the types, the event (a file in events/ or inline, as `tether invoke` reads
events), the files objects are read from (inside the project), durations and sizes. Every
problem names the case file, the line and column, and the fix; `find_cases` reports all of them
at once. Names of functions and resources are checked against the project by `case_refs`.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tether.errors import Problem, ProjectError
from tether.invoke.case_model import (
    NOTHING,
    Case,
    Expectations,
    GivenItem,
    GivenMessage,
    GivenObject,
    ItemCheck,
    MessageCheck,
    ObjectCheck,
    Pos,
    Sample,
    World,
)
from tether.invoke.kinds import KINDS
from tether.invoke.payload import EventError, encode, read_event_file
from tether.model.yamlfile import (
    MAX_FILE_BYTES,
    YamlSyntaxError,
    item_pos,
    key_pos,
    parse,
    plain,
    value_pos,
)

CASE_SUFFIXES = (".test.yaml", ".test.yml", ".test.json")
CASE_KEYS = ("function", "description", "given", "event", "sample", "expect", "cleanup")
GIVEN_KEYS = ("objects", "items", "messages")
EXPECT_KEYS = ("result", "equals", "error", "objects", "items", "messages", "eventually")
SAMPLE_KEYS = ("kind", "resource", "key", "body", "route")

MAX_EVENTUALLY = 300.0  # seconds; a case that waits longer is waiting for something else
MAX_MESSAGE_BYTES = 262_144  # SQS's largest message body
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}
T = TypeVar("T")


def find_cases(root: Path, pattern: str | None = None) -> list[Case]:
    """Every case file under events/, matching `pattern` (a substring or a glob) if given;
    ProjectError with every problem of every file that cannot be read."""
    directory = root / "events"
    files = (
        sorted(p for p in directory.rglob("*") if p.name.endswith(CASE_SUFFIXES))
        if directory.is_dir()
        else []
    )
    problems: list[Problem] = []
    cases = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if pattern and pattern not in rel and not fnmatch.fnmatch(rel, pattern):
            continue
        reader = _Reader(root, path, rel)
        case = reader.read()
        problems += reader.problems
        if case is not None and not reader.problems:
            cases.append(case)
    if problems:
        raise ProjectError(problems)
    return cases


def suggest(word: str, choices: Sequence[str]) -> str:
    """`did you mean 'x'? ` for a near miss among `choices`, else nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


class _Reader:
    """One case file: `read()` returns the Case, or None; `problems` says what is wrong."""

    def __init__(self, root: Path, path: Path, rel: str) -> None:
        self.root = root
        self.path = path
        self.rel = rel
        self.problems: list[Problem] = []

    def problem(self, at: Pos, message: str, hint: str) -> None:
        self.problems.append(Problem(self.rel, at[0], at[1], "error", message, hint))

    # --- the document ---------------------------------------------------------------------

    def read(self) -> Case | None:
        document = self._document()
        if self.problems:  # unreadable (an empty file is read, as None, and refused below)
            return None
        if not isinstance(document, dict):
            self.problem(
                (1, 1), "a test case must be a mapping", "write function:, event: and expect:"
            )
            return None
        self._known_keys(document, (1, 1), CASE_KEYS, "in a test case", "key")
        function = document.get("function")
        if not isinstance(function, str) or not function:
            self.problem(
                key_pos(document, "function", (1, 1)),
                "a test case needs `function: NAME`",
                "name the function to invoke",
            )
            return None
        given = self._given(document)
        expect = self._expect(document)
        sample = self._sample(document)
        event = self._event(document) if sample is None else None
        cleanup = self._flag(document, "cleanup", (1, 1))
        description = document.get("description", "")
        if not isinstance(description, str):
            self.problem(
                value_pos(document, "description", (1, 1)),
                "description must be text",
                'e.g. description: "an upload becomes a thumbnail"',
            )
        if self.problems:
            return None
        return Case(
            name=self.rel,
            function=function,
            event=event,
            expect=expect,
            given=given,
            sample=sample,
            cleanup=cleanup,
            description=str(description),
            function_at=value_pos(document, "function", (1, 1)),
        )

    def _document(self) -> Any:
        try:
            size = self.path.stat().st_size
            if size > MAX_FILE_BYTES:
                self.problem(
                    (1, 1),
                    f"the test case is {size / (1024 * 1024):.1f} MB; a case file may be at most "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                    "put a large event in a JSON file in events/ and name it: `event: big.json`",
                )
                return None
            return parse(self.path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            line = bytes(exc.object[: exc.start]).count(b"\n") + 1
            self.problem(
                (line, 1),
                f"the test case is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start})",
                "save it as UTF-8 YAML or JSON",
            )
        except OSError as exc:
            self.problem(
                (1, 1), f"cannot read the test case: {exc.strerror or exc}", "check its permissions"
            )
        except YamlSyntaxError as exc:
            self.problem(exc.pos, exc.message, exc.hint)
        return None

    # --- generic shapes -------------------------------------------------------------------

    def _known_keys(
        self, node: dict[Any, Any], at: Pos, keys: Sequence[str], where: str, noun: str
    ) -> None:
        for key in node:
            if key not in keys:
                self.problem(
                    key_pos(node, key, at),
                    f"unknown {noun} '{key}'" + (f" {where}" if where else ""),
                    f"{suggest(str(key), keys)}{noun}s: {', '.join(keys)}",
                )

    def _mapping(self, node: Any, at: Pos, what: str, example: str) -> dict[Any, Any] | None:
        if node is None:
            return {}
        if not isinstance(node, dict):
            self.problem(at, f"{what} must be a mapping", f"e.g. {example}")
            return None
        return node

    def _entries(
        self, parent: dict[Any, Any], key: str, at: Pos, what: str, example: str
    ) -> list[tuple[dict[Any, Any], Pos]]:
        """The mappings listed under `parent[key]`, each with its position."""
        if key not in parent or parent[key] is None:
            return []
        node = parent[key]
        where = value_pos(parent, key, at)
        if not isinstance(node, list):
            self.problem(where, f"{what} must be a list", f"e.g. {key}: [{example}]")
            return []
        found = []
        for index, entry in enumerate(node):
            entry_at = item_pos(node, index, where)
            if not isinstance(entry, dict):
                self.problem(entry_at, f"each of {what} must be a mapping", f"e.g. {example}")
                continue
            found.append((entry, entry_at))
        return found

    def _text(
        self, node: dict[Any, Any], key: str, at: Pos, what: str, *, required: bool = True
    ) -> str | None:
        if key not in node:
            if required:
                self.problem(at, f"{what} needs `{key}:`", f"add `{key}: ...` to it")
            return None
        value = node[key]
        if not isinstance(value, str) or not value:
            self.problem(
                value_pos(node, key, at),
                f"`{key}` of {what} must be text",
                "quote it if YAML reads it as something else, e.g. '0001'",
            )
            return None
        return value

    def _flag(self, node: dict[Any, Any], key: str, at: Pos) -> bool:
        value = node.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(value_pos(node, key, at), f"`{key}` must be true or false", f"{key}: true")
            return False
        return value

    def _body(self, node: dict[Any, Any], key: str, at: Pos, what: str) -> bytes | None:
        """Text as UTF-8; a mapping or a list as its JSON."""
        value = node[key]
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, dict | list):
            return json.dumps(plain(value)).encode()
        self.problem(
            value_pos(node, key, at),
            f"`{key}` of {what} must be text, or a mapping or list (sent as JSON)",
            f"quote it: {key}: '{value}'",
        )
        return None

    # --- given ----------------------------------------------------------------------------

    def _given(self, document: dict[Any, Any]) -> World:
        at = key_pos(document, "given", (1, 1))
        given = self._mapping(
            document.get("given"), value_pos(document, "given", at), "given", "{objects: [...]}"
        )
        if not given:
            return World()
        self._known_keys(given, at, GIVEN_KEYS, "under given", "key")
        objects = self._entries(
            given, "objects", at, "given objects", "{bucket: uploads, key: a.jpg, file: a.jpg}"
        )
        items = self._entries(given, "items", at, "given items", "{table: orders, item: {id: cat}}")
        messages = self._entries(
            given, "messages", at, "given messages", "{queue: work, body: {id: cat}}"
        )
        return World(
            objects=_kept(self._given_object(entry, entry_at) for entry, entry_at in objects),
            items=_kept(self._given_item(entry, entry_at) for entry, entry_at in items),
            messages=_kept(self._given_message(entry, entry_at) for entry, entry_at in messages),
        )

    def _given_object(self, entry: dict[Any, Any], at: Pos) -> GivenObject | None:
        what = "a given object"
        self._known_keys(entry, at, ("bucket", "key", "body", "file", "content_type"), "", "key")
        bucket = self._text(entry, "bucket", at, what)
        key = self._text(entry, "key", at, what)
        content_type = self._text(entry, "content_type", at, what, required=False)
        if ("body" in entry) == ("file" in entry):
            self.problem(
                at,
                f"{what} needs its content: `body:` (text) or `file:` (a file of the project)",
                "e.g. {bucket: uploads, key: incoming/cat.jpg, file: cat.jpg}, or body: hello",
            )
            return None
        body = self._body(entry, "body", at, what) if "body" in entry else None
        file, shown = (None, "")
        if "file" in entry:
            name = self._text(entry, "file", at, what)
            file = self._project_file(name, value_pos(entry, "file", at)) if name else None
            if file is None:
                return None
            shown = str(name)
        if bucket is None or key is None or (body is None and file is None):
            return None
        return GivenObject(bucket, key, at, body, file, shown, content_type)

    def _project_file(self, name: str, at: Pos) -> Path | None:
        """`name` relative to the case file's folder, inside the project, a regular file."""
        path = (self.path.parent / name).resolve()
        folder = self.path.parent.relative_to(self.root).as_posix()
        if not path.is_relative_to(self.root.resolve()):
            self.problem(
                at,
                f"file {name} is outside the project",
                "a case reads files of its project only; copy the file into it, e.g. into "
                f"{folder}/",
            )
            return None
        if not path.is_file():
            shown = os.path.relpath(path, self.root.resolve())
            self.problem(
                at,
                f"file {name} not found (looked for {shown})",
                f"paths are relative to the case file's folder, {folder}/",
            )
            return None
        return path

    def _given_item(self, entry: dict[Any, Any], at: Pos) -> GivenItem | None:
        what = "a given item"
        self._known_keys(entry, at, ("table", "item"), "", "key")
        table = self._text(entry, "table", at, what)
        item = entry.get("item")
        if not isinstance(item, dict) or not item:
            self.problem(
                value_pos(entry, "item", at) if "item" in entry else at,
                f"{what} needs `item:`, a mapping of its attributes",
                "e.g. {table: orders, item: {id: cat, status: uploaded}}",
            )
            return None
        return GivenItem(table, plain(item), at) if table is not None else None

    def _given_message(self, entry: dict[Any, Any], at: Pos) -> GivenMessage | None:
        what = "a given message"
        self._known_keys(entry, at, ("queue", "body"), "", "key")
        queue = self._text(entry, "queue", at, what)
        if "body" not in entry:
            self.problem(at, f"{what} needs `body:`", "e.g. {queue: work, body: {id: cat}}")
            return None
        body = self._body(entry, "body", at, what)
        if body is None or queue is None:
            return None
        if len(body) > MAX_MESSAGE_BYTES:
            self.problem(
                value_pos(entry, "body", at),
                f"{what} is {len(body):,} bytes; SQS accepts at most {MAX_MESSAGE_BYTES:,}",
                "put large data in an object (given objects) and send its key",
            )
            return None
        return GivenMessage(queue, body.decode(), at)

    # --- the event ------------------------------------------------------------------------

    def _event(self, document: dict[Any, Any]) -> Any:
        event = document.get("event", {})
        at = key_pos(document, "event", (1, 1))
        if isinstance(event, str):
            candidates = (self.path.parent / event, self.root / "events" / event)
            event_path = next((p for p in candidates if p.is_file()), None)
            if event_path is None:
                self.problem(
                    at, f"event file {event} not found", "put it in events/ or inline the event"
                )
                return None
            try:
                return read_event_file(event_path, shown=os.path.relpath(event_path, self.root))
            except EventError as exc:
                self.problem(at, exc.message, exc.hint)
                return None
        event = plain(event)
        try:
            encode(event, where=self.rel)
        except EventError as exc:
            self.problem(at, exc.message, exc.hint)
            return None
        return event

    def _sample(self, document: dict[Any, Any]) -> Sample | None:
        if "sample" not in document:
            return None
        at = key_pos(document, "sample", (1, 1))
        if "event" in document:
            self.problem(
                at,
                "a test case takes `event:` or `sample:`, not both",
                "keep `sample:` to have Tether make the event with the stage's names",
            )
            return None
        node = self._mapping(
            document["sample"],
            value_pos(document, "sample", at),
            "sample",
            "{kind: s3-created, key: incoming/cat.jpg}",
        )
        if node is None:
            return None
        self._known_keys(node, at, SAMPLE_KEYS, "in sample", "key")
        kind = self._text(node, "kind", at, "sample")
        if kind is not None and kind not in KINDS:
            self.problem(
                value_pos(node, "kind", at),
                f"unknown event kind '{kind}'",
                f"{suggest(kind, KINDS)}kinds: {', '.join(KINDS)}",
            )
            return None
        body = self._body(node, "body", at, "sample") if "body" in node else None
        if kind is None:
            return None
        return Sample(
            kind,
            at,
            resource=self._text(node, "resource", at, "sample", required=False),
            key=self._text(node, "key", at, "sample", required=False),
            body=body.decode() if body is not None else None,
            route=self._text(node, "route", at, "sample", required=False),
        )

    # --- expect ---------------------------------------------------------------------------

    def _expect(self, document: dict[Any, Any]) -> Expectations:
        at = key_pos(document, "expect", (1, 1))
        expect = self._mapping(
            document.get("expect"),
            value_pos(document, "expect", at),
            "expect",
            "{result: {statusCode: 200}}",
        )
        if not expect:
            return Expectations()
        self._known_keys(expect, at, EXPECT_KEYS, "", "expectation")
        objects = self._entries(
            expect, "objects", at, "expected objects", "{bucket: thumbs, key: thumbs/cat.jpg}"
        )
        items = self._entries(
            expect, "items", at, "expected items", "{table: orders, key: {id: cat}}"
        )
        messages = self._entries(
            expect, "messages", at, "expected messages", "{queue: work, match: {id: cat}}"
        )
        return Expectations(
            error=self._flag(expect, "error", at),
            result=plain(expect["result"]) if "result" in expect else NOTHING,
            equals=plain(expect["equals"]) if "equals" in expect else NOTHING,
            objects=_kept(self._object_check(entry, entry_at) for entry, entry_at in objects),
            items=_kept(self._item_check(entry, entry_at) for entry, entry_at in items),
            messages=_kept(self._message_check(entry, entry_at) for entry, entry_at in messages),
            eventually=self._eventually(expect, at),
        )

    def _object_check(self, entry: dict[Any, Any], at: Pos) -> ObjectCheck | None:
        what = "an expected object"
        self._known_keys(entry, at, ("bucket", "key"), "", "key")
        bucket = self._text(entry, "bucket", at, what)
        key = self._text(entry, "key", at, what)
        return ObjectCheck(bucket, key, at) if bucket is not None and key is not None else None

    def _message_check(self, entry: dict[Any, Any], at: Pos) -> MessageCheck | None:
        self._known_keys(entry, at, ("queue", "match"), "", "key")
        queue = self._text(entry, "queue", at, "an expected message")
        return MessageCheck(queue, at, plain(entry.get("match", {}))) if queue else None

    def _item_check(self, entry: dict[Any, Any], at: Pos) -> ItemCheck | None:
        what = "an expected item"
        self._known_keys(entry, at, ("table", "key", "match"), "", "key")
        table = self._text(entry, "table", at, what)
        key, match = entry.get("key"), entry.get("match", {})
        if not isinstance(key, dict) or not key:
            self.problem(
                value_pos(entry, "key", at) if "key" in entry else at,
                f"{what} needs `key:`, the item's key attributes",
                "e.g. {table: orders, key: {id: cat}, match: {status: processed}}",
            )
            return None
        if not isinstance(match, dict):
            self.problem(
                value_pos(entry, "match", at),
                "`match` of an expected item must be a mapping of attributes",
                "e.g. match: {status: processed}",
            )
            return None
        return ItemCheck(table, plain(key), at, plain(match)) if table is not None else None

    def _eventually(self, expect: dict[Any, Any], at: Pos) -> float | None:
        if "eventually" not in expect:
            return None
        value = expect["eventually"]
        where = value_pos(expect, "eventually", at)
        seconds: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        elif isinstance(value, str) and (match := _DURATION.match(value)):
            seconds = float(match.group(1)) * _UNITS[match.group(2)]
        if seconds is None or not 0 < seconds <= MAX_EVENTUALLY:
            self.problem(
                where,
                f"eventually must be a duration from 1ms to {MAX_EVENTUALLY:.0f}s, not {value!r}",
                "e.g. eventually: 10s (also 500ms, 2m, or a number of seconds)",
            )
            return None
        return seconds


def _kept(found: Iterable[T | None]) -> tuple[T, ...]:
    """The entries that could be read (the others left a problem behind)."""
    return tuple(entry for entry in found if entry is not None)
