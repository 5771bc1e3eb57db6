"""Frames: reading one module, class body or function body, statement by statement.

Reading is flow-sensitive: statements update an environment of abstract values; both sides of
a branch are taken and joined (a dead branch still counts); loops run twice; try, with, match
and comprehensions follow Python's rules closely enough for names. Every call that may reach
boto3 is recorded as a `Site`, every call of a project function as a `Binding`, every read of
os.environ as an `EnvRead`, and importlib, __import__, exec and computed getattr as `Note`s,
each with the body it is in. Every value a body reads that is a project function or class is
recorded as a reference of that body (callgraph.py turns them into what each handler may run).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tether.analysis import calls
from tether.analysis.actions import boto_names, client_method_names, load_attributes
from tether.analysis.externs import (
    EXTERN_ATTRS,
    PERCENT_FIELD,
    TRANSPARENT_DECORATORS,
    dict_get,
    dict_update,
    extern_value,
    format_string,
)
from tether.analysis.records import (
    Binding,
    ClassInfo,
    DefInfo,
    EnvRead,
    LateCall,
    ModuleState,
    Note,
    Site,
)
from tether.analysis.scopes import (
    binds_first,
    call_shape,
    function_signature,
    method_position,
    node_id,
    only_wraps,
    scan_scope,
)
from tether.analysis.values import (
    DEEP,
    NONE,
    TOO_DEEP,
    UNKNOWN,
    Class,
    Coll,
    Const,
    Dict,
    Env,
    Extern,
    Func,
    GetAttr,
    Instance,
    Lazy,
    Method,
    Module,
    Param,
    Partial,
    Seq,
    Super,
    Union,
    Unknown,
    Value,
    compute_facts,
    concat,
    is_symbolic,
    join,
    options,
)

if TYPE_CHECKING:
    from tether.analysis.program import Program


# --- frames: reading one body ---------------------------------------------------------------


MAX_LOOP_DEPTH = 3  # deeper loops are read once: two passes each would multiply
CLIENT_METHOD_NAMES = client_method_names()
LOAD_ATTRIBUTES = load_attributes()
# Values that are, or may turn out to be, a project function or class: what a body references.
_REFERENCING = frozenset({Func, Class, Instance, Lazy, Union})
OS_ENVIRON = Extern("os.environ")
SUPER = Extern("builtins.super")
# Module-level functions Python calls without the code naming them.
_MODULE_HOOKS = frozenset({"__getattr__", "__dir__"})


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
        # The function whose body this is (a class body belongs to the code around it).
        self.owner: int | None = func.id if func is not None else outer.owner if outer else None
        self.returns: list[Value] = []
        self.overlay: list[dict[str, Value]] = []
        self.loop_depth = 0

    @property
    def file(self) -> str:
        return self.module.source.file

    # --- names -----------------------------------------------------------------------------

    def lookup(self, name: str) -> Value:
        if self.overlay:  # only inside a comprehension
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
                found = self.env.get(name)
                return found if found is not None else Unknown(f"{name!r} may be unset here")
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
        handler = _STATEMENTS.get(type(node))
        if handler is not None:
            handler(self, node)
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

    def loop(
        self,
        node: ast.For | ast.AsyncFor | ast.While,
        before_each: Iterator[None] | None = None,
    ) -> None:
        """Read the body until the names it changes stop changing (two passes at most). A
        second pass would read the same values as the first, and so do and record the same,
        when the first read no function body that changed what a name of the program is, and
        changed only names each pass binds before reading them (scopes.binds_first): then it
        is not read, and the env stays as the first left it (what the second would leave)."""
        start = dict(self.env)
        passes = 2 if self.loop_depth < MAX_LOOP_DEPTH else 1
        self.loop_depth += 1
        # Module and class bodies write names other code reads: they always take two passes.
        may_skip = passes == 2 and self.func is not None and self.cls is None
        try:
            for index in range(passes):
                size = self.program.size() if may_skip and index == 0 else None
                if before_each is not None:
                    next(before_each, None)
                self.block(node.body)
                joined = _join_envs([start, dict(self.env)])
                if joined == start:
                    break
                if size is not None and size == self.program.size():
                    changed = {n for n, v in joined.items() if n not in start or start[n] != v}
                    if binds_first(node, changed):
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

        self.loop(node, bind_target())
        self.block(node.orelse)

    s_AsyncFor = s_For

    def s_While(self, node: ast.While) -> None:
        def test() -> Iterator[None]:
            while True:
                self.expr(node.test)
                yield None

        self.loop(node, test())
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
            for name in sorted(scan_scope([case.pattern]).bound):
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
        source = program.index.source_of(node.level, node.module, self.module.source)
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
                if self.record:
                    self.cls.accessors.append(info.id)
                return  # the name keeps the property's getter
            else:
                info.kind = "method"
            self.cls.methods[node.name] = info.id
        elif not self.decorated_transparently(decorators):
            # A decorator may keep the function (a route table, a registry) and call it from
            # anywhere: it is referenced where it is defined.
            self.reference(Func(info.id))
        elif self.func is None and node.name in _MODULE_HOOKS:
            self.reference(Func(info.id))
        # Decorators are taken to return the function they wrap.
        self.bind(node.name, Func(info.id))

    def decorated_transparently(self, values: list[Value]) -> bool:
        """Whether every decorator only wraps the function (the name then holds all there is
        to call): a project decorator that calls it only from a wrapper (scopes.only_wraps), or
        a wrapper of the standard library."""
        for value in values:
            found = options(value)
            if all(isinstance(o, Func) for o in found):
                if not all(self.decorator_only_wraps(o) for o in found if isinstance(o, Func)):
                    return False
            elif not all(isinstance(o, Extern) and o.name in TRANSPARENT_DECORATORS for o in found):
                return False
        return True

    def decorator_only_wraps(self, decorator: Func) -> bool:
        info = self.program.defs[decorator.id]
        params = info.params[1:] if decorator.bound is not None else info.params
        return bool(params) and only_wraps(info.node, params[0])

    s_AsyncFunctionDef = s_FunctionDef

    def define(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str
    ) -> DefInfo:
        program = self.program
        def_id = node_id(self.module.source.name, node)
        info = program.defs.get(def_id)
        if info is None:
            parent = self.func.id if self.func is not None else None
            if self.cls is not None and self.outer is not None and self.outer.func is not None:
                parent = self.outer.func.id
            prefix = ""
            if self.cls is not None:
                prefix = f"{self.cls.name}."
            elif self.func is not None:
                prefix = f"{self.func.qualname}.<locals>."
            signature = function_signature(node, plain=self.module.source.plain)
            info = DefInfo(
                id=def_id,
                module=self.module.source.name,
                node=node,
                qualname=prefix + name,
                parent=parent,
                cls=self.cls.id if self.cls is not None else None,
                kind="lambda" if isinstance(node, ast.Lambda) else "function",
                params=list(signature.positional),
                vararg=signature.vararg,
                kwonly=list(signature.kwonly),
                kwarg=signature.kwarg,
                local_names=signature.local_names,
                global_names=signature.global_names,
            )
            program.add_def(info)
        args = node.args
        defaults: dict[str, Value] = {}
        if args.defaults:
            positional = function_signature(node).positional
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
        decorators = [self.expr(d) for d in node.decorator_list]
        cls_id = node_id(self.module.source.name, node)
        info = program.classes.get(cls_id)
        if info is None:
            info = ClassInfo(cls_id, self.module.source.name, node.name, bases)
            program.add_class(info)
        if not self.decorated_transparently(decorators):
            self.reference(Class(info.id))
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
                    cls = self.program.classes[cls_id]
                    cls.attrs.setdefault(target.attr, []).append(value)
                    if self.program.watch is not None:
                        self.program.watch.wrote_attribute(self.module.source.name, cls.module)
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
                        self.bind(target.value.id, dict_update(current, ((key, value),)))
                    elif all(isinstance(k, Const) for k in keys):
                        # d[k] = v with k one of a few constants (a loop): each may be set.
                        items = tuple((k, join(dict_get(current, k), value)) for k in keys)
                        items = tuple(
                            (k, value if isinstance(dict_get(current, k), Unknown) else v)
                            for k, v in items
                        )
                        self.bind(target.value.id, dict_update(current, items))
                    else:
                        self.bind(target.value.id, Dict((*current.items, (key, value)), True))
                    return
            self.expr(target.value)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN)

    # --- expressions ------------------------------------------------------------------------

    def expr(self, node: ast.expr) -> Value:
        kind = type(node)
        if kind is ast.Name:
            value = self.lookup(node.id)  # type: ignore[attr-defined]
        else:
            handler = _EXPRESSIONS.get(kind)
            if handler is None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        self.expr(child)
                return UNKNOWN
            value = handler(self, node)
            # values.bounded, inline: this runs for every expression read
            facts = value._f
            if facts is None:
                facts = compute_facts(value)
            if facts >= TOO_DEEP:
                value = DEEP
        if type(value) in _REFERENCING:
            self.reference(value)
        return value

    def reference(self, value: Value) -> None:
        """Note that this body reads `value`: a function it holds may be called from here.
        Recorded on every reading, also of a function run while modules are imported: a name
        read then may be bound to a function that is redefined later."""
        refs = self.module.refs.get(self.owner)
        for option in options(value):
            if isinstance(option, Func):
                item: Value = Func(option.id) if option.bound is not None else option
            elif isinstance(option, Instance):
                item = Class(option.cls)
            elif isinstance(option, Class | Lazy):
                item = option
            else:
                continue
            if refs is None:
                refs = self.module.refs[self.owner] = set()
            refs.add(item)

    def lookup_dynamically(self, module: str) -> None:
        """This body may find any name of `module` at run time (globals(), getattr)."""
        self.module.dynamic.setdefault(self.owner, set()).add(module)

    def e_Constant(self, node: ast.Constant) -> Value:
        # One value per node, kept on it: constants are read again in every group and loop.
        found: Value | None = getattr(node, "_tether_value", None)
        if found is None:
            if isinstance(node.value, str | int | float | bool | bytes) or node.value is None:
                found = Const(node.value)
            else:
                found = UNKNOWN
            node._tether_value = found  # type: ignore[attr-defined]
        return found

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
            return format_string(left.value, PERCENT_FIELD, args)
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
            and node.attr in LOAD_ATTRIBUTES
            and isinstance(node.ctx, ast.Load)
            and (is_symbolic(base) or any(calls.loads(o, node.attr) for o in options(base)))
        ):
            line, column = method_position(node)
            self.module.sites.add(
                Site("attr", self.file, line, column, base, name=node.attr, owner=self.owner)
            )
        if node.attr == "__dict__":
            for option in options(base):
                if isinstance(option, Module):
                    self.lookup_dynamically(option.name)
        return value

    def e_Subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        key = self.expr(node.slice)
        if isinstance(node.slice, ast.Slice):
            key = UNKNOWN
        value = self.program.getitem(base, key)
        if isinstance(value, Env) and OS_ENVIRON in options(base):
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
        method = self.func
        if (
            type(func) is Extern  # func == SUPER, without two calls of dataclass __eq__
            and func.name == SUPER.name
            and not node.args
            and method is not None
            and method.cls is not None
            and method.params
        ):
            return Super(method.cls, self.lookup(method.params[0]))
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
        written, keywords, line, column = call_shape(node)
        relevant = False
        if is_symbolic(func):
            if (isinstance(func, GetAttr) and func.name in boto_names()) or isinstance(func, Param):
                relevant = True  # obj.put_object(...) on an argument, or a callback argument
            else:
                self.module.late_calls.append(LateCall(func, args, kwargs, self.owner))
        for option in options(func):
            if isinstance(option, (Func, Class)):  # a tuple: faster than Func | Class
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
                Site(
                    "call",
                    self.file,
                    line,
                    column,
                    func,
                    args,
                    kwargs,
                    written,
                    keywords,
                    self.owner,
                )
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
                    self.module.bindings.append(
                        Binding(init.id, self.module.source.name, values, self.owner)
                    )
                    return
            return
        info = program.defs[func.id]
        values = program.bind(info, func.bound, args, kwargs)
        self.module.bindings.append(Binding(info.id, self.module.source.name, values, self.owner))

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
                    self.owner,
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
                    self.owner,
                )
            )
        elif name in ("builtins.globals", "builtins.vars"):
            if not args:
                self.lookup_dynamically(self.module.source.name)
            for option in options(args[0]) if args else ():
                if isinstance(option, Module):
                    self.lookup_dynamically(option.name)
        elif (
            name == "builtins.getattr"
            and len(args) >= 2
            and not (isinstance(args[1], Const) and isinstance(args[1].value, str))
        ):
            for option in options(args[0]):
                if isinstance(option, Module):
                    self.lookup_dynamically(option.name)
                elif isinstance(option, Unknown) or is_symbolic(option):
                    # getattr(sys.modules[__name__], name) and the like.
                    self.lookup_dynamically(self.module.source.name)
            if any(calls.is_boto(o) for o in options(args[0])):
                self.module.notes.add(
                    Note(
                        self.file,
                        line,
                        column,
                        "getattr(...) calls a boto3 method whose name is computed at run time",
                        "call the method by name (client.put_object(...)), or declare the "
                        "actions under `operations:` in tether.yaml",
                        self.owner,
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
        on_import = self.func is None
        read = EnvRead(
            self.file, node.lineno, node.col_offset + 1, var, kind, on_import, self.owner
        )
        self.module.env_reads.add(read)

    def record_iter(self, node: ast.expr, iterable: Value) -> None:
        if not self.record:
            return
        symbolic = isinstance(iterable, GetAttr) and is_symbolic(iterable)
        if symbolic or any(isinstance(o, Coll) and not o.listed for o in options(iterable)):
            self.module.sites.add(
                Site(
                    "iter", self.file, node.lineno, node.col_offset + 1, iterable, owner=self.owner
                )
            )


_STATEMENTS: dict[type, Callable[[Frame, Any], None]] = {
    getattr(ast, name[2:]): function
    for name, function in vars(Frame).items()
    if name.startswith("s_") and hasattr(ast, name[2:])
}
_EXPRESSIONS: dict[type, Callable[[Frame, Any], Value]] = {
    getattr(ast, name[2:]): function
    for name, function in vars(Frame).items()
    if name.startswith("e_") and hasattr(ast, name[2:])
}


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
    return isinstance(func, Method) and func.recv == OS_ENVIRON


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
