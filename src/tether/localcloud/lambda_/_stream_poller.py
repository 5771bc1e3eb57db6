"""Lambda's poller for a DynamoDB stream event source mapping: records in order, retried.

One daemon thread per mapping reads the table's stream shard from its position (`LATEST`:
the end of the shard when the mapping was created; `TRIM_HORIZON`: its start) and invokes the
function synchronously, through moto's `_invoke_lambda`, with up to `BatchSize` records at a
time, in order. It wakes up when the table writes a record (`notify()`).

- Success moves the position past the batch.
- A failure retries the same batch (backing off up to `MAX_BACKOFF` seconds): the shard is
  blocked until the function succeeds, as on AWS, unless `MaximumRetryAttempts` is set; after
  that many retries the batch is skipped.
- With `ReportBatchItemFailures`, a `{"batchItemFailures": [{"itemIdentifier": <sequence
  number>}]}` answer moves the position to the first failed record, which is retried.

The thread stops once the mapping is deleted; a disabled mapping reads nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.core.utils import unix_time
from moto.dynamodb.models import dynamodb_backends

WAIT_SECONDS = 1.0
MAX_BACKOFF = 30.0

log = logging.getLogger("tether.localcloud.stream_poller")
_WRITTEN = threading.Condition()


def notify() -> None:
    """A table wrote a stream record: wake the pollers."""
    with _WRITTEN:
        _WRITTEN.notify_all()


def start(backend: LambdaBackend, mapping: EventSourceMapping) -> None:
    poller = StreamPoller(backend, mapping)
    threading.Thread(
        target=poller.run, name=f"stream-poller-{mapping.uuid[:8]}", daemon=True
    ).start()


def record(item: Any, region: str, stream_arn: str) -> dict[str, Any]:
    """One stream record as Lambda's DynamoDB event record (as moto builds it)."""
    raw = item.to_json()
    dynamodb = dict(raw["dynamodb"])
    if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
        dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": raw["eventVersion"],
        "eventSource": raw["eventSource"],
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def retry_from(payload: str, errored: bool, sequence_numbers: list[str], partial: bool) -> int:
    """Index in the batch to resume from: len(batch) when all succeeded, else the first
    record to retry."""
    if errored:
        return 0
    if not partial:
        return len(sequence_numbers)
    try:
        answer = json.loads(payload) if payload else None
    except ValueError:
        return len(sequence_numbers)
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    if not failures:
        return len(sequence_numbers)
    indexes = []
    for failure in failures if isinstance(failures, list) else [failures]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if identifier not in sequence_numbers:
            return 0  # an invalid answer fails the whole batch
        indexes.append(sequence_numbers.index(identifier))
    return min(indexes)


class StreamPoller:
    """The poller of one mapping (see the module docstring)."""

    def __init__(self, backend: LambdaBackend, mapping: EventSourceMapping) -> None:
        self.backend = backend
        self.mapping = mapping
        self.shard: Any = None
        self.position = 0
        self.attempts = 0
        found = self.find_shard()
        if found is not None:
            self.shard = found
            latest = str(mapping.starting_position or "").upper() == "LATEST"
            self.position = len(found.items) if latest else 0

    def alive(self) -> bool:
        return self.mapping.uuid in self.backend._event_source_mappings

    def find_shard(self) -> Any:
        arn = self.mapping.event_source_arn  # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/...
        parts = arn.split(":")
        table_name = parts[5].split("/")[1]
        table = dynamodb_backends[parts[4]][parts[3]].tables.get(table_name)
        return None if table is None else table.stream_shard

    def run(self) -> None:
        while self.alive():
            try:
                self.poll_once()
            except Exception:
                log.exception("polling %s failed", self.mapping.event_source_arn)
                time.sleep(1.0)

    def poll_once(self) -> None:
        shard = self.find_shard()
        if shard is not self.shard:  # the stream was replaced: read the new one from its start
            self.shard, self.position, self.attempts = shard, 0, 0
        with _WRITTEN:
            if shard is None or not self.mapping.enabled or self.position >= len(shard.items):
                _WRITTEN.wait(WAIT_SECONDS)
                return
        batch = shard.items[self.position : self.position + int(self.mapping.batch_size)]
        region = self.mapping.event_source_arn.split(":")[3]
        records = [record(item, region, self.mapping.event_source_arn) for item in batch]
        try:
            function = self.backend.get_function(self.mapping.function_arn)
            payload, errored, _ = function._invoke_lambda(json.dumps({"Records": records}))
        except Exception:
            log.exception("invoking %s failed", self.mapping.function_arn)
            payload, errored = "", True
        partial = "ReportBatchItemFailures" in (self.mapping.function_response_types or [])
        numbers = [str(r["dynamodb"].get("SequenceNumber")) for r in records]
        done = retry_from(payload, errored, numbers, partial)
        self.position += done
        if done == len(records):
            self.attempts = 0
            return
        self.attempts += 1
        limit = self.mapping.max_retry_attempts
        if limit is not None and int(limit) >= 0 and self.attempts > int(limit):
            self.position += len(records) - done  # retries exhausted: skip the rest
            self.attempts = 0
            return
        time.sleep(min(MAX_BACKOFF, 0.5 * 2 ** (self.attempts - 1)))
