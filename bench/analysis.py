"""Benchmark static analysis on generated projects of 500 modules / 160 functions and 501
modules / 200 functions.

The first is the largest project one stack holds (each function takes 3 CloudFormation
resources, so 160 functions and a few shared resources with triggers reach the 500-resource
quota); the second is the issue's size, which deploys as nested stacks (synth splits it). In
each, every handler imports three of the helper modules (338 or 299) and a shared config
module; every helper makes boto3 calls: clients and resources, module-level and in functions,
names from environment variables, constants, helpers' arguments and the S3 event, and every
helper function is called from the handlers that import it. Printed side by side, one column
per project, medians of `--runs` runs, with the load average (a shared machine's figures drift):

- full analysis in a fresh process, without a cache (what every analysis cost before caching);
- full analysis in this process with an empty cache (imports and data loaded already);
- re-analysis after a one-file edit with the cache warm (what the IDE and `tether dev` do after
  a save): a handler edited, then a helper (the result is compared with a fresh analysis once),
  then a handler again with the cache written to disk after each analysis, as `load` does;
- `tether check` (a new process each time) with the disk cache cold (deleted) and warm.

The full analysis of the 200-function project has a target (FULL_TARGET, the issue's), and a
one-file edit another (EDIT_TARGET); each is reported met or not, never failed on. The fresh
process's CPU time is printed too: on a shared machine it drifts less than the wall time.

With `--against SRC` (another checkout's src/ folder, say a copy taken before a change), the
fresh-process analysis is also run with SRC's `tether` first on sys.path, each of its runs next
to one of this tree's, and the two are printed side by side with their ratio.

    .venv/bin/python bench/analysis.py [--runs 5] [--keep DIR] [--only 160|200] [--against SRC]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tether.analysis import AnalysisCache, analyse
from tether.analysis.cache import CACHE_DIR
from tether.model import Project, read_project_file


@dataclass(frozen=True)
class Size:
    """A generated project: `helpers` + handlers + app/config.py + app/__init__.py modules."""

    handlers: int
    helpers: int

    @property
    def modules(self) -> int:
        return self.handlers + self.helpers + 2


SIZES = {
    "160": Size(handlers=160, helpers=338),  # 500 modules: one stack's 500-resource quota
    "200": Size(handlers=200, helpers=299),  # 501 modules: nested stacks
}
BUCKETS, TABLES, TOPICS, QUEUES = 3, 3, 3, 3
TRIGGERED = 8  # handlers with an S3 trigger: the rest of the 500-resource quota
EDIT_TARGET = 0.100  # a one-file edit re-checks within this (the target)
FULL_TARGET = 1.0  # a full analysis of 501 modules / 200 functions, fresh process, no cache
FRESH = """
import sys, time
from tether.analysis import analyse
from tether.model import read_project_file
project = read_project_file(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
analyse(project)
print(time.perf_counter() - start, time.process_time() - cpu)
"""

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
        bucket = {bucket}
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        head = {a}.s3.head_object(Bucket=bucket, Key=key)
        {a}.save_{a_n}(key, {{"size": head["ContentLength"]}})
        {b}.load_{b_n}(key)
        publish_{c_n}({{"key": key, "items": len({b}.scan_{b_n}())}}, sns)
        queue.send(key)
    return {{"ok": True}}
'''


def upper(name: str) -> str:
    return name.upper().replace("-", "_")


def generate(root: Path, size: Size, seed: int = 7) -> None:
    """Write the project."""
    rng = random.Random(seed)
    app = root / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text('"""The generated app."""\n')
    topics = [f"topic{i}" for i in range(TOPICS)]
    config = ["import os", "", 'REGION = os.environ.get("AWS_REGION", "us-east-1")']
    (app / "config.py").write_text('"""Shared settings."""\n\n' + "\n".join(config) + "\n")
    for n in range(size.helpers):
        (app / f"helper{n}.py").write_text(
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
    for n in range(size.handlers):
        a, b, c = rng.sample(range(size.helpers), 3)
        function = f"  f{n}:\n    handler: app/handler{n}.handler"
        # The S3 event names the bucket of a triggered handler; the others use the helper's.
        bucket = f"helper{a}.BUCKET"
        if n < TRIGGERED:
            function += f"\n    triggers: [{{resource: bucket{n % BUCKETS}, prefix: in{n}/}}]"
            bucket = 'record["s3"]["bucket"]["name"]'
        functions.append(function)
        (app / f"handler{n}.py").write_text(
            HANDLER.format(
                n=n,
                a=f"helper{a}",
                a_n=a,
                b=f"helper{b}",
                b_n=b,
                c=f"helper{c}",
                c_n=c,
                bucket=bucket,
            )
        )
    yaml = "name: bench\nresources:\n" + "\n".join(resources)
    (root / "tether.yaml").write_text(yaml + "\nfunctions:\n" + "\n".join(functions) + "\n")


# --- measurements --------------------------------------------------------------------------


def median_of(runs: int, once: Callable[[int], float]) -> float:
    return statistics.median(once(i) for i in range(runs))


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@dataclass(frozen=True)
class Fresh:
    """A full analysis in a fresh process: wall and CPU seconds (medians)."""

    wall: float
    cpu: float


def fresh_process(root: Path, src: Path | None = None) -> tuple[float, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(root)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    wall, cpu = done.stdout.split()[-2:]
    return float(wall), float(cpu)


def fresh_runs(root: Path, runs: int, against: Path | None) -> tuple[Fresh, Fresh | None]:
    """This tree's fresh analyses, and SRC's, each of its runs right after one of ours."""
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(runs):
        ours.append(fresh_process(root))
        if against is not None:
            theirs.append(fresh_process(root, against))
    return _fresh(ours), _fresh(theirs) if theirs else None


def _fresh(found: list[tuple[float, float]]) -> Fresh:
    return Fresh(
        statistics.median(wall for wall, _ in found), statistics.median(cpu for _, cpu in found)
    )


def cli_check(root: Path, *, cold: bool) -> float:
    if cold:
        shutil.rmtree(root.joinpath(*CACHE_DIR), ignore_errors=True)
    command = [sys.executable, "-m", "tether.cli.main", "check", str(root)]
    return timed(lambda: subprocess.run(command, check=True, capture_output=True))


def edit(path: Path, run: int) -> None:
    path.write_text(path.read_text() + f"\nEDITED_{run} = {run}\n")


def edit_and_analyse(project: Project, cache: AnalysisCache, path: Path, run: int) -> float:
    edit(path, run)
    return timed(lambda: analyse(project, cache=cache))


@dataclass
class Figures:
    """One project's measurements (seconds), and what the analysis found."""

    modules: int
    functions: int
    operations: int
    problems: int
    fresh: float
    fresh_cpu: float
    against: Fresh | None
    warm: float
    handler: float
    helper: float
    written: float
    same: bool
    cold_cli: float
    warm_cli: float


def measure(
    root: Path, size: Size, runs: int, scratch: Path, against: Path | None = None
) -> Figures:
    generate(root, size)
    project = read_project_file(root)
    fresh, their_fresh = fresh_runs(root, runs, against)
    warm = median_of(runs, lambda _: timed(lambda: analyse(project, cache=AnalysisCache())))
    cache = AnalysisCache()
    analysis = analyse(project, cache=cache)
    handler = median_of(
        runs, lambda i: edit_and_analyse(project, cache, root / f"app/handler{i}.py", i)
    )
    helper = median_of(
        runs, lambda i: edit_and_analyse(project, cache, root / f"app/helper{i}.py", i)
    )
    same = analyse(project, cache=cache) == analyse(project)
    on_disk = AnalysisCache(scratch / "cache")  # as `load` keeps it: written after each
    analyse(project, cache=on_disk)
    written = median_of(
        runs, lambda i: edit_and_analyse(project, on_disk, root / f"app/handler{i}.py", i)
    )
    cold_cli = median_of(runs, lambda _: cli_check(root, cold=True))
    cli_check(root, cold=False)
    warm_cli = median_of(runs, lambda _: cli_check(root, cold=False))
    return Figures(
        modules=size.modules,
        functions=len(project.functions),
        operations=sum(len(f.operations) for f in analysis.functions.values()),
        problems=len(analysis.problems),
        fresh=fresh.wall,
        fresh_cpu=fresh.cpu,
        against=their_fresh,
        warm=warm,
        handler=handler,
        helper=helper,
        written=written,
        same=same,
        cold_cli=cold_cli,
        warm_cli=warm_cli,
    )


LABEL, CELL = 52, 24  # column widths


def row(
    label: str, values: list[float], bases: list[float] | None = None, *, inverse: bool = False
) -> str:
    """One row; with `bases`, how many times faster each value is than its base, or with
    `inverse` how many times slower (for SRC's rows: how many times faster this tree is)."""
    cells = []
    for index, seconds in enumerate(values):
        ratio = ""
        if bases:
            factor = seconds / bases[index] if inverse else bases[index] / seconds
            ratio = f" x{factor:5.2f}" if inverse else f" x{factor:5.1f}"
        cells.append(f"{seconds * 1000:8.1f} ms{ratio:7}")
    return line(label, cells)


def line(label: str, cells: list[str]) -> str:
    return f"  {label:<{LABEL}}" + "".join(f"{c:>{CELL}}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate the projects here and keep them")
    parser.add_argument("--only", choices=sorted(SIZES), help="measure one project size only")
    parser.add_argument(
        "--against", type=Path, help="another src/ folder: its fresh analysis side by side"
    )
    args = parser.parse_args()
    sizes = {k: v for k, v in SIZES.items() if args.only in (None, k)}
    load_before = os.getloadavg()
    found: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, size in sizes.items():
            root = (args.keep or Path(tmp)) / f"bench{key}"
            scratch = Path(tmp) / f"scratch{key}"
            found.append(measure(root, size, args.runs, scratch, args.against))
    print(f"analysis: medians of {args.runs} runs; x: times faster than the first row")
    print(line("", [f"{f.modules} modules / {f.functions} fns" for f in found]))
    print(
        line(
            "operations, problems found", [f"{f.operations} ops, {f.problems} probs" for f in found]
        )
    )
    fresh = [f.fresh for f in found]
    print(row("full analysis, fresh process, no cache", fresh))
    print(row("  the same, CPU time", [f.fresh_cpu for f in found]))
    theirs = [f.against for f in found if f.against is not None]
    if theirs:
        # x: how many times faster this tree is than SRC
        print(
            row(
                f"  with {args.against} (x: it is slower)",
                [t.wall for t in theirs],
                fresh,
                inverse=True,
            )
        )
        cpu = [f.fresh_cpu for f in found]
        print(row("  with it, CPU time", [t.cpu for t in theirs], cpu, inverse=True))
    print(row("full analysis, this process, empty cache", [f.warm for f in found], fresh))
    print(row("one handler edited, cache warm", [f.handler for f in found], fresh))
    print(row("one helper edited, cache warm", [f.helper for f in found], fresh))
    written = [f.written for f in found]
    print(row("one handler edited, cache warm and written to disk", written, fresh))
    cold = [f.cold_cli for f in found]
    print(row("tether check, disk cache cold", cold))
    print(row("tether check, disk cache warm", [f.warm_cli for f in found], cold))
    for figures in found:
        name = f"{figures.modules} modules / {figures.functions} functions"
        edit = max(figures.handler, figures.helper, figures.written)
        verdict = "met" if edit < EDIT_TARGET else "NOT met"
        same = "identical to" if figures.same else "DIFFERENT from"
        print(
            f"{name}: one-file edit target {EDIT_TARGET * 1000:.0f} ms {verdict}; incremental "
            f"result {same} a fresh analysis"
        )
        if figures.functions == SIZES["200"].handlers:
            verdict = "met" if figures.fresh < FULL_TARGET else "NOT met"
            print(f"{name}: full analysis target {FULL_TARGET * 1000:.0f} ms {verdict}")
    load_after = os.getloadavg()
    print(
        f"load average (1, 5, 15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
        f"after {' '.join(f'{v:.2f}' for v in load_after)} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
