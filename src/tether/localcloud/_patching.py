"""The seam between the local cloud and moto (5.2.5, pinned): every change Tether makes to
moto's classes and modules goes through here, and is recorded here.

Three ways, each idempotent, so `install_all()` may run any number of times in a process:

- `replace(owner, name, value)`: put Tether's hook in place of an attribute moto has, and
  return moto's. It fails loudly when moto has no such attribute: an upgrade that renames an
  internal (say `LambdaFunction._invoke_lambda`) breaks the start of the server, naming it,
  instead of leaving a hook nobody calls. `original(owner, name)` gives moto's attribute back.
- `add(owner, name, value)`: give moto an attribute it lacks (the physical ID moto's layer
  versions never had). It fails when moto has one: an upgrade that adds it must be looked at,
  since moto's own may now be the one callers expect.
- `register_model(model)`: a CloudFormation model of Tether's own, or moto's model of a type
  extended by subclassing, through moto's extension point (a direct subclass of
  `CloudFormationModel`). This is the preferred way for what CloudFormation does to a resource.

`changes()` is the record of the first two (what `tests/localcloud/test_moto_seam.py`
snapshots after `install_all()`); `models()` lists the registered models.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

Owner = type | ModuleType
"""What a hook changes: one of moto's classes, or one of its modules (a module function or
constant)."""


@dataclass(frozen=True)
class Change:
    """One attribute of moto changed by an extension: `original` is moto's attribute as it
    was (raw: a classmethod stays one), None for an addition."""

    owner: Owner
    name: str
    kind: Literal["replaced", "added"]
    original: Any
    value: Any

    @property
    def where(self) -> str:
        """`moto.sqs.models.Queue.add_message`, `moto.s3.notifications._invoke_awslambda`."""
        return f"{qualified(self.owner)}.{self.name}"


# moto's classes and modules are process-wide, and so is the record of what changed them.
_CHANGES: dict[tuple[Owner, str], Change] = {}
_MODELS: list[type] = []
_MISSING = object()


def qualified(owner: Owner) -> str:
    if isinstance(owner, ModuleType):
        return owner.__name__
    return f"{owner.__module__}.{owner.__qualname__}"


def replace(owner: Owner, name: str, value: Any) -> Any:
    """Set `owner.<name>` to `value` unless done already; return moto's attribute.

    The original is returned raw (a `classmethod` object stays one): call
    `original.__func__(cls, ...)` for classmethods and `original(self, ...)` for methods.
    Raises RuntimeError when moto has no such attribute, or another hook replaced it already.
    """
    done = _done(owner, name, value, "replaced")
    if done is not None:
        return done.original
    found = inspect.getattr_static(owner, name, _MISSING)
    if found is _MISSING:
        raise RuntimeError(
            f"moto has no {qualified(owner)}.{name} to replace (renamed or removed by a moto "
            "upgrade?): the hook that needs it must follow moto's change"
        )
    _record(Change(owner, name, "replaced", found, value))
    return found


def add(owner: Owner, name: str, value: Any) -> None:
    """Give `owner` the attribute `name`, which moto lacks (once; again is a no-op).

    Raises RuntimeError when moto has it already (use `replace`, after checking what moto's
    does), or another hook added a different value.
    """
    if _done(owner, name, value, "added") is not None:
        return
    if inspect.getattr_static(owner, name, _MISSING) is not _MISSING:
        raise RuntimeError(
            f"moto has {qualified(owner)}.{name} now: Tether adds its own, so look at moto's "
            "and `replace` it (or drop Tether's)"
        )
    _record(Change(owner, name, "added", None, value))


def original(owner: Owner, name: str) -> Any:
    """The attribute `replace` displaced (raises KeyError if it was never replaced)."""
    change = _CHANGES[(owner, name)]
    if change.kind != "replaced":
        raise KeyError(f"{change.where} was added, not replaced: moto had none")
    return change.original


def changes() -> list[Change]:
    """Every attribute replaced or added so far, in the order the hooks were installed."""
    return list(_CHANGES.values())


def models() -> list[type]:
    """Every model `register_model` made moto use, in the order they were registered."""
    return list(_MODELS)


def register_model(model: type) -> None:
    """Make moto's CloudFormation use `model` for its resource type.

    moto finds models through `CloudFormationModel.__subclasses__()` behind `lru_cache`s, so a
    direct subclass defined after moto's own models wins once the caches are cleared. A model of
    Tether's own subclasses `CloudFormationModel`; one that extends moto's model of a type
    subclasses it and names `CloudFormationModel` as a direct base as well
    (`class LocalTopic(Topic, CloudFormationModel)`), overriding what it changes and calling
    `super()` for moto's part: resources stay moto's objects, only CloudFormation's way to
    create, update and delete them is Tether's.
    """
    if CloudFormationModel not in model.__bases__:
        raise RuntimeError(f"{model!r} must name CloudFormationModel as a direct base")
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    resource_type = model.cloudformation_type()  # type: ignore[attr-defined]
    chosen = parsing.get_model_map().get(resource_type)
    if chosen is not model:
        raise RuntimeError(f"moto resolves {resource_type} to {chosen!r}, not {model!r}")
    if model not in _MODELS:
        _MODELS.append(model)


def _done(owner: Owner, name: str, value: Any, kind: str) -> Change | None:
    """The change already made by this same hook (install ran before), else None."""
    change = _CHANGES.get((owner, name))
    if change is None:
        return None
    if change.kind != kind or not _same(change.value, value):
        raise RuntimeError(f"two extensions change {change.where}")
    return change


def _record(change: Change) -> None:
    setattr(change.owner, change.name, change.value)
    _CHANGES[(change.owner, change.name)] = change


def _same(installed: Any, value: Any) -> bool:
    """Whether `value` is the hook installed already: `install()` builds a new classmethod,
    staticmethod or property around the same functions each time it runs."""
    first, second = _unwrapped(installed), _unwrapped(value)
    return first is second or (not callable(first) and first == second)


def _unwrapped(attribute: Any) -> Any:
    if isinstance(attribute, property):
        return (attribute.fget, attribute.fset, attribute.fdel)
    return getattr(attribute, "__func__", attribute)
