"""IAM policy evaluation, as AWS evaluates identity-based policies: parse documents once, then
decide one (action, resource) at a time.

- `Effect` Allow or Deny; an explicit Deny in any statement wins, then an Allow, else the default
  deny.
- `Action` / `NotAction`: `service:Name` patterns with `*` and `?`, case-insensitive.
- `Resource` / `NotResource`: ARN patterns with `*` and `?`, case-sensitive; a pattern of six
  colon-separated parts is matched part by part (as AWS matches ARNs: a `*` does not cross a
  colon before the resource part), any other pattern as a whole. Policy variables (`${aws:...}`,
  and `${*}`, `${?}`, `${$}`) are replaced from the request's context.
- `Condition`: every operator of the IAM reference — String*, Numeric*, Date*, Bool, BinaryEquals,
  IpAddress/NotIpAddress, Arn*, Null — with `...IfExists` and the `ForAnyValue:` / `ForAllValues:`
  set qualifiers. Keys are case-insensitive. A key missing from the context fails the condition,
  except for the negated operators (true), `IfExists` (true) and `Null`, as AWS documents it. An
  operator this module does not know never matches (AWS would have refused the policy).
- `Principal` / `NotPrincipal` are ignored: these are identity-based policies.

A document that is not a policy (not JSON, no `Statement`) grants nothing. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

Decision = Literal["allow", "deny", "implicit"]  # explicit deny, no statement allows
ContextValue = str | Sequence[str]
Context = Mapping[str, ContextValue]  # condition keys in lower case

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Condition:
    operator: str  # base operator, lower case: "stringequals", "arnlike"...
    qualifier: str  # "", "foranyvalue" or "forallvalues"
    if_exists: bool
    key: str  # lower case
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[str, ...]  # patterns
    not_actions: bool  # the patterns are NotAction's
    resources: tuple[str, ...]
    not_resources: bool
    conditions: tuple[Condition, ...] = ()

    def applies(self, action: str, resource: str, context: Context) -> bool:
        if _any_action(self.actions, action) == self.not_actions:
            return False
        if _any_resource(self.resources, resource, context) == self.not_resources:
            return False
        return all(_holds(condition, context) for condition in self.conditions)


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    @property
    def needs_context(self) -> bool:
        """Whether deciding needs the request's context: conditions or policy variables."""
        return any(
            statement.conditions or any("${" in r for r in statement.resources)
            for statement in self.statements
        )


class PolicyError(ValueError):
    """A document that is not an IAM policy."""


def parse(document: str | Mapping[str, Any]) -> Policy:
    """A policy document (JSON text or its dict); PolicyError if it is not one."""
    if isinstance(document, str):
        try:
            data = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"not JSON: {exc}") from None
    else:
        data = document
    if not isinstance(data, Mapping) or "Statement" not in data:
        raise PolicyError("no Statement")
    raw = data["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    return Policy(tuple(_statement(item) for item in items))


def evaluate(
    policies: Iterable[Policy], action: str, resource: str, context: Context | None = None
) -> Decision:
    """'deny' if a statement denies, else 'allow' if one allows, else 'implicit'."""
    seen = context or {}
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.allow and allowed:
                continue  # already allowed: only a Deny can change the answer
            if statement.applies(action, resource, seen):
                if not statement.allow:
                    return "deny"
                allowed = True
    return "allow" if allowed else "implicit"


# --- parsing ----------------------------------------------------------------------------------


def _strings(value: Any, element: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise PolicyError(f"{element} must be a string or a list of strings")
    return tuple(items)


def _statement(item: Any) -> Statement:
    if not isinstance(item, Mapping):
        raise PolicyError("a statement must be an object")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}")
    if ("Action" in item) == ("NotAction" in item):
        raise PolicyError("a statement needs Action or NotAction (one of them)")
    if ("Resource" in item) == ("NotResource" in item):
        raise PolicyError("a statement needs Resource or NotResource (one of them)")
    action_key = "Action" if "Action" in item else "NotAction"
    resource_key = "Resource" if "Resource" in item else "NotResource"
    return Statement(
        allow=effect == "Allow",
        actions=_strings(item[action_key], action_key),
        not_actions=action_key == "NotAction",
        resources=_strings(item[resource_key], resource_key),
        not_resources=resource_key == "NotResource",
        conditions=_conditions(item.get("Condition")),
    )


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise PolicyError(f"a condition value must be a string, number or boolean, not {value!r}")


def _conditions(block: Any) -> tuple[Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise PolicyError("Condition must be an object")
    found = []
    for operator_text, keys in block.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(f"Condition {operator_text} must map keys to values")
        qualifier, _, operator = str(operator_text).rpartition(":")
        operator = operator.lower()
        if_exists = operator.endswith("ifexists")
        if if_exists:
            operator = operator[: -len("ifexists")]
        for key, values in keys.items():
            raw = values if isinstance(values, list) else [values]
            found.append(
                Condition(
                    operator=operator,
                    qualifier=qualifier.lower(),
                    if_exists=if_exists,
                    key=str(key).lower(),
                    values=tuple(_value_text(v) for v in raw),
                )
            )
    return tuple(found)


# --- matching ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.compile(_wildcards(pattern), flags)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """`*` matches any run of characters, `?` any one character."""
    if pattern == "*":
        return True
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike: each of an ARN's six colon-separated parts matched on its own."""
    if pattern == "*":
        return True
    wanted = pattern.split(":", 5)
    if len(wanted) != 6:
        return glob_match(pattern, value)
    parts = value.split(":", 5)
    if len(parts) != 6:
        return False
    return all(glob_match(w, p) for w, p in zip(wanted, parts, strict=True))


def _any_action(patterns: tuple[str, ...], action: str) -> bool:
    return any(glob_match(pattern, action, ignore_case=True) for pattern in patterns)


def _any_resource(patterns: tuple[str, ...], resource: str, context: Context) -> bool:
    for pattern in patterns:
        if "${" in pattern:
            compiled = _with_variables(pattern, context)
            if compiled is not None and compiled.fullmatch(resource):
                return True
        elif arn_match(pattern, resource):
            return True
    return False


def _with_variables(pattern: str, context: Context) -> re.Pattern[str] | None:
    """A pattern with policy variables as a regular expression: the variables' values (and
    `${*}`, `${?}`, `${$}`) match literally, the pattern's own `*` and `?` as wildcards. None
    when a variable has no value and no default (the pattern then matches nothing)."""
    pieces: list[str] = []
    at = 0
    for match in _VARIABLE.finditer(pattern):
        pieces.append(_wildcards(pattern[at : match.start()]))
        at = match.end()
        name, _, default = match.group(1).partition(",")
        name, default = name.strip(), default.strip()
        if name in ("*", "?", "$"):
            pieces.append(re.escape(name))
            continue
        found = context.get(name.lower())
        if isinstance(found, str):
            pieces.append(re.escape(found))
        elif len(default) >= 2 and default[0] == default[-1] == "'":
            pieces.append(re.escape(default[1:-1]))
        else:
            return None
    pieces.append(_wildcards(pattern[at:]))
    return re.compile("".join(pieces), re.DOTALL)


def _wildcards(text: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


# --- conditions -------------------------------------------------------------------------------


def _holds(condition: Condition, context: Context) -> bool:
    present = context.get(condition.key)
    if condition.operator == "null":
        missing = present is None or (not isinstance(present, str) and len(present) == 0)
        return any((value.lower() == "true") == missing for value in condition.values)
    test = _OPERATORS.get(condition.operator)
    if test is None:
        return False
    compare, negated = test
    values: list[str] = (
        [] if present is None else [present] if isinstance(present, str) else list(present)
    )
    if condition.qualifier == "forallvalues":
        return all(_one(compare, negated, v, condition.values) for v in values)
    if condition.qualifier == "foranyvalue":
        return any(_one(compare, negated, v, condition.values) for v in values)
    if not values:
        return condition.if_exists or negated
    # A single-valued key (a multi-valued one without a qualifier: any of its values).
    return any(_one(compare, negated, v, condition.values) for v in values)


def _one(compare: Any, negated: bool, value: str, wanted: tuple[str, ...]) -> bool:
    matched = any(compare(value, w) for w in wanted)
    return not matched if negated else matched


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number  # seconds since the epoch
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _numeric(check: Any) -> Any:
    def compare(value: str, wanted: str) -> bool:
        left, right = _number(value), _number(wanted)
        return left is not None and right is not None and bool(check(left, right))

    return compare


def _dated(check: Any) -> Any:
    def compare(value: str, wanted: str) -> bool:
        left, right = _date(value), _date(wanted)
        return left is not None and right is not None and bool(check(left, right))

    return compare


def _ip(value: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


def _binary(value: str, wanted: str) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(wanted, validate=True)
    except (binascii.Error, ValueError):
        return value == wanted


def _eq(a: float, b: float) -> bool:
    return a == b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


def _string_like(value: str, wanted: str) -> bool:
    return glob_match(wanted, value)


# operator -> (compare(value, policy value), negated)
_OPERATORS: dict[str, tuple[Any, bool]] = {
    "stringequals": (lambda v, w: v == w, False),
    "stringnotequals": (lambda v, w: v == w, True),
    "stringequalsignorecase": (lambda v, w: v.lower() == w.lower(), False),
    "stringnotequalsignorecase": (lambda v, w: v.lower() == w.lower(), True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "numericequals": (_numeric(_eq), False),
    "numericnotequals": (_numeric(_eq), True),
    "numericlessthan": (_numeric(_lt), False),
    "numericlessthanequals": (_numeric(_le), False),
    "numericgreaterthan": (_numeric(_gt), False),
    "numericgreaterthanequals": (_numeric(_ge), False),
    "dateequals": (_dated(_eq), False),
    "datenotequals": (_dated(_eq), True),
    "datelessthan": (_dated(_lt), False),
    "datelessthanequals": (_dated(_le), False),
    "dategreaterthan": (_dated(_gt), False),
    "dategreaterthanequals": (_dated(_ge), False),
    "bool": (lambda v, w: v.lower() == w.lower(), False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (lambda v, w: arn_match(w, v), False),
    "arnlike": (lambda v, w: arn_match(w, v), False),
    "arnnotequals": (lambda v, w: arn_match(w, v), True),
    "arnnotlike": (lambda v, w: arn_match(w, v), True),
}
