"""The import graph: which project files a handler loads, found by parsing, never importing.

Module names follow Lambda's layout: the project root is on sys.path, so `app/util.py` is
`app.util` and `app/__init__.py` is `app`. `import app.util` loads `app` and `app.util`;
`from . import util` and `from .util import x` are resolved against the importing package;
an absolute import that is not found at the root is looked up next to the importing file (as
when the handler's folder is on sys.path). Anything not found inside the project (the standard
library, third-party packages, vendored packages that carry a *.dist-info) is outside the graph.

Inside an `overlaid(root, texts)` block the index reads those files' texts (the IDE's unsaved
editor buffers) instead of the disk; outside one it reads only the disk.

An index is one analysis's snapshot of the project's files: each is read once, its summary
(imports, syntax error) comes from sources.py by its text's digest, and its syntax tree is
parsed only when the interpreter asks. Every question the index answers about the files (which
file a module name is, whether a folder is a package, which text a module has) is a `Probe`;
`tracing()` collects them, so a kept result (cache.py) is checked by asking them again.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tether.analysis.sources import ParseError, Sources, Summary, Text

# Never analysed as project code, even if a copy sits in the project root.
EXTERNAL_ROOTS = frozenset(
    {"boto3", "botocore", "os", "importlib", "functools", "typing", "json", "builtins"}
)


@dataclass
class SourceModule:
    """One project file, read (its syntax tree is parsed when first asked for)."""

    name: str  # dotted: app.util; a package is named after its folder
    file: str  # project-relative, posix: app/util.py
    is_package: bool
    path: str = field(repr=False)  # where the index found it
    text: Text = field(repr=False)
    summary: Summary = field(repr=False)
    imports: set[str] = field(default_factory=set)  # project modules it imports (dotted)

    @property
    def package(self) -> str:
        """The package that relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def error(self) -> ParseError | None:
        """(line, column, message) of a syntax error, or why the file cannot be read."""
        return self.summary.error

    @functools.cached_property
    def plain(self) -> bool:
        """Its text holds no `:=` and no `lambda`: no expression of it defines a function or
        binds a name but as an assignment's target (scopes.scan_scope takes the shortcut)."""
        source = self.text.source
        if isinstance(source, bytes):
            return b":=" not in source and b"lambda" not in source
        return source is not None and ":=" not in source and "lambda" not in source


# What the index was asked while analysing one group of functions, and what it answered: a
# kept result holds while the same questions get the same answers (see `ModuleIndex.answer`).
ProbeKind = Literal["file", "folder", "module"]
PROBE_KINDS: tuple[ProbeKind, ...] = ("file", "folder", "module")
Probe = tuple[ProbeKind, str]  # and a dotted module name
Answer = Any  # JSON data: file -> None or is_package; folder -> bool; module -> [file, digest]


# Absolute path -> text, for the block of `overlaid`: a context variable because `analyse`'s
# callers do not pass it down; each thread and task sees only its own.
_OVERLAY: ContextVar[Mapping[str, str] | None] = ContextVar("tether_overlay", default=None)


@contextlib.contextmanager
def overlaid(root: Path, texts: Mapping[str, str]) -> Iterator[None]:
    """Within the block, analysis reads these project files (project-relative POSIX paths ->
    text) instead of their content on disk; a path not on disk exists for it."""
    base = root.resolve()
    token = _OVERLAY.set({str(base.joinpath(*rel.split("/"))): text for rel, text in texts.items()})
    try:
        yield
    finally:
        _OVERLAY.reset(token)


class ModuleIndex:
    """Finds and reads the project's modules, and the edges between them, for one analysis
    (a snapshot: each file is read once). Every question it answers about the project's files
    is a `Probe`; inside `tracing()` the probes asked are collected."""

    def __init__(self, root: Path, sources: Sources) -> None:
        self.root = root.resolve()
        self._root = str(self.root)
        self._reals: dict[str, str] = {}
        self.sources = sources
        self._overlay: Mapping[str, str] = _OVERLAY.get() or {}
        self.modules: dict[str, SourceModule] = {}
        self._paths: dict[str, tuple[str, bool] | None] = {}
        self._dirs: dict[str, bool] = {}
        self._vendored: dict[str, bool] = {}
        self._probes: set[Probe] | None = None

    @property
    def overlaid(self) -> bool:
        """Whether some file is read from an editor's buffer instead of the disk."""
        return bool(self._overlay)

    # --- what analysis asked ---------------------------------------------------------------

    @contextlib.contextmanager
    def tracing(self) -> Iterator[set[Probe]]:
        """Collect the probes asked within the block into the set it yields."""
        outer, self._probes = self._probes, set()
        try:
            yield self._probes
        finally:
            inner, self._probes = self._probes, outer
            if outer is not None:
                outer.update(inner)

    def asked(self, probes: Iterable[Probe]) -> None:
        """Count `probes` as asked (a kept reading asked them when it was read)."""
        if self._probes is not None:
            self._probes.update(probes)

    def answer(self, probe: Probe) -> Answer:
        """The answer this snapshot of the project gives to `probe`, as JSON data."""
        kind, name = probe
        if kind == "file":
            located = self._locate(name)
            return None if located is None else located[1]
        if kind == "folder":
            return self.is_namespace(name)
        module = self.load(name)
        return None if module is None else [module.file, module.text.digest]

    def answers(self, probes: set[Probe]) -> dict[Probe, Answer]:
        return {probe: self.answer(probe) for probe in probes}

    # --- finding files -------------------------------------------------------------------

    def _locate(self, name: str) -> tuple[str, bool] | None:
        """The file of module `name` and whether it is a package, or None."""
        if self._probes is not None:
            self._probes.add(("file", name))
        if name in self._paths:
            return self._paths[name]
        found: tuple[str, bool] | None = None
        top = name.partition(".")[0]
        if name and top not in EXTERNAL_ROOTS and not self._is_vendored(top):
            base = os.path.join(self._root, *name.split("."))
            for path, is_package in (
                (base + ".py", False),
                (os.path.join(base, "__init__.py"), True),
            ):
                if (path in self._overlay or os.path.isfile(path)) and self._inside(path):
                    found = (path, is_package)
                    break
        self._paths[name] = found
        return found

    def _inside(self, path: str) -> bool:
        real = self._real(path)
        return real == self._root or real.startswith(self._root + os.sep)

    def _real(self, path: str) -> str:
        """os.path.realpath, keeping each folder's answer: most files are not links, and a
        module's file is then its folder's real path and its name."""
        found = self._reals.get(path)
        if found is None:
            parent, name = os.path.split(path)
            if not name or parent == path or os.path.islink(path):
                found = os.path.realpath(path)
            else:
                found = os.path.join(self._real(parent), name)
            self._reals[path] = found
        return found

    def _is_vendored(self, top: str) -> bool:
        """A package installed into the project folder (pip install -t .) is not our code."""
        if top not in self._vendored:
            self._vendored[top] = any(self.root.glob(f"{top}-*.dist-info")) or any(
                self.root.glob(f"{top.replace('_', '-')}-*.dist-info")
            )
        return self._vendored[top]

    def is_namespace(self, name: str) -> bool:
        """A folder of the project without __init__.py that holds modules."""
        if self._probes is not None:
            self._probes.add(("folder", name))
        if name not in self._dirs:
            top = name.partition(".")[0]
            path = os.path.join(self._root, *name.split("."))
            self._dirs[name] = (
                bool(name)
                and top not in EXTERNAL_ROOTS
                and not self._is_vendored(top)
                and os.path.isdir(path)
                and self._inside(path)
            )
        return self._dirs[name]

    def exists(self, name: str) -> bool:
        return self._locate(name) is not None or self.is_namespace(name)

    def load(self, name: str) -> SourceModule | None:
        """Read module `name` once; None if it is not a file of the project."""
        if self._probes is not None:
            self._probes.add(("module", name))
        if name in self.modules:
            return self.modules[name]
        located = self._locate(name)
        if located is None:
            return None
        path, is_package = located
        rel = self._real(path)[len(self._root) + 1 :].replace(os.sep, "/")
        overlay = self._overlay.get(path)
        text = Text.of_file(path) if overlay is None else Text.of_overlay(overlay)
        summary = self.sources.summary(path, text, rel)
        module = SourceModule(name, rel, is_package, path, text, summary)
        self.modules[name] = module
        module.imports = set(self._imports_of(module))
        return module

    def tree(self, module: SourceModule) -> ast.Module | None:
        """The module's syntax tree, None when it has none (see `module.error`)."""
        return self.sources.tree(module.path, module.text, module.file)

    # --- resolving import statements -----------------------------------------------------

    def absolute(self, name: str, importer: SourceModule) -> str | None:
        """The project module an absolute `import name` in `importer` loads, or None."""
        if self.exists(name):
            return name
        if importer.package:
            sibling = f"{importer.package}.{name}"
            if self.exists(sibling):
                return sibling
        return None

    def relative(self, level: int, name: str | None, importer: SourceModule) -> str | None:
        """The dotted name `from <level dots><name> import ...` refers to, or None."""
        parts = importer.package.split(".") if importer.package else []
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if name:
            base.append(name)
        return ".".join(base)

    def source_of(self, level: int, name: str | None, importer: SourceModule) -> str | None:
        """The project module `from <level dots><name> import ...` reads names from, or
        None."""
        if level:
            target = self.relative(level, name, importer)
            return target if target is not None and self.exists(target) else None
        return self.absolute(name, importer) if name else None

    def _with_parents(self, name: str) -> Iterator[str]:
        """`a.b.c` -> a, a.b, a.b.c: importing a submodule runs its packages' __init__ too."""
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            yield ".".join(parts[:i])

    def _imports_of(self, module: SourceModule) -> Iterator[str]:
        for statement in module.summary.imports:
            if statement.names is None:
                target = self.absolute(statement.module, module)
                if target is not None:
                    yield from self._with_parents(target)
                continue
            source = self.source_of(statement.level, statement.module or None, module)
            if source is None:
                continue
            yield from self._with_parents(source)
            for alias in statement.names:
                if alias != "*" and self.exists(f"{source}.{alias}"):
                    yield f"{source}.{alias}"
        if module.name.count("."):
            yield from self._with_parents(module.name.rpartition(".")[0])

    # --- the graph -----------------------------------------------------------------------

    def closure(self, start: str) -> list[SourceModule]:
        """`start` and every project module it imports, directly or not, in visit order."""
        seen: dict[str, SourceModule] = {}
        stack = [start]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            module = self.load(name)
            if module is None:
                continue
            seen[name] = module
            stack.extend(sorted(module.imports - seen.keys(), reverse=True))
        return list(seen.values())


def handler_module(handler: str) -> str:
    """`app/resize.handler` -> `app.resize` (the dotted module Lambda imports)."""
    module = handler.rpartition(".")[0]
    return module.replace("/", ".") if "/" in module else module
