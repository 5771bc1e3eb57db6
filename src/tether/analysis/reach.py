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
# How `_hot` treats each kind of value (by exact type: it is asked of every value of a program).
_BOTO_KIND, _COLD_KIND, _WALK, _OTHER = "boto", "cold", "walk", "other"
_NEVER, _MAYBE, _HOT = 0, 1, 2  # what `_level` finds (ordered: a value is the most of its parts)
_KINDS: dict[type, str] = {
    **dict.fromkeys(_BOTO, _BOTO_KIND),
    **dict.fromkeys(_COLD, _COLD_KIND),
    **dict.fromkeys((Union, Seq, Dict, Partial, CallOf, GetAttr, GetItem, IterOf), _WALK),
}


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
        for info in program.defs.values():
            for name, value in info.defaults.items():
                sources.append(("param", (info.id, name), value))
            for value in info.returns:
                sources.append(("func", info.id, value))
        for cls in program.classes.values():
            for values in cls.attrs.values():
                for value in values:
                    sources.append(("class", cls.id, value))
        # A value that holds no argument, function or class of the project is cold for good
        # once found cold: only the others are asked again after each round that found more.
        # What a round found of each part of a value stays true in the next ones, but for the
        # parts found _MAYBE: finding more can only make a part hotter (never to _HOT from
        # _NEVER, never from _HOT), so each round starts from the last one's _NEVER and _HOT.
        pending = sources
        memo: dict[int, int] = {}
        while pending:
            memo = {key: level for key, level in memo.items() if level != _MAYBE}
            still: list[tuple[str, object, Value]] = []
            changed = False
            for source in pending:
                kind, key, value = source
                if self._known(kind, key):
                    continue
                level = self._level(value, memo)
                if level != _HOT:
                    if level == _MAYBE:
                        still.append(source)
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
            pending = still if changed else []

    def _heat_class(self, cls_id: int) -> None:
        for info in (*self.program.subclasses(cls_id), *self.program.mro(cls_id)):
            self.classes.add(info.id)

    def _known(self, kind: str, key: object) -> bool:
        if kind == "param":
            return key in self.params
        if kind == "func":
            return key in self.funcs
        return key in self.classes

    def hot(self, value: Value, memo: dict[int, int] | None = None) -> bool:
        """Whether `value` may be, hold, return or lead to a boto3 object."""
        return self._level(value, {} if memo is None else memo) == _HOT

    def _level(self, value: Value, memo: dict[int, int]) -> int:
        """_HOT; _NEVER (cold for good); or _MAYBE: cold while the arguments, functions and classes
        known to lead to boto3 are these."""
        found = memo.get(id(value))
        if found is not None:
            return found
        memo[id(value)] = _NEVER  # cycles: assume cold while deciding
        result = self._find_level(value, memo)
        memo[id(value)] = result
        return result

    def _find_level(self, value: Value, memo: dict[int, int]) -> int:
        kind = _KINDS.get(type(value), _OTHER)
        if kind == _BOTO_KIND:
            return _HOT
        if kind == _COLD_KIND:
            return _NEVER
        if kind == _WALK:
            level = _NEVER
            for child in children(value):
                found = self._level(child, memo)
                if found == _HOT:
                    return _HOT
                level = max(level, found)
            return level
        if isinstance(value, Param):
            return _HOT if (value.func, value.name) in self.params else _MAYBE
        if isinstance(value, Extern):
            return _HOT if value.name.startswith(("boto3", "botocore")) else _NEVER
        if isinstance(value, Instance):
            return _HOT if value.cls in self.classes else _MAYBE
        if isinstance(value, Class):
            return _HOT if value.id in self.classes else _MAYBE
        if isinstance(value, Func):
            bound = value.bound is not None and self._level(value.bound, memo) == _HOT
            return _HOT if value.id in self.funcs or bound else _MAYBE
        if isinstance(value, Super):
            if value.cls in self.classes or self._level(value.self_, memo) == _HOT:
                return _HOT
            return _MAYBE
        if isinstance(value, Method):
            return self._level(value.recv, memo)
        return _HOT  # modules, Lazy, anything else: cannot rule it out

    def may_reach(self, value: Value) -> bool:
        """Whether some call context could make `value` lead to a boto3 object."""
        return self.hot(value)
