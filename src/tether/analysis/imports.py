"""The import graph: which project files a handler loads, found by parsing, never importing.

Module names follow Lambda's layout: the project root is on sys.path, so `app/util.py` is
`app.util` and `app/__init__.py` is `app`. `import app.util` loads `app` and `app.util`;
`from . import util` and `from .util import x` are resolved against the importing package;
an absolute import that is not found at the root is looked up next to the importing file (as
when the handler's folder is on sys.path). Anything not found inside the project (the standard
library, third-party packages, vendored packages that carry a *.dist-info) is outside the graph.

Inside an `overlaid(root, texts)` block the index reads those files' texts (the IDE's unsaved
editor buffers) instead of the disk; outside one it reads only the disk.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

# Never analysed as project code, even if a copy sits in the project root.
EXTERNAL_ROOTS = frozenset(
    {"boto3", "botocore", "os", "importlib", "functools", "typing", "json", "builtins"}
)


@dataclass
class SourceModule:
    """One parsed project file."""

    name: str  # dotted: app.util; a package is named after its folder
    file: str  # project-relative, posix: app/util.py
    is_package: bool
    tree: ast.Module | None  # None when the file does not parse
    error: tuple[int, int, str] | None = None  # (line, column, message) of a syntax error
    imports: set[str] = field(default_factory=set)  # project modules it imports (dotted)

    @property
    def package(self) -> str:
        """The package that relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


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
    """Finds, parses and caches the project's modules, and the edges between them."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._overlay: Mapping[str, str] = _OVERLAY.get() or {}
        self.modules: dict[str, SourceModule] = {}
        self._paths: dict[str, tuple[Path, bool] | None] = {}
        self._dirs: dict[str, bool] = {}
        self._vendored: dict[str, bool] = {}

    # --- finding files -------------------------------------------------------------------

    def _locate(self, name: str) -> tuple[Path, bool] | None:
        """The file of module `name` and whether it is a package, or None."""
        if name in self._paths:
            return self._paths[name]
        found: tuple[Path, bool] | None = None
        top = name.partition(".")[0]
        if name and top not in EXTERNAL_ROOTS and not self._is_vendored(top):
            base = self.root.joinpath(*name.split("."))
            for path, is_package in (
                (base.with_suffix(".py"), False),
                (base / "__init__.py", True),
            ):
                if (str(path) in self._overlay or path.is_file()) and self._inside(path):
                    found = (path, is_package)
                    break
        self._paths[name] = found
        return found

    def _inside(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    def _is_vendored(self, top: str) -> bool:
        """A package installed into the project folder (pip install -t .) is not our code."""
        if top not in self._vendored:
            self._vendored[top] = any(self.root.glob(f"{top}-*.dist-info")) or any(
                self.root.glob(f"{top.replace('_', '-')}-*.dist-info")
            )
        return self._vendored[top]

    def is_namespace(self, name: str) -> bool:
        """A folder of the project without __init__.py that holds modules."""
        if name not in self._dirs:
            top = name.partition(".")[0]
            path = self.root.joinpath(*name.split("."))
            self._dirs[name] = (
                bool(name)
                and top not in EXTERNAL_ROOTS
                and not self._is_vendored(top)
                and path.is_dir()
                and self._inside(path)
            )
        return self._dirs[name]

    def exists(self, name: str) -> bool:
        return self._locate(name) is not None or self.is_namespace(name)

    def load(self, name: str) -> SourceModule | None:
        """Parse module `name` once; None if it is not a file of the project."""
        if name in self.modules:
            return self.modules[name]
        located = self._locate(name)
        if located is None:
            return None
        path, is_package = located
        rel = path.resolve().relative_to(self.root).as_posix()
        text = self._overlay.get(str(path))
        tree, error = parse(path, rel) if text is None else parse_text(text, rel)
        module = SourceModule(name=name, file=rel, is_package=is_package, tree=tree, error=error)
        self.modules[name] = module
        if tree is not None:
            module.imports = set(self._imports_of(module, tree))
        return module

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

    def source_of(self, node: ast.ImportFrom, importer: SourceModule) -> str | None:
        """The project module a `from ... import` statement reads names from, or None."""
        if node.level:
            target = self.relative(node.level, node.module, importer)
            return target if target is not None and self.exists(target) else None
        return self.absolute(node.module, importer) if node.module else None

    def _with_parents(self, name: str) -> Iterator[str]:
        """`a.b.c` -> a, a.b, a.b.c: importing a submodule runs its packages' __init__ too."""
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            yield ".".join(parts[:i])

    def _imports_of(self, module: SourceModule, tree: ast.Module) -> Iterator[str]:
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = self.absolute(alias.name, module)
                    if target is not None:
                        yield from self._with_parents(target)
            elif isinstance(node, ast.ImportFrom):
                source = self.source_of(node, module)
                if source is None:
                    continue
                yield from self._with_parents(source)
                for alias in node.names:
                    if alias.name != "*" and self.exists(f"{source}.{alias.name}"):
                        yield f"{source}.{alias.name}"
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


# Syntax trees by file path, with the digest of the bytes they were parsed from: a tree is
# reused only for the same bytes, so an edit (however quick, whatever its size) is parsed
# again. Reading a file is cheap next to parsing it. One entry per file, for the process's life.
_PARSED: dict[str, tuple[bytes, ast.Module | None, tuple[int, int, str] | None]] = {}


def parse(path: Path, rel: str) -> tuple[ast.Module | None, tuple[int, int, str] | None]:
    """The file's syntax tree (or its syntax error), parsed again only when its bytes changed:
    re-analysing after a one-file edit parses one file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, (1, 1, f"cannot read the file: {exc}")
    digest = hashlib.blake2b(data, digest_size=16).digest()
    key = str(path)
    cached = _PARSED.get(key)
    if cached is not None and cached[0] == digest:
        return cached[1], cached[2]
    tree: ast.Module | None = None
    error: tuple[int, int, str] | None = None
    try:
        tree = ast.parse(data, filename=rel)
    except SyntaxError as exc:
        error = (exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except ValueError as exc:
        error = (1, 1, f"cannot read the file: {exc}")
    except (RecursionError, MemoryError):
        error = (1, 1, "the code is nested too deeply for Python to parse")
    _PARSED[key] = (digest, tree, error)
    return tree, error


def parse_text(text: str, rel: str) -> tuple[ast.Module | None, tuple[int, int, str] | None]:
    """Like `parse`, for a text that is not on disk (never cached: it changes as the user types)."""
    try:
        return ast.parse(text, filename=rel), None
    except SyntaxError as exc:
        return None, (exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
    except ValueError as exc:
        return None, (1, 1, f"cannot read the file: {exc}")
    except (RecursionError, MemoryError):
        return None, (1, 1, "the code is nested too deeply for Python to parse")


def handler_module(handler: str) -> str:
    """`app/resize.handler` -> `app.resize` (the dotted module Lambda imports)."""
    module = handler.rpartition(".")[0]
    return module.replace("/", ".") if "/" in module else module


def _statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every statement, nested ones included (imports are statements: no need to visit the
    expressions, which are most of a file's nodes)."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if children:
                for child in reversed(children):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    else:  # except handlers and match cases hold statements
                        stack.extend(reversed(getattr(child, "body", [])))
