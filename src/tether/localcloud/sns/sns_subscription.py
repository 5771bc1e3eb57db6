"""AWS::SNS::Subscription as a CloudFormation resource, backed by moto's SNS backend.

moto has the Subscribe API but no CloudFormation model for subscriptions, so its CloudFormation
skipped them. This registers one: create subscribes (and sets FilterPolicy, FilterPolicyScope,
RawMessageDelivery, RedrivePolicy, DeliveryPolicy as subscription attributes), update changes
those attributes in place (a new TopicArn, Endpoint or Protocol makes a new subscription, as on
AWS), delete unsubscribes. `Ref` gives the subscription ARN.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.sns.models import SNSBackend, sns_backends

from tether.localcloud.extensions._patching import register_model
from tether.localcloud.extensions._stack_model import StackModel

# Settable subscription attributes, in the order to set them (the scope before the policy).
_ATTRIBUTES = (
    "FilterPolicyScope",
    "FilterPolicy",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
)
_IDENTITY = ("TopicArn", "Endpoint", "Protocol")


def _backend(account_id: str, topic_arn: str, region_name: str) -> SNSBackend:
    parts = topic_arn.split(":")
    region = parts[3] if len(parts) > 5 and parts[3] else region_name
    return sns_backends[account_id][region]


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class SnsSubscription(StackModel, CloudFormationModel):
    """One subscription of a topic, created by a stack."""

    ATTRIBUTES: ClassVar[dict[str, str]] = {"Arn": "arn"}

    def __init__(self, arn: str, topic_arn: str, account_id: str, region_name: str) -> None:
        self.arn = arn
        self.topic_arn = topic_arn
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SnsSubscription:
        properties = cloudformation_json.get("Properties") or {}
        missing = [name for name in _IDENTITY if not properties.get(name)]
        if missing:
            raise KeyError(missing[0])
        topic_arn = str(properties["TopicArn"])
        backend = _backend(account_id, topic_arn, region_name)
        subscription = backend.subscribe(
            topic_arn, str(properties["Endpoint"]), str(properties["Protocol"])
        )
        made = cls(subscription.arn, topic_arn, account_id, region_name)
        try:
            made._set_attributes(properties)
        except Exception:
            backend.unsubscribe(subscription.arn)  # a bad FilterPolicy leaves no subscription
            raise
        return made

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: SnsSubscription,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> SnsSubscription:
        properties = cloudformation_json.get("Properties") or {}
        backend = _backend(account_id, original_resource.topic_arn, region_name)
        current = backend.subscriptions.get(original_resource.arn)
        same = current is not None and (
            current.topic_arn,
            current.endpoint,
            current.protocol,
        ) == tuple(str(properties.get(name)) for name in _IDENTITY)
        if not same:
            made = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            if made.arn != original_resource.arn:
                original_resource.delete(account_id, region_name)
            return made
        original_resource._set_attributes(properties)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        topic_arn = str((cloudformation_json.get("Properties") or {}).get("TopicArn", ""))
        _backend(account_id, topic_arn, region_name).unsubscribe(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, self.topic_arn, region_name).unsubscribe(self.arn)

    def _set_attributes(self, properties: dict[str, Any]) -> None:
        backend = _backend(self.account_id, self.topic_arn, self.region_name)
        subscription = backend.subscriptions[self.arn]
        for name in _ATTRIBUTES:
            value = properties.get(name)
            if name == "RawMessageDelivery":
                # moto tests this attribute for truthiness, so the string "false" would
                # turn raw delivery on: store a real boolean.
                subscription.attributes[name] = str(value).lower() == "true"
            elif value is not None:
                backend.set_subscription_attributes(self.arn, name, _attribute_value(value))
            elif name in subscription.attributes:
                # Removed from the template: clear it (FilterPolicy "" drops the matcher).
                if name == "FilterPolicy":
                    backend.set_subscription_attributes(self.arn, name, "")
                subscription.attributes.pop(name, None)


def install() -> None:
    register_model(SnsSubscription)
