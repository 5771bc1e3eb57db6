"""Source texts: what analysis learns from one file's text alone, kept by the text's digest.

Every project file analysis reads is digested first (`Text`). From the text alone come its
syntax tree and its `Summary`: the import statements it holds and its syntax error, all that
finding a handler's closure needs. `Sources` keeps both across analyses, so a re-analysis after
an edit parses only the edited file, and a fresh process with a warm disk cache (see cache.py)
finds every function's closure without parsing anything. A digest says where the text came
from (the disk, or an editor's unsaved buffer), so the two never stand in for each other.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

ParseError = tuple[int, int, str]  # (line, column, message)


@dataclass(frozen=True)
class Text:
    """One file's content as analysis read it."""

    source: bytes | str | None  # bytes from disk, str from an overlay, None: unreadable
    digest: str
    error: ParseError | None = None  # why it could not be read

    @classmethod
    def of_file(cls, path: str) -> Text:
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as exc:
            message = f"cannot read the file: {exc}"
            return cls(None, digest("unreadable", message), (1, 1, message))
        return cls(data, digest("disk", data))

    @classmethod
    def of_overlay(cls, text: str) -> Text:
        return cls(text, digest("overlay", text))

    @property
    def saved(self) -> bool:
        """Read from disk (not an editor's unsaved buffer)."""
        return not isinstance(self.source, str)


@dataclass(frozen=True)
class ImportStatement:
    """`import module` (names None) or `from <level dots><module> import names`."""

    module: str
    names: tuple[str, ...] | None = None
    level: int = 0


@dataclass(frozen=True)
class Summary:
    """What one text holds that finding closures needs, whatever the other files say."""

    imports: tuple[ImportStatement, ...]
    error: ParseError | None

    def to_json(self) -> dict[str, Any]:
        return {
            "imports": [[i.module, i.names and list(i.names), i.level] for i in self.imports],
            "error": list(self.error) if self.error else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Summary:
        imports = tuple(
            ImportStatement(str(module), None if names is None else tuple(names), int(level))
            for module, names, level in raw["imports"]
        )
        error = raw["error"]
        return cls(imports, None if error is None else (int(error[0]), int(error[1]), error[2]))


class SummaryStore(Protocol):
    """Where summaries are kept (cache.py): `persist` False keeps one off the disk."""

    def get(self, key: str) -> Summary | None: ...

    def put(self, key: str, value: Summary, *, persist: bool) -> None: ...


class Sources:
    """Syntax trees (one per file, the latest text read) and summaries (by digest)."""

    def __init__(self, summaries: SummaryStore) -> None:
        self.summaries = summaries
        # file key -> the digest of its latest text, its tree and syntax error
        self._trees: dict[str, tuple[str, ast.Module | None, ParseError | None]] = {}

    def summary(self, key: str, text: Text, rel: str) -> Summary:
        found = self.summaries.get(text.digest)
        if found is None:
            tree, error = self._parse(key, text, rel)
            found = Summary(tuple(_import_statements(tree)) if tree else (), error)
            self.summaries.put(text.digest, found, persist=text.saved)
        return found

    def tree(self, key: str, text: Text, rel: str) -> ast.Module | None:
        return self._parse(key, text, rel)[0]

    def _parse(self, key: str, text: Text, rel: str) -> tuple[ast.Module | None, ParseError | None]:
        kept = self._trees.get(key)
        if kept is not None and kept[0] == text.digest:
            return kept[1], kept[2]
        tree, error = parse(text, rel)
        self._trees[key] = (text.digest, tree, error)
        return tree, error


def parse(text: Text, rel: str) -> tuple[ast.Module | None, ParseError | None]:
    """The text's syntax tree, or why it has none."""
    if text.source is None:
        return None, text.error
    try:
        return ast.parse(text.source, filename=rel), None
    except SyntaxError as exc:
        return None, (exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except ValueError as exc:
        return None, (1, 1, f"cannot read the file: {exc}")
    except (RecursionError, MemoryError):
        return None, (1, 1, "the code is nested too deeply for Python to parse")


def digest(*parts: str | bytes) -> str:
    """A short hex digest of the parts (kept results are keyed by these)."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _import_statements(tree: ast.Module) -> list[ImportStatement]:
    """The import statements of every statement, nested ones included (imports are statements:
    no need to visit the expressions, which are most of a file's nodes)."""
    found: list[ImportStatement] = []
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            found.extend(ImportStatement(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(ImportStatement(node.module or "", names, node.level))
        else:
            for name in _BODIES.get(type(node), ()):
                children = getattr(node, name)
                for child in reversed(children):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    else:  # except handlers and match cases hold statements
                        stack.extend(reversed(child.body))
    return found


# The fields of each kind of statement that hold statements, in the order they are visited.
_BODIES: dict[type, tuple[str, ...]] = {
    **dict.fromkeys((ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef), ("body",)),
    **dict.fromkeys((ast.With, ast.AsyncWith), ("body",)),
    **dict.fromkeys((ast.For, ast.AsyncFor, ast.While, ast.If), ("body", "orelse")),
    **dict.fromkeys((ast.Try, ast.TryStar), ("body", "orelse", "finalbody", "handlers")),
    ast.Match: ("cases",),
}
