"""Reach: which function arguments may ever hold a boto3 object, before resolving any site.

A call site on an argument (`obj.get()`, `x.filter(...)`) can only be a boto3 call if some caller
passes a boto3 client, resource or collection, or something that leads to one: an object whose
attributes hold one, a function that returns one, a module. This over-approximation is a
fixpoint over every recorded call of a project function; sites whose receiver depends only on
arguments that never hold such a value are skipped without enumerating their call contexts. It
never removes a real operation: anything it cannot rule out counts as reaching boto3.
"""

from __future__ import annotations

from tether.analysis.program import Program
from tether.analysis.values import (
    CallOf,
    Class,
    Client,
    Coll,
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
    Meta,
    Method,
    Paginator,
    Param,
    Partial,
    Res,
    Seq,
    Super,
    Union,
    Unknown,
    Unreached,
    Value,
    Waiter,
    children,
)

Key = tuple[int, str]
_BOTO = (Client, Res, Coll, Paginator, Waiter, Meta)
_COLD = (Const, Env, EventPath, Unknown, Unreached)


class Reach:
    """The arguments (function id, name), classes and functions that may lead to boto3."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.params: set[Key] = set()
        self.classes: set[int] = set()
        self.funcs: set[int] = set()
        self._solve()

    def _solve(self) -> None:
        program = self.program
        sources: list[tuple[str, object, Value]] = []
        for state in program.modules.values():
            for binding in state.bindings:
                for name, value in binding.values:
                    sources.append(("param", (binding.func, name), value))
        for info in program.defs:
            for name, value in info.defaults.items():
                sources.append(("param", (info.id, name), value))
            for value in info.returns:
                sources.append(("func", info.id, value))
        for cls in program.classes:
            for values in cls.attrs.values():
                for value in values:
                    sources.append(("class", cls.id, value))
        changed = True
        while changed:
            changed = False
            memo: dict[int, bool] = {}
            for kind, key, value in sources:
                if self._known(kind, key) or not self.hot(value, memo):
                    continue
                changed = True
                if kind == "param":
                    assert isinstance(key, tuple)
                    self.params.add(key)
                elif kind == "func":
                    assert isinstance(key, int)
                    self.funcs.add(key)
                    owner = program.defs[key].cls
                    if owner is not None:  # a method or property giving one: its objects do
                        self._heat_class(owner)
                else:
                    assert isinstance(key, int)
                    self._heat_class(key)

    def _heat_class(self, cls_id: int) -> None:
        for info in (*self.program.subclasses(cls_id), *self.program.mro(cls_id)):
            self.classes.add(info.id)

    def _known(self, kind: str, key: object) -> bool:
        if kind == "param":
            return key in self.params
        if kind == "func":
            return key in self.funcs
        return key in self.classes

    def hot(self, value: Value, memo: dict[int, bool] | None = None) -> bool:
        """Whether `value` may be, hold, return or lead to a boto3 object."""
        memo = {} if memo is None else memo
        found = memo.get(id(value))
        if found is not None:
            return found
        memo[id(value)] = False  # cycles: assume cold while deciding
        result = self._hot(value, memo)
        memo[id(value)] = result
        return result

    def _hot(self, value: Value, memo: dict[int, bool]) -> bool:
        if isinstance(value, _BOTO):
            return True
        if isinstance(value, _COLD):
            return False
        if isinstance(value, Param):
            return (value.func, value.name) in self.params
        if isinstance(value, Extern):
            return value.name.startswith(("boto3", "botocore"))
        if isinstance(value, Instance | Class):
            return (value.cls if isinstance(value, Instance) else value.id) in self.classes
        if isinstance(value, Func):
            bound = value.bound is not None and self.hot(value.bound, memo)
            return value.id in self.funcs or bound
        if isinstance(value, Super):
            return value.cls in self.classes or self.hot(value.self_, memo)
        if isinstance(value, Method):
            return self.hot(value.recv, memo)
        if isinstance(value, Union | Seq | Dict | Partial | CallOf | GetAttr | GetItem | IterOf):
            return any(self.hot(child, memo) for child in children(value))
        return True  # modules, Lazy, anything else: cannot rule it out

    def may_reach(self, value: Value) -> bool:
        """Whether some call context could make `value` lead to a boto3 object."""
        return self.hot(value)
