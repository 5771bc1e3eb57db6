"""Benchmark: load + validate + synthesise a generated project of 200 functions and 300 resources.

Prints the median of several runs for each stage and the total against the 1 s target. The
project mixes every resource type and trigger kind, with operations on several resources per
function, so validation and policy building do their real work.

    .venv/bin/python bench/synth.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tether import load_project, synthesize
from tether.synth import to_json

TARGET_SECONDS = 1.0
KINDS = [
    ("bucket", "{type: s3.bucket}", "s3:PutObject"),
    ("table", "{type: dynamodb.table, key: {id: S}, stream: new_image}", "dynamodb:PutItem"),
    ("topic", "{type: sns.topic}", "sns:Publish"),
    ("queue", "{type: sqs.queue, visibility_timeout: 60}", "sqs:SendMessage"),
    ("schedule", "{type: schedule, expression: 'rate(1 hour)'}", None),
    ("api", "{type: http.api}", None),
]


def generate(root: Path, functions: int = 200, resources: int = 300) -> None:
    names = [f"{KINDS[i % len(KINDS)][0]}{i}" for i in range(resources)]
    lines = ["name: bench", "resources:"]
    lines += [f"  {name}: {KINDS[i % len(KINDS)][1]}" for i, name in enumerate(names)]
    lines.append("functions:")
    (root / "app").mkdir()
    for f in range(functions):
        source = names[f % resources]
        kind = KINDS[(f % resources) % len(KINDS)][0]
        option = {"api": f", route: 'GET /f{f}'", "bucket": f", prefix: f{f}/"}.get(kind, "")
        targets = [names[(f * 7 + k) % resources] for k in range(1, 4)]
        operations = [
            f"{{resource: {t}, actions: [{KINDS[names.index(t) % len(KINDS)][2]}]}}"
            for t in targets
            if KINDS[names.index(t) % len(KINDS)][2]
        ]
        lines += [
            f"  fn{f}:",
            f"    handler: app/fn{f}.handler",
            f"    triggers: [{{resource: {source}{option}}}]",
        ]
        if operations:
            lines.append(f"    operations: [{', '.join(operations)}]")
        (root / "app" / f"fn{f}.py").write_text("def handler(event, context):\n    return event\n")
    (root / "tether.yaml").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root)
        loads, synths, dumps = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            project = load_project(root)
            t1 = time.perf_counter()
            template = synthesize(project, stage="dev")
            t2 = time.perf_counter()
            to_json(template)
            t3 = time.perf_counter()
            loads.append(t1 - t0)
            synths.append(t2 - t1)
            dumps.append(t3 - t2)
    load, synth, dump = (statistics.median(x) for x in (loads, synths, dumps))
    total = load + synth + dump
    print(
        f"project: {len(project.functions)} functions, {len(project.resources)} resources "
        f"-> {len(template['Resources'])} CloudFormation resources (median of {args.runs} runs)"
    )
    print(f"  load + validate  {load * 1000:8.1f} ms")
    print(f"  synthesise       {synth * 1000:8.1f} ms")
    print(f"  write JSON       {dump * 1000:8.1f} ms")
    print(
        f"  total            {total * 1000:8.1f} ms  = {total / TARGET_SECONDS:.2f} x the 1 s target "
        f"({'met' if total < TARGET_SECONDS else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
