"""Abstract values: what analysis knows about a Python expression without running it.

A value is a small immutable tree: a constant, an environment variable, a path into the
handler's event, a boto3 client or resource, a project module, function or class, a union of
alternatives, or `Unknown`. Two kinds of leaves are *symbolic* and filled in later: `Param` (a
function's argument, bound per call context when a function of the project is resolved) and
`Lazy` (a module global written from functions, an attribute set on `self`, a variable of an
enclosing function: known once every function body was read). Operations on symbolic values
(`GetAttr`, `GetItem`, `CallOf`, `IterOf`) are kept as nodes and replayed by `substitute`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any, Protocol

MAX_OPTIONS = 24


class Value:
    """Base of all abstract values (immutable; each caches its hash in `_h`)."""

    __slots__ = ("_h",)


@dataclass(frozen=True, slots=True)
class Unknown(Value):
    """Analysis cannot tell; `why` explains it in the user's words when it matters."""

    why: str = ""


@dataclass(frozen=True, slots=True)
class Unreached(Value):
    """An argument of a project function that the function being analysed never calls: the
    code using it belongs to other functions, so it is neither a grant nor a warning here."""


@dataclass(frozen=True, slots=True)
class Const(Value):
    value: str | int | float | bool | bytes | None


@dataclass(frozen=True, slots=True)
class Concat(Value):
    """A string built from parts: f-strings, `+`, `%`, str.format."""

    parts: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Env(Value):
    """os.environ[name], os.environ.get(name, default), os.getenv(name, default)."""

    name: Value
    default: Value | None = None


@dataclass(frozen=True, slots=True)
class EventPath(Value):
    """A part of the handler's `event`: ("Records", "*", "s3", "bucket", "name")."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Param(Value):
    """Argument `name` of project function `func`, bound per call context."""

    func: int
    name: str


@dataclass(frozen=True, slots=True)
class Lazy(Value):
    """A value known only after every function body was read: ("global", module, name),
    ("attr", class id, name), ("closure", function id, name)."""

    kind: str
    key: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Module(Value):
    """A module or package of the project, by dotted name."""

    name: str


@dataclass(frozen=True, slots=True)
class Extern(Value):
    """A known object outside the project: "boto3", "boto3.client", "os.environ"..."""

    name: str


@dataclass(frozen=True, slots=True)
class Func(Value):
    """A function of the project; `bound` is the instance for a bound method."""

    id: int
    bound: Value | None = None


@dataclass(frozen=True, slots=True)
class Class(Value):
    id: int


@dataclass(frozen=True, slots=True)
class Instance(Value):
    cls: int


@dataclass(frozen=True, slots=True)
class Partial(Value):
    """functools.partial(func, *args, **kwargs)."""

    func: Value
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class Super(Value):
    """super() in a method of class `cls`: attributes come from its bases, bound to `self`."""

    cls: int
    self_: Value


@dataclass(frozen=True, slots=True)
class Client(Value):
    """boto3.client(service)."""

    service: Value


@dataclass(frozen=True, slots=True)
class Res(Value):
    """A boto3 resource: the service resource (type "") or a Bucket, Object, Table...

    `ident` names the Tether resource it belongs to (the bucket of an Object); `many` marks a
    list of them (Queue.receive_messages()).
    """

    service: Value
    type: str
    ident: Value
    many: bool = False


@dataclass(frozen=True, slots=True)
class Coll(Value):
    """A boto3 collection such as bucket.objects; `listed` once all()/filter() was called."""

    service: Value
    owner: str
    name: str
    ident: Value
    listed: bool = False


@dataclass(frozen=True, slots=True)
class Paginator(Value):
    service: Value
    method: Value


@dataclass(frozen=True, slots=True)
class Waiter(Value):
    service: Value
    name: Value


@dataclass(frozen=True, slots=True)
class Meta(Value):
    """`.meta` of a boto3 client or resource (meta.client is the underlying client)."""

    of: Value


@dataclass(frozen=True, slots=True)
class Method(Value):
    """An attribute of a known object about to be called: s3.put_object, os.environ.get."""

    recv: Value
    name: str


@dataclass(frozen=True, slots=True)
class Seq(Value):
    """A list or tuple; a comprehension is a one-item Seq of its element."""

    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Dict(Value):
    items: tuple[tuple[Value, Value], ...]
    open: bool = False  # may hold keys analysis did not see


@dataclass(frozen=True, slots=True)
class Union(Value):
    options: frozenset[Value]


@dataclass(frozen=True, slots=True)
class GetAttr(Value):
    base: Value
    name: str


@dataclass(frozen=True, slots=True)
class GetItem(Value):
    base: Value
    key: Value


@dataclass(frozen=True, slots=True)
class CallOf(Value):
    func: Value
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class IterOf(Value):
    base: Value


def _cache_hash(cls: type) -> None:
    """Values are deep trees used as dict keys all the time: hash each one once."""
    compute: Callable[[Value], int] = cls.__dict__["__hash__"]

    def cached(self: Value) -> int:
        try:
            found: int = self._h  # type: ignore[attr-defined]
        except AttributeError:
            found = compute(self)
            object.__setattr__(self, "_h", found)
        return found

    setattr(cls, "__hash__", cached)  # noqa: B010


for _cls in Value.__subclasses__():
    _cache_hash(_cls)

UNKNOWN = Unknown()
NONE = Const(None)

# --- building values -----------------------------------------------------------------------


def options(value: Value) -> tuple[Value, ...]:
    """The alternatives of a union, or the value itself."""
    return tuple(value.options) if isinstance(value, Union) else (value,)


def join(*values: Value) -> Value:
    """The union of values, flattened; too many alternatives become Unknown."""
    found: set[Value] = set()
    for value in values:
        found.update(options(value))
    if len(found) == 1:
        return next(iter(found))
    if not found:
        return UNKNOWN
    if len(found) > MAX_OPTIONS:
        return Unknown("it can take too many values")
    return Union(frozenset(found))


def concat(parts: tuple[Value, ...]) -> Value:
    """Fold a string concatenation: merge constants, drop empty parts, distribute unions."""
    flat: list[Value] = []
    for index, part in enumerate(parts):
        if isinstance(part, Concat):
            flat.extend(part.parts)
        elif isinstance(part, Union) and len(part.options) <= 4:
            before, after = parts[:index], parts[index + 1 :]
            return join(*(concat((*before, o, *after)) for o in part.options))
        elif isinstance(part, Const) and not isinstance(part.value, str | bytes):
            flat.append(Const(str(part.value)))
        else:
            flat.append(part)
    merged: list[Value] = []
    for part in flat:
        if isinstance(part, Const) and part.value in ("", b""):
            continue
        last = merged[-1] if merged else None
        if (
            isinstance(part, Const)
            and isinstance(last, Const)
            and isinstance(part.value, str)
            and isinstance(last.value, str)
        ):
            merged[-1] = Const(last.value + part.value)
        else:
            merged.append(part)
    if not merged:
        return Const("")
    if len(merged) == 1:
        return merged[0]
    return Concat(tuple(merged))


def holds_no_name(value: Value) -> bool:
    """None, a number, an empty list or dict: a value in which no resource name can be."""
    if isinstance(value, Const):
        return not isinstance(value.value, str)
    return isinstance(value, Seq | Dict) and not value.items


# --- walking values ------------------------------------------------------------------------


_FIELDS: dict[type, tuple[str, ...]] = {}


def _value_fields(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return found


def children(value: Value) -> Iterator[Value]:
    """The values directly inside `value`."""
    if isinstance(value, Union):
        yield from value.options
        return
    for name in _value_fields(type(value)):
        item = getattr(value, name)
        if isinstance(item, Value):
            yield item
        elif isinstance(item, tuple):
            for element in item:
                if isinstance(element, Value):
                    yield element
                elif isinstance(element, tuple):
                    yield from (e for e in element if isinstance(e, Value))


def _rebuild(value: Value, fn: Callable[[Value], Value]) -> Value:
    """`value` with `fn` applied to each child value."""
    if isinstance(value, Union):
        return join(*(fn(o) for o in value.options))
    changed: dict[str, Any] = {}
    for name in _value_fields(type(value)):
        item = getattr(value, name)
        if isinstance(item, Value):
            changed[name] = fn(item)
        elif isinstance(item, tuple) and item:
            changed[name] = tuple(
                fn(e)
                if isinstance(e, Value)
                else tuple(fn(x) if isinstance(x, Value) else x for x in e)
                if isinstance(e, tuple)
                else e
                for e in item
            )
        else:
            changed[name] = item
    return type(value)(**changed)


MAX_DEPTH = 14
_LEAVES = (Const, Unknown, Unreached, Param, Lazy, Module, Extern, Class, Instance, EventPath)


class _Facts:
    """Facts about values, memoised by identity: values are rebuilt often, but mostly shared,
    and comparing two deep trees for equality costs more than recomputing a fact."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[Value, int]] = {}

    def get(self, value: Value) -> int | None:
        entry = self.entries.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else None

    def put(self, value: Value, fact: int) -> int:
        if len(self.entries) > 1 << 18:
            self.entries.clear()
        self.entries[id(value)] = (value, fact)  # holding the value keeps its id unique
        return fact


_SYMBOLIC = _Facts()
_DEPTH = _Facts()
_LAZY = _Facts()


def reset_caches() -> None:
    """Forget memoised facts about values. `analyse` calls it first: facts are kept by the
    identity of value objects, which live only as long as one analysis."""
    for facts in (_SYMBOLIC, _DEPTH, _LAZY):
        facts.entries.clear()


def depth(value: Value) -> int:
    if isinstance(value, _LEAVES):
        return 1
    found = _DEPTH.get(value)
    if found is None:
        found = _DEPTH.put(value, 1 + max((depth(c) for c in children(value)), default=0))
    return found


def bounded(value: Value) -> Value:
    """`value`, or Unknown when it nests too deeply to be worth following (a long chain of
    operations on an argument, say): keeps every value small and analysis linear."""
    if depth(value) > MAX_DEPTH:
        return Unknown("it is computed in too many steps to follow")
    return value


def has_lazy(value: Value) -> bool:
    """True when `value` holds a Lazy still to be filled in."""
    if isinstance(value, Lazy):
        return True
    if not is_symbolic(value) or isinstance(value, Param):
        return False
    found = _LAZY.get(value)
    if found is None:
        found = _LAZY.put(value, any(has_lazy(child) for child in children(value)))
    return bool(found)


def is_symbolic(value: Value) -> bool:
    """True when `value` holds a Param or Lazy still to be filled in."""
    if isinstance(value, Param | Lazy):
        return True
    if isinstance(value, _LEAVES):
        return False
    found = _SYMBOLIC.get(value)
    if found is None:
        found = _SYMBOLIC.put(value, any(is_symbolic(child) for child in children(value)))
    return bool(found)


def free_params(value: Value) -> set[Param]:
    found: set[Param] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Param):
            found.add(item)
        elif is_symbolic(item):
            stack.extend(children(item))
    return found


class Operations(Protocol):
    """How to replay operations on values once their symbolic parts are known."""

    def getattr(self, base: Value, name: str) -> Value: ...

    def getitem(self, base: Value, key: Value) -> Value: ...

    def call(
        self, func: Value, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
    ) -> Value: ...

    def iterate(self, base: Value) -> Value: ...


def substitute(value: Value, leaf: Callable[[Value], Value | None], ops: Operations) -> Value:
    """Replace symbolic leaves by `leaf(v)` (None keeps them) and replay the operations."""
    memo: dict[Value, Value] = {}

    def walk(item: Value) -> Value:
        if not is_symbolic(item):
            return item
        if item in memo:
            return memo[item]
        replaced = leaf(item) if isinstance(item, Param | Lazy) else None
        if replaced is not None:
            result = replaced
        elif isinstance(item, Param | Lazy):
            result = item
        else:
            result = _replay(_rebuild(item, walk), ops)
            if isinstance(item, GetAttr | GetItem | CallOf | IterOf | Concat):
                result = bounded(result)
        memo[item] = result
        return result

    return walk(value)


def _replay(value: Value, ops: Operations) -> Value:
    if is_symbolic(value):
        # Still symbolic: keep the node, but fold what can be folded.
        if isinstance(value, Concat):
            return concat(value.parts)
        return value
    if isinstance(value, GetAttr):
        return ops.getattr(value.base, value.name)
    if isinstance(value, GetItem):
        return ops.getitem(value.base, value.key)
    if isinstance(value, CallOf):
        return ops.call(value.func, value.args, value.kwargs)
    if isinstance(value, IterOf):
        return ops.iterate(value.base)
    if isinstance(value, Concat):
        return concat(value.parts)
    return value


# --- words ---------------------------------------------------------------------------------


def describe(value: Value) -> str:
    """A short Python-like rendering of a value, for messages."""
    if isinstance(value, Const):
        return repr(value.value)
    if isinstance(value, Env):
        name = describe(value.name)
        return f"os.environ[{name}]"
    if isinstance(value, EventPath):
        return "event" + "".join("[*]" if p == "*" else f"[{p!r}]" for p in value.path)
    if isinstance(value, Concat):
        inner = "".join(
            str(p.value) if isinstance(p, Const) else "{" + describe(p) + "}" for p in value.parts
        )
        return f"f{inner!r}"
    if isinstance(value, Union):
        return " or ".join(sorted(describe(o) for o in value.options))
    if isinstance(value, Param):
        return f"argument {value.name!r}"
    return "a value computed at run time"
