"""Helpers for the runtime tests: deploy a throwaway project, invoke, wait for side effects."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.helpers import write_project
from tether import load_project
from tether.deploy.pipeline import deploy

T = TypeVar("T")


def stage() -> str:
    """A stage name no other deploy of this session uses."""
    return "t" + uuid.uuid4().hex[:8]


def deploy_project(root: Path, stage_name: str, home: Path) -> dict[str, str]:
    """Deploy `root` to the local cloud of `home`; its outputs (function ARNs, names...)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TETHER_HOME", str(home))
        return deploy(load_project(root), stage=stage_name, target="local").outputs


def make_project(root: Path, yaml_text: str, handlers: dict[str, str]) -> Path:
    return write_project(root, yaml_text, handlers)


def invoke(lam: Any, name: str, event: Any = None, **options: Any) -> tuple[Any, dict[str, Any]]:
    """(decoded payload, response) of a RequestResponse invoke."""
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **options)
    body = response["Payload"].read()
    return (json.loads(body) if body else None), response


def wait_for(probe: Callable[[], T | None], timeout: float = 15.0, every: float = 0.05) -> T:
    """The first truthy value `probe` returns; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout} s")
        time.sleep(every)


def object_body(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        data: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return data
