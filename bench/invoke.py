"""Benchmark: invoking functions on the local cloud, warm and cold, against a fresh Python per call.

Starts its own local cloud (free port, temporary TETHER_HOME), deploys a tiny project, and
measures side by side in one run:

- warm invoke: Invoke through boto3 on a warm worker (p50, p95);
- `tether invoke` of the same warm function, the command as a user runs it (a process, with
  its defaults; p50 of its wall time), next to the in-process figure: the difference is the
  CLI's own start-up (Python, imports, the project file), which the user feels every time;
- cold invoke: the first Invoke of a function nobody has invoked yet (created a second
  before: its code unpacked, the spare process with boto3 imported ready; new worker; p50);
- a code update of the function in use, from UpdateFunctionCode to the new code's first answer
  (the local cloud starts the new version's worker at once and answers the update when it has,
  with LastUpdateStatus Successful; a client that gets InProgress waits, as `tether dev` and
  the quick deploy do), and of it the first Invoke once the update is live: no cold start
  (p50s);
- baseline: a fresh `python -c` per call that imports the same handler from the same code and
  calls it with the same event (what running functions without warm workers costs; p50);
- throughput: 100 SQS messages through a queue-triggered function, from the first send to the
  100th side effect (an S3 object per message): once as the first messages (the workers start
  cold), once more with warm workers;
- IAM: what the local cloud's authorisation of function calls adds to an SDK call from a warm
  function (S3 GetObject on a granted bucket, timed inside the handler): two fresh local clouds,
  started alike with the same project, one enforcing IAM and one with `TETHER_LOCAL_IAM=off` (the
  debugging switch), with rounds alternating between the two; and the authorizer's decision
  alone, in this process (moto in memory, a role as Tether deploys it), per S3 GetObject and
  DynamoDB GetItem request.

The handler is a typical one: it imports boto3 and makes its client at import time (as the
functions Tether deploys do), then returns its event without calling AWS. Targets: warm p50
under 10 ms, cold under 500 ms, the first invoke once live under 300 ms, `tether invoke` of a
warm function under 400 ms, warm at least 20x faster than the baseline, IAM adding under 1 ms
to an SDK call. The machine's load average (os.getloadavg()) is printed with the figures: on a
shared machine, compare figures of one run only.

The functions declare `--runtime` (default python3.12, as `tether init`) and run on that Python
when this machine has it, else on the local cloud's (`tether.runtime.interpreters`); the report
names it, and the baseline runs on it too, with boto3 from where the workers get it.

    .venv/bin/python bench/invoke.py [--warm 200] [--cli 15] [--cold 10] [--baseline 15]
        [--calls 1000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

from common import free_port, percentile

TARGET_WARM_MS = 10.0
TARGET_COLD_MS = 500.0
TARGET_LIVE_MS = 300.0
TARGET_CLI_MS = 400.0
TETHER = Path(sys.executable).with_name("tether")
TARGET_RATIO = 20.0
TARGET_IAM_MS = 1.0
MESSAGES = 100
CALLS_PER_INVOKE = 50

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

CALLS = """
import os
import time

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["SINK_BUCKET"]


def handler(event, context):
    s3.put_object(Bucket=BUCKET, Key="calls/one", Body=b"1")
    times = []
    for _ in range(event["n"]):
        started = time.perf_counter()
        s3.get_object(Bucket=BUCKET, Key="calls/one")["Body"].read()
        times.append((time.perf_counter() - started) * 1000)
    return times
"""

BASELINE = """
import json, sys
sys.path[0:0] = [sys.argv[1], *sys.argv[3:]]  # the code, then the SDK's directory if any
from app.tiny import handler
print(json.dumps(handler(json.loads(sys.argv[2]), None)))
"""


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


IAM_PROJECT = """
name: benchiam
resources:
  sink: {type: s3.bucket}
functions:
  calls:
    handler: app/calls.handler
"""


def sdk_calls(tmp: str, config: Any, calls: int, runtime: str) -> tuple[list[float], list[float]]:
    """Per-call times of S3 GetObject from a warm function, on two fresh local clouds started
    alike with the same project, one enforcing IAM, one with TETHER_LOCAL_IAM=off; the rounds
    alternate between them."""
    import boto3

    from tether import load_project
    from tether.deploy.pipeline import deploy
    from tether.localcloud import home_credentials, process

    root = Path(tmp) / "benchiam"
    (root / "app").mkdir(parents=True)
    text = textwrap.dedent(IAM_PROJECT).lstrip()
    text = text.replace("\nresources:", f"\nruntime: {runtime}\nresources:", 1)
    (root / "tether.yaml").write_text(text)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "calls.py").write_text(CALLS)
    homes = {"on": Path(tmp) / "home-iam-on", "off": Path(tmp) / "home-iam-off"}
    clients: dict[str, Any] = {}
    try:
        for switch, home in homes.items():
            os.environ["TETHER_HOME"] = str(home)
            os.environ["TETHER_LOCAL_IAM"] = switch
            try:
                cloud = process.start(free_port())
            finally:
                os.environ.pop("TETHER_LOCAL_IAM")
            deploy(load_project(root), stage="bench", target="local")
            keys = home_credentials()
            clients[switch] = boto3.Session(
                aws_access_key_id=keys.access_key_id,
                aws_secret_access_key=keys.secret_access_key,
                region_name="us-east-1",
            ).client("lambda", endpoint_url=cloud.endpoint, config=config)

        def timed_calls(switch: str, n: int) -> list[float]:
            response = clients[switch].invoke(
                FunctionName="benchiam-bench-calls", Payload=json.dumps({"n": n}).encode()
            )
            payload = json.loads(response["Payload"].read())
            if "FunctionError" in response:
                raise SystemExit(f"the function failed: {payload}")
            return [float(t) for t in payload]

        for switch in homes:
            timed_calls(switch, 20)  # warm worker, warm client, warm connection
        times: dict[str, list[float]] = {switch: [] for switch in homes}
        for _ in range(max(1, calls // CALLS_PER_INVOKE)):
            for switch in homes:
                times[switch] += timed_calls(switch, CALLS_PER_INVOKE)
        return times["on"], times["off"]
    finally:
        for home in homes.values():
            os.environ["TETHER_HOME"] = str(home)
            process.stop()
            shutil.rmtree(home, ignore_errors=True)


def decision_cost(repeat: int = 5000) -> dict[str, float]:
    """Microseconds per decision of the authorizer alone (median of 5 batches), for a function
    whose role is shaped as Tether deploys it (own logs, objects of a bucket, a table)."""
    import io

    import boto3
    from moto import mock_aws

    from tether.localcloud.authorize import Authorizer
    from tether.localcloud.authorize_request import Request

    account, region = "123456789012", "us-east-1"
    statements = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/f:log-stream:*"],
        },
        {
            "Sid": "SinkObject",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::sink/*"],
        },
        {
            "Sid": "JobsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": [f"arn:aws:dynamodb:{region}:{account}:table/jobs"],
        },
    ]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    requests = {
        "S3 GetObject": Request(
            "s3", region, account, "GET", "/sink/calls/one", "", {"x-amz-content-sha256": "e3"}, b""
        ),
        "DynamoDB GetItem": Request(
            "dynamodb",
            region,
            account,
            "POST",
            "/",
            "",
            {
                "x-amz-target": "DynamoDB_20120810.GetItem",
                "content-type": "application/x-amz-json-1.0",
            },
            b'{"TableName": "jobs", "Key": {"id": {"S": "1"}}}',
        ),
    }
    with mock_aws():
        iam = boto3.client("iam", region_name=region)
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(
            RoleName="r",
            PolicyName="least-privilege",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app/tiny.py", "def handler(event, context):\n    return 1\n")
        boto3.client("lambda", region_name=region).create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app/tiny.handler",
            Code={"ZipFile": code.getvalue()},
        )
        function = f"arn:aws:lambda:{region}:{account}:function:f"
        authorizer = Authorizer(active=False)  # no background warm-up: decide() is called directly
        costs = {}
        for label, request in requests.items():
            if authorizer.decide(function, request) is not None:
                raise SystemExit(f"the authorizer refused {label}")
            batches = []
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(repeat):
                    authorizer.decide(function, request)
                batches.append((time.perf_counter() - started) / repeat * 1e6)
            costs[label] = statistics.median(batches)
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--cli", type=int, default=15, help="`tether invoke` processes timed")
    parser.add_argument("--cold", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=15)
    parser.add_argument("--calls", type=int, default=1000, help="SDK calls timed per cloud")
    parser.add_argument("--runtime", default="python3.12", help="what the functions declare")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        import boto3
        from botocore.config import Config

        from tether import load_project
        from tether.deploy.pipeline import deploy
        from tether.localcloud import home_credentials, process
        from tether.runtime import interpreters, sdk

        python = interpreters.resolve(args.runtime)  # what runs the functions
        extra = [] if python.own else [str(sdk.directory(Path(os.environ["TETHER_HOME"])))]

        cloud = process.start(free_port())
        try:
            root = Path(tmp) / "benchinv"
            (root / "app").mkdir(parents=True)
            text = textwrap.dedent(PROJECT).lstrip()
            text = text.replace("\nresources:", f"\nruntime: {args.runtime}\nresources:", 1)
            (root / "tether.yaml").write_text(text)
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

            (root / "event.json").write_bytes(event)
            command = [str(TETHER), "invoke", "tiny", "--stage", "bench", "--event", "event.json"]

            def cli() -> None:
                done = subprocess.run(command, cwd=root, capture_output=True, text=True)
                if done.returncode != 0 or '"echo": 1' not in done.stdout:
                    raise SystemExit(f"`tether invoke` failed: {done.stdout}{done.stderr}")

            cli()  # the first one may write bytecode caches
            by_cli = []
            in_process = []
            for _ in range(args.cli):  # alternating: the two figures see the same machine
                by_cli.append(timed(cli))
                in_process.append(timed(call))

            tiny = lam.get_function_configuration(FunctionName=function)
            cold = []
            for n in range(args.cold):
                lam.create_function(
                    FunctionName=f"{function}-cold{n}",
                    Runtime=tiny["Runtime"],
                    Role=tiny["Role"],
                    Handler=tiny["Handler"],
                    Code={"ZipFile": code_zip(n)},
                    Environment=tiny["Environment"],
                )
                time.sleep(1.0)  # a function is invoked some time after it is made
                started = time.perf_counter()
                lam.invoke(FunctionName=f"{function}-cold{n}", Payload=event)["Payload"].read()
                cold.append((time.perf_counter() - started) * 1000)

            def updated(version: int) -> None:
                lam.update_function_code(FunctionName=function, ZipFile=code_zip(version))
                while (
                    lam.get_function_configuration(FunctionName=function)["LastUpdateStatus"]
                    == "InProgress"
                ):
                    time.sleep(0.005)

            update_to_answer, live = [], []
            for version in range(1, args.cold + 1):
                time.sleep(0.5)  # the user edits between two updates
                started = time.perf_counter()
                updated(version)
                live.append(timed(call))
                update_to_answer.append((time.perf_counter() - started) * 1000)

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
            fresh_python = [python.path, "-c", BASELINE, str(code_dir), event.decode(), *extra]

            def fresh() -> None:
                subprocess.run(fresh_python, env=env, check=True, capture_output=True)

            baseline = [timed(fresh) for _ in range(args.baseline)]
            startup = [
                timed(lambda: subprocess.run([python.path, "-c", "pass"], check=True))
                for _ in range(5)
            ]

            queue, bucket = outputs["WorkQueueUrl"], outputs["SinkBucketName"]
            rounds = [drain(sqs, s3, queue, bucket, label) for label in ("first", "again")]
        finally:
            process.stop()
            shutil.rmtree(Path(tmp) / "home", ignore_errors=True)
        enforced, unchecked = sdk_calls(tmp, config, args.calls, args.runtime)
        decisions = decision_cost()

    load_after = os.getloadavg()
    warm_p50, warm_p95 = statistics.median(warm), percentile(warm, 0.95)
    cold_p50, base_p50 = statistics.median(cold), statistics.median(baseline)
    live_p50 = statistics.median(live)
    cli_p50, beside_p50 = statistics.median(by_cli), statistics.median(in_process)
    ratio = base_p50 / warm_p50
    print(
        f"Lambda invokes on the local cloud ({os.cpu_count()} CPUs, Python {sys.version.split()[0]});"
        f" functions declared {args.runtime} run on Python {python.version_text} ({python.path})"
    )
    print(
        "  load average before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    print("  handler: imports boto3, makes an S3 client at import, returns its event")
    print(
        f"  warm invoke (boto3 Invoke)      p50 {warm_p50:7.1f} ms  p95 {warm_p95:7.1f} ms  ({len(warm)} invokes)"
    )
    print(
        f"  `tether invoke`, warm (process) p50 {cli_p50:7.1f} ms  p90 "
        f"{percentile(by_cli, 0.9):7.1f} ms  ({len(by_cli)} runs; the in-process Invoke "
        f"alternating with them: p50 {beside_p50:.1f} ms, {cli_p50 / beside_p50:.0f}x)"
    )
    print(f"  cold invoke (a new function)    p50 {cold_p50:7.1f} ms  ({len(cold)} functions)")
    print(
        f"  code update of a function in use, to the new code's first answer  p50 "
        f"{statistics.median(update_to_answer):7.1f} ms; the first invoke once it is live  "
        f"p50 {live_p50:7.1f} ms  ({len(live)} updates)"
    )
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
    on_p50, off_p50 = statistics.median(enforced), statistics.median(unchecked)
    added = on_p50 - off_p50
    print(
        f"  SDK call in a warm function (S3 GetObject), IAM enforced  p50 {on_p50:7.3f} ms"
        f"  p95 {percentile(enforced, 0.95):7.3f} ms  ({len(enforced)} calls)"
    )
    print(
        f"  same call, TETHER_LOCAL_IAM=off                   p50 {off_p50:7.3f} ms"
        f"  p95 {percentile(unchecked, 0.95):7.3f} ms  ({len(unchecked)} calls)"
    )
    print(
        f"  IAM enforcement adds                              {added:+7.3f} ms per call"
        f"  ({on_p50 / off_p50:.2f}x)"
    )
    print(
        "  the authorizer's decision alone                  "
        + ", ".join(f"{label} {cost:.1f} us" for label, cost in decisions.items())
    )
    checks = [
        (f"warm p50 < {TARGET_WARM_MS:.0f} ms", warm_p50 < TARGET_WARM_MS),
        (f"cold p50 < {TARGET_COLD_MS:.0f} ms", cold_p50 < TARGET_COLD_MS),
        (f"first invoke once live p50 < {TARGET_LIVE_MS:.0f} ms", live_p50 < TARGET_LIVE_MS),
        (f"`tether invoke` p50 < {TARGET_CLI_MS:.0f} ms", cli_p50 < TARGET_CLI_MS),
        (f"warm >= {TARGET_RATIO:.0f}x the baseline", ratio >= TARGET_RATIO),
        (f"all {MESSAGES} messages processed", all(done >= MESSAGES for done, _ in rounds)),
        (
            f"IAM adds < {TARGET_IAM_MS:.0f} ms per SDK call",
            added < TARGET_IAM_MS and max(decisions.values()) < TARGET_IAM_MS * 1000,
        ),
    ]
    print("  targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
