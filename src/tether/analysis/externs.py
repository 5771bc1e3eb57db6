"""What analysis knows of the world outside the project and boto3: os.environ, importlib,
functools, builtins, and the methods of dicts and strings that keep a name intact.
"""

from __future__ import annotations

import re

from tether.analysis.values import (
    UNKNOWN,
    Concat,
    Const,
    Dict,
    Env,
    EventPath,
    Extern,
    Seq,
    Unknown,
    Value,
    concat,
    join,
)

STRINGY = (Const, Concat, Env, EventPath)

FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
PERCENT_FIELD = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifr]")

# Attributes of known external objects, as dotted names of the values they give.
EXTERN_ATTRS: dict[str, set[str]] = {
    "boto3": {"client", "resource", "session", "Session"},
    "boto3.session": {"Session"},
    "botocore": {"session"},
    "botocore.session": {"get_session", "Session"},
    "os": {"environ", "getenv"},
    "importlib": {"import_module"},
    "functools": {"cache", "lru_cache", "wraps", "cached_property", "partial", "total_ordering"},
    "typing": {"cast", "overload", "final"},
    "abc": {"abstractmethod"},
    "contextlib": {"contextmanager", "asynccontextmanager"},
    "dataclasses": {"dataclass"},
    "threading": {"Thread"},
    "concurrent.futures": {"ThreadPoolExecutor"},
}
EXTERN_ALIASES = {
    "boto3.Session": "boto3.session.Session",
    "botocore.session.Session": "botocore.session.get_session",
}
# Objects (not modules) whose methods analysis understands.
EXTERN_METHODS: dict[str, set[str]] = {
    "os.environ": {"get", "setdefault"},
    "boto3.session.Session()": {"client", "resource"},
    "botocore.session()": {"create_client"},
}
BUILTINS = {
    "str",
    "dict",
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "reversed",
    "iter",
    "next",
    "enumerate",
    "zip",
    "map",
    "getattr",
    "__import__",
    "staticmethod",
    "classmethod",
    "property",
    "super",
    "exec",
    "eval",
    "globals",
    "vars",
}
# Decorators of the standard library that only wrap or mark what they decorate: the decorated
# name is then all there is to call. Any other decorator may keep the function somewhere (a
# route table, a registry) and call it from anywhere.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "builtins.property",
        "decorator",  # what functools.wraps(f), lru_cache(...) and dataclass(...) give
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "functools.total_ordering",
        "abc.abstractmethod",
        "contextlib.contextmanager",
        "contextlib.asynccontextmanager",
        "dataclasses.dataclass",
        "typing.overload",
        "typing.final",
    }
)


def extern_value(name: str) -> Value:
    return Extern(EXTERN_ALIASES.get(name, name))


def dict_get(base: Dict, key: Value) -> Value:
    if isinstance(key, Const):
        for k, v in reversed(base.items):
            if k == key:
                return v
        if base.open or any(not isinstance(k, Const) for k, _ in base.items):
            return Unknown("a key analysis did not see")
        return Unknown(f"no key {key.value!r}")
    values = [v for _, v in base.items]
    return join(*values) if values else UNKNOWN


def dict_update(base: Dict, items: tuple[tuple[Value, Value], ...]) -> Dict:
    merged = [(k, v) for k, v in base.items if not any(k == key for key, _ in items)]
    return Dict((*merged, *items), base.open)


def dict_method(
    recv: Dict, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> Value:
    if name in ("get", "pop", "setdefault") and args:
        found = dict_get(recv, args[0])
        if isinstance(found, Unknown) and len(args) > 1:
            return args[1]
        return found
    if name == "copy":
        return recv
    if name == "items":
        return Seq(tuple(Seq((k, v)) for k, v in recv.items))
    if name == "values":
        return Seq(tuple(v for _, v in recv.items))
    if name == "keys":
        return Seq(tuple(k for k, _ in recv.items))
    return UNKNOWN


def str_method(recv: Value, name: str, args: tuple[Value, ...]) -> Value:
    if name in ("strip", "rstrip", "lstrip") and not args:
        return recv
    if name == "format" and isinstance(recv, Const) and isinstance(recv.value, str):
        return format_string(recv.value, FORMAT_FIELD, args)
    return UNKNOWN


def format_string(template: str, pattern: re.Pattern[str], args: tuple[Value, ...]) -> Value:
    """'{}-{}'.format(a, b) and '%s-%s' % (a, b) as a Concat; other forms are Unknown."""
    parts: list[Value] = []
    position = 0
    remaining = list(args)
    for match in pattern.finditer(template):
        field_text = match.group(0)
        if pattern is FORMAT_FIELD and field_text not in ("{}", "{0}") and not remaining:
            return UNKNOWN
        if pattern is FORMAT_FIELD and field_text not in ("{}",):
            return UNKNOWN
        parts.append(Const(template[position : match.start()]))
        parts.append(remaining.pop(0) if remaining else UNKNOWN)
        position = match.end()
    parts.append(Const(template[position:]))
    return concat(tuple(parts))
