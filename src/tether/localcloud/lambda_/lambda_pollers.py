"""SQS and DynamoDB stream event source mappings poll their source, as Lambda does.

moto invoked the function inside the SendMessage or PutItem request that produced the data,
one message per invocation, and on a failure made the messages visible again at once (an
endless loop), or kept stream records to resend them all with the next write. Here a
SendMessage or a table write only stores the data and wakes the mapping's poller
(`_sqs_poller`, `_stream_poller`: one thread per mapping, started when the mapping is
created), which invokes the function with real batches and handles its failures like Lambda.
Stream records stay in the shard, so the DynamoDB Streams API keeps returning them.

Hooks: wraps `LambdaBackend.create_event_source_mapping`; replaces `Queue.add_message` and
`StreamShard.add` (moto's code without the inline invocation).
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.dynamodb.models.table import StreamRecord, StreamShard
from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS, Message, Queue

from tether.localcloud._patching import original, replace
from tether.localcloud.lambda_ import _sqs_poller, _stream_poller
from tether.localcloud.sqs import sqs_message_counts


def _create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    mapping: EventSourceMapping = original(LambdaBackend, "create_event_source_mapping")(self, spec)
    service = mapping.event_source_arn.split(":")[2]
    if service == "sqs":
        _sqs_poller.start(self, mapping)
    elif service == "dynamodb":
        _stream_poller.start(self, mapping)
    return mapping


def _add_message(self: Queue, message: Message) -> None:
    """moto's `Queue.add_message` (FIFO deduplication, then append and wake receivers)."""
    deduplicates = self.attributes.get("ContentBasedDeduplication") == "true"
    if self.fifo_queue and (deduplicates or message.deduplication_id):
        for existing in self._messages:
            if existing.deduplication_id == message.deduplication_id:
                elapsed = (message.sent_timestamp or 0) - (existing.sent_timestamp or 0)
                if elapsed / 1000 < DEDUPLICATION_TIME_IN_SECONDS:
                    return
    with self._messages_lock:
        self._messages.append(message)
        self._messages_lock.notify_all()


def _add_stream_record(self: StreamShard, old: Any, new: Any) -> None:
    """moto's `StreamShard.add`: append the record (and keep it), then wake the pollers."""
    view_type = (self.table.stream_specification or {})["StreamViewType"]
    if old is None:
        event_name = "INSERT"
    elif new is None:
        event_name = "REMOVE"
    else:
        event_name = "MODIFY"
    sequence = len(self.items) + self.starting_sequence_number
    self.items.append(StreamRecord(self.table, view_type, event_name, old, new, sequence))
    _stream_poller.notify()


def install() -> None:
    replace(LambdaBackend, "create_event_source_mapping", _create_event_source_mapping)
    replace(Queue, "add_message", _add_message)
    replace(StreamShard, "add", _add_stream_record)
    sqs_message_counts.install()  # pollers receive all the time: keep that cheap
