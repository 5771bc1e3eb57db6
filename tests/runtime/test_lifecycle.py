"""Warm workers follow deploys and load: a redeploy serves the new code, parallel invokes run
in parallel up to the concurrency limit, and more wait their turn."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.localcloud.helpers import Client
from tests.runtime.helpers import deploy_project, invoke, make_project, stage, wait_for
from tether.localcloud import LocalCloud

PROJECT = """
name: rtlife
functions:
  version:
    handler: app/version.handler
  nap:
    handler: app/nap.handler
    timeout: 5
"""

VERSION = """
import os

VERSION = {version}


def handler(event, context):
    return {{"version": VERSION, "pid": os.getpid()}}
"""

NAP = """
import os, time


def handler(event, context):
    started = time.time()
    time.sleep(event["seconds"])
    return {"pid": os.getpid(), "started": started}
"""


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_redeploy_with_changed_code_serves_the_new_code_and_retires_the_old_worker(
    aws: Client, tmp_path: Path, cloud: LocalCloud, cloud_home: Path
) -> None:
    root = make_project(
        tmp_path / "rtlife",
        PROJECT,
        {"app/version.py": VERSION.format(version=1), "app/nap.py": NAP},
    )
    name = stage()
    deploy_project(root, name, cloud_home)
    function, lam = f"rtlife-{name}-version", aws("lambda")
    first, _ = invoke(lam, function)
    assert first["version"] == 1

    (root / "app" / "version.py").write_text(VERSION.format(version=2))
    deploy_project(root, name, cloud_home)
    assert wait_for(lambda: gone(first["pid"]), timeout=5)  # retired by the deploy itself
    second, _ = invoke(lam, function)
    assert second["version"] == 2
    assert second["pid"] != first["pid"]

    lam.update_function_configuration(FunctionName=function, Environment={"Variables": {"A": "b"}})
    assert wait_for(lambda: gone(second["pid"]), timeout=5)
    third, _ = invoke(lam, function)
    assert third["version"] == 2 and third["pid"] != second["pid"]


@pytest.fixture(scope="module")
def napper(tmp_path_factory: pytest.TempPathFactory, cloud: LocalCloud, cloud_home: Path) -> str:
    root = make_project(
        tmp_path_factory.mktemp("life") / "rtlife",
        PROJECT,
        {"app/version.py": VERSION.format(version=1), "app/nap.py": NAP},
    )
    name = stage()
    deploy_project(root, name, cloud_home)
    return f"rtlife-{name}-nap"


def parallel(aws: Client, function: str, count: int, seconds: float) -> tuple[float, list[int]]:
    lam = aws("lambda")
    started = time.monotonic()
    with ThreadPoolExecutor(count) as pool:
        results = list(
            pool.map(lambda _: invoke(lam, function, {"seconds": seconds})[0], range(count))
        )
    return time.monotonic() - started, [r["pid"] for r in results]


def test_parallel_invokes_run_in_parallel_up_to_the_concurrency_limit(
    aws: Client, napper: str
) -> None:
    parallel(aws, napper, 4, 0.0)  # start the 4 workers (the default limit)
    elapsed, pids = parallel(aws, napper, 4, 1.0)
    assert elapsed < 1.8, f"4 invokes of a 1 s handler took {elapsed:.2f} s"
    assert len(set(pids)) == 4


def test_invokes_beyond_the_limit_wait_for_a_worker(aws: Client, napper: str) -> None:
    elapsed, pids = parallel(aws, napper, 5, 0.6)
    assert 1.2 <= elapsed < 2.5, f"5 invokes of a 0.6 s handler took {elapsed:.2f} s"
    assert len(set(pids)) == 4  # never more workers than the limit
