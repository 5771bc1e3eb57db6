"""What reading the code records: call sites, calls of project functions, environment
reads, notes, the references each body makes to project functions and classes, and the
functions, classes and modules of the program.

These are plain data shared by the interpreter (program.py, frames.py), which fills them in, the
call graph (callgraph.py), and the per-function resolver (resolve.py), which reads them. Each
record names its `owner`: the function whose body holds it, or None for a module's top-level
code (class bodies included), so a Tether function keeps only what its handler may run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from tether.analysis.imports import SourceModule
from tether.analysis.values import Value, has_lazy

# --- what is recorded --------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A call (or an attribute read, or a loop) that may reach boto3."""

    kind: str  # call | attr | iter
    file: str
    line: int
    column: int
    func: Value  # call: the callee; attr, iter: the object
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    name: str = ""  # attr: the attribute; call: the method name as written (x.put_object)
    keywords: frozenset[str] = frozenset()  # the keyword names as written
    owner: int | None = None

    def __hash__(self) -> int:
        # Kept once computed: a site is hashed each time a loop reads it again, when it is
        # expanded, and by every function of its group that looks up its requests.
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash(
                (
                    self.kind,
                    self.file,
                    self.line,
                    self.column,
                    self.func,
                    self.args,
                    self.kwargs,
                    self.name,
                    self.keywords,
                    self.owner,
                )
            )
            object.__setattr__(self, "_hash", found)
        return found

    @property
    def lazy(self) -> bool:
        """Whether it holds a Lazy still to be filled in; kept once known, like the hash (the
        sites of a module read once are asked again by every program it is installed in)."""
        found: bool | None = self.__dict__.get("_lazy")
        if found is None:
            found = (
                has_lazy(self.func)
                or any(has_lazy(a) for a in self.args)
                or any(has_lazy(v) for _, v in self.kwargs)
            )
            object.__setattr__(self, "_lazy", found)
        return found


@dataclass(frozen=True)
class Binding:
    """A call of project function `func` from `module`: the values its parameters get."""

    func: int
    module: str
    values: tuple[tuple[str, Value], ...]
    owner: int | None = None

    @property
    def lazy(self) -> bool:
        """Whether a value it passes holds a Lazy still to be filled in (kept, as Site.lazy)."""
        found: bool | None = self.__dict__.get("_lazy")
        if found is None:
            found = any(has_lazy(v) for _, v in self.values)
            object.__setattr__(self, "_lazy", found)
        return found


@dataclass(frozen=True)
class EnvRead:
    file: str
    line: int
    column: int
    var: str
    kind: str  # index: os.environ[...] (raises when missing); get: None when missing; default
    on_import: bool = False  # module or class level: runs when the module is imported
    owner: int | None = None


@dataclass(frozen=True)
class Note:
    file: str
    line: int
    column: int
    message: str
    hint: str
    owner: int | None = None


@dataclass(frozen=True)
class LateCall:
    """A call of a value known only later (a callback kept on self): bound once it is."""

    func: Value
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    owner: int | None = None


@dataclass
class DefInfo:
    """A function, method or lambda of the project."""

    id: int
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    qualname: str
    parent: int | None  # the enclosing function, for its variables
    cls: int | None = None
    kind: str = "function"  # function | method | static | classmethod | property | lambda
    params: list[str] = field(default_factory=list)
    vararg: str | None = None
    kwonly: list[str] = field(default_factory=list)
    kwarg: str | None = None
    defaults: dict[str, Value] = field(default_factory=dict)
    local_names: frozenset[str] = frozenset()
    global_names: frozenset[str] = frozenset()
    returns: list[Value] = field(default_factory=list)
    assigned: dict[str, list[Value]] = field(default_factory=dict)  # every value of a local
    state: int = 0  # 0 not read, 1 reading, 2 done

    def describe(self) -> str:
        return f"{self.qualname}()"


@dataclass
class ClassInfo:
    id: int
    module: str
    name: str
    bases: list[Value]
    methods: dict[str, int] = field(default_factory=dict)
    attrs: dict[str, list[Value]] = field(default_factory=dict)
    accessors: list[int] = field(default_factory=list)  # property setters and deleters


@dataclass
class ModuleState:
    source: SourceModule
    env: dict[str, Value] = field(default_factory=dict)
    star_externs: list[str] = field(default_factory=list)
    state: int = 0  # 0 not run, 1 running, 2 done
    sites: set[Site] = field(default_factory=set)
    bindings: list[Binding] = field(default_factory=list)
    env_reads: set[EnvRead] = field(default_factory=set)
    notes: set[Note] = field(default_factory=set)
    late_calls: list[LateCall] = field(default_factory=list)
    # What each body (owner) reads that is or may be a project function or class: Func, Class
    # and Lazy values (a Lazy may turn out to be a function once every body was read).
    refs: dict[int | None, set[Value]] = field(default_factory=dict)
    # Modules whose names a body looks up at run time (globals(), getattr(module, name)).
    dynamic: dict[int | None, set[str]] = field(default_factory=dict)
