"""IAM actions of the services Tether models, and the resource types each can be scoped to.

The data is generated from the IAM service reference by scripts/gen_iam_actions.py and checked
in; this module only reads it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _table() -> dict[str, dict[str, list[str]]]:
    text = (resources.files("tether") / "data" / "iam_actions.json").read_text()
    data: dict[str, dict[str, list[str]]] = json.loads(text)
    return data


def actions(service: str) -> dict[str, list[str]]:
    """Action name -> IAM resource types, e.g. actions('s3')['GetObject'] == ['accesspointobject', 'object']."""
    return _table().get(service, {})


def resource_types(action: str) -> list[str] | None:
    """The resource types of `service:Action`, or None when the action is unknown."""
    service, _, name = action.partition(":")
    return actions(service).get(name)
