"""A generated project past one CloudFormation stack's quotas: `count` functions, each with its
own handler file that writes to a shared table, each triggered by one of a shared queue, topic,
bucket (its own prefix), schedule (EventBridge allows 5 targets per rule, so one schedule per
5 of them) or HTTP API route. 200 functions need over 900 resources."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tests.helpers import write_project

HANDLER = """import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["JOBS_TABLE"])


def handler(event, context):
    table.put_item(Item={{"id": "fn{index:03d}", "edit": "{edit}"}})
    return {{"function": {index}, "edit": "{edit}"}}
"""


def trigger(index: int) -> str:
    kind = index % 5
    if kind == 0:
        return "{resource: work, batch_size: 1}"
    if kind == 1:
        return "{resource: alerts}"
    if kind == 2:
        return f"{{resource: uploads, prefix: fn{index:03d}/}}"
    if kind == 3:
        return f"{{resource: tick{index // 25}}}"
    return f'{{resource: web, route: "GET /fn{index:03d}"}}'


def write_big_project(
    root: Path,
    count: int = 200,
    *,
    name: str = "big",
    only: Iterable[int] | None = None,
    environment: dict[int, str] | None = None,
) -> Path:
    """Write the project at `root` (its functions are fn000, fn001, ...; `only` those of these
    numbers, `environment` a NOTE variable for some) and return `root`. Handler files are
    written once: an edit (`write_handler`) stays."""
    indexes = sorted(range(count) if only is None else only)
    environment = environment or {}
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "__init__.py").write_text("")
    lines = [
        f"name: {name}",
        "resources:",
        "  jobs: {type: dynamodb.table, key: {id: S}}",
        "  work: {type: sqs.queue, visibility_timeout: 60}",
        "  alerts: {type: sns.topic}",
        "  uploads: {type: s3.bucket}",
        "  web: {type: http.api}",
    ]
    lines += [
        f'  tick{block}: {{type: schedule, expression: "rate(1 day)"}}'
        for block in sorted({i // 25 for i in range(count) if i % 5 == 3})
    ]
    lines.append("functions:")
    for index in indexes:
        if not (root / "app" / f"fn{index:03d}.py").exists():
            write_handler(root, index)
        lines += [
            f"  fn{index:03d}:",
            f"    handler: app/fn{index:03d}.handler",
            f"    triggers: [{trigger(index)}]",
        ]
        if index in environment:
            lines.append(f"    environment: {{NOTE: {environment[index]}}}")
    (root / "tether.yaml").write_text("\n".join(lines) + "\n")
    return root


def write_handler(root: Path, index: int, edit: str = "0") -> None:
    (root / "app" / f"fn{index:03d}.py").write_text(HANDLER.format(index=index, edit=edit))


def topic_functions(root: Path, count: int) -> Path:
    """`count` functions, each triggered by one topic: 5 CloudFormation resources each (log
    group, role, function, subscription, permission), plus the topic. Returns `root`."""
    lines = ["name: big", "resources:", "  alerts: {type: sns.topic}", "functions:"]
    for i in range(count):
        lines += [
            f"  fn{i:03d}:",
            "    handler: app/main.handler",
            "    triggers: [{resource: alerts}]",
        ]
    return write_project(root, "\n".join(lines) + "\n")
