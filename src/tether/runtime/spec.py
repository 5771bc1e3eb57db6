"""What the runtime needs to know about one version of a function, independent of moto.

A `FunctionSpec` is built by the local cloud from its Lambda model on every invoke; its `key`
names the version workers are kept for (the function's ARN, its code and layers by content
hash, and every setting a worker bakes in at start: handler, runtime, memory, timeout,
environment). Code bytes are loaded only when a version's directory is first extracted, from
the zip's file when the source names one (the local cloud keeps zips on disk, not in memory).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

LATEST = "$LATEST"


@dataclass(frozen=True)
class CodeSource:
    """A zip known by the hex SHA-256 of its bytes; `load()` returns the bytes, and `path`,
    when not empty, is a file holding them (read from there, they never all sit in memory)."""

    sha256: str
    load: Callable[[], bytes] = field(compare=False, repr=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class FunctionSpec:
    """One version of one function, as the runtime runs it."""

    arn: str  # arn:aws:lambda:<region>:<account>:function:<name>, `:<version>` unless $LATEST
    name: str
    handler: str  # "app/resize.handler": module path, a dot, the function
    runtime: str  # "python3.12"
    memory_mb: int
    timeout_s: int
    region: str
    code: CodeSource
    layers: tuple[CodeSource, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    version: str = LATEST
    # What its workers sign their AWS calls with (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_SESSION_TOKEN), issued by the local cloud for this ARN: not part of `key`.
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @cached_property
    def key(self) -> str:
        """Equal for two specs exactly when a worker of one can serve the other."""
        material = json.dumps(
            [
                self.arn,
                self.version,
                self.code.sha256,
                [layer.sha256 for layer in self.layers],
                self.handler,
                self.runtime,
                self.memory_mb,
                self.timeout_s,
                self.region,
                sorted(self.environment.items()),
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:24]
