"""What every CloudFormation model Tether adds to moto writes the same way.

moto's `CloudFormationModel` asks each model for its name property, its `Fn::GetAtt`
attributes and whether it exists. Tether's models have no name property (CloudFormation names
them), exist once created, and expose GetAtt attributes that are plain instance attributes; a
model lists those in `ATTRIBUTES` (GetAtt name -> instance attribute) and inherits the rest.
Mix it in before `CloudFormationModel`, which must stay a direct base (moto only finds direct
subclasses).
"""

from __future__ import annotations

from typing import ClassVar


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
