"""Scopes: which names a function binds, its parameters, how a decorator uses the function it
decorates, and where a call's method name is.

Python decides at compile time whether a name in a function is local, global or belongs to an
enclosing function; analysis needs the same answer before reading the body.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

_NESTED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Attributes of a function that say what it is, not call it.
_METADATA = frozenset({"__name__", "__qualname__", "__module__", "__doc__"})


@dataclass
class Scope:
    """The names a body binds, and those it declares global or nonlocal."""

    bound: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)


def function_scope(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Scope:
    """The scope of a function's body, kept on the node: syntax trees of unchanged files are
    reused from one analysis to the next."""
    cached: Scope | None = getattr(node, "_tether_scope", None)
    if cached is None:
        cached = scan_scope([node.body] if isinstance(node, ast.Lambda) else node.body)
        node._tether_scope = cached  # type: ignore[union-attr]
    return cached


def scan_scope(body: Iterable[ast.AST]) -> Scope:
    """The scope of a function body (or a match pattern): nested functions, classes, lambdas
    and comprehensions have their own, but their names, decorators and defaults are ours."""
    scope = Scope()
    bound = scope.bound
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.ClassDef):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            stack.extend(node.bases)
            continue
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, ast.Import):
            bound.update(a.asname or a.name.partition(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            bound.update(a.asname or a.name for a in node.names if a.name != "*")
            continue
        if isinstance(node, ast.Global):
            scope.globals.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
            continue
        if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return scope


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
