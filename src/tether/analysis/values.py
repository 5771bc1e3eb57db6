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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

MAX_OPTIONS = 24


@dataclass(slots=True, eq=False)
class Value:
    """Base of all abstract values (immutable; each keeps its hash in `_h`, and its facts,
    whether it holds a Param or Lazy and how deep it nests, in `_f`, once computed: see
    `_compute_facts`). Both start as None rather than unset (an unset slot costs an exception
    to ask), but a leaf's facts, which are known when it is built."""

    _f: int | None = field(default=None, init=False, repr=False, compare=False, hash=False)
    _h: int | None = field(default=None, init=False, repr=False, compare=False, hash=False)


# `_f` of the kinds of value with no value inside: their facts, known when they are built (what
# _compute_facts would find: depth 1, and whether it is a Param or a Lazy). They are asked of
# nearly every value the interpreter makes, and most are leaves: __init__ sets them.
_PLAIN_LEAF, _PARAM_LEAF, _LAZY_LEAF = 4, 5, 7  # see _SYMBOLIC_BIT, _LAZY_BIT below


# Values are immutable by convention, not `frozen=True`: a frozen dataclass's __init__ sets
# each field through object.__setattr__, which makes building values (the interpreter builds
# hundreds of thousands) more than twice as slow. Nothing assigns a value's fields but `_f` and
# `_h`; equality and the hash (`unsafe_hash`, then kept by _cache_hash) are by the other fields,
# as when frozen.


@dataclass(slots=True, unsafe_hash=True)
class Unknown(Value):
    """Analysis cannot tell; `why` explains it in the user's words when it matters."""

    why: str = ""
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Unreached(Value):
    """An argument of a project function that the function being analysed never calls: the
    code using it belongs to other functions, so it is neither a grant nor a warning here."""

    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Const(Value):
    value: str | int | float | bool | bytes | None
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Concat(Value):
    """A string built from parts: f-strings, `+`, `%`, str.format."""

    parts: tuple[Value, ...]


@dataclass(slots=True, unsafe_hash=True)
class Env(Value):
    """os.environ[name], os.environ.get(name, default), os.getenv(name, default)."""

    name: Value
    default: Value | None = None


@dataclass(slots=True, unsafe_hash=True)
class EventPath(Value):
    """A part of the handler's `event`: ("Records", "*", "s3", "bucket", "name")."""

    path: tuple[str, ...]
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Param(Value):
    """Argument `name` of project function `func`, bound per call context."""

    func: int
    name: str
    _f: int | None = field(default=_PARAM_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Lazy(Value):
    """A value known only after every function body was read: ("global", module, name),
    ("attr", class id, name), ("closure", function id, name)."""

    kind: str
    key: tuple[Any, ...]
    _f: int | None = field(default=_LAZY_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Module(Value):
    """A module or package of the project, by dotted name."""

    name: str
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Extern(Value):
    """A known object outside the project: "boto3", "boto3.client", "os.environ"..."""

    name: str
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Func(Value):
    """A function of the project; `bound` is the instance for a bound method."""

    id: int
    bound: Value | None = None


@dataclass(slots=True, unsafe_hash=True)
class Class(Value):
    id: int
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Instance(Value):
    cls: int
    _f: int | None = field(default=_PLAIN_LEAF, init=False, repr=False, compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Partial(Value):
    """functools.partial(func, *args, **kwargs)."""

    func: Value
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]


@dataclass(slots=True, unsafe_hash=True)
class Super(Value):
    """super() in a method of class `cls`: attributes come from its bases, bound to `self`."""

    cls: int
    self_: Value


@dataclass(slots=True, unsafe_hash=True)
class Client(Value):
    """boto3.client(service)."""

    service: Value


@dataclass(slots=True, unsafe_hash=True)
class Res(Value):
    """A boto3 resource: the service resource (type "") or a Bucket, Object, Table...

    `ident` names the Tether resource it belongs to (the bucket of an Object); `many` marks a
    list of them (Queue.receive_messages()).
    """

    service: Value
    type: str
    ident: Value
    many: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Coll(Value):
    """A boto3 collection such as bucket.objects; `listed` once all()/filter() was called."""

    service: Value
    owner: str
    name: str
    ident: Value
    listed: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Paginator(Value):
    service: Value
    method: Value


@dataclass(slots=True, unsafe_hash=True)
class Waiter(Value):
    service: Value
    name: Value


@dataclass(slots=True, unsafe_hash=True)
class Meta(Value):
    """`.meta` of a boto3 client or resource (meta.client is the underlying client)."""

    of: Value


@dataclass(slots=True, unsafe_hash=True)
class Method(Value):
    """An attribute of a known object about to be called: s3.put_object, os.environ.get."""

    recv: Value
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Seq(Value):
    """A list or tuple; a comprehension is a one-item Seq of its element."""

    items: tuple[Value, ...]


@dataclass(slots=True, unsafe_hash=True)
class Dict(Value):
    items: tuple[tuple[Value, Value], ...]
    open: bool = False  # may hold keys analysis did not see


@dataclass(slots=True, unsafe_hash=True)
class Union(Value):
    options: frozenset[Value]


@dataclass(slots=True, unsafe_hash=True)
class GetAttr(Value):
    base: Value
    name: str


@dataclass(slots=True, unsafe_hash=True)
class GetItem(Value):
    base: Value
    key: Value


@dataclass(slots=True, unsafe_hash=True)
class CallOf(Value):
    func: Value
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]


@dataclass(slots=True, unsafe_hash=True)
class IterOf(Value):
    base: Value


def _cache_hash(cls: type) -> None:
    """Values are deep trees used as dict keys all the time: hash each one once."""
    compute: Callable[[Value], int] = cls.__dict__["__hash__"]

    def cached(self: Value) -> int:
        found = self._h
        if found is None:
            found = self._h = compute(self)
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
    if len(values) == 1 and type(values[0]) is not Union:
        return values[0]  # the common case, and what the loop below gives for it
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
        found = _FIELDS[cls] = tuple(f.name for f in fields(cls) if f.init)
    return found


def _named(pairs: tuple[tuple[str, Value], ...]) -> list[Value]:
    return [item for _, item in pairs]


def _pairs(pairs: tuple[tuple[Value, Value], ...]) -> tuple[Value, ...]:
    return tuple([item for pair in pairs for item in pair])


# The values directly inside each kind of value, in field order (walking values is the
# interpreter's inner loop: a table, not a walk over the dataclass fields). A kind missing here
# and from _LEAVES fails at import (see below).
_CHILDREN: dict[type, Callable[[Any], tuple[Value, ...]]] = {
    Concat: lambda v: v.parts,
    Env: lambda v: (v.name,) if v.default is None else (v.name, v.default),
    Func: lambda v: () if v.bound is None else (v.bound,),
    Partial: lambda v: (v.func, *v.args, *_named(v.kwargs)),
    Super: lambda v: (v.self_,),
    Client: lambda v: (v.service,),
    Res: lambda v: (v.service, v.ident),
    Coll: lambda v: (v.service, v.ident),
    Paginator: lambda v: (v.service, v.method),
    Waiter: lambda v: (v.service, v.name),
    Meta: lambda v: (v.of,),
    Method: lambda v: (v.recv,),
    Seq: lambda v: v.items,
    Dict: lambda v: _pairs(v.items),
    Union: lambda v: tuple(v.options),
    GetAttr: lambda v: (v.base,),
    GetItem: lambda v: (v.base, v.key),
    CallOf: lambda v: (v.func, *v.args, *_named(v.kwargs)),
    IterOf: lambda v: (v.base,),
}


def children(value: Value) -> tuple[Value, ...]:
    """The values directly inside `value`."""
    found = _CHILDREN.get(type(value))
    return () if found is None else found(value)


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

# Facts about a value, packed in one int: bit 0 it holds a Param or Lazy (is symbolic), bit 1 it
# holds a Lazy, the rest its depth. They are asked of nearly every value the interpreter makes
# (`bounded` of every expression), so each value keeps them in its `_f` slot once computed:
# values are immutable, so the facts never go stale. A leaf's depend on its kind only.
_SYMBOLIC_BIT = 1
_LAZY_BIT = 2
_LEAF_FACTS: dict[type, int] = {
    cls: (1 << 2)
    | (_SYMBOLIC_BIT if cls in (Param, Lazy) else 0)
    | (_LAZY_BIT if cls is Lazy else 0)
    for cls in _LEAVES
}


# Each leaf's facts are set when it is built (the default of its `_f`): what _compute_facts
# would find for it.
for _cls, _facts in _LEAF_FACTS.items():
    if _cls.__dataclass_fields__["_f"].default != _facts:
        raise TypeError(f"{_cls.__name__} is built with other facts than its own")

# (dataclass(slots=True) makes a new class: the classes replaced may still be listed)
_KINDS = {cls for cls in Value.__subclasses__() if globals().get(cls.__name__) is cls}
_UNLISTED = _KINDS - set(_CHILDREN) - set(_LEAVES)
if _UNLISTED:  # a new kind of value: say what is inside it
    raise TypeError(f"values with no entry in _CHILDREN or _LEAVES: {_UNLISTED}")


def _compute_facts(value: Value) -> int:
    """The packed facts of `value`, from its children's; kept in its `_f`."""
    kind = type(value)
    found = _LEAF_FACTS.get(kind)
    if found is None:
        flags = 0
        deepest = 0
        for child in _CHILDREN[kind](value):  # every kind but the leaves is listed there
            inside = child._f
            if inside is None:
                inside = _compute_facts(child)
            flags |= inside
            if inside >> 2 > deepest:
                deepest = inside >> 2
        found = ((deepest + 1) << 2) | (flags & (_SYMBOLIC_BIT | _LAZY_BIT))
    value._f = found
    return found


# `bounded`, for the interpreter's inner loop to ask inline (frames.Frame.expr): a value whose
# facts are at least TOO_DEEP nests deeper than MAX_DEPTH, and becomes DEEP.
TOO_DEEP = (MAX_DEPTH + 1) << 2
DEEP = Unknown("it is computed in too many steps to follow")
compute_facts = _compute_facts


def depth(value: Value) -> int:
    found = value._f
    return (found if found is not None else _compute_facts(value)) >> 2


def bounded(value: Value) -> Value:
    """`value`, or Unknown when it nests too deeply to be worth following (a long chain of
    operations on an argument, say): keeps every value small and analysis linear."""
    found = value._f
    if (found if found is not None else _compute_facts(value)) >= TOO_DEEP:
        return DEEP
    return value


def has_lazy(value: Value) -> bool:
    """True when `value` holds a Lazy still to be filled in."""
    found = value._f
    return bool((found if found is not None else _compute_facts(value)) & _LAZY_BIT)


def is_symbolic(value: Value) -> bool:
    """True when `value` holds a Param or Lazy still to be filled in."""
    found = value._f
    return bool((found if found is not None else _compute_facts(value)) & _SYMBOLIC_BIT)


def any_symbolic(values: Iterable[Value]) -> bool:
    """True when one of `values` holds a Param or Lazy (is_symbolic of each, inline)."""
    for value in values:
        found = value._f
        if (found if found is not None else _compute_facts(value)) & _SYMBOLIC_BIT:
            return True
    return False


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
    if not is_symbolic(value):
        return value
    return _Substitution(leaf, ops).walk(value)


class _Substitution:
    """One `substitute`: an object rather than a closure that calls itself, which would be a
    reference cycle holding the memo, `leaf` and `ops` (a whole program) until the garbage
    collector runs, and `analyse` turns it off."""

    __slots__ = ("leaf", "memo", "ops")

    def __init__(self, leaf: Callable[[Value], Value | None], ops: Operations) -> None:
        self.leaf = leaf
        self.ops = ops
        self.memo: dict[Value, Value] = {}

    def walk(self, item: Value) -> Value:
        if not is_symbolic(item):
            return item
        memo = self.memo
        if item in memo:
            return memo[item]
        replaced = self.leaf(item) if isinstance(item, Param | Lazy) else None
        if replaced is not None:
            result = replaced
        elif isinstance(item, Param | Lazy):
            result = item
        else:
            result = _replay(_rebuild(item, self.walk), self.ops)
            if isinstance(item, GetAttr | GetItem | CallOf | IterOf | Concat):
                result = bounded(result)
        memo[item] = result
        return result


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
