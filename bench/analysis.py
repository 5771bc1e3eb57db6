"""Benchmark static analysis: a generated project of 500 modules and 200 functions.

Each of the 200 handlers imports three of 300 helper modules (and a shared config module);
every module makes a few boto3 calls: clients and resources, module-level and in functions,
names from environment variables, constants, helpers' arguments and the S3 event. Prints the
median of 5 runs of `analyse` (loading the project is not timed; later runs reuse the parsed
syntax trees of unchanged files, as re-analysis after an edit does, so the first run is shown
too) and modules per second.

    .venv/bin/python bench/analysis.py [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from tether.analysis import analyse
from tether.model import read_project_file

HANDLERS = 200
HELPERS = 299  # + app/config.py + app/__init__.py = 500 modules with the handlers
BUCKETS, TABLES, TOPICS, QUEUES = 20, 20, 10, 10

HELPER = '''\
"""Helper {n}: storage and messaging for part {n} of the app."""

import json
import os

import boto3

from app.config import REGION

s3 = boto3.client("s3", region_name=REGION)
sns = boto3.client("sns")
table = boto3.resource("dynamodb").Table(os.environ["{table_env}"])
BUCKET = os.environ["{bucket_env}"]
TOPIC = os.environ["{topic_env}"]


def save_{n}(key, payload):
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(payload).encode())
    table.put_item(Item={{"id": key, "size": len(payload)}})


def load_{n}(key):
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return json.loads(body)


def publish_{n}(message, client=sns):
    client.publish(TopicArn=TOPIC, Message=json.dumps(message))


def scan_{n}():
    items = []
    kwargs = {{"Limit": 100}}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class Queue{n}:
    def __init__(self, url):
        self.sqs = boto3.client("sqs")
        self.url = url

    def send(self, body):
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body)


queue = Queue{n}(os.environ["{queue_env}"])
'''

HANDLER = '''\
"""Handler {n}."""

import os
import urllib.parse

import boto3

from app import {a}, {b}
from app.{c} import publish_{c_n}, queue

sns = boto3.client("sns")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        head = {a}.s3.head_object(Bucket=bucket, Key=key)
        {a}.save_{a_n}(key, {{"size": head["ContentLength"]}})
        {b}.load_{b_n}(key)
        publish_{c_n}({{"key": key}}, sns)
        queue.send(key)
    return {{"ok": True}}
'''


def upper(name: str) -> str:
    return name.upper().replace("-", "_")


def generate(root: Path, seed: int = 7) -> int:
    """Write the project; returns its number of modules."""
    rng = random.Random(seed)
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text('"""The generated app."""\n')
    topics = [f"topic{i}" for i in range(TOPICS)]
    config = ["import os", "", 'REGION = os.environ.get("AWS_REGION", "us-east-1")']
    (app / "config.py").write_text('"""Shared settings."""\n\n' + "\n".join(config) + "\n")
    helpers = []
    for n in range(HELPERS):
        name = f"helper{n}"
        helpers.append(name)
        (app / f"{name}.py").write_text(
            HELPER.format(
                n=n,
                topic_env=f"{upper(topics[n % TOPICS])}_TOPIC_ARN",
                queue_env=f"QUEUE{n % QUEUES}_QUEUE_URL",
                table_env=f"TABLE{n % TABLES}_TABLE",
                bucket_env=f"BUCKET{n % BUCKETS}_BUCKET",
            )
        )
    resources = [f"  bucket{i}: {{type: s3.bucket}}" for i in range(BUCKETS)]
    resources += [f"  table{i}: {{type: dynamodb.table, key: {{id: S}}}}" for i in range(TABLES)]
    resources += [f"  {t}: {{type: sns.topic}}" for t in topics]
    resources += [f"  queue{i}: {{type: sqs.queue, visibility_timeout: 60}}" for i in range(QUEUES)]
    functions = []
    for n in range(HANDLERS):
        a, b, c = rng.sample(range(HELPERS), 3)
        (app / f"handler{n}.py").write_text(
            HANDLER.format(
                n=n,
                a=f"helper{a}",
                a_n=a,
                b=f"helper{b}",
                b_n=b,
                c=f"helper{c}",
                c_n=c,
            )
        )
        functions.append(
            f"  f{n}:\n    handler: app/handler{n}.handler\n"
            f"    triggers: [{{resource: bucket{n % BUCKETS}, prefix: in{n}/}}]"
        )
    yaml = (
        "name: bench\nresources:\n"
        + "\n".join(resources)
        + "\nfunctions:\n"
        + "\n".join(functions)
        + "\n"
    )
    (root / "tether.yaml").write_text(yaml)
    return HANDLERS + HELPERS + 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate the project here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "bench"
        modules = generate(root)
        project = read_project_file(root)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            analysis = analyse(project)
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    operations = sum(len(f.operations) for f in analysis.functions.values())
    print(
        f"analysis: {modules} modules, {len(project.functions)} functions, "
        f"{operations} operations, {len(analysis.problems)} problems"
    )
    print(
        f"analyse: median {median * 1000:.0f} ms of {args.runs} runs "
        f"(min {min(times) * 1000:.0f} ms, first run with every file parsed "
        f"{times[0] * 1000:.0f} ms), {modules / median:.0f} modules/s"
    )


if __name__ == "__main__":
    main()
