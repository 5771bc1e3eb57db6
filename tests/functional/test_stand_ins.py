"""External resources on the local target, as a user meets them: they live on AWS, so the local
cloud lacks them; `deploy` says which, and `--stand-ins` creates them empty, under the same
names, in the local cloud's account, with triggers wired to them and the roles granting exactly
them. Never on AWS."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from tests.helpers import local_session, tether, write_project

OTHER_ACCOUNT = "111122223333"  # the externals' real account: not the local cloud's
LABEL = "2024-05-01T10:20:30.400"

PROJECT = """
name: {name}
resources:
  archive: {{type: s3.bucket, external: {bucket}}}
  ledger:
    type: dynamodb.table
    external: arn:aws:dynamodb:us-east-1:{account}:table/{table}
    stream_arn: arn:aws:dynamodb:us-east-1:{account}:table/{table}/stream/{label}
    key: {{entry: S}}
  news: {{type: sns.topic, external: "arn:aws:sns:us-east-1:{account}:{topic}"}}
  inbox: {{type: sqs.queue, external: "arn:aws:sqs:us-east-1:{account}:{queue}"}}
functions:
  write:
    handler: app/write.handler
    operations:
      - {{resource: archive, actions: ["s3:PutObject"]}}
      - {{resource: ledger, actions: ["dynamodb:PutItem"]}}
      - {{resource: news, actions: ["sns:Publish"]}}
  follow:
    handler: app/follow.handler
    triggers: [{{resource: ledger, starting_position: trim_horizon}}, {{resource: inbox}}]
    operations:
      - {{resource: archive, actions: ["s3:PutObject"]}}
"""

WRITE = """import os

import boto3


def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["ARCHIVE_BUCKET"], Key="hello.txt", Body=b"hi")
    boto3.client("dynamodb").put_item(
        TableName=os.environ["LEDGER_TABLE"], Item={"entry": {"S": "one"}}
    )
    boto3.client("sns").publish(TopicArn=os.environ["NEWS_TOPIC_ARN"], Message="hi")
    return "written"
"""

FOLLOW = """import json
import os

import boto3


def handler(event, context):
    for record in event["Records"]:
        source = record.get("eventSource") or record.get("EventSource")
        key = "stream.json" if source == "aws:dynamodb" else "queue.json"
        boto3.client("s3").put_object(
            Bucket=os.environ["ARCHIVE_BUCKET"], Key=key, Body=json.dumps(record).encode()
        )
"""


def test_deploy_creates_empty_local_stand_ins_for_external_resources(
    local_cloud: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    names = {
        "bucket": f"standin-archive-{tag}",
        "table": f"ledger-{tag}",
        "topic": f"news-{tag}",
        "queue": f"inbox-{tag}",
    }
    text = PROJECT.format(name=f"si{tag}", account=OTHER_ACCOUNT, label=LABEL, **names)
    root = write_project(
        tmp_path / "standins", text, {"app/write.py": WRITE, "app/follow.py": FOLLOW}
    )

    # Without the option (and without a terminal to ask in): said at once, nothing created;
    # the triggers cannot be wired to a stream and a queue that do not exist.
    first = tether("deploy", "--stage", "dev", "--yes", cwd=root)
    assert (
        f"the local cloud has no bucket archive ({names['bucket']}), table ledger "
        f"({names['table']}), topic news ({names['topic']}), queue inbox ({names['queue']})"
    ) in first.stderr, first.stderr
    assert "`tether deploy --stand-ins` creates empty local stand-ins" in first.stderr
    session = local_session()
    s3 = session.client("s3", endpoint_url=local_cloud)
    assert names["bucket"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    second = tether("deploy", "--stage", "dev", "--yes", "--stand-ins", cwd=root)
    assert second.returncode == 0, second.stderr + second.stdout
    out = second.stdout
    for line in (
        f"created an empty local stand-in for bucket archive ({names['bucket']})",
        f"created an empty local stand-in for table ledger ({names['table']})",
        f"created an empty local stand-in for topic news ({names['topic']})",
        f"created an empty local stand-in for queue inbox ({names['queue']})",
    ):
        assert line in out, out

    # The function writes to each stand-in, allowed by a role scoped to exactly them.
    ran = tether("invoke", "write", "--stage", "dev", cwd=root)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == "written"
    # The triggers are wired to the stand-ins: the table's stream and the queue reach follow.
    sqs = session.client("sqs", endpoint_url=local_cloud)
    url = sqs.get_queue_url(QueueName=names["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    deadline = time.monotonic() + 20
    keys: set[str] = set()
    while keys != {"hello.txt", "stream.json", "queue.json"} and time.monotonic() < deadline:
        listed: dict[str, Any] = s3.list_objects_v2(Bucket=names["bucket"])
        keys = {o["Key"] for o in listed.get("Contents", [])}
        time.sleep(0.3)
    assert keys == {"hello.txt", "stream.json", "queue.json"}
    table = session.client("dynamodb", endpoint_url=local_cloud).describe_table(
        TableName=names["table"]
    )["Table"]
    assert table["KeySchema"] == [{"AttributeName": "entry", "KeyType": "HASH"}]
    assert table["LatestStreamLabel"] == LABEL

    # Present now: the next deploy says nothing about them; on AWS the option is refused.
    again = tether("deploy", "--stage", "dev", "--yes", "--full", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "stand-in" not in again.stdout + again.stderr
    refused = tether("deploy", "--stage", "prod", "--target", "aws", "--stand-ins", cwd=root)
    assert refused.returncode != 0
    assert "--stand-ins applies to the local target only" in refused.stderr
