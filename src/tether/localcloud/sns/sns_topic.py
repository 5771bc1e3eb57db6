"""AWS::SNS::Topic updates in place: same name, same ARN, subscriptions kept.

moto's update deleted the topic and created it again under a new random name (a new ARN, and
the topic lost its subscriptions); here it keeps its name and takes the new display name, KMS
key, deduplication setting and tags. moto's create stores the template's `Tags` list as a
plain attribute, so ListTagsForResource (which reads `_tags`) saw none: the tags are set there
too. A new `FifoTopic` needs a new topic, as on AWS (`policies.REPLACEMENT_ATTRIBUTE`, read by
the stack engine).
Hooks: `Topic.update_from_cloudformation_json` (replaced), `create_from_cloudformation_json`
(wrapped); adds the replacement properties.
"""

from __future__ import annotations

from typing import Any

from moto.sns.models import Topic

from tether.localcloud._patching import add, original, replace
from tether.localcloud.cloudformation._stack_model import tag_dict
from tether.localcloud.cloudformation.policies import REPLACEMENT_ATTRIBUTE


def _update_topic(
    cls: type[Topic],
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
        topic.sns_backend.subscribe(topic.arn, subscription["Endpoint"], subscription["Protocol"])
    return topic


def _create_topic(
    cls: type[Topic],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Topic:
    create = original(Topic, "create_from_cloudformation_json")
    topic: Topic = create.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    # moto stores the template's Tags list as a plain attribute; ListTagsForResource reads _tags.
    topic._tags = tag_dict((cloudformation_json.get("Properties") or {}).get("Tags"))
    return topic


def install() -> None:
    replace(Topic, "update_from_cloudformation_json", classmethod(_update_topic))
    replace(Topic, "create_from_cloudformation_json", classmethod(_create_topic))
    add(Topic, REPLACEMENT_ATTRIBUTE, ("FifoTopic",))
