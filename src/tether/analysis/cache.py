"""The analysis cache: results kept across analyses, in memory and on disk, and what voids them.

Two kinds of entries are kept:

- module summaries (sources.py), by the digest of a file's text: its import statements and
  syntax error. With them a new process finds every handler's closure without parsing.
- function results, by a key digesting the analyser's version (fingerprint.py), the function's
  declaration, the project's resources and set variables, and the name, path and text digest
  of every module of the function's closure in import order. A result also keeps `answers`:
  every question its analysis asked the project's files (which file a module name is, whether
  a folder is a package, which text a module has, for modules beyond the closure too) and the
  answer. It is reused only while a new snapshot gives the same answers, so a file created
  where an import used to miss, or a module reached through an attribute, voids it too.

Results computed while an editor's unsaved text stood in for a file (`imports.overlaid`) stay
in memory only: the disk holds what the saved files give, for the CLI. `AnalysisCache()` is
memory only; `for_project(root)` is the process's cache of one project, backed by
`<root>/.tether/cache/analysis/` (modules.json, functions.json, each written atomically, each
holding at most a fixed number of entries, the least recently used dropped first, ignored
whole when unreadable or written by another version of the analyser; safe to delete).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from tether.analysis.fingerprint import analyser_version
from tether.analysis.imports import PROBE_KINDS, Answer, Probe, ProbeKind
from tether.analysis.resolve import Finding
from tether.analysis.results import FunctionAnalysis, function_analysis
from tether.analysis.sources import Sources, Summary
from tether.atomic import write_atomically
from tether.errors import Severity
from tether.model import Location, Operation

CACHE_DIR = (".tether", "cache", "analysis")
MAX_MODULES = 8192
MAX_FUNCTIONS = 2048

T = TypeVar("T")


@dataclass(frozen=True)
class Kept:
    """A function's analysis, valid while the project's files give the same `answers`."""

    analysis: FunctionAnalysis
    answers: dict[Probe, Answer]


class AnalysisCache:
    """Kept module summaries and function results; thread-safe."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        version = analyser_version()
        self._summaries: Shelf[Summary] = Shelf(
            _file(directory, "modules.json"), version, MAX_MODULES, _summary_json, Summary.from_json
        )
        self._functions: Shelf[Kept] = Shelf(
            _file(directory, "functions.json"), version, MAX_FUNCTIONS, _kept_json, _kept
        )
        self.sources = Sources(self._summaries)

    def get(self, key: str) -> Kept | None:
        return self._functions.get(key)

    def put(self, key: str, kept: Kept, *, persist: bool) -> None:
        """Keep `kept`; on disk too if `persist` (it does not depend on unsaved text)."""
        self._functions.put(key, kept, persist=persist)

    def save(self) -> None:
        """Write what is new to disk (if this cache has a folder); never raises for the disk."""
        self._summaries.save()
        self._functions.save()


_PROJECTS: dict[Path, AnalysisCache] = {}
_PROJECTS_LOCK = threading.Lock()


def for_project(root: Path) -> AnalysisCache:
    """The cache of the project at `root` for the life of the process, backed by its
    .tether/cache/analysis/ folder: long-running processes (the IDE, `tether dev`) re-analyse
    only what an edit touched, and each CLI command starts from the last one's results."""
    root = root.resolve()
    with _PROJECTS_LOCK:
        cache = _PROJECTS.get(root)
        if cache is None:
            cache = _PROJECTS[root] = AnalysisCache(root.joinpath(*CACHE_DIR))
        return cache


class Shelf(Generic[T]):
    """Entries of one kind by key: in memory (at most `limit`, least recently used dropped)
    and, with a path, in one JSON file read on first use and written by `save`."""

    def __init__(
        self,
        path: Path | None,
        version: str,
        limit: int,
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> None:
        self.path = path
        self.version = version
        self.limit = limit
        self._encode = encode
        self._decode = decode
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._disk: dict[str, tuple[float, Any]] = {}  # key -> (last used, JSON data)
        self._used: set[str] = set()
        self._loaded = path is None
        self._dirty = False
        self._lock = threading.RLock()

    def get(self, key: str) -> T | None:
        with self._lock:
            self._load()
            found = self._entries.get(key)
            if found is None and key in self._disk:
                try:
                    found = self._decode(self._disk[key][1])
                except (KeyError, TypeError, ValueError, IndexError):
                    del self._disk[key]  # unreadable: analysed again
                    return None
                self._remember(key, found)
            if found is not None:
                self._entries.move_to_end(key)
                self._used.add(key)
            return found

    def put(self, key: str, value: T, *, persist: bool) -> None:
        with self._lock:
            self._load()
            self._remember(key, value)
            if self.path is not None and persist:
                self._disk[key] = (time.time(), self._encode(value))
                self._used.add(key)
                self._dirty = True

    def _remember(self, key: str, value: T) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def _load(self) -> None:
        if self._loaded or self.path is None:
            return
        self._loaded = True
        try:
            raw = json.loads(self.path.read_bytes())
            if raw["version"] != self.version:
                return  # another analyser's results: rewritten at the next save
            self._disk = {str(k): (float(used), data) for k, (used, data) in raw["entries"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self._disk = {}  # missing or unreadable: start afresh

    def save(self) -> None:
        with self._lock:
            if not self._dirty or self.path is None:
                return
            now = time.time()
            for key in self._used & self._disk.keys():
                self._disk[key] = (now, self._disk[key][1])
            newest = sorted(self._disk.items(), key=lambda item: item[1][0], reverse=True)
            self._disk = dict(newest[: self.limit])
            data = {"version": self.version, "entries": self._disk}
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _ignored_by_git(self.path.parent)
                text = json.dumps(data, separators=(",", ":")).encode()
                write_atomically(self.path, text, durable=False)  # a cache: no fsync
            except OSError:
                return  # a read-only project: the next analysis only takes its full time
            self._dirty = False
            self._used.clear()


def _file(directory: Path | None, name: str) -> Path | None:
    return None if directory is None else directory / name


def _ignored_by_git(directory: Path) -> None:
    """The cache folder ignores itself, so it never shows in the user's repository."""
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")


# --- JSON -------------------------------------------------------------------------------------


def _summary_json(summary: Summary) -> Any:
    return summary.to_json()


def _kept_json(kept: Kept) -> Any:
    result = kept.analysis
    return {
        "name": result.name,
        "operations": [
            [o.resource, list(o.actions), o.location.file, o.location.line, o.location.column]
            for o in result.operations
        ],
        "closure": sorted(result.closure),
        "findings": [
            [f.file, f.line, f.column, f.severity, f.message, f.hint, f.yaml]
            for f in result.findings
        ],
        "indexes": [list(pair) for pair in result.indexes],
        "reads": list(result.reads),
        "answers": [[kind, name, answer] for (kind, name), answer in kept.answers.items()],
    }


def _kept(raw: Any) -> Kept:
    analysis = function_analysis(
        str(raw["name"]),
        operations=tuple(
            Operation(
                resource=str(r),
                actions=tuple(str(x) for x in a),
                location=Location(str(f), int(line), int(col)),
                origin="code",
            )
            for r, a, f, line, col in raw["operations"]
        ),
        closure=frozenset(str(f) for f in raw["closure"]),
        findings=tuple(_finding(item) for item in raw["findings"]),
        indexes=tuple((str(t), str(i)) for t, i in raw["indexes"]),
        reads=tuple(str(r) for r in raw["reads"]),
    )
    answers = {(_probe_kind(kind), str(name)): answer for kind, name, answer in raw["answers"]}
    return Kept(analysis, answers)


def _probe_kind(kind: Any) -> ProbeKind:
    for known in PROBE_KINDS:
        if kind == known:
            return known
    raise ValueError(f"not a probe: {kind!r}")


def _finding(item: Iterable[Any]) -> Finding:
    file, line, column, severity, message, hint, yaml = item
    if severity not in ("error", "warning"):
        raise ValueError(f"not a severity: {severity!r}")
    level: Severity = "error" if severity == "error" else "warning"
    return Finding(str(file), int(line), int(column), level, str(message), str(hint), str(yaml))
