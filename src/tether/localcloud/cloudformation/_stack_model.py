"""What every CloudFormation model Tether adds to moto writes the same way.

moto's `CloudFormationModel` asks each model for its name property, its `Fn::GetAtt`
attributes and whether it exists. Tether's models have no name property (CloudFormation names
them), exist once created, and expose GetAtt attributes that are plain instance attributes; a
model lists those in `ATTRIBUTES` (GetAtt name -> instance attribute) and inherits the rest
(`StackModel`). Mix it in before `CloudFormationModel`, which must stay a direct base (moto only
finds direct subclasses).

Most of the types Tether adds are a thin layer over one of moto's APIs: a thing that lives in
another (a route in an API, a subscription on a topic, a statement in a function's policy),
made, changed and removed by a few backend calls. Those are declared as data: a `Declaration`
says which property names the parent, which properties a create needs, how create, update and
delete call the backend, when an update needs a new resource and which exceptions mean it is
gone already; `DeclaredModel` does the rest, the same way for all of them:

- create: the first required property missing or empty fails it (KeyError, as in moto's
  models); the backend call's result gives the physical ID (`Ref`, and every GetAtt attribute);
- update: in place (`update`); or, when `renews` says so, a new resource is made and then the
  old one deleted (unless the backend handed back the same one); or, for a type with no
  `update`, the old one is deleted and made again under the same physical ID;
- delete: the backend call, ignoring the `gone` exceptions (the parent went first).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar


class StackModel:
    ATTRIBUTES: ClassVar[dict[str, str]] = {}

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> str:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name in self.ATTRIBUTES:
            return str(getattr(self, self.ATTRIBUTES[attribute_name]))
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True


@dataclass(frozen=True)
class Place:
    """Where a declared resource lives: the account and region of its stack, and its parent
    (the value of the declaration's `parent` property: an API ID, a topic ARN, a function)."""

    account_id: str
    region_name: str
    parent: str


def _never(resource: DeclaredModel, properties: dict[str, Any]) -> bool:
    return False


@dataclass(frozen=True)
class Declaration:
    """One resource type as data (see the module docstring for how it is used)."""

    cloudformation_type: str
    parent: str  # the property naming what the resource lives in; kept on the resource
    required: tuple[str, ...]  # what a create needs, in the order they are checked
    create: Callable[[Place, str, dict[str, Any]], Any]  # (place, logical name, properties)
    physical_id: Callable[[Any], str]  # what `create` returned -> the physical ID
    delete: Callable[[Place, str], None]  # (place, physical ID)
    # (place, physical ID, properties), in place; None: delete, then create the same ID again
    update: Callable[[Place, str, dict[str, Any]], None] | None = None
    renews: Callable[[DeclaredModel, dict[str, Any]], bool] = _never  # needs a new resource?
    gone: tuple[type[Exception], ...] = ()  # what `delete` raises when the parent went first
    get_att: tuple[str, ...] = ()  # Fn::GetAtt attributes, each the physical ID
    name_property: str = ""  # CloudFormation's name property (a new one: a new resource)

    def __post_init__(self) -> None:
        if self.parent not in self.required:
            raise ValueError(f"{self.cloudformation_type}: the parent property must be required")


class DeclaredModel(StackModel):
    """A model made from its class's `DECLARED`. Each type is a subclass that lists both this
    and `CloudFormationModel` as bases, and sets `DECLARED`."""

    DECLARED: ClassVar[Declaration]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.ATTRIBUTES = dict.fromkeys(cls.DECLARED.get_att, "physical_id")

    def __init__(self, physical_id: str, place: Place) -> None:
        self.physical_id = physical_id
        self.place = place

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.DECLARED.cloudformation_type

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.DECLARED.name_property

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> DeclaredModel:
        declared = cls.DECLARED
        properties = cloudformation_json.get("Properties") or {}
        missing = [name for name in declared.required if not properties.get(name)]
        if missing:
            raise KeyError(missing[0])
        place = Place(account_id, region_name, str(properties[declared.parent]))
        made = declared.create(place, resource_name, properties)
        return cls(declared.physical_id(made), place)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: DeclaredModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> DeclaredModel:
        declared = cls.DECLARED
        properties = cloudformation_json.get("Properties") or {}
        if declared.update is None:
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(
                original_resource.physical_id, cloudformation_json, account_id, region_name
            )
        if declared.renews(original_resource, properties):
            made = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            if made.key != original_resource.key:
                original_resource.delete(account_id, region_name)
            return made
        declared.update(original_resource.place, original_resource.physical_id, properties)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        parent = (cloudformation_json.get("Properties") or {}).get(cls.DECLARED.parent, "")
        cls(resource_name, Place(account_id, region_name, str(parent))).delete(
            account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(*self.DECLARED.gone):
            self.DECLARED.delete(
                Place(account_id, region_name, self.place.parent), self.physical_id
            )

    @property
    def key(self) -> tuple[str, str]:
        """What tells two resources of a type apart: the parent, and the physical ID in it."""
        return (self.place.parent, self.physical_id)


def tag_dict(tags: Any) -> dict[str, str]:
    """A template's `Tags` as a mapping: CloudFormation gives a list of Key/Value pairs (or,
    for a few types, a mapping)."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(tag["Key"]): str(tag["Value"]) for tag in tags or []}


def sync_tags(backend: Any, arn: str, current: Iterable[str], wanted: dict[str, str]) -> None:
    """Make a resource's tags the template's: the keys it no longer lists are removed (an
    update in place replaces the tag set, as CloudFormation does), the rest set. `backend` is
    the service's moto backend, with `untag_resource(arn, keys)` and `tag_resource(arn, tags)`."""
    stale = [key for key in current if key not in wanted]
    if stale:
        backend.untag_resource(arn, stale)
    backend.tag_resource(arn, wanted)
