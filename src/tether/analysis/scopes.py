"""Scopes: which names a function binds, its parameters, and where a call's method name is.

Python decides at compile time whether a name in a function is local, global or belongs to an
enclosing function; analysis needs the same answer before reading the body.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

_NESTED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


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
