"""Function code, read and set directly: what each function runs now (its live CodeSha256: of a
few functions one GetFunctionConfiguration each, of a whole stage from ListFunctions' pages),
and UpdateFunctionCode for many functions at once, each polled until the new code is live.

The quick path updates the functions a change affects; the full path uses the same calls to
check, after CloudFormation is done, that every function runs the code the files describe, and
to bring back any that does not (code deployed from elsewhere, or left behind by a failed or
interrupted quick deploy). CloudFormation cannot do that part: it changes a function's code only
when the template's reference to the code changes.

An update is done when the function's LastUpdateStatus says so: on the local cloud, once the
new version's first worker has started (for a function in use), so a deploy that waited for it
(`update_all`, `wait_until_live`) is over when the new code can answer without a cold start.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tether.cloud import Cloud
from tether.cloud.session import CloudError
from tether.errors import TetherError

MAX_PARALLEL = 8
POLL_SECONDS = 0.1
# The local cloud answers UpdateFunctionCode once the update is done; an update CloudFormation
# made there is done once the new version's first worker has started (about 0.1 s, felt in
# `tether dev`'s full path): polled often at first, then less.
LOCAL_FIRST_POLL_SECONDS = 0.005
LOCAL_POLL_GROWTH = 1.25
UPDATE_TIMEOUT = 120.0
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException"}

T = TypeVar("T")


def listed_code(cloud: Cloud, names: dict[str, str]) -> dict[str, str | None]:
    """`live_code` for many functions at once: from ListFunctions (50 functions a page, of the
    whole account and region), which reads no more than the pages it needs to find them all;
    None for a function that is not listed (gone). Credentials allowed to read functions one
    by one but not to list them get `live_code`."""
    wanted = {name: function for function, name in names.items()}
    found: dict[str, str | None] = dict.fromkeys(names)
    missing = set(wanted)
    if not missing:
        return found
    lam = cloud.client("lambda")
    try:
        with cloud.guard():
            for page in lam.get_paginator("list_functions").paginate():
                for config in page.get("Functions") or ():
                    name = config.get("FunctionName")
                    if name in missing:
                        found[wanted[name]] = base64.b64decode(config["CodeSha256"]).hex()
                        missing.discard(name)
                if not missing:
                    break
    except CloudError as exc:
        if exc.code not in ACCESS_DENIED:
            raise
        return live_code(cloud, names)
    return found


def live_code(cloud: Cloud, names: dict[str, str]) -> dict[str, str | None]:
    """The sha256 (hex) of the code each function runs now; None for a function that is gone.
    One GetFunctionConfiguration each (in parallel): for a few functions (`listed_code` reads
    all of them in pages)."""

    def read(function: str) -> str | None:
        lam = cloud.client("lambda")
        with cloud.guard():
            try:
                config = lam.get_function_configuration(FunctionName=names[function])
            except lam.exceptions.ResourceNotFoundException:
                return None
        return base64.b64decode(config["CodeSha256"]).hex()

    return _each(names, read)


def wait_until_live(cloud: Cloud, names: dict[str, str]) -> None:
    """Wait while an update of any of these functions is still in progress (made by
    CloudFormation: on the local cloud, the new version's first worker still starting), so a
    deploy is done when the new code can answer. An update that fails or never ends is the
    next invoke's to report."""

    def wait(function: str) -> None:
        lam = cloud.client("lambda")
        deadline = time.monotonic() + UPDATE_TIMEOUT
        pause = LOCAL_FIRST_POLL_SECONDS if cloud.target == "local" else POLL_SECONDS
        with cloud.guard():
            while time.monotonic() < deadline:
                try:
                    config = lam.get_function_configuration(FunctionName=names[function])
                except lam.exceptions.ResourceNotFoundException:
                    return
                if config.get("LastUpdateStatus", "Successful") != "InProgress":
                    return
                time.sleep(pause)
                pause = min(pause * LOCAL_POLL_GROWTH, POLL_SECONDS)

    _each(names, wait)


def update_all(cloud: Cloud, names: dict[str, str], bucket: str, key: str) -> dict[str, str]:
    """UpdateFunctionCode for every function at once (bounded), each polled until live;
    returns {function: why it failed} for those that could not be updated."""

    def update(function: str) -> str | None:
        lam = cloud.client("lambda")
        try:
            with cloud.guard():
                config = _update_code(lam, names[function], bucket, key)
                if "LastUpdateStatus" not in config:
                    config = lam.get_function_configuration(FunctionName=names[function])
                deadline = time.monotonic() + UPDATE_TIMEOUT
                local = cloud.target == "local"
                pause = LOCAL_FIRST_POLL_SECONDS if local else POLL_SECONDS
                while time.monotonic() < deadline:
                    status = config.get("LastUpdateStatus", "Successful")
                    if status == "Successful":
                        return None
                    if status == "Failed":
                        return str(config.get("LastUpdateStatusReason", "update failed"))
                    time.sleep(pause)
                    pause = min(pause * LOCAL_POLL_GROWTH, POLL_SECONDS)
                    config = lam.get_function_configuration(FunctionName=names[function])
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


def _update_code(lam: Any, name: str, bucket: str, key: str) -> dict[str, Any]:
    """UpdateFunctionCode, waiting out an update of the function that is still in progress
    (Lambda refuses a second one with ResourceConflictException until the first is done);
    the function's configuration it answers (its LastUpdateStatus: whether it is live yet)."""
    delay = 0.1
    deadline = time.monotonic() + UPDATE_TIMEOUT
    while True:
        try:
            config = lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key=key)
            return dict(config or {})
        except lam.exceptions.ResourceConflictException:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
