"""Looking at the messages on a queue without taking them: what a test case checks and cleans.

SQS has no "peek": a message is seen by receiving it, and every receive counts towards the
queue's dead-letter limit (`dead_letter: {after: N}`). So a watch receives each message at most
once per case and holds it (invisible to other receivers) until the case ends, then makes every
message it did not delete visible again at once. Should Tether die meanwhile, the messages come
back by themselves when the hold runs out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tether.errors import TetherError
from tether.invoke.target import Deployed

MAX_MESSAGES = 1000  # per queue and case; a backlog past this is not the case's to search
HOLD_MARGIN = 120  # seconds a watch holds messages beyond the case's `eventually`


@dataclass(frozen=True)
class Seen:
    message_id: str
    text: str  # the body as sent
    body: Any  # the body decoded from JSON, or the text when it is not JSON
    sent_ms: int  # SentTimestamp: milliseconds since the epoch, by the queue's clock
    receipt: str


@dataclass
class QueueWatch:
    """The messages of one queue (by URL) received so far during a case."""

    deployed: Deployed
    url: str
    hold: int
    seen: dict[str, Seen] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    full: bool = False  # stopped receiving at MAX_MESSAGES

    def poll(self) -> list[Seen]:
        """Receive what is visible now (added to `seen`); returns everything seen so far."""
        sqs = self.deployed.cloud.client("sqs")
        # One server answers on the local cloud; SQS's short poll samples only some of its
        # servers, and a one-second long poll asks them all.
        wait = 0 if self.deployed.cloud.target == "local" else 1
        while len(self.seen) < MAX_MESSAGES:
            with self.deployed.cloud.guard():
                batch = sqs.receive_message(
                    QueueUrl=self.url,
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=self.hold,
                    WaitTimeSeconds=wait,
                    AttributeNames=["SentTimestamp"],
                ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                self.seen[message["MessageId"]] = _seen(message)
        self.full = len(self.seen) >= MAX_MESSAGES
        return [m for m in self.seen.values() if m.message_id not in self.deleted]

    def delete(self, message_ids: Iterable[str]) -> list[str]:
        """Delete those of `message_ids` this watch holds; failures as messages."""
        sqs = self.deployed.cloud.client("sqs")
        held = [self.seen[i] for i in message_ids if i in self.seen and i not in self.deleted]
        failed = []
        for start in range(0, len(held), 10):
            chunk = held[start : start + 10]
            with self.deployed.cloud.guard():
                answer = sqs.delete_message_batch(
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m.receipt} for n, m in enumerate(chunk)
                    ],
                )
            for failure in answer.get("Failed", []):
                failed.append(
                    f"message {chunk[int(failure['Id'])].message_id}: {failure.get('Message')}"
                )
            self.deleted.update(m.message_id for m in chunk)
        return failed

    def release(self) -> None:
        """Make every message still held visible again, for the queue's consumers."""
        sqs = self.deployed.cloud.client("sqs")
        held = [m for m in self.seen.values() if m.message_id not in self.deleted]
        for start in range(0, len(held), 10):
            chunk = held[start : start + 10]
            with self.deployed.cloud.guard():
                sqs.change_message_visibility_batch(
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m.receipt, "VisibilityTimeout": 0}
                        for n, m in enumerate(chunk)
                    ],
                )
        self.seen.clear()


@dataclass
class QueueWatches:
    """One watch per queue a case looks at."""

    deployed: Deployed
    hold: int
    watches: dict[str, QueueWatch] = field(default_factory=dict)

    def of(self, url: str) -> QueueWatch:
        if url not in self.watches:
            self.watches[url] = QueueWatch(self.deployed, url, self.hold)
        return self.watches[url]

    def release(self) -> list[str]:
        """Release every watch; what could not be released, as messages (the messages come
        back by themselves when the hold runs out)."""
        problems = []
        for watch in self.watches.values():
            try:
                watch.release()
            except TetherError as exc:  # a failed release must not hide the case's outcome
                problems.append(f"could not release the messages held on {watch.url}: {exc}")
        return problems


def _seen(message: dict[str, Any]) -> Seen:
    text = message.get("Body", "")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    sent = message.get("Attributes", {}).get("SentTimestamp", "0")
    return Seen(message["MessageId"], text, body, int(sent), message["ReceiptHandle"])
