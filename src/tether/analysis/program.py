"""The abstract interpreter's program: the modules of one import closure, read once (groups.py
gives each group of functions sharing a closure a program of its own; a module an earlier
group's program read, with nothing reaching into it, is installed from that reading rather
than read again: readings.py).

Phase 1 runs each module's top-level code (and class bodies) in import order; phase 2 reads
every function body once, with its arguments as `Param` values and `self` as an instance of its
class; phase 3 fills in the `Lazy` values (globals written by functions, attributes set on
`self`, variables of enclosing functions) in everything recorded. Calls of project functions
give back their return values with the arguments filled in, so `make_table(os.environ["T"])`
is a Table of T. The operations on values (attribute, item, call, iteration) live here, because
they need the program: a module's names, a class's methods, a function's return value.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable
from contextlib import nullcontext

from tether.analysis import calls
from tether.analysis.externs import (
    BUILTINS,
    EXTERN_ATTRS,
    EXTERN_METHODS,
    STRINGY,
    dict_get,
    dict_method,
    dict_update,
    extern_value,
    str_method,
)
from tether.analysis.frames import Frame
from tether.analysis.imports import ModuleIndex, SourceModule
from tether.analysis.readings import Readings, Watch, install
from tether.analysis.records import Binding, ClassInfo, DefInfo, LateCall, ModuleState, Site
from tether.analysis.values import (
    NONE,
    UNKNOWN,
    CallOf,
    Class,
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
    any_symbolic,
    has_lazy,
    holds_no_name,
    is_symbolic,
    join,
    options,
    substitute,
)

# --- the program ---------------------------------------------------------------------------


class ReadAgain(Exception):
    """A reading installed from another group's program is not what reading the module in
    this one gives (something reached into it): read the group again, installing nothing."""


class Program:
    """Every module of one closure, read once, and what they record."""

    def __init__(self, index: ModuleIndex, readings: Readings | None = None) -> None:
        self.index = index
        # Modules read by an earlier group's program, installed rather than read again; and
        # what this program does that installing or keeping a reading depends on (readings.py).
        self.readings = readings
        self.watch = Watch(readings.shared) if readings is not None else None
        self.modules: dict[str, ModuleState] = {}
        # Functions and classes by id (`node_id`: the same in every program that reads their
        # module); `order` and `positions` say in which order the functions were defined, which
        # phase 2 and the resolver follow.
        self.defs: dict[int, DefInfo] = {}
        self.order: list[DefInfo] = []
        self.positions: dict[int, int] = {}
        self.classes: dict[int, ClassInfo] = {}
        self.global_writes: dict[tuple[str, str], list[Value]] = {}
        self.phase = 1
        self._summary_stack: set[int] = set()
        self._early_summaries: dict[int, Value] = {}
        self._mros: dict[int, list[ClassInfo]] = {}
        self._subclasses: dict[int, list[ClassInfo]] | None = None
        self._lazy_memo: dict[Lazy, Value] = {}
        self._lazy_active: set[Lazy] = set()
        # Modules with code nested too deeply for the interpreter to follow (a very long chain
        # of `+`, say): what it could not read is reported, never guessed.
        self.too_deep: set[str] = set()

    # --- running ---------------------------------------------------------------------------

    def run(self, modules: Iterable[SourceModule]) -> None:
        for source in modules:
            self.modules.setdefault(source.name, ModuleState(source))
        for name in list(self.modules):
            self.run_module(name)
        self.phase = 2
        watch = self.watch
        done = 0
        while done < len(self.order):
            info = self.order[done]
            done += 1
            if info.state == 0:
                if watch is not None:
                    watch.reading_def = info
                self.run_def(info, record=True)
        if watch is not None and self.readings is not None:
            watch.reading_def = None
            if watch.installed and not watch.valid(self):
                raise ReadAgain
            self.readings.keep(self, watch)
        self.phase = 3
        self._normalize()

    def run_module(self, name: str) -> ModuleState | None:
        state = self.modules.get(name)
        if state is None:
            source = self.index.load(name)
            if source is None:
                return None
            state = self.modules[name] = ModuleState(source)
        tree = self.index.tree(state.source) if state.state == 0 else None
        watch = self.watch
        if watch is not None:
            watch.importing(name, phase=self.phase, runs=tree is not None)
        if tree is not None:
            state.state = 1
            reading = self.readings.reusable(name) if self.readings and self.phase == 1 else None
            if reading is not None and watch is not None:
                install(self, watch, reading)
                state.state = 2
                return state
            frame = Frame(self, state, None, None, state.env, record=True)
            with watch.running(name, self.index) if watch is not None else nullcontext():
                try:
                    frame.block(tree.body)
                except RecursionError:
                    self.too_deep.add(name)
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
        if record and self.watch is not None and info.module in self.watch.shared:
            with self.watch.asking(info.module, self.index):
                return self._read_def(info, frame, record=record)
        return self._read_def(info, frame, record=record)

    def _read_def(self, info: DefInfo, frame: Frame, *, record: bool) -> Value:
        if record:
            info.state = 1
            info.returns = []
            for name, value in frame.env.items():
                info.assigned.setdefault(name, []).append(value)
        returns_before = list(info.returns)
        node = info.node
        try:
            if isinstance(node, ast.Lambda):
                frame.returns.append(frame.expr(node.body))
            else:
                frame.block(node.body)
                if not _always_returns(node.body):
                    frame.returns.append(NONE)
        except RecursionError:
            self.too_deep.add(info.module)
            frame.returns.append(UNKNOWN)
        result = join(*frame.returns) if frame.returns else NONE
        if record:
            info.returns = frame.returns
            info.state = 2
        else:
            info.returns = returns_before
        return result

    def summary(self, info: DefInfo) -> Value:
        """What a function returns, in terms of its parameters."""
        watch = self.watch
        if self.phase >= 2:
            if watch is not None and self.phase == 2:
                watch.reads_early(info, self)
            if info.state == 0:
                self.run_def(info, record=True)
            if info.state == 1:
                if watch is not None:
                    watch.cut = True
                return join(*info.returns) if info.returns else Unknown("a recursive call")
            return join(*info.returns) if info.returns else NONE
        # Phase 1: a call made while modules are still being imported. Read once: a later
        # import can only have added names, and a value known with fewer names is still true.
        if info.id in self._early_summaries:
            return self._early_summaries[info.id]
        if watch is not None:
            watch.early(info)
        if info.id in self._summary_stack:
            if watch is not None:
                watch.cut = True
            return Unknown("a recursive call")
        self._summary_stack.add(info.id)
        try:
            result = self.run_def(info, record=False)
        finally:
            self._summary_stack.discard(info.id)
        self._early_summaries[info.id] = result
        return result

    def add_def(self, info: DefInfo) -> None:
        self.positions[info.id] = len(self.order)
        self.order.append(info)
        self.defs[info.id] = info
        if self.watch is not None:
            self.watch.defined(info.module)

    def size(self) -> tuple[int, int, int, int]:
        """Grows whenever reading code changes what a name of the program may be: a global
        written from a function, a function or class defined, a module imported."""
        return (len(self.global_writes), len(self.order), len(self.classes), len(self.modules))

    def add_class(self, info: ClassInfo) -> None:
        self.classes[info.id] = info
        if self.watch is not None:
            self.watch.defined(info.module)

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
        """The class and its project bases, nearest first (known once its body was read)."""
        cached = self._mros.get(cls_id)
        if cached is None:
            cached = self._mro(cls_id)
            if self.phase >= 2:
                self._mros[cls_id] = cached
        return cached

    def subclasses(self, cls_id: int) -> list[ClassInfo]:
        """Classes that have `cls_id` among their bases (itself included)."""
        if self._subclasses is None:
            index: dict[int, list[ClassInfo]] = {}
            for info in self.classes.values():
                for base in self.mro(info.id):
                    index.setdefault(base.id, []).append(info)
            self._subclasses = index
        return self._subclasses.get(cls_id, [])

    def _mro(self, cls_id: int) -> list[ClassInfo]:
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
            return dict_get(base, key)
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
        if (
            is_symbolic(func)
            or any_symbolic(args)
            or (kwargs and any_symbolic(v for _, v in kwargs))
        ):
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
            return dict_update(base, tuple((Const(k), v) for k, v in kwargs if k != "**"))
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
        if name == "dataclasses.dataclass":
            return first if isinstance(first, Class) else Extern("decorator")
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
            return dict_method(recv, name, args, kwargs)
        if isinstance(recv, EventPath) and name == "get" and args:
            found = self.getitem(recv, args[0])
            # The event may lack the key: then the default is the value (`{}` names nothing).
            if len(args) > 1 and not holds_no_name(args[1]):
                return join(found, args[1])
            return found
        if isinstance(recv, STRINGY):
            return str_method(recv, name, args)
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
                found = [v for info in self.subclasses(cls_id) for v in info.attrs.get(name, [])]
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
            # Most sites hold no Lazy: they stay as they are (expanding gives them back).
            lazy = [site for site in state.sites if site.lazy]
            sites = state.sites.difference(lazy) if lazy else state.sites
            for site in lazy:
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
                        site.owner,
                    )
                )
            state.sites = sites
            for late in state.late_calls:
                # A call through a value known only now (a callback on self): bind it.
                self._late_bindings(
                    state,
                    LateCall(
                        self.expand(late.func),
                        tuple(self.expand(a) for a in late.args),
                        tuple((k, self.expand(v)) for k, v in late.kwargs),
                        late.owner,
                    ),
                )
            state.bindings = [
                Binding(b.func, b.module, tuple((k, self.expand(v)) for k, v in b.values), b.owner)
                if b.lazy
                else b
                for b in state.bindings
            ]
        for def_id, info in self.defs.items():
            if info.defaults and any(has_lazy(v) for v in info.defaults.values()):
                # A copy: an installed function is shared with its reading (readings.install).
                defaults = {k: self.expand(v) for k, v in info.defaults.items()}
                self.defs[def_id] = dataclasses.replace(info, defaults=defaults)
                self.order[self.positions[def_id]] = self.defs[def_id]

    def _late_bindings(self, state: ModuleState, late: LateCall) -> None:
        for option in options(late.func):
            if isinstance(option, Func):
                info = self.defs[option.id]
                values = self.bind(info, option.bound, late.args, late.kwargs)
                state.bindings.append(Binding(info.id, state.source.name, values, late.owner))


def _always_returns(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise)
