"""What the benchmarks share: a free port, a percentile, and the resources and handler of the
generated projects. A benchmark runs as a script, so this folder is first on its sys.path and
`from common import ...` finds this module."""

from __future__ import annotations

import socket

# The resource kinds generated projects cycle through: (name prefix, tether.yaml body, the
# action a function calling one performs, if any).
KINDS = [
    ("bucket", "{type: s3.bucket}", "s3:PutObject"),
    ("table", "{type: dynamodb.table, key: {id: S}, stream: new_image}", "dynamodb:PutItem"),
    ("topic", "{type: sns.topic}", "sns:Publish"),
    ("queue", "{type: sqs.queue, visibility_timeout: 60}", "sqs:SendMessage"),
    ("schedule", "{type: schedule, expression: 'rate(1 hour)'}", None),
    ("api", "{type: http.api}", None),
]
HANDLER = '"""Function {n}."""\n\n\ndef handler(event, context):\n    return event\n'


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """The value `fraction` of the way through `values` in order (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
