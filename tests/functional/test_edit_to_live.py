"""The edit loop as a user feels it: a save is live in `tether dev` only once the new code
answers without a cold start, and `tether invoke` on the local cloud starts without boto3.

What is checked is the order of events and what ran where, never how fast this machine was:
the edited handler sleeps while it is imported and writes its pid to a file when done.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.functional.test_cli_invoke import deploy
from tests.functional.test_dev import lines_of, start_dev, stop, wait_for
from tests.helpers import tether

SLOW_IMPORT = 1.5  # seconds the edited handler module sleeps while it is imported

# Appended to photos' app/api.py: a slow import that leaves a mark, and the worker's pid in
# every answer.
SLOW_TAIL = """

import time as _time

_time.sleep({delay})
with open({marks!r}, "a") as _marks:
    _marks.write(f"{{os.getpid()}}\\n")
_answer = handler


def handler(event, context):
    answer = _answer(event, context)
    answer["headers"]["x-worker-pid"] = str(os.getpid())
    return answer
"""


def get(url: str) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read().decode()
    finally:
        connection.close()


def marked(marks: Path) -> list[str]:
    return marks.read_text().split() if marks.exists() else []


def test_dev_says_live_once_the_new_code_answers_without_a_cold_start(
    local_cloud: str, photos_copy: Path, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    process = start_dev(photos_copy, "edlive")
    try:
        found = lines_of(process)
        url = wait_for(found, "http api web: ").split(": ", 1)[1].strip().rstrip("/")
        wait_for(found, "watching")
        assert get(f"{url}/orders/x")[0] == 404  # the function is in use

        api = photos_copy / "app" / "api.py"
        edited = api.read_text().replace("not found", "not found (edited)")
        api.write_text(edited + SLOW_TAIL.format(delay=SLOW_IMPORT, marks=str(marks)))
        line = wait_for(found, "app/api.py")
        ready = marked(marks)  # as `dev` says the save is live
        assert " app/api.py: api live (quick) in " in line, line
        assert len(ready) == 1  # the new code was imported before
        said = re.search(r"in (\d+) ms from save", line)
        assert said is not None and int(said.group(1)) >= SLOW_IMPORT * 1000  # it is counted

        status, headers, body = get(f"{url}/orders/x")
        assert status == 404 and "not found (edited)" in body
        assert headers["x-worker-pid"] == ready[0]  # the worker started ahead served it
        assert marked(marks) == ready  # and no other one was started
    finally:
        stop(process)


def test_invoke_on_the_local_cloud_runs_without_boto3_and_keeps_its_messages(
    local_cloud: str, photos_copy: Path
) -> None:
    deploy(photos_copy, "edinv")
    command = ["invoke", "api", "--stage", "edinv", "--event", "events/get-order.json"]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tether.cli.main", *command],
        cwd=photos_copy,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == 404
    assert "START RequestId" in result.stderr and "REPORT RequestId" in result.stderr
    imported = [
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "tether.invoke.invoker" in imported
    assert [name for name in imported if name.split(".")[0] in {"boto3", "botocore"}] == []

    # what the command cannot do without the stage it still says as before
    missing = tether("invoke", "apii", "--stage", "edinv", cwd=photos_copy)
    assert missing.returncode == 1
    assert "error: no function 'apii' in tether.yaml" in missing.stderr
    assert "hint: functions: resize, api, worker, notify, report" in missing.stderr
    undeployed = tether("invoke", "api", "--stage", "nowhere", cwd=photos_copy)
    assert undeployed.returncode == 1
    assert "error: stage 'nowhere' is not deployed on the local cloud at " in undeployed.stderr
    assert "hint: run `tether deploy --stage nowhere` first" in undeployed.stderr


def test_the_signature_of_the_boto3_free_invoke_is_botocores() -> None:
    """The local cloud's gate recomputes signatures with botocore: the standard library's
    signing (`tether.localcloud.client.sign`) must give the same, whatever the path and query."""
    from datetime import UTC, datetime

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from tether.localcloud.client import sign
    from tether.localcloud.credentials import LocalCredentials

    url = (
        "http://127.0.0.1:4599/2015-03-31/functions/app-dev-api/invocations"
        "?Qualifier=%24LATEST&a=b%20c"
    )
    body = b'{"key": "value"}'
    headers = {"Content-Type": "application/json", "X-Amz-Log-Type": "Tail"}
    for token in (None, "tether1-session"):
        keys = LocalCredentials("AKIAEXAMPLEEXAMPLE00", "secret/with+signs", token)
        theirs = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
        SigV4Auth(
            Credentials(keys.access_key_id, keys.secret_access_key, token), "lambda", "eu-west-1"
        ).add_auth(theirs)
        when = datetime.strptime(theirs.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        ours = sign(
            "POST",
            url,
            body=body,
            headers=headers,
            credentials=keys,
            service="lambda",
            region="eu-west-1",
            now=when,
        )
        assert ours["Authorization"] == theirs.headers["Authorization"]
