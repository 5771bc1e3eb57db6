"""How a test case's expectations match what came back: a JSON subset, compared after turning
DynamoDB's Decimals into plain numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def is_subset(expected: Any, actual: Any) -> bool:
    """Every key of `expected` is in `actual` with a matching value, recursively; lists match
    element by element; other values must be equal."""
    actual = normal(actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and is_subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(normal(expected) == actual)


def normal(value: Any) -> Any:
    """Decimals as int or float, sets and tuples as lists, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [normal(v) for v in value]
    return value


def shown(value: Any) -> str:
    """A value as JSON in a failure message (bytes and other oddities as text)."""
    return json.dumps(normal(value), default=str)
