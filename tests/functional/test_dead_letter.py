"""A queue's `dead_letter: {after: N}`, as a user meets it: a poison message that its consumer
keeps failing on stops after N receives and waits in the dead-letter queue (it redelivered
forever before); the dead-letter queue is the queue's data, so a deploy that would drop it
while it holds messages is refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.helpers import local_session, tether, write_project

PROJECT = """
name: poison
resources:
  work:
    type: sqs.queue
    visibility_timeout: 2
    dead_letter: {after: 2}
functions:
  consume:
    handler: app/consume.handler
    timeout: 2
    triggers:
      - {resource: work, batch_size: 1}
"""

CONSUME = """def handler(event, context):
    raise ValueError("cannot handle " + event["Records"][0]["body"])
"""


def _outputs(root: Path) -> dict[str, str]:
    shown = tether("outputs", "--stage", "dev", "--json", cwd=root)
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))


def test_a_poison_message_moves_to_the_dead_letter_queue(local_cloud: str, tmp_path: Path) -> None:
    root = write_project(tmp_path / "poison", PROJECT, {"app/consume.py": CONSUME})
    deployed = tether("deploy", "--stage", "dev", "--yes", cwd=root)
    assert deployed.returncode == 0, deployed.stderr
    outputs = _outputs(root)
    sqs = local_session().client("sqs", endpoint_url=local_cloud)
    policy = sqs.get_queue_attributes(
        QueueUrl=outputs["WorkQueueUrl"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]["RedrivePolicy"]
    assert json.loads(policy) == {
        "deadLetterTargetArn": outputs["WorkQueueDeadLetterArn"],
        "maxReceiveCount": 2,
    }

    sqs.send_message(QueueUrl=outputs["WorkQueueUrl"], MessageBody="poison")
    dead = outputs["WorkQueueDeadLetterUrl"]
    deadline = time.monotonic() + 30
    arrived: list[dict[str, str]] = []
    while not arrived and time.monotonic() < deadline:
        arrived = sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1, VisibilityTimeout=0).get(
            "Messages", []
        )
    assert [m["Body"] for m in arrived] == ["poison"]
    counts = sqs.get_queue_attributes(
        QueueUrl=outputs["WorkQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert counts == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }

    # Dropping the option would delete the dead-letter queue with the message in it: refused.
    (root / "tether.yaml").write_text(
        (root / "tether.yaml").read_text().replace("    dead_letter: {after: 2}\n", "")
    )
    refused = tether("deploy", "--stage", "dev", "--yes", cwd=root)
    assert refused.returncode != 0
    assert "sqs.queue work" in refused.stderr + refused.stdout
    assert "holds 1 message" in refused.stderr + refused.stdout
    assert sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]

    # Emptied, it goes, and the queue has no redrive policy any more.
    sqs.purge_queue(QueueUrl=dead)
    removed = tether("deploy", "--stage", "dev", "--yes", cwd=root)
    assert removed.returncode == 0, removed.stderr
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["WorkQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert "RedrivePolicy" not in attributes
    assert dead not in sqs.list_queues().get("QueueUrls", [])
