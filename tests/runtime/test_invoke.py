"""Invoking deployed functions on the local cloud behaves like Lambda, seen through boto3."""

from __future__ import annotations

import base64
import os
import re
import time
from pathlib import Path

import pytest

from tests.helpers import LEAKED_ENV
from tests.localcloud.helpers import Client
from tests.runtime.helpers import (
    deploy_project,
    invoke,
    make_project,
    object_body,
    stage,
    wait_for,
)
from tether.localcloud import LocalCloud, home_credentials
from tether.localcloud.credentials import function_credentials

PROJECT = """
name: rtbasic
resources:
  files: {type: s3.bucket}
functions:
  probe:
    handler: app/probe.handler
    memory: 256
    timeout: 10
    environment: {GREETING: hello}
    operations:
      - {resource: files, actions: ["s3:PutObject"]}
  sleeper:
    handler: app/sleeper.handler
    timeout: 1
  broken:
    handler: app/broken.handler
"""

PROBE = """
import json, logging, os, sys, time
import boto3

s3 = boto3.client("s3")
log = logging.getLogger()
log.setLevel(logging.INFO)
NAMES = [
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER", "AWS_REGION",
    "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "TZ", "GREETING",
    "FILES_BUCKET", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
]


def handler(event, context):
    action = event.get("action")
    print("probe says", event.get("marker", "-"))
    log.info("logged at info %s", event.get("marker", "-"))
    if action == "put":
        s3.put_object(Bucket=os.environ["FILES_BUCKET"], Key=event["key"], Body=event["body"])
        return {"stored": event["key"]}
    if action == "later":
        time.sleep(1)
        s3.put_object(Bucket=os.environ["FILES_BUCKET"], Key=event["key"], Body=b"late")
        return None
    if action == "raise":
        raise ValueError("no such order: " + str(event.get("order")))
    if action == "exit":
        sys.exit(3)
    if action == "unserialisable":
        return {"tags": {"a", "b"}}
    if action == "shout":
        print("x" * 3000)
        print("y" * 3000)
        return "ok"
    return {
        "env": {name: os.environ.get(name) for name in NAMES},
        "environ": sorted(os.environ),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
"""

SLEEPER = """
import os, time


def handler(event, context):
    time.sleep(event.get("seconds", 0))
    return {"pid": os.getpid()}
"""

BROKEN = """
import not_a_module_anywhere


def handler(event, context):
    return "never"
"""


@pytest.fixture(scope="module")
def basic(
    tmp_path_factory: pytest.TempPathFactory, cloud: LocalCloud, cloud_home: Path
) -> dict[str, str]:
    root = make_project(
        tmp_path_factory.mktemp("basic") / "rtbasic",
        PROJECT,
        {"app/probe.py": PROBE, "app/sleeper.py": SLEEPER, "app/broken.py": BROKEN},
    )
    name = stage()
    outputs = deploy_project(root, name, cloud_home)
    return {
        "probe": f"rtbasic-{name}-probe",
        "sleeper": f"rtbasic-{name}-sleeper",
        "broken": f"rtbasic-{name}-broken",
        "probe_arn": outputs["ProbeFunctionArn"],
        "bucket": outputs["FilesBucketName"],
    }


def test_invoke_returns_the_handlers_value_with_lambdas_environment_and_context(
    aws: Client, basic: dict[str, str], cloud: LocalCloud, cloud_home: Path
) -> None:
    result, response = invoke(aws("lambda"), basic["probe"], {})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    env, context = result["env"], result["context"]
    name = basic["probe"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert re.fullmatch(
        r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert env["_HANDLER"] == "app/probe.handler"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["LAMBDA_TASK_ROOT"] == result["cwd"] == result["path0"]
    assert env["TZ"] == ":UTC"
    assert env["GREETING"] == "hello"
    assert env["FILES_BUCKET"] == basic["bucket"]
    assert env["AWS_ENDPOINT_URL"] == cloud.endpoint
    # The function signs as itself: a key pair the local cloud issued for its ARN (never the
    # user's real credentials, nor the home's own key pair).
    issued = function_credentials(home_credentials(cloud_home), basic["probe_arn"])
    assert env["AWS_ACCESS_KEY_ID"] == issued.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] == issued.secret_access_key
    assert env["AWS_SESSION_TOKEN"] == issued.session_token
    assert env["AWS_ACCESS_KEY_ID"] != home_credentials(cloud_home).access_key_id
    # Built from scratch: nothing of the local cloud's own environment leaks in.
    assert env["AWS_ACCESS_KEY_ID"] != LEAKED_ENV["AWS_ACCESS_KEY_ID"]
    assert env["AWS_SECRET_ACCESS_KEY"] != LEAKED_ENV["AWS_SECRET_ACCESS_KEY"]
    assert "TETHER_TEST_PRIVATE" not in result["environ"]
    assert "TETHER_HOME" not in result["environ"]

    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == basic["probe_arn"]
    assert int(context["memory_limit_in_mb"]) == 256
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert re.fullmatch(r"[0-9a-f-]{36}", context["aws_request_id"])
    assert 0 < context["remaining"] <= 10_000


def test_the_functions_boto3_calls_land_in_the_local_cloud(
    aws: Client, basic: dict[str, str]
) -> None:
    result, _ = invoke(
        aws("lambda"), basic["probe"], {"action": "put", "key": "notes/a.txt", "body": "hi"}
    )
    assert result == {"stored": "notes/a.txt"}
    assert object_body(aws("s3"), basic["bucket"], "notes/a.txt") == b"hi"


def test_the_worker_stays_warm_between_invocations(aws: Client, basic: dict[str, str]) -> None:
    first, _ = invoke(aws("lambda"), basic["probe"], {})
    second, _ = invoke(aws("lambda"), basic["probe"], {})
    assert first["pid"] == second["pid"]
    assert first["context"]["aws_request_id"] != second["context"]["aws_request_id"]


def test_an_exception_is_returned_in_lambdas_error_shape(
    aws: Client, basic: dict[str, str]
) -> None:
    error, response = invoke(aws("lambda"), basic["probe"], {"action": "raise", "order": 7})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "no such order: 7"
    assert re.fullmatch(r"[0-9a-f-]{36}", error["requestId"])
    assert any(
        "in handler" in frame and "raise ValueError" in frame for frame in error["stackTrace"]
    )
    assert all("worker.py" not in frame for frame in error["stackTrace"])
    # The worker survives a handled exception.
    invoke(aws("lambda"), basic["probe"], {})


def test_a_result_that_is_not_json_is_a_marshal_error(aws: Client, basic: dict[str, str]) -> None:
    error, response = invoke(aws("lambda"), basic["probe"], {"action": "unserialisable"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"].startswith("Unable to marshal response: Object of type set")


def test_a_timeout_kills_the_worker_and_the_next_invoke_gets_a_new_one(
    aws: Client, basic: dict[str, str]
) -> None:
    lam = aws("lambda")
    before, _ = invoke(lam, basic["sleeper"], {"seconds": 0})
    started = time.monotonic()
    error, response = invoke(lam, basic["sleeper"], {"seconds": 5})
    assert 1.0 <= time.monotonic() - started < 3.0
    assert response["FunctionError"] == "Unhandled"
    assert set(error) == {"errorMessage"}
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds",
        error["errorMessage"],
    )
    after, response = invoke(lam, basic["sleeper"], {"seconds": 0})
    assert "FunctionError" not in response
    assert after["pid"] != before["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(before["pid"], 0)


def test_a_worker_that_exits_is_replaced(aws: Client, basic: dict[str, str]) -> None:
    lam = aws("lambda")
    before, _ = invoke(lam, basic["probe"], {})
    error, response = invoke(lam, basic["probe"], {"action": "exit"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        r"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3",
        error["errorMessage"],
    )
    after, response = invoke(lam, basic["probe"], {})
    assert "FunctionError" not in response
    assert after["pid"] != before["pid"]


def test_a_handler_that_cannot_be_imported_reports_lambdas_import_error(
    aws: Client, basic: dict[str, str]
) -> None:
    error, response = invoke(aws("lambda"), basic["broken"], {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert error["errorMessage"] == (
        "Unable to import module 'app/broken': No module named 'not_a_module_anywhere'"
    )


def test_event_invocations_return_202_at_once_and_run_in_the_background(
    aws: Client, basic: dict[str, str]
) -> None:
    s3, key = aws("s3"), f"later/{time.time_ns()}.txt"
    started = time.monotonic()
    response = aws("lambda").invoke(
        FunctionName=basic["probe"],
        InvocationType="Event",
        Payload=b'{"action": "later", "key": "%s"}' % key.encode(),
    )
    assert response["StatusCode"] == 202
    assert time.monotonic() - started < 0.9  # the function sleeps 1 s before it writes
    assert object_body(s3, basic["bucket"], key) is None
    assert wait_for(lambda: object_body(s3, basic["bucket"], key)) == b"late"


def test_dry_run_runs_nothing(aws: Client, basic: dict[str, str]) -> None:
    response = aws("lambda").invoke(FunctionName=basic["probe"], InvocationType="DryRun")
    assert response["StatusCode"] == 204


def test_logs_reach_cloudwatch_with_lambdas_start_end_and_report_lines(
    aws: Client, basic: dict[str, str]
) -> None:
    marker = f"marker-{time.time_ns()}"
    result, _ = invoke(aws("lambda"), basic["probe"], {"marker": marker})
    request_id = result["context"]["aws_request_id"]
    group, stream = f"/aws/lambda/{basic['probe']}", result["context"]["log_stream_name"]
    logs = aws("logs")

    def messages() -> list[str]:
        found = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
        return [e["message"] for e in found["events"]]

    lines = wait_for(lambda: [m for m in messages() if request_id in m or marker in m])
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST\n"
    assert f"probe says {marker}\n" in lines
    assert any(
        re.fullmatch(
            rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\t"
            rf"logged at info {marker}\n",
            line,
        )
        for line in lines
    )
    assert lines[-2] == f"END RequestId: {request_id}\n"
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: \d+ MB(\tInit Duration: \d+\.\d\d ms)?\n",
        lines[-1],
    )
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert stream in [s["logStreamName"] for s in streams]


def test_log_type_tail_returns_the_last_4_kb_of_the_invocations_log(
    aws: Client, basic: dict[str, str]
) -> None:
    lam = aws("lambda")
    response = lam.invoke(
        FunctionName=basic["probe"], Payload=b'{"marker": "tail"}', LogType="Tail"
    )
    log = base64.b64decode(response["LogResult"]).decode()
    assert log.startswith("START RequestId: ")
    assert "probe says tail\n" in log
    assert "\nEND RequestId: " in log and "\nREPORT RequestId: " in log

    response = lam.invoke(
        FunctionName=basic["probe"], Payload=b'{"action": "shout"}', LogType="Tail"
    )
    log_bytes = base64.b64decode(response["LogResult"])
    assert len(log_bytes) == 4096
    assert log_bytes.decode().endswith(" MB\n") and b"y" * 100 in log_bytes
    assert "LogResult" not in lam.invoke(FunctionName=basic["probe"], Payload=b"{}")


def test_a_payload_that_is_not_json_is_refused(aws: Client, basic: dict[str, str]) -> None:
    lam = aws("lambda")
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName=basic["probe"], Payload=b"{not json")


def test_a_missing_handler_function_is_lambdas_handler_not_found(
    aws: Client, basic: dict[str, str]
) -> None:
    lam = aws("lambda")
    role = lam.get_function_configuration(FunctionName=basic["probe"])["Role"]
    code = _zip({"app/probe.py": "def other(event, context):\n    return 1\n"})
    name = f"{basic['probe']}-nohandler"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app/probe.handler",
        Code={"ZipFile": code},
    )
    error, response = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.HandlerNotFound"
    assert error["errorMessage"] == "Handler 'handler' missing on module 'app/probe'"


def _zip(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_layers_are_on_the_path_after_the_code(aws: Client, basic: dict[str, str]) -> None:
    lam = aws("lambda")
    layer = lam.publish_layer_version(
        LayerName=f"{basic['probe']}-lib",
        Content={"ZipFile": _zip({"python/greetings.py": "WORD = 'from the layer'\n"})},
    )["LayerVersionArn"]
    role = lam.get_function_configuration(FunctionName=basic["probe"])["Role"]
    code = "import greetings\n\ndef handler(event, context):\n    return greetings.WORD\n"
    name = f"{basic['probe']}-layered"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app/uses.handler",
        Code={"ZipFile": _zip({"app/uses.py": code})},
        Layers=[layer],
    )
    result, response = invoke(lam, name, {})
    assert "FunctionError" not in response
    assert result == "from the layer"
