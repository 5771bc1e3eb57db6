"""The abstract interpreter: reads every module of the project once and records what it calls.

Phase 1 runs each module's top-level code (and class bodies) in import order, flow-sensitively:
statements update an environment of abstract values, both sides of a branch are taken and
joined, loops run twice. Phase 2 runs every function body once, with its arguments as `Param`
values and `self` as an instance of its class. Calls of project functions give back their
return values with the arguments filled in (so `make_table(os.environ["T"])` is a Table of T).

What is recorded, per module: each call that may reach boto3 (`Site`), each call of a project
function with the values of its arguments (`Binding`, used to fill in `Param`s per call
context), each read of an environment variable (`EnvRead`), and each construct analysis cannot
follow (`Note`: importlib, getattr with a computed name). Nothing here knows which Tether
function is being analysed: that is resolve.py's job.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tether.analysis import calls
from tether.analysis.actions import boto_names, client_method_names, load_attributes
from tether.analysis.imports import ModuleIndex, SourceModule
from tether.analysis.values import (
    NONE,
    UNKNOWN,
    CallOf,
    Class,
    Coll,
    Concat,
    Const,
    Dict,
    Env,
    EventPath,
    Extern,
    Func,
    GetAttr,
    GetItem,
    Instance,
    IterOf,
    Lazy,
    Method,
    Module,
    Param,
    Partial,
    Res,
    Seq,
    Super,
    Union,
    Unknown,
    Value,
    bounded,
    concat,
    has_lazy,
    is_symbolic,
    join,
    options,
    substitute,
)

STRINGY = (Const, Concat, Env, EventPath)
MAX_LOOP_DEPTH = 3
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_PERCENT_FIELD = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifr]")

# Attributes of known external objects, as dotted names of the values they give.
EXTERN_ATTRS: dict[str, set[str]] = {
    "boto3": {"client", "resource", "session", "Session"},
    "boto3.session": {"Session"},
    "botocore": {"session"},
    "botocore.session": {"get_session", "Session"},
    "os": {"environ", "getenv"},
    "importlib": {"import_module"},
    "functools": {"cache", "lru_cache", "wraps", "cached_property", "partial"},
    "typing": {"cast"},
    "threading": {"Thread"},
    "concurrent.futures": {"ThreadPoolExecutor"},
}
EXTERN_ALIASES = {
    "boto3.Session": "boto3.session.Session",
    "botocore.session.Session": "botocore.session.get_session",
}
# Objects (not modules) whose methods analysis understands.
EXTERN_METHODS: dict[str, set[str]] = {
    "os.environ": {"get", "setdefault"},
    "boto3.session.Session()": {"client", "resource"},
    "botocore.session()": {"create_client"},
}
BUILTINS = {
    "str",
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "reversed",
    "iter",
    "next",
    "enumerate",
    "zip",
    "map",
    "getattr",
    "__import__",
    "staticmethod",
    "classmethod",
    "property",
    "super",
    "exec",
    "eval",
}
CLIENT_METHOD_NAMES = client_method_names()


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


@dataclass(frozen=True)
class Binding:
    """A call of project function `func` from `module`: the values its parameters get."""

    func: int
    module: str
    values: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class EnvRead:
    file: str
    line: int
    column: int
    var: str
    kind: str  # index: os.environ[...] (raises when missing); get: None when missing; default


@dataclass(frozen=True)
class Note:
    file: str
    line: int
    column: int
    message: str
    hint: str


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
    late_calls: list[tuple[Value, tuple[Value, ...], tuple[tuple[str, Value], ...]]] = field(
        default_factory=list
    )  # calls of values known only later (a callback kept on self): for Bindings


# --- scopes --------------------------------------------------------------------------------


class _Locals(ast.NodeVisitor):
    """The names a function body binds, and those it declares global or nonlocal."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.bound.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.bound.add(node.name)
        for expr in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if expr is not None:
                self.visit(expr)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.bound.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bound.add(node.name)
        for expr in (*node.decorator_list, *node.bases):
            self.visit(expr)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def _comprehension(self, node: ast.expr) -> None:
        pass  # its own scope

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.partition(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.bound.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)


def _scan(body: Iterable[ast.AST]) -> _Locals:
    scanner = _Locals()
    for node in body:
        scanner.visit(node)
    return scanner


def _arguments(args: ast.arguments) -> tuple[list[str], str | None, list[str], str | None]:
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    return (
        positional,
        args.vararg.arg if args.vararg else None,
        [a.arg for a in args.kwonlyargs],
        args.kwarg.arg if args.kwarg else None,
    )


def _method_position(node: ast.expr) -> tuple[int, int]:
    """Line and 1-based column of the method name in `x.method(...)`, else of the call."""
    if isinstance(node, ast.Attribute) and node.end_lineno is not None:
        end = node.end_col_offset or 0
        return node.end_lineno, max(1, end - len(node.attr) + 1)
    return node.lineno, node.col_offset + 1


# --- the program ---------------------------------------------------------------------------


class Program:
    """Every module of the analysed closures, read once, and what they record."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.modules: dict[str, ModuleState] = {}
        self.defs: list[DefInfo] = []
        self.defs_by_node: dict[int, DefInfo] = {}
        self.classes: list[ClassInfo] = []
        self.classes_by_node: dict[int, ClassInfo] = {}
        self.global_writes: dict[tuple[str, str], list[Value]] = {}
        self.phase = 1
        self._summary_stack: set[int] = set()
        self._lazy_memo: dict[Lazy, Value] = {}
        self._lazy_active: set[Lazy] = set()

    # --- running ---------------------------------------------------------------------------

    def run(self, modules: Iterable[SourceModule]) -> None:
        for source in modules:
            self.modules.setdefault(source.name, ModuleState(source))
        for name in list(self.modules):
            self.run_module(name)
        self.phase = 2
        done = 0
        while done < len(self.defs):
            info = self.defs[done]
            done += 1
            if info.state == 0:
                self.run_def(info, record=True)
        self.phase = 3
        self._normalize()

    def run_module(self, name: str) -> ModuleState | None:
        state = self.modules.get(name)
        if state is None:
            source = self.index.load(name)
            if source is None:
                return None
            state = self.modules[name] = ModuleState(source)
        if state.state == 0 and state.source.tree is not None:
            state.state = 1
            frame = Frame(self, state, None, None, state.env, record=True)
            frame.block(state.source.tree.body)
            state.state = 2
        return state

    def run_def(self, info: DefInfo, *, record: bool) -> Value:
        """Read a function body; returns what it returns."""
        module = self.modules[info.module]
        env: dict[str, Value] = {}
        for index, name in enumerate(info.params):
            env[name] = Param(info.id, name)
            if index == 0 and info.cls is not None and info.kind in ("method", "property"):
                env[name] = Instance(info.cls)
            elif index == 0 and info.cls is not None and info.kind == "classmethod":
                env[name] = Class(info.cls)
        for other in (info.vararg, *info.kwonly, info.kwarg):
            if other:
                env[other] = Param(info.id, other)
        frame = Frame(self, module, info, None, env, record=record)
        if record:
            info.state = 1
            info.returns = []
            for name, value in env.items():
                info.assigned.setdefault(name, []).append(value)
        returns_before = list(info.returns)
        node = info.node
        if isinstance(node, ast.Lambda):
            frame.returns.append(frame.expr(node.body))
        else:
            frame.block(node.body)
            if not _always_returns(node.body):
                frame.returns.append(NONE)
        result = join(*frame.returns) if frame.returns else NONE
        if record:
            info.returns = frame.returns
            info.state = 2
        else:
            info.returns = returns_before
        return result

    def summary(self, info: DefInfo) -> Value:
        """What a function returns, in terms of its parameters."""
        if self.phase >= 2:
            if info.state == 0:
                self.run_def(info, record=True)
            if info.state == 1:
                return join(*info.returns) if info.returns else Unknown("a recursive call")
            return join(*info.returns) if info.returns else NONE
        if info.id in self._summary_stack:
            return Unknown("a recursive call")
        self._summary_stack.add(info.id)
        try:
            return self.run_def(info, record=False)
        finally:
            self._summary_stack.discard(info.id)

    # --- names -----------------------------------------------------------------------------

    def module_attr(self, name: str, attr: str) -> Value:
        """`module.attr`: a name it defines, else a submodule of a package."""
        state = self.modules.get(name)
        if state is None and self.index.exists(name):
            state = self.run_module(name)
        if state is not None and state.state == 0:
            self.run_module(name)
        if state is not None and attr in state.env:
            return self.global_value(name, attr, state.env[attr])
        sub = f"{name}.{attr}"
        if self.index.exists(sub):
            self.run_module(sub)
            return Module(sub)
        if state is not None:
            return self.star_value(state, attr)
        return Unknown(f"'{attr}' is not defined in {name}")

    def global_value(self, module: str, name: str, value: Value) -> Value:
        if self.phase >= 2 and (module, name) in self.global_writes:
            return Lazy("global", (module, name))
        return value

    def star_value(self, state: ModuleState, name: str) -> Value:
        for extern in state.star_externs:
            if name in EXTERN_ATTRS.get(extern, set()):
                return extern_value(f"{extern}.{name}")
        if name in BUILTINS:
            return Extern(f"builtins.{name}")
        return Unknown(f"'{name}' is not defined")

    # --- operations on values (also replayed by values.substitute) ------------------------

    def getattr(self, base: Value, name: str) -> Value:
        if is_symbolic(base):
            return GetAttr(base, name)
        if isinstance(base, Union):
            return join(*(self.getattr(o, name) for o in base.options))
        if isinstance(base, Module):
            return self.module_attr(base.name, name)
        if isinstance(base, Extern):
            if name in EXTERN_ATTRS.get(base.name, set()):
                return extern_value(f"{base.name}.{name}")
            if name in EXTERN_METHODS.get(base.name, set()):
                return Method(base, name)
            return UNKNOWN
        if isinstance(base, Instance | Class):
            return self.class_attr(base, name)
        if isinstance(base, Super):
            for info in self.mro(base.cls)[1:]:
                if name in info.methods:
                    method = self.defs[info.methods[name]]
                    if method.kind == "static":
                        return Func(method.id)
                    return Func(method.id, base.self_)
            return UNKNOWN
        boto = calls.getattr(base, name)
        if boto is not None:
            return boto
        if isinstance(base, (*STRINGY, Dict, Seq)):
            return Method(base, name)
        return UNKNOWN

    def class_attr(self, base: Instance | Class, name: str) -> Value:
        cls_id = base.cls if isinstance(base, Instance) else base.id
        for info in self.mro(cls_id):
            if name in info.methods:
                method = self.defs[info.methods[name]]
                if method.kind == "static":
                    return Func(method.id)
                if method.kind == "classmethod":
                    return Func(method.id, Class(info.id))
                if method.kind == "property":
                    return self.summary(method) if isinstance(base, Instance) else UNKNOWN
                return Func(method.id, base) if isinstance(base, Instance) else Func(method.id)
        return Lazy("attr", (cls_id, name))

    def mro(self, cls_id: int) -> list[ClassInfo]:
        order: list[ClassInfo] = []
        seen: set[int] = set()
        stack = [cls_id]
        while stack:
            current = self.classes[stack.pop(0)]
            if current.id in seen:
                continue
            seen.add(current.id)
            order.append(current)
            stack.extend(
                b.id for base in current.bases for b in options(base) if isinstance(b, Class)
            )
        return order

    def getitem(self, base: Value, key: Value) -> Value:
        if is_symbolic(base) or is_symbolic(key):
            return GetItem(base, key)
        if isinstance(base, Union):
            return join(*(self.getitem(o, key) for o in base.options))
        if isinstance(base, Extern) and base.name == "os.environ":
            return Env(key)
        if isinstance(base, Dict):
            return _dict_get(base, key)
        if isinstance(base, Seq):
            if isinstance(key, Const) and isinstance(key.value, int) and base.items:
                try:
                    return base.items[key.value]
                except IndexError:
                    return join(*base.items)
            return join(*base.items) if base.items else UNKNOWN
        if isinstance(base, EventPath):
            if isinstance(key, Const) and isinstance(key.value, str):
                return EventPath((*base.path, key.value))
            if isinstance(key, Const) and isinstance(key.value, int):
                return EventPath((*base.path, "*"))
            return EventPath((*base.path, "?"))
        if isinstance(base, Res) and base.many:
            return Res(base.service, base.type, base.ident)
        return UNKNOWN

    def iterate(self, base: Value) -> Value:
        if is_symbolic(base):
            return IterOf(base)
        if isinstance(base, Union):
            return join(*(self.iterate(o) for o in base.options))
        if isinstance(base, Seq):
            return join(*base.items) if base.items else UNKNOWN
        if isinstance(base, Dict):
            return join(*(k for k, _ in base.items)) if base.items else UNKNOWN
        if isinstance(base, EventPath):
            return EventPath((*base.path, "*"))
        boto = calls.iterate(base)
        return boto if boto is not None else UNKNOWN

    def call(
        self, func: Value, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
    ) -> Value:
        """The value a call gives back (recording is the frame's job)."""
        if isinstance(func, Union):
            return join(*(self.call(o, args, kwargs) for o in func.options))
        if isinstance(func, Func):
            info = self.defs[func.id]
            values = self.bind(info, func.bound, args, kwargs)
            own = dict(values)
            return substitute(
                self.summary(info),
                lambda leaf: (
                    own.get(leaf.name) if isinstance(leaf, Param) and leaf.func == info.id else None
                ),
                self,
            )
        if isinstance(func, Class):
            return Instance(func.id)
        if isinstance(func, Partial):
            return self.call(func.func, (*func.args, *args), (*func.kwargs, *kwargs))
        symbolic = is_symbolic(func) or any(is_symbolic(a) for a in args)
        symbolic = symbolic or any(is_symbolic(v) for _, v in kwargs)
        if symbolic:
            return CallOf(func, args, kwargs)
        if isinstance(func, Extern):
            return self.call_extern(func.name, args, kwargs)
        if isinstance(func, Method):
            return self.call_method(func, args, kwargs)
        return UNKNOWN

    def call_extern(
        self, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
    ) -> Value:
        named = dict(kwargs)
        first = args[0] if args else None
        if name in ("boto3.client", "boto3.resource"):
            service = first if first is not None else named.get("service_name", UNKNOWN)
            return calls.factory(name.rpartition(".")[2], service)
        if name == "boto3.session.Session":
            return Extern("boto3.session.Session()")
        if name == "botocore.session.get_session":
            return Extern("botocore.session()")
        if name == "os.getenv" and first is not None:
            return Env(first, args[1] if len(args) > 1 else named.get("default"))
        if name == "builtins.str":
            if first is None:
                return Const("")
            if isinstance(first, Const) and not isinstance(first.value, str):
                return Const(str(first.value))
            return first
        if name == "builtins.getattr" and len(args) >= 2:
            if isinstance(args[1], Const) and isinstance(args[1].value, str):
                return self.getattr(args[0], args[1].value)
            return Unknown("an attribute with a computed name")
        if name == "builtins.dict":
            base = first if isinstance(first, Dict) else Dict(())
            return _dict_update(base, tuple((Const(k), v) for k, v in kwargs if k != "**"))
        if name in ("builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset"):
            if first is None:
                return Seq(())
            element = self.iterate(first)
            return Seq((element,)) if not isinstance(element, Unknown) else UNKNOWN
        if name in ("builtins.sorted", "builtins.reversed") and first is not None:
            return Seq((self.iterate(first),))
        if name == "builtins.iter" and first is not None:
            return first
        if name == "builtins.next" and first is not None:
            return self.iterate(first)
        if name == "builtins.enumerate" and first is not None:
            return Seq((Seq((UNKNOWN, self.iterate(first))),))
        if name == "builtins.zip":
            return Seq((Seq(tuple(self.iterate(a) for a in args)),))
        if name == "typing.cast" and len(args) == 2:
            return args[1]
        if name == "functools.partial" and first is not None:
            return Partial(first, args[1:], kwargs)
        if name in ("functools.cache", "functools.lru_cache", "functools.wraps"):
            return first if isinstance(first, Func) else Extern("decorator")
        return UNKNOWN

    def call_method(
        self, func: Method, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
    ) -> Value:
        recv, name = func.recv, func.name
        named = dict(kwargs)
        if isinstance(recv, Extern):
            if recv.name == "os.environ" and args:
                default = args[1] if len(args) > 1 else named.get("default")
                return Env(args[0], default)
            if recv.name == "boto3.session.Session()" and name in ("client", "resource"):
                service = args[0] if args else named.get("service_name", UNKNOWN)
                return calls.factory(name, service)
            if recv.name == "botocore.session()" and name == "create_client":
                service = args[0] if args else named.get("service_name", UNKNOWN)
                return calls.factory("client", service)
            return UNKNOWN
        if isinstance(recv, Dict):
            return _dict_method(recv, name, args, kwargs)
        if isinstance(recv, EventPath) and name == "get" and args:
            return self.getitem(recv, args[0])
        if isinstance(recv, STRINGY):
            return _str_method(recv, name, args)
        result = calls.call(recv, name, args, kwargs)
        return result if result is not None else UNKNOWN

    def bind(
        self,
        info: DefInfo,
        bound: Value | None,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
    ) -> tuple[tuple[str, Value], ...]:
        """The values a call gives to each parameter of `info` (defaults for the rest)."""
        params = list(info.params)
        values: dict[str, Value] = {}
        if bound is not None and params:
            values[params.pop(0)] = bound
        elif info.cls is not None and info.kind in ("method", "property", "classmethod") and params:
            params.pop(0)  # self or cls: known without the call
        positional = list(args)
        for name in params:
            if positional:
                values[name] = positional.pop(0)
        if info.vararg:
            values[info.vararg] = Seq(tuple(positional))
        extra: list[tuple[Value, Value]] = []
        spread: Value | None = None
        for key, value in kwargs:
            if key == "**":
                spread = value
            elif key in params or key in info.kwonly:
                values[key] = value
            else:
                extra.append((Const(key), value))
        if info.kwarg:
            values[info.kwarg] = Dict(tuple(extra), open=spread is not None)
        for name in (*params, *info.kwonly):
            if name not in values:
                if spread is not None:
                    values[name] = self.getitem(spread, Const(name))
                elif name in info.defaults:
                    values[name] = info.defaults[name]
                else:
                    values[name] = Unknown(f"argument {name!r} is not passed")
        return tuple(values.items())

    # --- after every body was read: fill in Lazy values -------------------------------------

    def lazy(self, leaf: Value) -> Value | None:
        if not isinstance(leaf, Lazy):
            return None
        if leaf in self._lazy_memo:
            return self._lazy_memo[leaf]
        if leaf in self._lazy_active:
            return Unknown("a value defined in terms of itself")
        self._lazy_active.add(leaf)
        try:
            raw = self._lazy_raw(leaf)
            result = self.expand(raw)
        finally:
            self._lazy_active.discard(leaf)
        self._lazy_memo[leaf] = result
        return result

    def _lazy_raw(self, leaf: Lazy) -> Value:
        if leaf.kind == "global":
            module, name = leaf.key
            state = self.modules.get(module)
            found = [state.env[name]] if state is not None and name in state.env else []
            return join(*found, *self.global_writes.get((module, name), []))
        if leaf.kind == "attr":
            cls_id, name = leaf.key
            found = [v for info in self.mro(cls_id) for v in info.attrs.get(name, [])]
            if not found:
                # Set by a subclass, or from outside the class.
                found = [
                    v
                    for info in self.classes
                    if cls_id in [c.id for c in self.mro(info.id)]
                    for v in info.attrs.get(name, [])
                ]
            return join(*found) if found else Unknown(f"attribute {name!r} is never set")
        func_id, name = leaf.key
        values = self.defs[func_id].assigned.get(name, [])
        return join(*values) if values else Unknown(f"{name!r} is never set")

    def expand(self, value: Value) -> Value:
        """`value` with every Lazy filled in (Params stay)."""
        for _ in range(6):
            if not has_lazy(value):
                return value
            value = substitute(value, self.lazy, self)
        return value

    def _normalize(self) -> None:
        for state in self.modules.values():
            sites = set()
            for site in state.sites:
                func = self.expand(site.func)
                args = tuple(self.expand(a) for a in site.args)
                kwargs = tuple((k, self.expand(v)) for k, v in site.kwargs)
                sites.add(
                    Site(
                        site.kind,
                        site.file,
                        site.line,
                        site.column,
                        func,
                        args,
                        kwargs,
                        site.name,
                        site.keywords,
                    )
                )
            state.sites = sites
            for func, args, kwargs in state.late_calls:
                # A call through a value known only now (a callback on self): bind it.
                self._late_bindings(
                    state,
                    self.expand(func),
                    tuple(self.expand(a) for a in args),
                    tuple((k, self.expand(v)) for k, v in kwargs),
                )
            state.bindings = [
                Binding(b.func, b.module, tuple((k, self.expand(v)) for k, v in b.values))
                for b in state.bindings
            ]
        for info in self.defs:
            info.defaults = {k: self.expand(v) for k, v in info.defaults.items()}

    def _late_bindings(
        self,
        state: ModuleState,
        func: Value,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
    ) -> None:
        for option in options(func):
            if isinstance(option, Func):
                info = self.defs[option.id]
                values = self.bind(info, option.bound, args, kwargs)
                state.bindings.append(Binding(info.id, state.source.name, values))


def extern_value(name: str) -> Value:
    return Extern(EXTERN_ALIASES.get(name, name))


def _always_returns(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise)


def _dict_get(base: Dict, key: Value) -> Value:
    if isinstance(key, Const):
        for k, v in reversed(base.items):
            if k == key:
                return v
        if base.open or any(not isinstance(k, Const) for k, _ in base.items):
            return Unknown("a key analysis did not see")
        return Unknown(f"no key {key.value!r}")
    values = [v for _, v in base.items]
    return join(*values) if values else UNKNOWN


def _dict_update(base: Dict, items: tuple[tuple[Value, Value], ...]) -> Dict:
    merged = [(k, v) for k, v in base.items if not any(k == key for key, _ in items)]
    return Dict((*merged, *items), base.open)


def _dict_method(
    recv: Dict, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> Value:
    if name in ("get", "pop", "setdefault") and args:
        found = _dict_get(recv, args[0])
        if isinstance(found, Unknown) and len(args) > 1:
            return args[1]
        return found
    if name == "copy":
        return recv
    if name == "items":
        return Seq(tuple(Seq((k, v)) for k, v in recv.items))
    if name == "values":
        return Seq(tuple(v for _, v in recv.items))
    if name == "keys":
        return Seq(tuple(k for k, _ in recv.items))
    return UNKNOWN


def _str_method(recv: Value, name: str, args: tuple[Value, ...]) -> Value:
    if name in ("strip", "rstrip", "lstrip") and not args:
        return recv
    if name == "format" and isinstance(recv, Const) and isinstance(recv.value, str):
        return _format(recv.value, _FORMAT_FIELD, args)
    return UNKNOWN


def _format(template: str, pattern: re.Pattern[str], args: tuple[Value, ...]) -> Value:
    """'{}-{}'.format(a, b) and '%s-%s' % (a, b) as a Concat; other forms are Unknown."""
    parts: list[Value] = []
    position = 0
    remaining = list(args)
    for match in pattern.finditer(template):
        field_text = match.group(0)
        if pattern is _FORMAT_FIELD and field_text not in ("{}", "{0}") and not remaining:
            return UNKNOWN
        if pattern is _FORMAT_FIELD and field_text not in ("{}",):
            return UNKNOWN
        parts.append(Const(template[position : match.start()]))
        parts.append(remaining.pop(0) if remaining else UNKNOWN)
        position = match.end()
    parts.append(Const(template[position:]))
    return concat(tuple(parts))


# --- frames: reading one body ---------------------------------------------------------------


class Frame:
    """Reads the statements of one module, class body or function body."""

    def __init__(
        self,
        program: Program,
        module: ModuleState,
        func: DefInfo | None,
        cls: ClassInfo | None,
        env: dict[str, Value],
        *,
        record: bool,
        outer: Frame | None = None,
    ) -> None:
        self.program = program
        self.module = module
        self.func = func
        self.cls = cls
        self.env = env
        self.record = record
        self.outer = outer  # the frame around a class body
        self.returns: list[Value] = []
        self.overlay: list[dict[str, Value]] = []
        self.loop_depth = 0

    @property
    def file(self) -> str:
        return self.module.source.file

    # --- names -----------------------------------------------------------------------------

    def lookup(self, name: str) -> Value:
        for layer in reversed(self.overlay):
            if name in layer:
                return layer[name]
        if self.cls is not None:
            if name in self.env:
                return self.env[name]
            return self.outer.lookup(name) if self.outer else self.global_lookup(name)
        if self.func is not None:
            if name in self.func.global_names:
                return self.global_lookup(name)
            if name in self.func.local_names:
                return self.env.get(name, Unknown(f"{name!r} may be unset here"))
            parent = self.func.parent
            while parent is not None:
                info = self.program.defs[parent]
                if name in info.local_names and name not in info.global_names:
                    return Lazy("closure", (info.id, name))
                parent = info.parent
            return self.global_lookup(name)
        return self.global_lookup(name)

    def global_lookup(self, name: str) -> Value:
        state = self.module
        if name in state.env:
            if self.func is not None:
                return self.program.global_value(state.source.name, name, state.env[name])
            return state.env[name]
        return self.program.star_value(state, name)

    def bind(self, name: str, value: Value) -> None:
        if self.overlay and name in self.overlay[-1]:
            self.overlay[-1][name] = value
            return
        if self.cls is not None:
            self.env[name] = value
            if self.record:
                self.cls.attrs.setdefault(name, []).append(value)
            return
        if self.func is not None:
            if name in self.func.global_names:
                if self.record:
                    key = (self.module.source.name, name)
                    self.program.global_writes.setdefault(key, []).append(value)
                return
            if name not in self.func.local_names:
                # nonlocal: a write to the enclosing function's variable
                parent = self.func.parent
                while parent is not None:
                    info = self.program.defs[parent]
                    if name in info.local_names:
                        if self.record:
                            info.assigned.setdefault(name, []).append(value)
                        return
                    parent = info.parent
                return
            self.env[name] = value
            if self.record:
                self.func.assigned.setdefault(name, []).append(value)
            return
        self.env[name] = value

    # --- statements ------------------------------------------------------------------------

    def block(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        handler = getattr(self, f"s_{type(node).__name__}", None)
        if handler is not None:
            handler(node)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.stmt):
                self.statement(child)

    def s_Expr(self, node: ast.Expr) -> None:
        self.expr(node.value)

    def s_Assign(self, node: ast.Assign) -> None:
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value)

    def s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value))

    def s_AugAssign(self, node: ast.AugAssign) -> None:
        value = self.expr(node.value)
        if isinstance(node.target, ast.Name):
            current = self.lookup(node.target.id)
            self.bind(node.target.id, self.binop(node.op, current, value))
        else:
            self.assign(node.target, join(self.expr(node.target), value))

    def s_Return(self, node: ast.Return) -> None:
        self.returns.append(self.expr(node.value) if node.value is not None else NONE)

    def s_If(self, node: ast.If) -> None:
        self.expr(node.test)
        self.branches([node.body, node.orelse])

    def branches(self, bodies: list[list[ast.stmt]]) -> None:
        start = dict(self.env)
        ends: list[dict[str, Value]] = []
        for body in bodies:
            self.env_replace(dict(start))
            self.block(body)
            ends.append(dict(self.env))
        self.env_replace(_join_envs(ends))

    def env_replace(self, new: dict[str, Value]) -> None:
        # Module frames share their dict with the module's state: update it in place.
        self.env.clear()
        self.env.update(new)

    def loop(self, body: list[ast.stmt], before_each: Iterator[None] | None = None) -> None:
        start = dict(self.env)
        passes = 2 if self.loop_depth < MAX_LOOP_DEPTH else 1
        self.loop_depth += 1
        try:
            for _ in range(passes):
                if before_each is not None:
                    next(before_each, None)
                self.block(body)
                joined = _join_envs([start, dict(self.env)])
                if joined == start:
                    break
                start = joined
                self.env_replace(dict(joined))
        finally:
            self.loop_depth -= 1

    def s_For(self, node: ast.For | ast.AsyncFor) -> None:
        iterable = self.expr(node.iter)
        element = self.program.iterate(iterable)
        self.record_iter(node.iter, iterable)

        def bind_target() -> Iterator[None]:
            while True:
                self.assign(node.target, element)
                yield None

        self.loop(node.body, bind_target())
        self.block(node.orelse)

    s_AsyncFor = s_For

    def s_While(self, node: ast.While) -> None:
        def test() -> Iterator[None]:
            while True:
                self.expr(node.test)
                yield None

        self.loop(node.body, test())
        self.block(node.orelse)

    def s_Try(self, node: ast.Try) -> None:
        start = dict(self.env)
        self.block(node.body)
        after_body = dict(self.env)
        ends = []
        for handler in node.handlers:
            self.env_replace(_join_envs([start, after_body]))
            if handler.type is not None:
                self.expr(handler.type)
            if handler.name:
                self.bind(handler.name, UNKNOWN)
            self.block(handler.body)
            ends.append(dict(self.env))
        self.env_replace(after_body)
        self.block(node.orelse)
        ends.append(dict(self.env))
        self.env_replace(_join_envs(ends))
        self.block(node.finalbody)

    s_TryStar = s_Try

    def s_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            value = self.expr(item.context_expr)
            if item.optional_vars is not None:
                entered = join(*(calls.enter(o) for o in options(value)))
                self.assign(item.optional_vars, entered)
        self.block(node.body)

    s_AsyncWith = s_With

    def s_Match(self, node: ast.Match) -> None:
        self.expr(node.subject)
        start = dict(self.env)
        ends = [dict(start)]
        for case in node.cases:
            self.env_replace(dict(start))
            for name in sorted(_scan([case.pattern]).bound):
                self.bind(name, UNKNOWN)
            if case.guard is not None:
                self.expr(case.guard)
            self.block(case.body)
            ends.append(dict(self.env))
        self.env_replace(_join_envs(ends))

    def s_Global(self, node: ast.Global) -> None:
        pass

    def s_Nonlocal(self, node: ast.Nonlocal) -> None:
        pass

    def s_Import(self, node: ast.Import) -> None:
        source = self.module.source
        index = self.program.index
        for alias in node.names:
            target = index.absolute(alias.name, source)
            if target is not None:
                for part in _prefixes(target):
                    self.program.run_module(part)
                if alias.asname:
                    self.bind(alias.asname, Module(target))
                else:
                    top = alias.name.partition(".")[0]
                    # A sibling import (found next to the importing file) keeps its prefix.
                    prefix = target[: len(target) - len(alias.name)]
                    self.bind(top, Module(prefix + top))
                continue
            if alias.asname:
                self.bind(alias.asname, extern_value(alias.name))
            else:
                self.bind(alias.name.partition(".")[0], extern_value(alias.name.partition(".")[0]))

    def s_ImportFrom(self, node: ast.ImportFrom) -> None:
        program = self.program
        source = program.index.source_of(node, self.module.source)
        if source is not None:
            for part in _prefixes(source):
                program.run_module(part)
            for alias in node.names:
                if alias.name == "*":
                    self.star_import(source)
                    continue
                self.bind(alias.asname or alias.name, program.module_attr(source, alias.name))
            return
        if node.level:
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.module.star_externs.append(module)
                continue
            known = alias.name in EXTERN_ATTRS.get(module, set())
            value = extern_value(f"{module}.{alias.name}") if known else UNKNOWN
            if module == "os" and alias.name == "environ":
                value = Extern("os.environ")
            self.bind(alias.asname or alias.name, value)

    def star_import(self, source: str) -> None:
        state = self.program.modules.get(source)
        if state is None:
            return
        exported = state.env.get("__all__")
        if isinstance(exported, Seq) and all(
            isinstance(i, Const) and isinstance(i.value, str) for i in exported.items
        ):
            names = [str(i.value) for i in exported.items if isinstance(i, Const)]
        else:
            names = [n for n in state.env if not n.startswith("_")]
        for name in names:
            self.bind(name, self.program.module_attr(source, name))
        self.module.star_externs.extend(state.star_externs)

    def s_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators = [self.expr(d) for d in node.decorator_list]
        info = self.define(node, node.name)
        names = {_decorator_name(d) for d in node.decorator_list}
        if self.cls is not None:
            if "staticmethod" in names:
                info.kind = "static"
            elif "classmethod" in names:
                info.kind = "classmethod"
            elif names & {"property", "cached_property"}:
                info.kind = "property"
            elif any(n.endswith((".setter", ".deleter")) for n in names):
                info.kind = "method"
                return  # the name keeps the property's getter
            else:
                info.kind = "method"
            self.cls.methods[node.name] = info.id
        del decorators  # decorators are taken to return the function they wrap
        self.bind(node.name, Func(info.id))

    s_AsyncFunctionDef = s_FunctionDef

    def define(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str
    ) -> DefInfo:
        program = self.program
        info = program.defs_by_node.get(id(node))
        if info is None:
            parent = self.func.id if self.func is not None else None
            if self.cls is not None and self.outer is not None and self.outer.func is not None:
                parent = self.outer.func.id
            prefix = ""
            if self.cls is not None:
                prefix = f"{self.cls.name}."
            elif self.func is not None:
                prefix = f"{self.func.qualname}.<locals>."
            positional, vararg, kwonly, kwarg = _arguments(node.args)
            body: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
            scanner = _scan(body)
            info = DefInfo(
                id=len(program.defs),
                module=self.module.source.name,
                node=node,
                qualname=prefix + name,
                parent=parent,
                cls=self.cls.id if self.cls is not None else None,
                kind="lambda" if isinstance(node, ast.Lambda) else "function",
                params=positional,
                vararg=vararg,
                kwonly=kwonly,
                kwarg=kwarg,
                local_names=frozenset(
                    (scanner.bound | {*positional, *kwonly, vararg or "", kwarg or ""})
                    - scanner.globals
                    - scanner.nonlocals
                    - {""}
                ),
                global_names=frozenset(scanner.globals),
            )
            program.defs.append(info)
            program.defs_by_node[id(node)] = info
        args = node.args
        defaults: dict[str, Value] = {}
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        for name_, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            defaults[name_] = self.expr(default)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[arg.arg] = self.expr(kw_default)
        if self.record or not info.defaults:
            info.defaults = defaults
        return info

    def s_ClassDef(self, node: ast.ClassDef) -> None:
        program = self.program
        bases = [self.expr(b) for b in node.bases]
        for keyword in node.keywords:
            self.expr(keyword.value)
        for decorator in node.decorator_list:
            self.expr(decorator)
        info = program.classes_by_node.get(id(node))
        if info is None:
            info = ClassInfo(len(program.classes), self.module.source.name, node.name, bases)
            program.classes.append(info)
            program.classes_by_node[id(node)] = info
        frame = Frame(program, self.module, None, info, {}, record=self.record, outer=self)
        frame.block(node.body)
        self.bind(node.name, Class(info.id))

    # --- assignment targets -----------------------------------------------------------------

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    self.assign(element.value, UNKNOWN)
                elif starred:
                    self.assign(element, self.program.getitem(value, UNKNOWN))
                else:
                    self.assign(element, self.program.getitem(value, Const(index)))
        elif isinstance(target, ast.Attribute):
            base = self.expr(target.value)
            if not self.record:
                return
            for option in options(base):
                if isinstance(option, Instance | Class):
                    cls_id = option.cls if isinstance(option, Instance) else option.id
                    self.program.classes[cls_id].attrs.setdefault(target.attr, []).append(value)
                elif isinstance(option, Module):
                    written = (option.name, target.attr)
                    self.program.global_writes.setdefault(written, []).append(value)
        elif isinstance(target, ast.Subscript):
            key = self.expr(target.slice)
            if isinstance(target.value, ast.Name):
                current = self.lookup(target.value.id)
                if isinstance(current, Dict):
                    keys = options(key)
                    if isinstance(key, Const):
                        self.bind(target.value.id, _dict_update(current, ((key, value),)))
                    elif all(isinstance(k, Const) for k in keys):
                        # d[k] = v with k one of a few constants (a loop): each may be set.
                        items = tuple((k, join(_dict_get(current, k), value)) for k in keys)
                        items = tuple(
                            (k, value if isinstance(_dict_get(current, k), Unknown) else v)
                            for k, v in items
                        )
                        self.bind(target.value.id, _dict_update(current, items))
                    else:
                        self.bind(target.value.id, Dict((*current.items, (key, value)), True))
                    return
            self.expr(target.value)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN)

    # --- expressions ------------------------------------------------------------------------

    def expr(self, node: ast.expr) -> Value:
        handler = getattr(self, f"e_{type(node).__name__}", None)
        if handler is not None:
            result: Value = handler(node)
            return bounded(result)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
        return UNKNOWN

    def e_Constant(self, node: ast.Constant) -> Value:
        if isinstance(node.value, str | int | float | bool | bytes) or node.value is None:
            return Const(node.value)
        return UNKNOWN

    def e_Name(self, node: ast.Name) -> Value:
        return self.lookup(node.id)

    def e_JoinedStr(self, node: ast.JoinedStr) -> Value:
        parts: list[Value] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(Const(str(part.value)))
            elif isinstance(part, ast.FormattedValue):
                value = self.expr(part.value)
                plain = part.format_spec is None and part.conversion in (-1, ord("s"))
                parts.append(value if plain else UNKNOWN)
                if part.format_spec is not None:
                    self.expr(part.format_spec)
        return concat(tuple(parts))

    def e_BinOp(self, node: ast.BinOp) -> Value:
        return self.binop(node.op, self.expr(node.left), self.expr(node.right))

    def binop(self, op: ast.operator, left: Value, right: Value) -> Value:
        if isinstance(op, ast.Add):
            if isinstance(left, Seq) and isinstance(right, Seq):
                return Seq((*left.items, *right.items))
            return concat((left, right))
        if isinstance(op, ast.Mod) and isinstance(left, Const) and isinstance(left.value, str):
            args = right.items if isinstance(right, Seq) else (right,)
            return _format(left.value, _PERCENT_FIELD, args)
        return UNKNOWN

    def e_BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self.expr(v) for v in node.values]
        result = values[0]
        for value in values[1:]:
            if isinstance(node.op, ast.Or) and isinstance(result, Env) and result.default is None:
                result = Env(result.name, value)
            else:
                result = join(result, value)
        return result

    def e_IfExp(self, node: ast.IfExp) -> Value:
        self.expr(node.test)
        return join(self.expr(node.body), self.expr(node.orelse))

    def e_NamedExpr(self, node: ast.NamedExpr) -> Value:
        value = self.expr(node.value)
        self.assign(node.target, value)
        return value

    def e_Attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        value = self.program.getattr(base, node.attr)
        if (
            self.record
            and node.attr in load_attributes()
            and isinstance(node.ctx, ast.Load)
            and (is_symbolic(base) or any(calls.loads(o, node.attr) for o in options(base)))
        ):
            line, column = _method_position(node)
            self.module.sites.add(Site("attr", self.file, line, column, base, name=node.attr))
        return value

    def e_Subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        key = self.expr(node.slice)
        if isinstance(node.slice, ast.Slice):
            key = UNKNOWN
        value = self.program.getitem(base, key)
        if isinstance(value, Env) and Extern("os.environ") in options(base):
            self.record_env(node, value, "index")
        return value

    def e_Dict(self, node: ast.Dict) -> Value:
        items: list[tuple[Value, Value]] = []
        open_ = False
        for key, value in zip(node.keys, node.values, strict=True):
            evaluated = self.expr(value)
            if key is None:
                if isinstance(evaluated, Dict):
                    items.extend(evaluated.items)
                    open_ = open_ or evaluated.open
                else:
                    open_ = True
                continue
            items.append((self.expr(key), evaluated))
        return Dict(tuple(items), open_)

    def e_List(self, node: ast.List | ast.Tuple | ast.Set) -> Value:
        items: list[Value] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                items.append(self.program.iterate(self.expr(element.value)))
            else:
                items.append(self.expr(element))
        return Seq(tuple(items))

    e_Tuple = e_Set = e_List

    def comprehension(self, generators: list[ast.comprehension], *results: ast.expr) -> list[Value]:
        self.overlay.append({})
        try:
            for generator in generators:
                iterable = self.expr(generator.iter)
                self.record_iter(generator.iter, iterable)
                for name in _target_names(generator.target):
                    self.overlay[-1][name] = UNKNOWN
                self.assign(generator.target, self.program.iterate(iterable))
                for condition in generator.ifs:
                    self.expr(condition)
            return [self.expr(r) for r in results]
        finally:
            self.overlay.pop()

    def e_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> Value:
        (element,) = self.comprehension(node.generators, node.elt)
        return Seq((element,))

    e_SetComp = e_GeneratorExp = e_ListComp

    def e_DictComp(self, node: ast.DictComp) -> Value:
        key, value = self.comprehension(node.generators, node.key, node.value)
        return Dict(((key, value),), True)

    def e_Lambda(self, node: ast.Lambda) -> Value:
        info = self.define(node, "<lambda>")
        return Func(info.id)

    def e_Await(self, node: ast.Await) -> Value:
        return self.expr(node.value)

    def e_Call(self, node: ast.Call) -> Value:
        program = self.program
        func = self.expr(node.func)
        if func == Extern("builtins.super") and not node.args and self.func is not None:
            if self.func.cls is not None and self.func.params:
                return Super(self.func.cls, self.lookup(self.func.params[0]))
        args: list[Value] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                spread = self.expr(arg.value)
                if isinstance(spread, Seq) and len(spread.items) != 1:
                    args.extend(spread.items)
                else:
                    args.append(program.iterate(spread))
            else:
                args.append(self.expr(arg))
        kwargs: list[tuple[str, Value]] = []
        for keyword in node.keywords:
            value = self.expr(keyword.value)
            if keyword.arg is not None:
                kwargs.append((keyword.arg, value))
                continue
            value = _merge_dicts(value)
            if isinstance(value, Dict):
                for key, item in value.items:
                    if isinstance(key, Const) and isinstance(key.value, str):
                        kwargs.append((key.value, item))
                if value.open:
                    kwargs.append(("**", UNKNOWN))
            else:
                kwargs.append(("**", value))
        arguments = tuple(args)
        keywords = tuple(kwargs)
        if isinstance(func, Partial):
            arguments = (*func.args, *arguments)
            keywords = (*func.kwargs, *keywords)
            func = func.func
        if self.record:
            self.record_call(node, func, arguments, keywords)
        result = program.call(func, arguments, keywords)
        if isinstance(result, Env) and any(_reads_env(o) for o in options(func)):
            self.record_env(node, result, "default" if result.default is not None else "get")
        return result

    # --- recording --------------------------------------------------------------------------

    def record_call(
        self,
        node: ast.Call,
        func: Value,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
    ) -> None:
        written = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        keywords = frozenset(k.arg for k in node.keywords if k.arg)
        line, column = _method_position(node.func)
        relevant = False
        if is_symbolic(func):
            if isinstance(func, GetAttr) and func.name in boto_names() or isinstance(func, Param):
                relevant = True  # obj.put_object(...) on an argument, or a callback argument
            else:
                self.module.late_calls.append((func, args, kwargs))
        for option in options(func):
            if isinstance(option, Func | Class):
                self.record_binding(option, args, kwargs)
            elif isinstance(option, Method) and calls.is_boto(option.recv):
                relevant = True
            elif isinstance(option, Extern):
                self.record_extern(node, option.name, args, kwargs)
            elif isinstance(option, Unknown) and written in CLIENT_METHOD_NAMES:
                relevant = True  # x.put_object(Bucket=...) on something analysis lost track of
            if isinstance(option, Unknown) and written in ("map", "submit") and args:
                self.record_callback(args[0], args[1:], written == "map")
        if relevant:
            self.module.sites.add(
                Site("call", self.file, line, column, func, args, kwargs, written, keywords)
            )

    def record_binding(
        self, func: Func | Class, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
    ) -> None:
        program = self.program
        if isinstance(func, Class):
            for cls in program.mro(func.id):
                if "__init__" in cls.methods:
                    init = program.defs[cls.methods["__init__"]]
                    values = program.bind(init, Instance(func.id), args, kwargs)
                    self.module.bindings.append(Binding(init.id, self.module.source.name, values))
                    return
            return
        info = program.defs[func.id]
        values = program.bind(info, func.bound, args, kwargs)
        self.module.bindings.append(Binding(info.id, self.module.source.name, values))

    def record_callback(self, target: Value | None, rest: tuple[Value, ...], each: bool) -> None:
        """map(f, items), executor.map(f, items), executor.submit(f, *args): calls of f."""
        if target is None:
            return
        args = tuple(self.program.iterate(a) for a in rest) if each else rest
        for option in options(target):
            if isinstance(option, Func):
                self.record_binding(option, args, ())

    def record_extern(
        self,
        node: ast.Call,
        name: str,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
    ) -> None:
        line, column = node.lineno, node.col_offset + 1
        if name in ("importlib.import_module", "builtins.__import__"):
            what = "importlib.import_module" if name.startswith("importlib") else "__import__"
            self.module.notes.add(
                Note(
                    self.file,
                    line,
                    column,
                    f"{what}(...) loads a module analysis cannot follow: its boto3 calls are not seen",
                    "import the module with a plain `import` statement, or declare what it calls "
                    "under `operations:` in tether.yaml",
                )
            )
        elif name in ("builtins.exec", "builtins.eval"):
            self.module.notes.add(
                Note(
                    self.file,
                    line,
                    column,
                    f"{name.rpartition('.')[2]}(...) runs code analysis cannot read",
                    "declare what that code calls under `operations:` in tether.yaml",
                )
            )
        elif (
            name == "builtins.getattr"
            and len(args) >= 2
            and not (isinstance(args[1], Const) and isinstance(args[1].value, str))
        ):
            if any(calls.is_boto(o) for o in options(args[0])):
                self.module.notes.add(
                    Note(
                        self.file,
                        line,
                        column,
                        "getattr(...) calls a boto3 method whose name is computed at run time",
                        "call the method by name (client.put_object(...)), or declare the "
                        "actions under `operations:` in tether.yaml",
                    )
                )
        elif name == "builtins.map" and args:
            self.record_callback(args[0], args[1:], True)
        elif name == "threading.Thread":
            named = dict(kwargs)
            target = named.get("target")
            extra = named.get("args")
            if target is not None:
                rest = extra.items if isinstance(extra, Seq) else ()
                self.record_callback(target, rest, False)

    def record_env(self, node: ast.expr, value: Env, kind: str) -> None:
        if not self.record or not isinstance(value.name, Const):
            return
        if not isinstance(value.name.value, str):
            return
        var = value.name.value
        self.module.env_reads.add(EnvRead(self.file, node.lineno, node.col_offset + 1, var, kind))

    def record_iter(self, node: ast.expr, iterable: Value) -> None:
        if not self.record:
            return
        symbolic = isinstance(iterable, GetAttr) and is_symbolic(iterable)
        if symbolic or any(isinstance(o, Coll) and not o.listed for o in options(iterable)):
            self.module.sites.add(
                Site("iter", self.file, node.lineno, node.col_offset + 1, iterable)
            )


def _merge_dicts(value: Value) -> Value:
    """A union of dicts (a dict changed in a loop) as one dict whose keys may hold any of
    their values."""
    if not isinstance(value, Union) or not all(isinstance(o, Dict) for o in value.options):
        return value
    merged: dict[Value, list[Value]] = {}
    open_ = False
    for option in value.options:
        assert isinstance(option, Dict)
        open_ = open_ or option.open
        for key, item in option.items:
            merged.setdefault(key, []).append(item)
    return Dict(tuple((k, join(*v)) for k, v in merged.items()), open_)


def _reads_env(func: Value) -> bool:
    if isinstance(func, Extern):
        return func.name == "os.getenv"
    return isinstance(func, Method) and func.recv == Extern("os.environ")


def _join_envs(envs: list[dict[str, Value]]) -> dict[str, Value]:
    if len(envs) == 1:
        return envs[0]
    result: dict[str, Value] = {}
    for env in envs:
        for name, value in env.items():
            result[name] = join(result[name], value) if name in result else value
    return result


def _prefixes(name: str) -> Iterator[str]:
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i])


def _target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_decorator_name(node.value)}.{node.attr}"
    return ""
