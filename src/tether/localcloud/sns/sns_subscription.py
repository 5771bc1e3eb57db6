"""AWS::SNS::Subscription as a CloudFormation resource, backed by moto's SNS backend.

moto has the Subscribe API but no CloudFormation model for subscriptions, so its CloudFormation
skipped them. This registers one: create subscribes (and sets FilterPolicy, FilterPolicyScope,
RawMessageDelivery, RedrivePolicy, DeliveryPolicy as subscription attributes), update changes
those attributes in place (a new TopicArn, Endpoint or Protocol makes a new subscription, as on
AWS), delete unsubscribes. `Ref` gives the subscription ARN. Declared as data
(`DeclaredModel`): the SNS calls that make, change and remove a subscription.
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sns.models import SNSBackend, sns_backends

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import Declaration, DeclaredModel, Place

# Settable subscription attributes, in the order to set them (the scope before the policy).
_ATTRIBUTES = (
    "FilterPolicyScope",
    "FilterPolicy",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
)
_IDENTITY = ("TopicArn", "Endpoint", "Protocol")


def _backend(place: Place) -> SNSBackend:
    """The backend of the topic's region (the stack's when the ARN names none)."""
    parts = place.parent.split(":")
    region = parts[3] if len(parts) > 5 and parts[3] else place.region_name
    return sns_backends[place.account_id][region]


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _subscribe(place: Place, name: str, properties: dict[str, Any]) -> Any:
    backend = _backend(place)
    subscription = backend.subscribe(
        place.parent, str(properties["Endpoint"]), str(properties["Protocol"])
    )
    try:
        _set_attributes(place, subscription.arn, properties)
    except Exception:
        backend.unsubscribe(subscription.arn)  # a bad FilterPolicy leaves no subscription
        raise
    return subscription


def _set_attributes(place: Place, arn: str, properties: dict[str, Any]) -> None:
    backend = _backend(place)
    subscription = backend.subscriptions[arn]
    for name in _ATTRIBUTES:
        value = properties.get(name)
        if name == "RawMessageDelivery":
            # moto tests this attribute for truthiness, so the string "false" would
            # turn raw delivery on: store a real boolean.
            subscription.attributes[name] = str(value).lower() == "true"
        elif value is not None:
            backend.set_subscription_attributes(arn, name, _attribute_value(value))
        elif name in subscription.attributes:
            # Removed from the template: clear it (FilterPolicy "" drops the matcher).
            if name == "FilterPolicy":
                backend.set_subscription_attributes(arn, name, "")
            subscription.attributes.pop(name, None)


def _identity_changed(resource: DeclaredModel, properties: dict[str, Any]) -> bool:
    """A new TopicArn, Endpoint or Protocol (or a subscription gone) needs a new one."""
    current = _backend(resource.place).subscriptions.get(resource.physical_id)
    return current is None or (current.topic_arn, current.endpoint, current.protocol) != tuple(
        str(properties.get(name)) for name in _IDENTITY
    )


class SnsSubscription(DeclaredModel, CloudFormationModel):
    """One subscription of a topic, created by a stack."""

    DECLARED = Declaration(
        "AWS::SNS::Subscription",
        parent="TopicArn",
        required=_IDENTITY,
        create=_subscribe,
        physical_id=attrgetter("arn"),
        update=lambda place, arn, properties: _set_attributes(place, arn, properties),
        renews=_identity_changed,
        delete=lambda place, arn: _backend(place).unsubscribe(arn),
        get_att=("Arn",),
    )


def install() -> None:
    register_model(SnsSubscription)
