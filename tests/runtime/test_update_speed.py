"""An update is live only once the new code can answer without a cold start.

After a code update of a function in use, the new version's first worker starts at once
(`prewarm`: code unpacked, handler imported); until it has, the version is `updating`, the local
cloud reports `LastUpdateStatus: InProgress`, UpdateFunctionCode has not answered yet, and a
quick deploy (so `tether dev`) waits. So the first request after "live" is served by that
worker, whose import is already done. The
handlers here sleep while they are imported and write their pid to a file when done: what the
tests check is the order of events, never how fast a shared machine was.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import pytest

from tests.localcloud.helpers import Client
from tests.runtime.helpers import deploy_project, make_project, stage, wait_for
from tests.runtime.helpers import invoke as call
from tests.runtime.test_prewarm import marked, pids
from tests.runtime.test_workers import spec
from tether import load_project
from tether.deploy.pipeline import deploy
from tether.localcloud import LocalCloud
from tether.runtime import Runtime

SLOW_IMPORT = 1.0  # seconds a handler module sleeps while it is imported


def test_a_version_is_updating_until_its_prewarmed_worker_has_imported_the_handler(
    runtime: Runtime, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    function = spec({"app/main.py": marked(marks, "ANSWER = 1", delay=0.5)})
    assert not runtime.updating(function.arn)
    assert runtime.prewarm(function)
    assert runtime.updating(function.arn)  # from the moment the update is answered
    wait_for(lambda: not runtime.updating(function.arn))
    assert len(pids(marks)) == 1  # the import was done when it stopped updating
    result = runtime.invoke(function, "{}")
    assert json.loads(result.payload) == {"pid": pids(marks)[0], "answer": 1}


def test_a_version_whose_first_worker_an_invocation_starts_is_updating_meanwhile(
    runtime: Runtime, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    function = spec({"app/main.py": marked(marks, "ANSWER = 1", delay=0.5)})
    answers: list[str] = []
    invoking = threading.Thread(
        target=lambda: answers.append(runtime.invoke(function, "{}").payload)
    )
    invoking.start()
    wait_for(lambda: runtime.updating(function.arn))  # the cold start, under way
    invoking.join(timeout=30)
    assert not runtime.updating(function.arn)
    assert json.loads(answers[0])["pid"] == pids(marks)[0]


PROJECT = """
name: rtlive
functions:
  live:
    handler: app/live.handler
"""


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_update_function_code_answers_once_the_new_code_can_answer(
    aws: Client, tmp_path: Path, cloud: LocalCloud, cloud_home: Path
) -> None:
    marks = tmp_path / "marks"
    root = make_project(tmp_path / "rtlive", PROJECT, {"app/live.py": marked(marks, "ANSWER = 1")})
    name = stage()
    deploy_project(root, name, cloud_home)
    function, lam = f"rtlive-{name}-live", aws("lambda")
    call(lam, function)  # the function is in use: an update starts its new worker at once

    slow = marked(marks, "ANSWER = 2", delay=SLOW_IMPORT)
    answers: list[dict[str, object]] = []
    updating = threading.Thread(
        target=lambda: answers.append(
            lam.update_function_code(
                FunctionName=function,
                ZipFile=zipped({"app/__init__.py": "", "app/live.py": slow}),
            )
        )
    )
    updating.start()
    # meanwhile the function says its update is in progress, as on AWS
    wait_for(
        lambda: (
            lam.get_function_configuration(FunctionName=function)["LastUpdateStatus"]
            == "InProgress"
        ),
        timeout=30,
    )
    updating.join(timeout=60)
    assert answers[0]["LastUpdateStatus"] == "Successful"
    ready = pids(marks)
    assert len(ready) == 2  # the new code was imported before the update was answered
    config = lam.get_function_configuration(FunctionName=function)
    assert config["LastUpdateStatus"] == "Successful"
    answer, _ = call(lam, function)
    assert answer == {"pid": ready[1], "answer": 2}  # served by that worker: no cold start
    assert len(pids(marks)) == 2


def test_a_quick_deploy_returns_once_the_new_code_can_answer(
    aws: Client, tmp_path: Path, cloud: LocalCloud, cloud_home: Path
) -> None:
    marks = tmp_path / "marks"
    root = make_project(tmp_path / "rtlive", PROJECT, {"app/live.py": marked(marks, "ANSWER = 1")})
    name = stage()
    deploy_project(root, name, cloud_home)
    function, lam = f"rtlive-{name}-live", aws("lambda")
    call(lam, function)

    (root / "app" / "live.py").write_text(marked(marks, "ANSWER = 2", delay=SLOW_IMPORT))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(cloud_home))
        result = deploy(load_project(root), stage=name, target="local")
    assert result.path == "quick"
    assert result.seconds >= SLOW_IMPORT  # it waited for the import
    ready = pids(marks)
    assert len(ready) == 2
    answer, _ = call(lam, function)
    assert answer == {"pid": ready[1], "answer": 2}
