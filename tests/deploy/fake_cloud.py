"""An in-memory stand-in for `tether.cloud.Cloud` on AWS, for unit tests of deploy logic: every
service's client is the one fake given (a Lambda stand-in, say)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class FakeCloud:
    target = "aws"

    def __init__(self, lam: Any) -> None:
        self.lam = lam

    def client(self, service: str) -> Any:
        return self.lam

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        yield
