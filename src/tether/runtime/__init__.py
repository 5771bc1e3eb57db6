"""Local invocation: Tether's Lambda runtime for the local cloud.

Functions run for real in warm worker processes (one Python process per concurrent
invocation of a function version, on the Python of its runtime when the machine has it), with Lambda's environment, context object, timeout, error
payloads and CloudWatch logs, and `AWS_ENDPOINT_URL` pointing back at the local cloud. The
local cloud routes every invoke path here (`tether.localcloud.lambda_.lambda_runtime`),
through the process's one runtime (`current()`).

    spec.py         what a function version is (FunctionSpec)
    service.py      the runtime: invoke, logs, retirement; the process's runtime (`current()`)
    pool.py         warm workers per version, concurrency limit; idle ones released, and a cap
    cancel.py       a caller's deadline and cancel (HTTP integration timeout, hang-up)
    process.py      one worker process seen from the local cloud
    spare.py        the spare worker process of each interpreter, boto3 already imported
    interpreters.py the Python of each runtime on this machine (PATH, pyenv, uv, overrides)
    sdk.py          boto3 and its packages, for workers on another interpreter
    worker.py       the worker's bootstrap (runs in the worker, standard library only)
    protocol.py     frames on the pipes between them
    context.py      the handler's context object
    failures.py     Lambda's error payloads
    logs.py         Lambda's log lines and the LogSink they go to
    environment.py  the worker's environment, built from scratch
    artifacts.py    code and layer zips, unpacked once per content hash, removed once unused
    tasks.py        background threads for asynchronous invocations
"""

from __future__ import annotations

from tether.runtime.service import Invocation, Runtime, configure, current
from tether.runtime.spec import CodeSource, FunctionSpec

__all__ = [
    "CodeSource",
    "FunctionSpec",
    "Invocation",
    "Runtime",
    "configure",
    "current",
]
