"""Errors from AWS never crash Tether: each is retried when AWS says it may be, and otherwise
reported as a message with a hint (exit 1), never a traceback. Errors are injected into real
calls to the local cloud (see `faults`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from botocore.retries import standard

from tests.functional.faults import Fault, inject
from tests.functional.tiny import answer, cloud, project, say, write_tiny
from tether.cloud.session import CloudError
from tether.deploy import quick
from tether.deploy.pipeline import deploy
from tether.invoke.invoker import invoke
from tether.invoke.target import deployed_stage


@pytest.fixture
def tiny(tmp_path: Path, local_cloud: str) -> Path:
    return write_tiny(tmp_path / "tiny")


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays botocore's retries wait (scaled down 100x here so the tests stay quick)."""
    delays: list[float] = []
    real = standard.ExponentialBackoff.delay_amount

    def recorded(self: Any, context: Any) -> float:
        delay = float(real(self, context))
        delays.append(delay)
        return delay / 100

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", recorded)
    return delays


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ServiceException", 500),
        ("TooManyRequestsException", 429),
        ("ResourceNotReadyException", 502),
    ],
)
def test_invoke_errors_are_retried_with_backoff(
    tiny: Path, backoffs: list[float], code: str, status: int
) -> None:
    deploy(project(tiny), stage="inv", target="local")
    stage = deployed_stage(project(tiny), stage="inv", target="local")
    with inject(stage.cloud, "lambda", "Invoke", Fault(code, status, times=2)) as fault:
        result = invoke(stage, "alpha", {})
    assert result.result == "one" and not result.failed
    assert len(fault.seen) == 2 and fault.calls == 3
    assert len(backoffs) == 2 and all(delay >= 0 for delay in backoffs)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ServiceException", 500),
        ("TooManyRequestsException", 429),
        ("ResourceNotReadyException", 502),
    ],
)
def test_invoke_errors_that_persist_are_a_message_not_a_crash(
    tiny: Path, backoffs: list[float], code: str, status: int
) -> None:
    deploy(project(tiny), stage="inv2", target="local")
    stage = deployed_stage(project(tiny), stage="inv2", target="local")
    with (
        inject(stage.cloud, "lambda", "Invoke", Fault(code, status, times=-1)) as fault,
        pytest.raises(CloudError) as failed,
    ):
        invoke(stage, "alpha", {})
    assert fault.calls == 5  # retried, then given up
    assert failed.value.code == code
    assert (
        f"failed Invoke ({code}: injected {code}), still after 5 attempts" in failed.value.message
    )
    assert "try again" in failed.value.hint


def test_remote_patching_that_fails_falls_back_to_a_local_patch_and_says_why(
    tiny: Path, backoffs: list[float]
) -> None:
    (tiny / "app" / "blob.bin").write_bytes(os.urandom(6 * 1024 * 1024))  # a zip over 5 MB
    deploy(project(tiny), stage="fallback", target="local")
    say(tiny, "alpha", "two")
    said: list[str] = []
    with inject(cloud(tiny), "lambda", "Invoke", Fault("ServiceException", 500, times=-1)):
        result = deploy(project(tiny), stage="fallback", target="local", say=said.append)
    assert (result.path, result.patched) == ("quick", "local")
    assert any(
        line.startswith("remote patching failed (")
        and "ServiceException" in line
        and line.endswith("uploading the patched zip instead")
        for line in said
    ), said
    assert answer(tiny, "fallback", "alpha") == "two"


def test_auto_patching_decides_on_the_size_of_the_zip_being_deployed(tiny: Path) -> None:
    deploy(project(tiny), stage="grow", target="local")  # a small zip: under the threshold
    (tiny / "app" / "blob.bin").write_bytes(os.urandom(6 * 1024 * 1024))
    result = deploy(project(tiny), stage="grow", target="local")
    assert result.path == "quick"
    assert result.patched == "remote"  # the new zip is over 5 MB
    assert result.sent_bytes > quick.REMOTE_PATCH_THRESHOLD  # the new file itself is sent
    assert answer(tiny, "grow", "alpha") == "one"


def test_an_execute_change_set_error_is_a_message_and_changes_nothing(
    tiny: Path, backoffs: list[float]
) -> None:
    deploy(project(tiny), stage="exec", target="local")
    (tiny / "tether.yaml").write_text(
        (tiny / "tether.yaml")
        .read_text()
        .replace("handler: app/beta.handler", "handler: app/beta.handler\n    memory: 640")
    )
    fault = Fault("InvalidChangeSetStatus", 400, times=-1)
    with (
        inject(cloud(tiny), "cloudformation", "ExecuteChangeSet", fault),
        pytest.raises(CloudError) as failed,
    ):
        deploy(project(tiny), stage="exec", target="local")
    assert "refused ExecuteChangeSet (InvalidChangeSetStatus: injected InvalidChangeSetStatus)" in (
        failed.value.message
    )
    lam = cloud(tiny).client("lambda")
    assert lam.get_function_configuration(FunctionName="tiny-exec-beta")["MemorySize"] == 256
    result = deploy(project(tiny), stage="exec", target="local")  # and the next one goes through
    assert result.path == "full"
    assert lam.get_function_configuration(FunctionName="tiny-exec-beta")["MemorySize"] == 640


def test_throttled_stack_reads_are_retried_and_the_deploy_goes_through(
    tiny: Path, backoffs: list[float]
) -> None:
    fault = Fault("Throttling", 400, times=3)
    with inject(cloud(tiny), "cloudformation", "DescribeStacks", fault):
        result = deploy(project(tiny), stage="throttle", target="local")
    assert result.path == "full" and len(fault.seen) == 3
    assert answer(tiny, "throttle", "beta") == "one"
