"""Benchmark: invoking functions on the local cloud, warm and cold, against a fresh Python per call.

Starts its own local cloud (free port, temporary TETHER_HOME), deploys a tiny project, and
measures side by side in one run:

- warm invoke: Invoke through boto3 on a warm worker (p50, p95);
- cold invoke: the first Invoke after UpdateFunctionCode (new worker, new code; p50);
- baseline: a fresh `python -c` per call that imports the same handler from the same code and
  calls it with the same event (what running functions without warm workers costs; p50);
- throughput: 100 SQS messages through a queue-triggered function, from the first send to the
  100th side effect (an S3 object per message): once as the first messages (the workers start
  cold), once more with warm workers.

The handler is a typical one: it imports boto3 and makes its client at import time (as the
functions Tether deploys do), then returns its event without calling AWS. Targets: warm p50
under 10 ms, cold under 500 ms, warm at least 20x faster than the baseline.

    .venv/bin/python bench/invoke.py [--warm 200] [--cold 10] [--baseline 15]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

TARGET_WARM_MS = 10.0
TARGET_COLD_MS = 500.0
TARGET_RATIO = 20.0
MESSAGES = 100

PROJECT = """
name: benchinv
resources:
  work: {type: sqs.queue}
  sink: {type: s3.bucket}
functions:
  tiny:
    handler: app/tiny.handler
    operations: [{resource: sink, actions: ["s3:PutObject"]}]
  count:
    handler: app/count.handler
    triggers: [{resource: work, batch_size: 10}]
    operations: [{resource: sink, actions: ["s3:PutObject"]}]
"""

TINY = """
import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["SINK_BUCKET"]
VERSION = {version}


def handler(event, context):
    return {{"echo": event.get("n"), "version": VERSION}}
"""

COUNT = """
import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["SINK_BUCKET"]


def handler(event, context):
    for record in event["Records"]:
        s3.put_object(Bucket=BUCKET, Key="messages/" + record["body"], Body=b"1")
    return {"batchItemFailures": []}
"""

BASELINE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from app.tiny import handler
print(json.dumps(handler(json.loads(sys.argv[2]), None)))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def code_zip(version: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app/__init__.py", "")
        archive.writestr("app/tiny.py", TINY.format(version=version))
    return buffer.getvalue()


def drain(sqs: Any, s3: Any, queue: str, bucket: str, label: str) -> tuple[int, float]:
    """Send MESSAGES messages; (side effects seen, seconds from the first send to the last)."""
    prefix = f"messages/{label}-"
    started = time.perf_counter()
    for batch in range(MESSAGES // 10):
        sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "MessageBody": f"{label}-{batch}-{i}"} for i in range(10)],
        )
    done = 0
    while done < MESSAGES and time.perf_counter() - started < 60:
        done = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0)
        if done < MESSAGES:
            time.sleep(0.025)  # listing costs the server too: do not poll it flat out
    return done, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--cold", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        import boto3
        from botocore.config import Config

        from tether import load_project
        from tether.deploy.pipeline import deploy
        from tether.localcloud import home_credentials, process

        cloud = process.start(free_port())
        try:
            root = Path(tmp) / "benchinv"
            (root / "app").mkdir(parents=True)
            (root / "tether.yaml").write_text(textwrap.dedent(PROJECT).lstrip())
            (root / "app" / "__init__.py").write_text("")
            (root / "app" / "tiny.py").write_text(TINY.format(version=0))
            (root / "app" / "count.py").write_text(COUNT)
            outputs = deploy(load_project(root), stage="bench", target="local").outputs
            keys = home_credentials()
            session = boto3.Session(
                aws_access_key_id=keys.access_key_id,
                aws_secret_access_key=keys.secret_access_key,
                region_name="us-east-1",
            )
            config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
            lam = session.client("lambda", endpoint_url=cloud.endpoint, config=config)
            sqs = session.client("sqs", endpoint_url=cloud.endpoint, config=config)
            s3 = session.client("s3", endpoint_url=cloud.endpoint, config=config)
            function = "benchinv-bench-tiny"
            event = json.dumps({"n": 1}).encode()

            def call() -> None:
                response = lam.invoke(FunctionName=function, Payload=event)
                response["Payload"].read()
                if "FunctionError" in response:
                    raise SystemExit(f"the function failed: {response}")

            for _ in range(10):
                call()
            warm = [timed(call) for _ in range(args.warm)]

            cold = []
            for version in range(1, args.cold + 1):
                lam.update_function_code(FunctionName=function, ZipFile=code_zip(version))
                cold.append(timed(call))

            code_dir = Path(tmp) / "baseline"
            with zipfile.ZipFile(io.BytesIO(code_zip(0))) as archive:
                archive.extractall(code_dir)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": keys.access_key_id,
                "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
                "AWS_ENDPOINT_URL": cloud.endpoint,
                "SINK_BUCKET": outputs["SinkBucketName"],
            }
            command = [sys.executable, "-c", BASELINE, str(code_dir), event.decode()]

            def fresh() -> None:
                subprocess.run(command, env=env, check=True, capture_output=True)

            baseline = [timed(fresh) for _ in range(args.baseline)]
            startup = [
                timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
                for _ in range(5)
            ]

            queue, bucket = outputs["WorkQueueUrl"], outputs["SinkBucketName"]
            rounds = [drain(sqs, s3, queue, bucket, label) for label in ("first", "again")]
        finally:
            process.stop()
            shutil.rmtree(Path(tmp) / "home", ignore_errors=True)

    warm_p50, warm_p95 = statistics.median(warm), percentile(warm, 0.95)
    cold_p50, base_p50 = statistics.median(cold), statistics.median(baseline)
    ratio = base_p50 / warm_p50
    print(
        f"Lambda invokes on the local cloud ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})"
    )
    print("  handler: imports boto3, makes an S3 client at import, returns its event")
    print(
        f"  warm invoke (boto3 Invoke)      p50 {warm_p50:7.1f} ms  p95 {warm_p95:7.1f} ms  ({len(warm)} invokes)"
    )
    print(f"  cold invoke after a code change p50 {cold_p50:7.1f} ms  ({len(cold)} updates)")
    print(
        f"  fresh python per invoke         p50 {base_p50:7.1f} ms  ({len(baseline)} runs; python startup alone {statistics.median(startup):.1f} ms)"
    )
    print(f"  warm vs fresh python            {ratio:7.1f}x faster")
    for (done, drained), label in zip(rounds, ("cold workers", "warm workers"), strict=True):
        rate = done / drained if drained else 0.0
        print(
            f"  {MESSAGES} SQS messages -> {done} side effects in {drained * 1000:7.0f} ms"
            f"  ({rate:.0f} messages/s, {label})"
        )
    checks = [
        (f"warm p50 < {TARGET_WARM_MS:.0f} ms", warm_p50 < TARGET_WARM_MS),
        (f"cold p50 < {TARGET_COLD_MS:.0f} ms", cold_p50 < TARGET_COLD_MS),
        (f"warm >= {TARGET_RATIO:.0f}x the baseline", ratio >= TARGET_RATIO),
        (f"all {MESSAGES} messages processed", all(done >= MESSAGES for done, _ in rounds)),
    ]
    print("  targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
