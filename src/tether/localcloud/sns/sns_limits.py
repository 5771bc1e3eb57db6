"""SNS refuses a message over its topic's maximum size, counting its attributes, as SNS does.

moto compares only the message's length in characters with 256 KiB, and answers with a message
that is not SNS's. SNS counts bytes, and the name, type and value of every message attribute
(not the subject); a topic's MaximumMessageSize attribute may raise the default 256 KiB to
1 MiB (see `tether.localcloud.limits`). A message over it gets SNS's InvalidParameter, "Invalid
parameter: Message too long"; in PublishBatch that entry fails, as moto fails entries.
Hooks: `SNSBackend.publish` (Publish and each entry of PublishBatch); moto's own check
(`moto.sns.models.MAXIMUM_MESSAGE_LENGTH`, 256 KiB) is moved to the largest size a topic may
allow, so a topic that raised its maximum takes what SNS takes.
"""

from __future__ import annotations

from typing import Any

from moto.sns import models as sns_models
from moto.sns.exceptions import InvalidParameterValue
from moto.sns.models import SNSBackend

from tether.localcloud import limits
from tether.localcloud._patching import original, replace
from tether.model.limits import SNS_LARGEST_MESSAGE_BYTES


def topic_maximum(backend: SNSBackend, arn: str | None) -> int:
    """The topic's MaximumMessageSize if it set one, else SNS's default (moto keeps attributes
    it does not know as snake-case attributes of the topic)."""
    topic = backend.topics.get(arn or "")
    value = getattr(topic, "maximum_message_size", None) if topic is not None else None
    try:
        return int(value) if value else limits.SNS_MESSAGE.value
    except ValueError:
        return limits.SNS_MESSAGE.value


def _publish(self: SNSBackend, message: str, arn: str | None, *args: Any, **kwargs: Any) -> str:
    phone_number = kwargs.get("phone_number", args[0] if args else None)
    if phone_number is None:  # SMS has its own limit, which moto checks
        attributes = kwargs.get("message_attributes", args[2] if len(args) > 2 else None)
        refusal = limits.sns_message(message, attributes, topic_maximum(self, arn))
        if refusal is not None:
            raise InvalidParameterValue(refusal.message)
    message_id: str = original(SNSBackend, "publish")(self, message, arn, *args, **kwargs)
    return message_id


def install() -> None:
    replace(SNSBackend, "publish", _publish)
    replace(sns_models, "MAXIMUM_MESSAGE_LENGTH", SNS_LARGEST_MESSAGE_BYTES)
