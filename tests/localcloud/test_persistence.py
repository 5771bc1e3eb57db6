"""The local cloud keeps what was deployed to it: across `tether local stop`/`start`, across a
crash (SIGKILL after a snapshot), never from a torn or foreign snapshot, and `--forget` wipes
it; S3 objects (their bodies stored beside the snapshot) byte for byte, with every version
and field. Commands that only read say when the local cloud was reset since the stage was deployed.

Each test runs its own local cloud processes, with its own TETHER_HOME."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import local_session, tether, write_project
from tests.localcloud.helpers import free_port
from tether.localcloud import StateRefused, process
from tether.localcloud.persistence import MAGIC, read_header, snapshot_path

PROJECT = """
name: keep
runtime: python3.12
region: us-east-1
resources:
  files: {type: s3.bucket}
  rows: {type: dynamodb.table, key: {id: S}}
  inbox: {type: sqs.queue}
  web: {type: http.api}
  feed: {type: dynamodb.table, key: {id: S}, stream: new_and_old_images}
  seen: {type: s3.bucket}
functions:
  hello:
    handler: app/hello.handler
    triggers: [{resource: web, route: "GET /hello"}]
  count:
    handler: app/count.handler
    triggers: [{resource: feed, starting_position: trim_horizon}]
"""
COUNT = (
    "import os, uuid\n"
    "import boto3\n"
    "s3 = boto3.client('s3')\n"
    "def handler(event, context):\n"
    "    for record in event['Records']:\n"
    "        key = record['dynamodb']['Keys']['id']['S']\n"
    "        s3.put_object(Bucket=os.environ['SEEN_BUCKET'], Key=f'{key}/{uuid.uuid4()}', Body=b'')\n"
)
HELLO = (
    "import json\n"
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'hello': event.get('rawPath', 'x')})}\n"
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TETHER_HOME of this test only (and a port of its own); stopped afterwards."""
    home = tmp_path / "home"
    monkeypatch.setenv("TETHER_HOME", str(home))
    monkeypatch.setenv("TETHER_LOCAL_PORT", str(free_port()))
    try:
        yield home
    finally:
        process.stop()


def client(service: str) -> Any:
    cloud = process.status()
    assert cloud is not None
    return local_session().client(service, endpoint_url=cloud.endpoint)


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def get(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_what_was_deployed_comes_back_after_stop_and_start(home: Path, tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "keep", PROJECT, {"app/hello.py": HELLO, "app/count.py": COUNT}
    )
    deployed = tether("deploy", "--yes", cwd=project)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    outputs = json.loads(tether("outputs", "--json", cwd=project).stdout)
    bucket, table, queue = (
        outputs["FilesBucketName"],
        outputs["RowsTableName"],
        outputs["InboxQueueUrl"],
    )
    url = outputs["WebHttpApiUrl"].rstrip("/")
    for n in range(50):
        client("s3").put_object(Bucket=bucket, Key=f"k/{n}", Body=f"object {n}".encode())
        client("dynamodb").put_item(
            TableName=table, Item={"id": {"S": f"i{n}"}, "n": {"N": str(n)}}
        )
    for n in range(7):
        client("sqs").send_message(QueueUrl=queue, MessageBody=f"message {n}")
    assert get(url + "/hello") == (200, {"hello": "/hello"})
    seen, feed = outputs["SeenBucketName"], outputs["FeedTableName"]
    for n in range(3):
        client("dynamodb").put_item(TableName=feed, Item={"id": {"S": f"f{n}"}})
    wait_until(lambda: len(seen_keys(seen)) == 3)
    first = process.status()
    assert first is not None

    unused = home / "local" / "code" / ("0" * 64)  # unpacked code no function runs any more
    unused.mkdir(parents=True)
    live = [p for p in (home / "local" / "code").iterdir() if p != unused]
    assert live  # the function's code, unpacked when it ran
    stopped = tether("local", "stop")
    assert stopped.returncode == 0 and "its state is saved in" in stopped.stdout
    assert read_header(home) is not None and read_header(home).summary["object"] >= 50  # type: ignore[union-attr]
    started = tether("local", "start")
    assert started.returncode == 0, started.stderr
    assert "restored 2 stacks, 3 functions" in started.stdout  # with Tether's bootstrap stack

    second = process.status()
    assert second is not None and second.pid != first.pid and second.endpoint == first.endpoint
    assert not unused.exists() and all(p.exists() for p in live)
    s3 = client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 50
    assert s3.get_object(Bucket=bucket, Key="k/42")["Body"].read() == b"object 42"
    items = client("dynamodb").scan(TableName=table)["Items"]
    assert sorted(int(i["n"]["N"]) for i in items) == list(range(50))
    received: list[str] = []
    sqs = client("sqs")
    while len(received) < 7:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        assert got.get("Messages"), received
        received += [m["Body"] for m in got["Messages"]]
    assert sorted(received) == [f"message {n}" for n in range(7)]
    stack = client("cloudformation").describe_stacks(StackName="keep-dev")["Stacks"][0]
    assert stack["StackStatus"].endswith("_COMPLETE")
    # the function runs, through the API, the HTTP API (on the same port) and the CLI
    answer = client("lambda").invoke(FunctionName=outputs["HelloFunctionArn"], Payload=b"{}")
    assert json.loads(answer["Payload"].read())["statusCode"] == 200
    assert get(url + "/hello") == (200, {"hello": "/hello"})
    invoked = tether("invoke", "hello", "--json", cwd=project)
    assert invoked.returncode == 0, invoked.stderr
    # the stream trigger takes up where it was: old records are not sent again, new ones are
    client("dynamodb").put_item(TableName=feed, Item={"id": {"S": "after"}})
    wait_until(lambda: len(seen_keys(seen)) == 4)
    time.sleep(1.5)
    assert sorted(k.split("/")[0] for k in seen_keys(seen)) == ["after", "f0", "f1", "f2"]
    assert json.loads(tether("outputs", "--json", cwd=project).stdout) == outputs
    # a deploy after the restart has nothing to do: the stack is the one deployed before
    again = tether("deploy", "--yes", "--full", cwd=project)
    assert again.returncode == 0 and "no changes" in again.stdout, again.stdout + again.stderr

    # Forgetting it: every command that reads says the stage must be deployed again.
    forgot = tether("local", "stop", "--forget")
    assert forgot.returncode == 0 and "wiped" in forgot.stdout
    assert not snapshot_path(home).exists()
    assert "it starts empty" in tether("local", "start").stdout
    reset = "the local cloud was reset since stage dev was deployed: deploy again"
    for command in (("outputs",), ("invoke", "hello"), ("logs", "hello")):
        done = tether(*command, cwd=project)
        assert done.returncode == 1 and reset in done.stderr, (command, done.stderr)
        assert "Traceback" not in done.stderr
    listed = tether("resources", "--json", cwd=project)
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["web"]["deployed"] == outputs["WebHttpApiUrl"] and rows["web"]["stale"] is True
    assert reset in listed.stderr
    assert "(stale)" in tether("resources", cwd=project).stdout
    sample = tether("events", "new", "sqs", "--body", "x", cwd=project)
    assert sample.returncode == 0 and reset in sample.stderr
    assert bucket not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    redeployed = tether("deploy", "--yes", cwd=project)
    assert redeployed.returncode == 0, redeployed.stderr
    assert get(url + "/hello") == (200, {"hello": "/hello"})  # the same port as before
    assert tether("outputs", cwd=project).returncode == 0


def seen_keys(bucket: str) -> list[str]:
    return [o["Key"] for o in client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def _snapshot_with(home: Path, objects: int) -> None:
    """Wait for a snapshot holding at least `objects` objects."""

    def ready() -> bool:
        header = read_header(home)
        return header is not None and header.summary.get("object", 0) >= objects

    wait_until(ready)


def test_a_crash_loses_nothing_saved_and_damaged_or_foreign_state_is_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_LOCAL_SNAPSHOT_EVERY", "0.2")
    cloud = process.start()
    s3 = client("s3")
    s3.create_bucket(Bucket="kept")
    for n in range(20):
        s3.put_object(Bucket="kept", Key=f"k{n}", Body=b"x" * n)
    _snapshot_with(home, 20)

    os.kill(cloud.pid, signal.SIGKILL)  # a crash: no last snapshot
    wait_until(lambda: process.status() is None)
    restarted = process.start()
    assert restarted.pid != cloud.pid
    listed = client("s3").list_objects_v2(Bucket="kept")["Contents"]
    assert sorted(o["Size"] for o in listed) == list(range(20))
    assert process.stop()

    path = snapshot_path(home)
    good = path.read_bytes()
    # a leftover temporary file of an interrupted snapshot is never read (and goes at a start)
    leftover = path.parent / f".{path.name}.123.456.tmp"
    leftover.write_bytes(good[: len(good) // 2])
    # a torn snapshot (its end missing) is refused, and nothing starts
    path.write_bytes(good[:-50])
    with pytest.raises(StateRefused, match="damaged") as raised:
        process.start()
    assert "tether local stop --forget" in raised.value.hint
    assert process.status() is None

    # another version's snapshot is refused before a server starts...
    header = json.loads(good[len(MAGIC) :].split(b"\n", 1)[0])
    foreign = json.dumps({**header, "tether": "0.0.1"}).encode()
    path.write_bytes(MAGIC + foreign + b"\n" + good[len(MAGIC) :].split(b"\n", 1)[1])
    with pytest.raises(StateRefused, match=r"another version: Tether 0\.0\.1 \(this is ") as raised:
        process.start()
    assert "tether local stop --forget" in raised.value.hint
    assert process.status() is None
    # ...and by the server itself, which loads nothing and exits with status 3
    port = free_port()
    server = subprocess.run(
        [sys.executable, "-m", "tether.localcloud.server", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert server.returncode == 3 and "another version" in server.stderr
    assert "listening" not in server.stdout
    assert not leftover.exists()
    status = tether("local", "status")
    assert status.returncode == 1 and "another version" in status.stdout

    # --forget: the next start is empty
    assert "wiped" in tether("local", "stop", "--forget").stdout
    assert not path.exists()
    process.start()
    assert client("s3").list_buckets()["Buckets"] == []


def test_the_state_is_saved_only_when_something_changed(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_LOCAL_SNAPSHOT_EVERY", "0.2")
    process.start()
    time.sleep(1.0)
    assert not snapshot_path(home).exists()  # nothing happened: nothing to save
    client("s3").list_buckets()  # reading changes nothing
    time.sleep(0.6)
    assert not snapshot_path(home).exists()
    client("sqs").create_queue(QueueName="q")
    wait_until(lambda: snapshot_path(home).exists())
    saved = snapshot_path(home).stat().st_mtime_ns
    time.sleep(1.5)  # one more after the last change, then quiet
    settled = snapshot_path(home).stat().st_mtime_ns
    time.sleep(1.0)
    assert snapshot_path(home).stat().st_mtime_ns == settled >= saved
    assert process.stop()
    assert not any(p.name.endswith(".tmp") for p in snapshot_path(home).parent.iterdir())


def test_s3_objects_come_back_byte_for_byte_after_a_stop_and_a_crash(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_LOCAL_SNAPSHOT_EVERY", "0.2")
    process.start()
    s3 = client("s3")
    s3.create_bucket(Bucket="objects")
    s3.put_bucket_versioning(Bucket="objects", VersioningConfiguration={"Status": "Enabled"})
    big = random.Random(1).randbytes(12_000_000)
    older = s3.put_object(Bucket="objects", Key="big", Body=big[:-1])["VersionId"]
    s3.put_object(
        Bucket="objects",
        Key="big",
        Body=big,
        ContentType="application/x-big",
        Metadata={"owner": "me"},
        Tagging="kind=big",
        ACL="public-read",
    )
    for n in range(200):
        s3.put_object(Bucket="objects", Key=f"small/{n}", Body=f"small {n}".encode())
    s3.put_object(Bucket="objects", Key="gone", Body=b"x")
    s3.delete_object(Bucket="objects", Key="gone")
    upload = s3.create_multipart_upload(Bucket="objects", Key="parts", Metadata={"m": "1"})
    part = big[: 5 * 1024 * 1024]
    s3.upload_part(
        Bucket="objects", Key="parts", UploadId=upload["UploadId"], PartNumber=1, Body=part
    )

    def seen() -> dict[str, Any]:
        listed = s3.list_object_versions(Bucket="objects")
        head = s3.head_object(Bucket="objects", Key="big")
        return {
            "versions": [
                (v["Key"], v["VersionId"], v["ETag"], v["Size"], v["LastModified"], v["IsLatest"])
                for v in listed["Versions"]
            ],
            "delete markers": [(d["Key"], d["VersionId"]) for d in listed["DeleteMarkers"]],
            "head": {k: head[k] for k in ("ContentType", "Metadata", "ETag", "LastModified")},
            "tags": s3.get_object_tagging(Bucket="objects", Key="big")["TagSet"],
            "acl": s3.get_object_acl(Bucket="objects", Key="big")["Grants"],
            "parts": [
                (p["PartNumber"], p["ETag"], p["Size"])
                for p in s3.list_parts(Bucket="objects", Key="parts", UploadId=upload["UploadId"])[
                    "Parts"
                ]
            ],
            "uploads": [
                u["UploadId"] for u in s3.list_multipart_uploads(Bucket="objects")["Uploads"]
            ],
        }

    before = seen()
    assert before["tags"] == [{"Key": "kind", "Value": "big"}] and before["delete markers"]
    assert any("AllUsers" in str(grant) for grant in before["acl"]) and before["parts"]
    assert process.stop()
    assert snapshot_path(home).stat().st_size < len(big) // 10  # the bodies are beside it
    process.start()
    s3 = client("s3")
    assert seen() == before
    got = s3.get_object(Bucket="objects", Key="big")
    assert got["Body"].read() == big
    assert got["ETag"] == f'"{hashlib.md5(big).hexdigest()}"'
    old = s3.get_object(Bucket="objects", Key="big", VersionId=older)["Body"].read()
    assert old == big[:-1]
    assert s3.get_object(Bucket="objects", Key="small/42")["Body"].read() == b"small 42"

    # the upload goes on where it was; an old version deleted; then a crash after a snapshot
    s3.upload_part(
        Bucket="objects", Key="parts", UploadId=upload["UploadId"], PartNumber=2, Body=b"end"
    )
    parts = s3.list_parts(Bucket="objects", Key="parts", UploadId=upload["UploadId"])["Parts"]
    s3.complete_multipart_upload(
        Bucket="objects",
        Key="parts",
        UploadId=upload["UploadId"],
        MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        },
    )
    s3.delete_object(Bucket="objects", Key="big", VersionId=older)
    bodies = home / "local" / "state" / "objects"
    old_body = bodies / hashlib.sha256(big[:-1]).hexdigest()
    wait_until(lambda: not old_body.exists())  # no snapshot refers to it any more
    cloud = process.status()
    assert cloud is not None
    os.kill(cloud.pid, signal.SIGKILL)
    wait_until(lambda: process.status() is None)
    process.start()
    s3 = client("s3")
    assert s3.get_object(Bucket="objects", Key="parts")["Body"].read() == part + b"end"
    assert s3.get_object(Bucket="objects", Key="big")["Body"].read() == big
    assert len(s3.list_object_versions(Bucket="objects", Prefix="big")["Versions"]) == 1
