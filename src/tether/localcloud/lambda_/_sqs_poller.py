"""Lambda's poller for an SQS event source mapping: batches in, successes deleted.

One daemon thread per mapping long-polls the queue (as Lambda does) for up to `BatchSize`
messages (waiting up to `MaximumBatchingWindowInSeconds` to fill a batch), with the queue's
visibility timeout, and hands each batch to a thread that invokes the function synchronously
through moto's `_invoke_lambda`; up to the runtime's concurrency limit of batches run at once.

- The function succeeded: every message of the batch is deleted.
- It failed (an error, a timeout, a crash): nothing is deleted; the messages become visible
  again when their visibility timeout ends, and are retried (or moved to the queue's
  dead-letter queue by its redrive policy).
- With `ReportBatchItemFailures`, a `{"batchItemFailures": [{"itemIdentifier": id}]}` answer
  keeps only those messages; an answer naming an unknown id fails the whole batch, as on AWS.

The thread stops once the mapping is deleted; a disabled mapping receives nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.sqs.models import Queue, SQSBackend, sqs_backends

from tether.runtime import service

WAIT_SECONDS = 1  # one long poll; the loop re-checks the mapping in between
IDLE_SLEEP = 0.2

log = logging.getLogger("tether.localcloud.sqs_poller")


def start(backend: LambdaBackend, mapping: EventSourceMapping) -> None:
    threading.Thread(
        target=SqsPoller(backend, mapping).run, name=f"sqs-poller-{mapping.uuid[:8]}", daemon=True
    ).start()


def record(message: Any, queue: Queue) -> dict[str, Any]:
    """One message as Lambda's SQS event record."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": str(message.sender_id),
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if queue.fifo_queue:
        attributes["MessageGroupId"] = str(message.group_id)
        attributes["MessageDeduplicationId"] = str(message.deduplication_id)
        if message.sequence_number:
            attributes["SequenceNumber"] = str(message.sequence_number)
    converted = {}
    for name, value in (message.message_attributes or {}).items():
        entry: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            binary = value["BinaryValue"]
            entry["binaryValue"] = binary.decode() if isinstance(binary, bytes) else binary
        converted[name] = entry
    result: dict[str, Any] = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": converted,
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.queue_arn,
        "awsRegion": queue.region,
    }
    if converted:
        result["md5OfMessageAttributes"] = message.attribute_md5
    return result


def failed_ids(payload: str, errored: bool, batch_ids: set[str], partial: bool) -> set[str]:
    """The message ids to keep in the queue, from the function's answer."""
    if errored:
        return batch_ids
    if not partial:
        return set()
    try:
        answer = json.loads(payload) if payload else None
    except ValueError:
        return set()
    if not isinstance(answer, dict) or not answer.get("batchItemFailures"):
        return set()
    failures = answer["batchItemFailures"]
    ids: set[str] = set()
    for failure in failures if isinstance(failures, list) else [failures]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return batch_ids  # an invalid answer fails the whole batch
        ids.add(identifier)
    return ids


class SqsPoller:
    """The poller of one mapping (see the module docstring)."""

    def __init__(self, backend: LambdaBackend, mapping: EventSourceMapping) -> None:
        self.backend = backend
        self.mapping = mapping
        self.slots = threading.BoundedSemaphore(service.current().registry.limit)

    def alive(self) -> bool:
        return self.mapping.uuid in self.backend._event_source_mappings

    def run(self) -> None:
        while self.alive():
            try:
                if not self.poll_once():
                    time.sleep(IDLE_SLEEP)
            except Exception:
                log.exception("polling %s failed", self.mapping.event_source_arn)
                time.sleep(1.0)

    def queue(self) -> tuple[SQSBackend, Queue] | None:
        arn = self.mapping.event_source_arn
        parts = arn.split(":")
        sqs = sqs_backends[parts[4]][parts[3]]
        queue = sqs.queues.get(parts[5])
        return (sqs, queue) if queue is not None else None

    def poll_once(self) -> bool:
        """Receive one batch and start its delivery; False when there was nothing to do."""
        found = self.queue()
        if not self.mapping.enabled or found is None:
            return False
        sqs, queue = found
        self.slots.acquire()
        try:
            messages = self.receive(sqs, queue)
        except Exception:
            self.slots.release()
            raise
        if not messages:
            self.slots.release()
            return True  # the long poll waited already
        if not self.mapping.enabled:  # disabled during the long poll: never delivered
            self.hand_back(sqs, queue, messages)
            self.slots.release()
            return True
        threading.Thread(target=self.deliver, args=(sqs, queue, messages), daemon=True).start()
        return True

    def receive(self, sqs: SQSBackend, queue: Queue) -> list[Any]:
        size = int(self.mapping.batch_size)
        visibility = int(getattr(queue, "visibility_timeout", 30))
        messages: list[Any] = sqs.receive_message(
            queue.name, size, WAIT_SECONDS, visibility, message_attribute_names=["All"]
        )
        window = float(self.mapping.max_batch_window or 0)
        deadline = time.monotonic() + window
        while messages and len(messages) < size and time.monotonic() < deadline:
            more = sqs.receive_message(
                queue.name, size - len(messages), WAIT_SECONDS, visibility, ["All"]
            )
            messages += more
        return messages

    def hand_back(self, sqs: SQSBackend, queue: Queue, messages: list[Any]) -> None:
        """Make messages received for a mapping disabled meanwhile visible again, as if they
        had not been received (their receive count too: no step towards a dead-letter queue),
        so that disabling a mapping stops deliveries at once (`tether test` pauses consumers)."""
        for message in messages:
            message.approximate_receive_count = max(0, message.approximate_receive_count - 1)
            try:
                sqs.change_message_visibility(queue.name, message.receipt_handle, 0)
            except Exception:
                log.warning("could not hand back message %s", message.id)

    def deliver(self, sqs: SQSBackend, queue: Queue, messages: list[Any]) -> None:
        try:
            ids = {str(m.id) for m in messages}
            try:
                function = self.backend.get_function(self.mapping.function_arn)
                event = json.dumps({"Records": [record(m, queue) for m in messages]})
                payload, errored, _ = function._invoke_lambda(event)
            except Exception:
                log.exception("invoking %s failed", self.mapping.function_arn)
                payload, errored = "", True
            partial = "ReportBatchItemFailures" in (self.mapping.function_response_types or [])
            keep = failed_ids(payload, errored, ids, partial)
            for message in messages:
                if str(message.id) not in keep:
                    try:
                        sqs.delete_message(queue.name, message.receipt_handle)
                    except Exception:
                        log.warning("could not delete message %s", message.id)
        finally:
            self.slots.release()
