"""Function code, read and set directly: what each function runs now (its live CodeSha256), and
UpdateFunctionCode for many functions at once, each polled until the new code is live.

The quick path updates the functions a change affects; the full path uses the same calls to
check, after CloudFormation is done, that every function runs the code the files describe, and
to bring back any that does not (code deployed from elsewhere, or left behind by a failed or
interrupted quick deploy). CloudFormation cannot do that part: it changes a function's code only
when the template's reference to the code changes.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tether.cloud import Cloud
from tether.errors import TetherError

MAX_PARALLEL = 8
POLL_SECONDS = 0.1
UPDATE_TIMEOUT = 120.0

T = TypeVar("T")


def live_code(cloud: Cloud, names: dict[str, str]) -> dict[str, str | None]:
    """The sha256 (hex) of the code each function runs now; None for a function that is gone."""

    def read(function: str) -> str | None:
        lam = cloud.client("lambda")
        with cloud.guard():
            try:
                config = lam.get_function_configuration(FunctionName=names[function])
            except lam.exceptions.ResourceNotFoundException:
                return None
        return base64.b64decode(config["CodeSha256"]).hex()

    return _each(names, read)


def update_all(cloud: Cloud, names: dict[str, str], bucket: str, key: str) -> dict[str, str]:
    """UpdateFunctionCode for every function at once (bounded), each polled until live;
    returns {function: why it failed} for those that could not be updated."""

    def update(function: str) -> str | None:
        lam = cloud.client("lambda")
        try:
            with cloud.guard():
                _update_code(lam, names[function], bucket, key)
                deadline = time.monotonic() + UPDATE_TIMEOUT
                while time.monotonic() < deadline:
                    config = lam.get_function_configuration(FunctionName=names[function])
                    status = config.get("LastUpdateStatus", "Successful")
                    if status == "Successful":
                        return None
                    if status == "Failed":
                        return str(config.get("LastUpdateStatusReason", "update failed"))
                    time.sleep(POLL_SECONDS)
            return f"not live after {UPDATE_TIMEOUT:.0f} s"
        except TetherError as exc:
            return exc.message
        except Exception as exc:
            return str(exc)

    results = _each(names, update)
    return {function: reason for function, reason in results.items() if reason is not None}


def _each(names: dict[str, str], work: Callable[[str], T]) -> dict[str, T]:
    if not names:
        return {}
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(names))) as pool:
        return dict(zip(sorted(names), pool.map(work, sorted(names)), strict=True))


def _update_code(lam: Any, name: str, bucket: str, key: str) -> None:
    """UpdateFunctionCode, waiting out an update of the function that is still in progress
    (Lambda refuses a second one with ResourceConflictException until the first is done)."""
    delay = 0.1
    deadline = time.monotonic() + UPDATE_TIMEOUT
    while True:
        try:
            lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key=key)
            return
        except lam.exceptions.ResourceConflictException:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
