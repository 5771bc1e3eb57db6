"""Starting workers ahead: the new version's first worker right after an update (`prewarm`),
and the spare process with boto3 already imported that new workers start from."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.localcloud.helpers import Client
from tests.runtime.helpers import deploy_project, make_project, stage, wait_for
from tests.runtime.helpers import invoke as call
from tests.runtime.test_workers import spec
from tether.localcloud import LocalCloud
from tether.runtime import FunctionSpec, Runtime, spare
from tether.runtime.environment import PLACEHOLDER_CREDENTIALS
from tether.runtime.pool import Pool
from tether.runtime.process import WorkerProcess


def marked(marks: Path, body: str = "", *, delay: float = 0.0) -> str:
    """A handler module that appends its pid to `marks` when imported (once per worker)."""
    return (
        "import os, time\n"
        f"time.sleep({delay})\n"
        f"with open({str(marks)!r}, 'a') as f:\n"
        "    f.write(f'{os.getpid()}\\n')\n"
        "print('init output of', os.getpid())\n"
        f"{body}\n"
        "def handler(event, context):\n"
        "    return {'pid': os.getpid(), 'answer': ANSWER}\n"
    )


def pids(marks: Path) -> list[int]:
    return [int(line) for line in marks.read_text().split()] if marks.exists() else []


def invoke(runtime: Runtime, function: FunctionSpec) -> tuple[dict[str, object], str]:
    result = runtime.invoke(function, "{}")
    payload: dict[str, object] = json.loads(result.payload)
    return payload, result.log


def test_an_invoke_during_the_prewarm_waits_for_that_worker_and_logs_its_init(
    runtime: Runtime, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    function = spec({"app/main.py": marked(marks, "ANSWER = 2", delay=0.5)})
    assert runtime.prewarm(function)
    assert not runtime.prewarm(function)  # one worker coming is enough
    payload, log = invoke(runtime, function)  # arrives while the import sleeps
    assert payload["answer"] == 2
    assert pids(marks) == [payload["pid"]]  # no second, cold worker was started
    assert f"init output of {payload['pid']}\n" in log
    assert log.index("init output") < log.index("START")
    report = log[log.index("REPORT") :]
    assert "Init Duration: " in report
    assert float(report.split("Init Duration: ")[1].split(" ms")[0]) >= 500
    again, log = invoke(runtime, function)
    assert again["pid"] == payload["pid"] and "Init Duration" not in log


def test_a_prewarmed_worker_that_is_ready_serves_the_first_invoke(
    runtime: Runtime, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    function = spec({"app/main.py": marked(marks, "ANSWER = 3")})
    assert runtime.prewarm(function)
    wait_for(lambda: runtime.registry.pool_for(function)._idle)
    [pid] = pids(marks)
    payload, log = invoke(runtime, function)
    assert payload == {"pid": pid, "answer": 3}
    assert "init output of" in log and "Init Duration" in log


def test_init_errors_of_a_prewarmed_version_are_reported_as_without_prewarm(
    runtime: Runtime,
) -> None:
    code = "def handler(event, context)\n    return 1\n"
    first = spec({"app/main.py": code})
    updated = spec({"app/main.py": code + "# a new version, as broken\n"})
    cold = runtime.invoke(first, "{}")
    expected = json.loads(cold.payload.replace(first.code.sha256, updated.code.sha256))
    assert runtime.prewarm(updated)
    warmed = runtime.invoke(updated, "{}")
    assert warmed.function_error == cold.function_error == "Unhandled"
    assert json.loads(warmed.payload) == expected
    assert json.loads(warmed.payload)["errorType"] == "Runtime.UserCodeSyntaxError"
    assert "Runtime.UserCodeSyntaxError" in warmed.log and "Init Duration" in warmed.log
    again = runtime.invoke(updated, "{}")  # the failed worker is gone: reported again
    assert json.loads(again.payload) == expected


def test_code_that_cannot_be_unpacked_is_reported_by_the_invoke(runtime: Runtime) -> None:
    function = spec({"app/main.py": ""})
    bad = FunctionSpec(
        **{**function.__dict__, "code": type(function.code)("0" * 64, lambda: b"not a zip")}
    )
    assert runtime.prewarm(bad)
    result = runtime.invoke(bad, "{}")
    assert json.loads(result.payload)["errorType"] == "Runtime.InvalidCode"


def test_a_checkout_waits_for_a_warming_worker_only_one_per_worker() -> None:
    made: list[WorkerProcess] = []

    def factory(_: FunctionSpec) -> WorkerProcess:
        made.append(WorkerProcess(log_stream="s"))
        return made[-1]

    pool = Pool(spec({"app/main.py": ""}), 4, factory)
    warming = pool.reserve()
    assert warming is not None and pool.reserve() is None
    got: list[WorkerProcess] = []
    waiter = threading.Thread(target=lambda: got.append(pool.checkout()))
    waiter.start()
    time.sleep(0.1)
    assert not got  # waiting for the warming worker
    other = pool.checkout()  # a second invoke does not wait for the same worker
    assert other is not warming
    pool.warmed(warming)
    waiter.join(5)
    assert got == [warming] and pool.size() == 2

    fails = Pool(spec({"app/main.py": ""}), 4, factory)
    coming = fails.reserve()
    waiter = threading.Thread(target=lambda: got.append(fails.checkout()))
    waiter.start()
    time.sleep(0.1)
    fails.warmed(None)  # it could not be started: the waiter makes its own
    waiter.join(5)
    assert got[-1] is not coming and fails.size() == 1


# the spare process ---------------------------------------------------------------------------

PROBE = """
import os, sys

PRELOADED = "boto3" in sys.modules and "botocore.session" in sys.modules
import boto3

SESSION_BEFORE = boto3.DEFAULT_SESSION
CLIENT_REGION = boto3.client("s3").meta.region_name


def handler(event, context):
    return {
        "pid": os.getpid(),
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "path": sys.path[:2],
        "preloaded": PRELOADED,
        "fresh_session": SESSION_BEFORE is None,
        "region": CLIENT_REGION,
        "boto3": getattr(boto3, "BUNDLED", None),
    }
"""


def probe_spec(
    name: str, environment: dict[str, str], files: dict[str, str] | None = None
) -> FunctionSpec:
    base = spec({"app/main.py": PROBE, **(files or {})})
    arn = base.arn.rsplit(":", 1)[0] + f":{name}"
    return FunctionSpec(**{**base.__dict__, "arn": arn, "name": name, "environment": environment})


def ready_spare(runtime: Runtime) -> int:
    runtime.spare.refill()
    return wait_for(lambda: runtime.spare.pid)


def comparable(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "AWS_LAMBDA_LOG_STREAM_NAME"}


def test_a_worker_from_the_spare_is_exactly_a_fresh_worker(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALUSERKEY00000")  # the user's: never seen
    monkeypatch.setenv("TETHER_TEST_PRIVATE", "private-to-the-local-cloud")
    first = probe_spec("first", {"FIRST_SECRET": "only-for-first"})
    second = probe_spec("second", {"SECOND": "2"})
    spare_pid = ready_spare(runtime)
    one, _ = invoke(runtime, first)
    assert one["pid"] == spare_pid and one["preloaded"]
    spare_pid = ready_spare(runtime)  # refilled
    two, _ = invoke(runtime, second)
    assert two["pid"] == spare_pid

    runtime.spare.close()  # from now on: fresh processes only
    runtime.retire(second.arn)
    fresh, _ = invoke(runtime, second)
    assert fresh["pid"] != spare_pid and not fresh["preloaded"]

    env = two["env"]
    assert isinstance(env, dict)
    assert comparable(env) == comparable(fresh["env"])  # type: ignore[arg-type]
    assert "FIRST_SECRET" not in env and env["SECOND"] == "2"
    assert "TETHER_TEST_PRIVATE" not in env
    assert env["AWS_ACCESS_KEY_ID"] == PLACEHOLDER_CREDENTIALS["AWS_ACCESS_KEY_ID"]  # none given
    assert one["env"]["FIRST_SECRET"] == "only-for-first"  # type: ignore[index]
    for key in ("cwd", "path", "fresh_session", "region"):
        assert two[key] == fresh[key], key
    assert two["fresh_session"] is True and two["region"] == "us-east-1"
    assert str(two["cwd"]).startswith(str(tmp_path / "home"))
    assert two["path"][0] == two["cwd"]  # type: ignore[index]


def test_a_function_bundling_boto3_imports_its_own(runtime: Runtime) -> None:
    own = {
        "boto3/__init__.py": "BUNDLED = 'mine'\nDEFAULT_SESSION = None\n"
        "def client(name):\n    import types\n"
        "    return types.SimpleNamespace(meta=types.SimpleNamespace(region_name='own'))\n"
    }
    function = probe_spec("bundles", {}, own)
    spare_pid = ready_spare(runtime)
    payload, _ = invoke(runtime, function)
    assert payload["boto3"] == "mine" and payload["pid"] != spare_pid
    assert runtime.spare.pid == spare_pid  # left for a function it fits


def test_the_spare_fits_only_functions_it_makes_no_difference_to(tmp_path: Path) -> None:
    assert spare.fits({"TABLE": "t", "AWS_X": "1"}, [str(tmp_path)])
    for name in ("PYTHONPATH", "PYTHONHASHSEED", "LANG", "LC_ALL", "HOME", "BOTO_DISABLE_CRT"):
        assert not spare.fits({name: "x"}, [str(tmp_path)])
    (tmp_path / "layer").mkdir()
    (tmp_path / "layer" / "six.py").write_text("")
    assert not spare.fits({}, [str(tmp_path), str(tmp_path / "layer")])


def test_the_preloaded_packages_are_all_named() -> None:
    """`spare.PRELOADED` lists every third-party package `worker.PRELOAD` imports."""
    script = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {os.path.dirname(spare.__file__)!r})\n"
        "import worker\n"
        "before = set(sys.modules)\n"
        "worker.preload()\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(sorted(new - set(sys.stdlib_module_names) - {'_tether_runtime_protocol', '__mp_main__'}))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    assert set(json.loads(output.replace("'", '"'))) <= set(spare.PRELOADED)


# through the local cloud -----------------------------------------------------------------------

PROJECT = """
name: rtwarm
functions:
  live:
    handler: app/live.handler
"""


def test_a_code_update_of_a_function_in_use_starts_its_new_worker_at_once(
    aws: Client, tmp_path: Path, cloud: LocalCloud, cloud_home: Path
) -> None:
    marks = tmp_path / "marks"
    root = make_project(tmp_path / "rtwarm", PROJECT, {"app/live.py": marked(marks, "ANSWER = 1")})
    name = stage()
    deploy_project(root, name, cloud_home)
    function, lam = f"rtwarm-{name}-live", aws("lambda")
    first, _ = call(lam, function, {}, LogType="Tail")
    assert first["answer"] == 1 and pids(marks) == [first["pid"]]

    (root / "app" / "live.py").write_text(marked(marks, "ANSWER = 2"))
    deploy_project(root, name, cloud_home)
    started = wait_for(lambda: pids(marks)[1:])  # before any invoke of the new code
    second, response = call(lam, function, {}, LogType="Tail")
    assert second == {"pid": started[0], "answer": 2}
    log = base64.b64decode(response["LogResult"]).decode()
    assert f"init output of {second['pid']}" in log and "Init Duration" in log
    assert len(pids(marks)) == 2

    broken = "import no_such_module_anywhere\n\n\ndef handler(event, context):\n    return 1\n"
    (root / "app" / "live.py").write_text(broken)
    deploy_project(root, name, cloud_home)
    error, response = call(lam, function, {}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "no_such_module_anywhere" in error["errorMessage"]
    assert "Init Duration" in base64.b64decode(response["LogResult"]).decode()


DATA_PATH_PROBE = """
import os
import boto3

DYNAMODB = boto3.client("dynamodb").meta.service_model.service_id
OWN = None
if os.environ.get("AWS_DATA_PATH"):
    OWN = boto3.client("tetherdemo", endpoint_url="http://127.0.0.1:1").meta.service_model.service_id


def handler(event, context):
    return {"pid": os.getpid(), "dynamodb": DYNAMODB, "own": OWN}
"""

DEMO_MODEL = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "tetherdemo",
        "protocol": "json",
        "jsonVersion": "1.1",
        "serviceId": "TetherDemo",
        "signatureVersion": "v4",
        "targetPrefix": "TetherDemo",
        "uid": "tetherdemo-2020-01-01",
    },
    "operations": {},
    "shapes": {},
}


def test_a_worker_from_the_spare_reads_sdk_data_from_the_function_s_own_data_path(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The spare reads botocore's data ahead for the clients its function will make; a
    function whose AWS_DATA_PATH adds models of its own still finds them."""
    models = tmp_path / "models"
    (models / "tetherdemo" / "2020-01-01").mkdir(parents=True)
    (models / "tetherdemo" / "2020-01-01" / "service-2.json").write_text(json.dumps(DEMO_MODEL))
    base = spec({"app/main.py": DATA_PATH_PROBE})
    arn = base.arn.rsplit(":", 1)[0]

    def probe(name: str, environment: dict[str, str]) -> FunctionSpec:
        return FunctionSpec(
            **{**base.__dict__, "arn": f"{arn}:{name}", "name": name, "environment": environment}
        )

    spare_pid = ready_spare(runtime)
    plain, _ = invoke(runtime, probe("plain", {}))
    assert plain == {"pid": spare_pid, "dynamodb": "DynamoDB", "own": None}
    spare_pid = ready_spare(runtime)
    own, _ = invoke(runtime, probe("own-models", {"AWS_DATA_PATH": str(models)}))
    assert own == {"pid": spare_pid, "dynamodb": "DynamoDB", "own": "TetherDemo"}
