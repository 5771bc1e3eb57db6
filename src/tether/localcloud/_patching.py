"""The two ways the extensions change moto: replace one attribute once, register a model.

Both are idempotent, so `install_all()` may run any number of times in a process.
"""

from __future__ import annotations

import inspect
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

_ORIGINALS = "_tether_originals"


def replace(owner: type, name: str, value: Any) -> Any:
    """Set `owner.<name>` to `value` unless done already; return the original attribute.

    The original is returned raw (a `classmethod` object stays one): call
    `original.__func__(cls, ...)` for classmethods and `original(self, ...)` for methods.
    """
    originals: dict[str, Any] = owner.__dict__.get(_ORIGINALS) or {}
    if name in originals:
        if _unwrapped(owner.__dict__.get(name)) is not _unwrapped(value):
            raise RuntimeError(f"two extensions replace {owner.__name__}.{name}")
        return originals[name]
    originals[name] = inspect.getattr_static(owner, name, None)  # None: a new attribute
    setattr(owner, _ORIGINALS, originals)
    setattr(owner, name, value)
    return originals[name]


def replace_existing(owner: type, name: str, value: Any) -> Any:
    """`replace` an attribute moto must have: fails loudly when this moto lacks it, so an
    upgrade that renames an internal names the break instead of adding a hook nobody calls."""
    if inspect.getattr_static(owner, name, None) is None:
        raise RuntimeError(f"moto has no {owner.__name__}.{name} to replace")
    return replace(owner, name, value)


def _unwrapped(attribute: Any) -> Any:
    return getattr(attribute, "__func__", attribute)


def original(owner: type, name: str) -> Any:
    """The attribute `replace` displaced (raises KeyError if it was never replaced)."""
    originals: dict[str, Any] = owner.__dict__.get(_ORIGINALS) or {}
    return originals[name]


def register_model(model: type[CloudFormationModel]) -> None:
    """Make moto's CloudFormation use `model` for its resource type.

    moto finds models through `CloudFormationModel.__subclasses__()` behind `lru_cache`s, so a
    direct subclass defined after moto's own models wins once the caches are cleared.
    """
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    chosen = parsing.get_model_map().get(model.cloudformation_type())
    if chosen is not model:
        raise RuntimeError(
            f"moto resolves {model.cloudformation_type()} to {chosen!r}, not {model!r}"
        )
