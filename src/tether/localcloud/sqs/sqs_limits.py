"""SQS refuses a message over its queue's maximum size, counting its attributes, as SQS does.

moto compares only the body's length in characters with the queue's MaximumMessageSize; SQS
counts bytes, and the name, data type and value of every message attribute too (see
`tether.localcloud.limits`; the default and largest MaximumMessageSize is 1 MiB since August
2025). A message over it gets SQS's InvalidParameterValue, "One or more parameters are invalid.
Reason: Message must be shorter than N bytes."; in SendMessageBatch the whole request fails, as
moto fails it for a body too long. Hook: `SQSBackend.send_message` (SendMessage and each entry of
SendMessageBatch).
"""

from __future__ import annotations

from typing import Any

from moto.sqs.exceptions import InvalidParameterValue
from moto.sqs.models import Message, SQSBackend

from tether.localcloud import limits
from tether.localcloud._patching import original, replace


def _send_message(
    self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any
) -> Message:
    queue = self.get_queue(queue_name)
    attributes = kwargs.get("message_attributes", args[0] if args else None)
    maximum = int(getattr(queue, "maximum_message_size", 0) or limits.SQS_MESSAGE.value)
    refusal = limits.sqs_message(message_body, attributes, maximum)
    if refusal is not None:
        raise InvalidParameterValue(refusal.message)
    message: Message = original(SQSBackend, "send_message")(
        self, queue_name, message_body, *args, **kwargs
    )
    return message


def install() -> None:
    replace(SQSBackend, "send_message", _send_message)
