"""Scopes: which names a function binds, its parameters, how a decorator uses the function it
decorates, where a call's method name is, and the ids of functions and classes.

Python decides at compile time whether a name in a function is local, global or belongs to an
enclosing function; analysis needs the same answer before reading the body.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_NESTED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Attributes of a function that say what it is, not call it.
_METADATA = frozenset({"__name__", "__qualname__", "__module__", "__doc__"})


@dataclass
class Scope:
    """The names a body binds, and those it declares global or nonlocal."""

    bound: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    # Whether the body defines no function, class or lambda, imports nothing and declares
    # nothing global or nonlocal: reading it then changes nothing outside it (readings.py).
    self_contained: bool = True


def function_scope(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, *, plain: bool = False
) -> Scope:
    """The scope of a function's body, kept on the node: syntax trees of unchanged files are
    reused from one analysis to the next. `plain`: its module's text holds no `:=` and no
    `lambda` (sources.SourceModule.plain), which only makes finding the scope faster."""
    cached: Scope | None = getattr(node, "_tether_scope", None)
    if cached is None:
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        cached = scan_scope(body, plain=plain)
        node._tether_scope = cached  # type: ignore[union-attr]
    return cached


@dataclass(frozen=True)
class Signature:
    """What a function's definition says before its body is read: its parameters and which
    names are its own (locals) or the module's (declared global)."""

    positional: tuple[str, ...]
    vararg: str | None
    kwonly: tuple[str, ...]
    kwarg: str | None
    local_names: frozenset[str]
    global_names: frozenset[str]


def function_signature(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, *, plain: bool = False
) -> Signature:
    """The function's signature, kept on the node like its scope (`plain`: as there)."""
    cached: Signature | None = getattr(node, "_tether_signature", None)
    if cached is None:
        positional, vararg, kwonly, kwarg = arguments(node.args)
        scope = function_scope(node, plain=plain)
        own = scope.bound | {*positional, *kwonly, vararg or "", kwarg or ""}
        cached = Signature(
            positional=tuple(positional),
            vararg=vararg,
            kwonly=tuple(kwonly),
            kwarg=kwarg,
            local_names=frozenset(own - scope.globals - scope.nonlocals - {""}),
            global_names=frozenset(scope.globals),
        )
        node._tether_signature = cached  # type: ignore[union-attr]
    return cached


def call_shape(node: ast.Call) -> tuple[str, frozenset[str], int, int]:
    """The method name as written (x.put_object: "put_object", else ""), the keyword names, and
    the line and column of the method name; kept on the node."""
    cached: tuple[str, frozenset[str], int, int] | None = getattr(node, "_tether_call", None)
    if cached is None:
        written = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        keywords = frozenset(k.arg for k in node.keywords if k.arg)
        line, column = method_position(node.func)
        cached = (written, keywords, line, column)
        node._tether_call = cached  # type: ignore[attr-defined]
    return cached


def node_id(
    module: str, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
) -> int:
    """The id of a function or class of the project: from its module and place, so the same in
    every program that reads the module (groups.py gives each group its own) and in every
    process (a digest, not Python's hash of strings)."""
    key = f"{module}\0{type(node).__name__}\0{node.lineno}\0{node.col_offset}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 2


def scan_scope(body: Iterable[ast.AST], *, plain: bool = False) -> Scope:
    """The scope of a function body (or a match pattern): nested functions, classes, lambdas
    and comprehensions have their own, but their names, decorators and defaults are ours.

    With `plain` (the code holds no `:=` and no `lambda`), an expression binds a name only as
    the target of an assignment, a loop, a `with` or a `del`: the other expressions (most of
    the nodes) are not visited, and the scope is the same."""
    scope = Scope()
    bound = scope.bound
    stack: list[Any] = list(body)  # nodes, told apart by the table below, not by isinstance
    special = _SPECIAL
    children = _PLAIN_FIELDS if plain else _CHILD_FIELDS
    while stack:
        node = stack.pop()
        kind = type(node)
        what = special.get(kind)
        if what is None:
            # Most nodes: only their children can bind. Fields that never hold a node that
            # binds (ctx, op...) are not visited; lists may hold None or strings.
            fields = children.get(kind)
            if fields is None:
                fields = _CHILD_FIELDS.get(kind)
                if fields is None:
                    fields = _child_fields(kind)
            for name in fields:
                child = getattr(node, name, None)
                if type(child) is list:
                    stack.extend(c for c in child if isinstance(c, ast.AST))
                elif isinstance(child, ast.AST):
                    stack.append(child)
            continue
        if what == _NAME:
            if type(node.ctx) is not ast.Load:
                bound.add(node.id)
        elif what == _DEF:
            bound.add(node.name)
            scope.self_contained = False
            if not plain:
                stack.extend(node.decorator_list)
                stack.extend(node.args.defaults)
                stack.extend(d for d in node.args.kw_defaults if d is not None)
        elif what == _CLASS:
            bound.add(node.name)
            scope.self_contained = False
            if not plain:
                stack.extend(node.decorator_list)
                stack.extend(node.bases)
        elif what == _IMPORT:
            bound.update(a.asname or a.name.partition(".")[0] for a in node.names)
            scope.self_contained = False
        elif what == _IMPORT_FROM:
            bound.update(a.asname or a.name for a in node.names if a.name != "*")
            scope.self_contained = False
        elif what == _GLOBAL:
            scope.globals.update(node.names)
            scope.self_contained = False
        elif what == _NONLOCAL:
            scope.nonlocals.update(node.names)
            scope.self_contained = False
        elif what == _OWN:
            # A scope of its own, nothing of it is ours; a lambda (maybe in a comprehension)
            # is a function defined in the body.
            if kind is ast.Lambda or any(isinstance(n, ast.Lambda) for n in ast.walk(node)):
                scope.self_contained = False
        elif what == _NAMED:
            if node.name:
                bound.add(node.name)
            if plain and kind is ast.ExceptHandler:
                stack.extend(node.body)  # the exception's type binds nothing
            else:
                stack.extend(ast.iter_child_nodes(node))
        elif what == _REST:
            if node.rest:
                bound.add(node.rest)
            stack.extend(ast.iter_child_nodes(node))
    return scope


_NAME, _DEF, _CLASS, _IMPORT, _IMPORT_FROM, _GLOBAL, _NONLOCAL, _NAMED, _REST, _OWN = range(10)
# How scan_scope treats a node type (the others: visit the children).
_SPECIAL: dict[type, int] = {
    ast.Name: _NAME,
    ast.FunctionDef: _DEF,
    ast.AsyncFunctionDef: _DEF,
    ast.ClassDef: _CLASS,
    ast.Import: _IMPORT,
    ast.ImportFrom: _IMPORT_FROM,
    ast.Global: _GLOBAL,
    ast.Nonlocal: _NONLOCAL,
    ast.ExceptHandler: _NAMED,
    ast.MatchAs: _NAMED,
    ast.MatchStar: _NAMED,
    ast.MatchMapping: _REST,
    **{nested: _OWN for nested in _NESTED},
}
# Fields that hold no node that can bind a name: contexts, operators, type comments.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "level"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


# With `plain`, what to visit of each kind of statement: the statements it holds and its
# targets (every other expression is read, never bound). Nodes not listed (targets, patterns)
# are visited whole.
_PLAIN_FIELDS: dict[type, tuple[str, ...]] = {
    ast.Assign: ("targets",),
    ast.AugAssign: ("target",),
    ast.AnnAssign: ("target",),
    ast.For: ("target", "body", "orelse"),
    ast.AsyncFor: ("target", "body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.If: ("body", "orelse"),
    ast.With: ("items", "body"),
    ast.AsyncWith: ("items", "body"),
    ast.withitem: ("optional_vars",),
    ast.Match: ("cases",),
    ast.match_case: ("pattern", "body"),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.TryStar: ("body", "handlers", "orelse", "finalbody"),
    ast.Delete: ("targets",),
    **dict.fromkeys(
        (ast.Expr, ast.Return, ast.Raise, ast.Assert, ast.Pass, ast.Break, ast.Continue), ()
    ),
}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = tuple(f for f in getattr(kind, "_fields", ()) if f not in _LEAF_FIELDS)
    _CHILD_FIELDS[kind] = fields
    return fields


def binds_first(node: ast.For | ast.AsyncFor | ast.While, names: set[str]) -> bool:
    """Whether each pass of the loop binds every one of `names` before anything in the pass
    may read it: as the target of a `for` made of plain names, or by a plain assignment at the
    top level of the body that is the first mention of the name and whose value does not read
    it. A pass then reads what the pass before it left only in the other names (see
    frames.Frame.loop). What it finds is kept on the node."""
    found: tuple[frozenset[str], frozenset[str] | None] | None = getattr(
        node, "_tether_binds_first", None
    )
    if found is None:
        found = (_assigned_on_top(node), None)
    candidates, bound = found
    if not names <= candidates:
        return False  # most loops: known without visiting the body's expressions
    if bound is None:
        bound = _bound_first(node, candidates)
        found = (candidates, bound)
    node._tether_binds_first = found  # type: ignore[union-attr]
    return names <= bound


def _assigned_on_top(node: ast.For | ast.AsyncFor | ast.While) -> frozenset[str]:
    """The names a plain assignment at the top level of the body, or the target, binds."""
    found: set[str] = set()
    if not isinstance(node, ast.While) and _plain_target(node.target):
        found.update(_mentions(node.target))
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            found.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return frozenset(found)


def _bound_first(
    node: ast.For | ast.AsyncFor | ast.While, candidates: frozenset[str]
) -> frozenset[str]:
    fresh: set[str] = set()
    mentioned: set[str] = set()
    if isinstance(node, ast.While):
        mentioned.update(_mentions(node.test))  # read before each pass
    elif _plain_target(node.target):
        fresh.update(_mentions(node.target))
    else:
        mentioned.update(_mentions(node.target))
    for statement in node.body:
        if candidates <= mentioned | fresh:
            break  # each name the loop may bind first is decided: the rest cannot change it
        if isinstance(statement, ast.Assign) and all(
            isinstance(t, ast.Name) for t in statement.targets
        ):
            reads = _mentions(statement.value)
            if "super" in reads:
                reads |= candidates  # super() reads the method's first parameter, unnamed
            for target in statement.targets:
                assert isinstance(target, ast.Name)
                if target.id not in mentioned and target.id not in reads:
                    fresh.add(target.id)
                mentioned.add(target.id)
            mentioned.update(reads)
        else:
            reads = _mentions(statement)
            mentioned.update(candidates if "super" in reads else (), reads)
    return frozenset(fresh)


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, ast.Starred):
        return _plain_target(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return all(_plain_target(e) for e in target.elts)
    return False


def _mentions(node: ast.AST) -> set[str]:
    """Every name written anywhere in `node`, read or bound, nested scopes included (more
    than it reads: counting too many only makes `bound_first` find fewer)."""
    found: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is ast.Name:
            found.add(item.id)
            continue
        named = _NAMING.get(kind)
        if named is not None:
            found.update(n for n in named(item) if n)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            child = getattr(item, name, None)
            if type(child) is list:
                stack.extend(c for c in child if isinstance(c, ast.AST))
            elif isinstance(child, ast.AST):
                stack.append(child)
    return found


# The names a node binds that are not a Name node of its own (a def's name, an import's alias).
_NAMING: dict[type, Callable[[Any], Iterable[str | None]]] = {
    ast.FunctionDef: lambda n: (n.name,),
    ast.AsyncFunctionDef: lambda n: (n.name,),
    ast.ClassDef: lambda n: (n.name,),
    ast.alias: lambda n: (n.name, n.name.partition(".")[0], n.asname),
    ast.Global: lambda n: n.names,
    ast.Nonlocal: lambda n: n.names,
    ast.ExceptHandler: lambda n: (n.name,),
    ast.MatchAs: lambda n: (n.name,),
    ast.MatchStar: lambda n: (n.name,),
    ast.MatchMapping: lambda n: (n.rest,),
    ast.arg: lambda n: (n.arg,),
}


def arguments(args: ast.arguments) -> tuple[list[str], str | None, list[str], str | None]:
    """Positional parameters (in order), *args, keyword-only parameters, **kwargs."""
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    return (
        positional,
        args.vararg.arg if args.vararg else None,
        [a.arg for a in args.kwonlyargs],
        args.kwarg.arg if args.kwarg else None,
    )


def method_position(node: ast.expr) -> tuple[int, int]:
    """Line and 1-based column of the method name in `x.method(...)`, else of the call."""
    if isinstance(node, ast.Attribute) and node.end_lineno is not None:
        end = node.end_col_offset or 0
        return node.end_lineno, max(1, end - len(node.attr) + 1)
    return node.lineno, node.col_offset + 1


def only_wraps(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str) -> bool:
    """Whether decorator `node` only wraps the function it gets as parameter `name`: calls it
    only from the functions nested in it (a wrapper runs when it is called, not when it is
    made), and otherwise only returns it, hands it to functools.wraps or asks its __name__. Such
    a decorator keeps the function nowhere but in what it returns, and never runs it itself."""
    body: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else list(node.body)
    stack: list[tuple[ast.AST, ast.AST | None, bool]] = [(child, None, False) for child in body]
    while stack:
        item, parent, nested = stack.pop()
        if isinstance(item, ast.Name):
            used = item.id == name and isinstance(item.ctx, ast.Load)
            if used and not _wrapping_use(item, parent, nested=nested):
                return False
            continue
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            # Decorators and defaults run now; the body runs when the nested function does.
            inner = [item.body] if isinstance(item, ast.Lambda) else item.body
            outer = [*getattr(item, "decorator_list", ()), item.args]
            stack.extend((child, item, True) for child in inner)
            stack.extend((child, item, nested) for child in outer)
            continue
        stack.extend((child, item, nested) for child in ast.iter_child_nodes(item))
    return True


def _wrapping_use(name: ast.Name, parent: ast.AST | None, *, nested: bool) -> bool:
    if isinstance(parent, ast.Call):
        if parent.func is name:
            return nested
        wraps = parent.func
        called = wraps.attr if isinstance(wraps, ast.Attribute) else getattr(wraps, "id", "")
        return called == "wraps" and name in parent.args
    if isinstance(parent, ast.Return):
        return True
    return isinstance(parent, ast.Attribute) and parent.attr in _METADATA
