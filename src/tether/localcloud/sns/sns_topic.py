"""AWS::SNS::Topic updates in place: same name, same ARN, subscriptions kept.

moto's update deleted the topic and created it again under a new random name (a new ARN, and
the topic lost its subscriptions); here it keeps its name and takes the new display name, KMS
key, deduplication setting and tags. moto's create stores the template's `Tags` list as a
plain attribute, so ListTagsForResource (which reads `_tags`) saw none: the tags are set there
too. A new `FifoTopic` needs a new topic, as on AWS (`policies.REPLACEMENT_ATTRIBUTE`, read by
the stack engine).
Hook: the model `LocalTopic` (moto's `Topic`, its create wrapped and its update replaced, with
the replacement properties), registered for AWS::SNS::Topic.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sns.models import Topic

from tether.localcloud._patching import register_model
from tether.localcloud.cloudformation._stack_model import tag_dict


class LocalTopic(Topic, CloudFormationModel):
    """AWS::SNS::Topic as the local cloud's CloudFormation creates and updates it: moto's model,
    registered in its place through moto's extension point."""

    tether_replacement_properties = ("FifoTopic",)  # policies.REPLACEMENT_ATTRIBUTE

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Topic:
        topic: Topic = super().create_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        # moto stores the template's Tags list as a plain attribute; ListTagsForResource reads
        # _tags.
        topic._tags = tag_dict((cloudformation_json.get("Properties") or {}).get("Tags"))
        return topic

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Topic,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Topic:
        properties = dict(cloudformation_json.get("Properties") or {})
        topic = original_resource
        topic.display_name = properties.get("DisplayName", "")
        topic.kms_master_key_id = properties.get("KmsMasterKeyId", "")
        topic.content_based_deduplication = properties.get("ContentBasedDeduplication", False)
        topic._tags = tag_dict(properties.get("Tags"))
        for subscription in properties.get("Subscription") or []:
            topic.sns_backend.subscribe(
                topic.arn, subscription["Endpoint"], subscription["Protocol"]
            )
        return topic


def install() -> None:
    register_model(LocalTopic)
