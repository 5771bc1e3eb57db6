"""Benchmark: restarting the local cloud with what was deployed to it, as a user does it.

Starts its own local cloud (free port, temporary TETHER_HOME), deploys a project of 5 functions
(one behind an HTTP API), a bucket, a table and a queue, and fills them: 1,000 objects (1 KB
each), 1,000 items and 100 queued messages. Then, for each round, measures as the user runs it:

- `tether local stop` (a process: the server saves its state, then exits);
- `tether local start` (a process: a new server loads the state, then answers);
- data read back: from the start command's launch until everything is back and checked: the
  1,000 objects listed, the 1,000 items scanned, the 100 messages counted, the stack described;
- then each of the 5 functions invoked once (cold: its worker starts) and the HTTP API
  answering on the port it had;
- the server's own figures from its log: how long the save (at stop) and the load took.

The same stop and start with an empty state (a fresh TETHER_HOME, nothing deployed) gives the
fixed cost of a start; the ratio says what the state adds. Target: everything back, and the
data read back at most 2x the time of an empty start.

    .venv/bin/python bench/restart.py [--rounds 3] [--objects 1000] [--items 1000] [--messages 100]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import free_port

TARGET_RATIO = 2.0
FUNCTIONS = ("one", "two", "three", "four", "five")

PROJECT = """
name: benchrestart
resources:
  files: {type: s3.bucket}
  rows: {type: dynamodb.table, key: {id: S}}
  inbox: {type: sqs.queue}
  web: {type: http.api}
functions:
  one:
    handler: app/fn.handler
    triggers: [{resource: web, route: "GET /one"}]
  two: {handler: app/fn.handler}
  three: {handler: app/fn.handler}
  four: {handler: app/fn.handler}
  five: {handler: app/fn.handler}
"""

HANDLER = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"name": context.function_name})}
"""


def tether(*args: str) -> float:
    """Run a tether command as a process (as the user does); its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tether.cli.main", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"tether {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


def clients(endpoint: str) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    from tether.localcloud import home_credentials

    keys = home_credentials()
    session = boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        region_name="us-east-1",
    )
    config = Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"})
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = session.client(service, endpoint_url=endpoint, config=config)
        return made[service]

    return client


def fill(client: Callable[[str], Any], outputs: dict[str, str], args: argparse.Namespace) -> None:
    s3, dynamodb, sqs = client("s3"), client("dynamodb"), client("sqs")
    body = b"x" * 1024
    for n in range(args.objects):
        s3.put_object(Bucket=outputs["FilesBucketName"], Key=f"objects/{n:05d}", Body=body)
    table = outputs["RowsTableName"]
    for start in range(0, args.items, 25):
        requests = [
            {"PutRequest": {"Item": {"id": {"S": f"item-{n}"}, "n": {"N": str(n)}}}}
            for n in range(start, min(args.items, start + 25))
        ]
        dynamodb.batch_write_item(RequestItems={table: requests})
    queue = outputs["InboxQueueUrl"]
    for start in range(0, args.messages, 10):
        entries = [
            {"Id": str(n), "MessageBody": f"message {n}"}
            for n in range(start, min(args.messages, start + 10))
        ]
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)


def check(client: Callable[[str], Any], outputs: dict[str, str], args: argparse.Namespace) -> None:
    """Every object, item, message and the stack are back (AssertionError otherwise)."""
    pages = client("s3").get_paginator("list_objects_v2")
    objects = sum(
        page.get("KeyCount", 0)
        for page in pages.paginate(Bucket=outputs["FilesBucketName"], Prefix="objects/")
    )
    assert objects == args.objects, f"{objects} objects"
    items, start_key = 0, None
    while True:
        extra = {"ExclusiveStartKey": start_key} if start_key else {}
        page = client("dynamodb").scan(TableName=outputs["RowsTableName"], Select="COUNT", **extra)
        items += page["Count"]
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            break
    assert items == args.items, f"{items} items"
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=outputs["InboxQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) == args.messages, attributes
    stack = client("cloudformation").describe_stacks(StackName="benchrestart-bench")["Stacks"][0]
    assert stack["StackStatus"].endswith("_COMPLETE"), stack["StackStatus"]


def run_all(client: Callable[[str], Any], outputs: dict[str, str]) -> None:
    """Each function runs (a cold start: its worker starts), the HTTP API on its old port too."""
    for name in FUNCTIONS:
        answer = client("lambda").invoke(FunctionName=f"benchrestart-bench-{name}", Payload=b"{}")
        payload = json.loads(answer["Payload"].read())
        assert "FunctionError" not in answer and payload["statusCode"] == 200, payload
    with urllib.request.urlopen(outputs["WebHttpApiUrl"].rstrip("/") + "/one", timeout=10) as r:
        assert r.status == 200


Round = tuple[float, float, float, float, float, float]


def restart(read: Callable[[], None] | None = None, run: Callable[[], None] | None = None) -> Round:
    """(stop s, start s, readable s, running s: from the start command's launch to the data
    read back, then to every function run; the server's own save and load ms from its log)."""
    stopped = tether("local", "stop")
    saved = logged(r"state saved to .* in (\d+) ms")
    launched = time.perf_counter()
    started = tether("local", "start")
    if read is not None:
        read()
    readable = time.perf_counter() - launched
    if run is not None:
        run()
    running = time.perf_counter() - launched
    return stopped, started, readable, running, saved, logged(r"restored .* in (\d+) ms")


def logged(pattern: str) -> float:
    """A number of ms the server wrote in its log (0 when it did not)."""
    from tether.localcloud import log_file

    found = re.findall(pattern, log_file().read_text(errors="replace"))
    return float(found[-1]) if found else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_LOCAL_PORT"] = str(free_port())

        # The empty start: a home with nothing saved.
        os.environ["TETHER_HOME"] = str(Path(tmp) / "empty-home")
        tether("local", "start")
        empty = [restart() for _ in range(args.rounds)]
        tether("local", "stop", "--forget")

        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        from tether import load_project
        from tether.deploy.pipeline import deploy
        from tether.localcloud import process
        from tether.localcloud.persistence import snapshot_path

        root = Path(tmp) / "benchrestart"
        (root / "app").mkdir(parents=True)
        (root / "tether.yaml").write_text(textwrap.dedent(PROJECT).lstrip())
        (root / "app" / "__init__.py").write_text("")
        (root / "app" / "fn.py").write_text(HANDLER)
        cloud = process.start()
        try:
            outputs = deploy(load_project(root), stage="bench", target="local").outputs
            client = clients(cloud.endpoint)
            started = time.perf_counter()
            fill(client, outputs, args)
            filled = time.perf_counter() - started
            check(client, outputs, args)
            run_all(client, outputs)
            rounds = []
            for _ in range(args.rounds):
                fresh = clients(cloud.endpoint)  # new connections, as a new script would have
                rounds.append(
                    restart(
                        lambda c=fresh: check(c, outputs, args), lambda c=fresh: run_all(c, outputs)
                    )
                )
            size = snapshot_path(Path(os.environ["TETHER_HOME"])).stat().st_size
        finally:
            process.stop()

    def median(values: list[Round], index: int) -> float:
        return statistics.median(v[index] for v in values)

    readable, empty_start = median(rounds, 2), median(empty, 1)
    print(
        f"state: {len(FUNCTIONS)} functions, {args.objects} objects, {args.items} items, "
        f"{args.messages} queued messages ({filled:.1f} s to fill); snapshot {size / 1e6:.2f} MB"
    )
    print(f"rounds: {args.rounds} (medians); the commands run as processes, as a user runs them")
    print(
        f"  tether local stop  (saves the state):   {median(rounds, 0):6.2f} s "
        f"(the save itself: {median(rounds, 4):.0f} ms)"
    )
    print(
        f"  tether local start (loads the state):   {median(rounds, 1):6.2f} s "
        f"(the load itself: {median(rounds, 5):.0f} ms)"
    )
    print(f"  start -> all data read back:            {readable:6.2f} s")
    print(f"  start -> + 5 functions run (cold):      {median(rounds, 3):6.2f} s")
    print(f"  empty state: stop {median(empty, 0):.2f} s, start {empty_start:.2f} s")
    ratio = readable / empty_start
    print(f"  ratio, data read back after a start with the state / an empty start: {ratio:.2f}x")
    ok = ratio <= TARGET_RATIO
    print(f"target: at most {TARGET_RATIO:.0f}x the empty start: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
