"""Scopes: which names a function binds, its parameters, how a decorator uses the function it
decorates, where a call's method name is, and the ids of functions and classes.

Python decides at compile time whether a name in a function is local, global or belongs to an
enclosing function; analysis needs the same answer before reading the body.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
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


def function_scope(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Scope:
    """The scope of a function's body, kept on the node: syntax trees of unchanged files are
    reused from one analysis to the next."""
    cached: Scope | None = getattr(node, "_tether_scope", None)
    if cached is None:
        cached = scan_scope([node.body] if isinstance(node, ast.Lambda) else node.body)
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


def function_signature(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Signature:
    """The function's signature, kept on the node like its scope."""
    cached: Signature | None = getattr(node, "_tether_signature", None)
    if cached is None:
        positional, vararg, kwonly, kwarg = arguments(node.args)
        scope = function_scope(node)
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


def scan_scope(body: Iterable[ast.AST]) -> Scope:
    """The scope of a function body (or a match pattern): nested functions, classes, lambdas
    and comprehensions have their own, but their names, decorators and defaults are ours."""
    scope = Scope()
    bound = scope.bound
    stack: list[Any] = list(body)  # nodes, told apart by the table below, not by isinstance
    special = _SPECIAL
    while stack:
        node = stack.pop()
        kind = type(node)
        what = special.get(kind)
        if what is None:
            # Most nodes: only their children can bind. Fields that never hold a node that
            # binds (ctx, op...) are not visited; lists may hold None or strings.
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
            stack.extend(node.decorator_list)
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
        elif what == _CLASS:
            bound.add(node.name)
            scope.self_contained = False
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


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = tuple(f for f in getattr(kind, "_fields", ()) if f not in _LEAF_FIELDS)
    _CHILD_FIELDS[kind] = fields
    return fields


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
