"""The bootstrap of a warm worker: Lambda's Python runtime loop, in one process per worker.

The local cloud starts it as `python .../tether/runtime/worker.py REQUEST_FD RESPONSE_FD`
with the function's environment already set, its code directory as the working directory,
and stdout/stderr on a log pipe (see `protocol`). It then:

1. reads the `init` frame (sys.path entries: code directory first, then the layers; the
   handler; the output sentinel), sets up stdout, stderr and the root logger as Lambda does
   (`[LEVEL]\\t<time>\\t<request id>\\t<message>`), imports the handler once and answers
   `ready`, or `init_error` with Lambda's payload and exits;
2. for each `invoke` frame, calls the handler with the decoded event and a context object,
   and answers `result` (the JSON-encoded return value) or `error` (Lambda's error payload),
   with the handler's duration and the process's peak memory.

Started as a spare (`... REQUEST_FD RESPONSE_FD --spare`, with a neutral environment and
working directory), it first imports the heavy modules every function needs and none configures
at import time (`PRELOAD`: boto3, botocore; no session or client is made) and reads botocore's
data files its first client would (`warm_sdk_data`), then waits: its
`init` frame also carries the function's complete environment, which replaces `os.environ`
entirely, and its working directory.

On an interpreter other than the local cloud's own, `--sdk=DIR` names the directory of the AWS
SDK's packages (`sdk.py`: what Lambda's runtime ships): it goes on sys.path right after the
function's code and layers, as in Lambda, and a spare preloads from it. This file and its
siblings run on every Python of a Lambda runtime (3.9 and later syntax only).

`SystemExit` and crashes are not caught: the process ends and the local cloud reports
`Runtime.ExitError`. At end of file on the request pipe (the local cloud is gone) it exits.

It is run as a script, not with `-m`, so the `tether` package is never imported into the
function's interpreter (that would cost ~90 ms of cold start and leak Tether's modules); its
sibling modules (protocol, failures, context: standard library only) are loaded by path.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import importlib.util
import io
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

Handler = Callable[[Any, Any], Any]

# What a spare worker imports before it is given a function (their top-level packages are
# `environment.PRELOADED`): modules only, never a session, client or anything read from the
# environment, which is the function's only from `init` on.
PRELOAD = ("json", "logging", "encodings.idna", "unicodedata", "boto3", "boto3.session")
# botocore's data a spare reads ahead (`warm_sdk_data`): what the first client of a process
# reads whatever its service, and the models of the services of Tether's resources.
SDK_DATA = ("endpoints", "partitions", "sdk-default-configuration", "_retry")
SDK_SERVICES = ("s3", "dynamodb", "sns", "sqs")
SDK_MODELS = ("service-2", "endpoint-rule-set-1")
SPARE_FLAG = "--spare"
SDK_FLAG = "--sdk="


def sibling(name: str) -> ModuleType:
    """Load `tether/runtime/<name>.py` under a private name, without importing `tether`."""
    private = f"_tether_runtime_{name}"
    if private in sys.modules:
        return sys.modules[private]
    spec = importlib.util.spec_from_file_location(private, os.path.join(HERE, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[private] = module
    spec.loader.exec_module(module)
    return module


protocol = sibling("protocol")
failures = sibling("failures")
context_module = sibling("context")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request being served, for Lambda's log format."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = RequestIdFilter.request_id
        return True


class LambdaFormatter(logging.Formatter):
    """Lambda's format, in UTC, with a multi-line record kept as one log event."""

    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\r")


def preload() -> None:
    """Import `PRELOAD` (what is missing is skipped), printing nothing: the output pipe is the
    first function's log."""
    saved = os.dup(1), os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    try:
        for name in PRELOAD:
            # Not installed, or broken: the function imports it itself (and sees why).
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, quiet):
            os.close(fd)


def set_environment(env: dict[str, str], cwd: str) -> None:
    """Become the function's process, as if started with `env` in `cwd`."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    time.tzset()


def set_path(entries: list[str]) -> None:
    """Code directory first, then layers (then the SDK's directory, if any), then the
    interpreter's own paths."""
    rest = [p for p in sys.path if p not in ("", HERE) and p not in entries]
    sys.path[:] = [*entries, *rest]


def set_streams() -> None:
    """Text on fds 1 and 2, which the local cloud reads as the function's log."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        raw = io.FileIO(fd, "w", closefd=False)
        # Unbuffered, as in Lambda: what was printed before a timeout or crash is not lost.
        stream = io.TextIOWrapper(raw, "utf-8", "backslashreplace", write_through=True)
        setattr(sys, name, stream)


def set_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaFormatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


def load_handler(name: str) -> tuple[Handler | None, dict[str, Any] | None]:
    """The handler function, or Lambda's init error payload (as awslambdaric words them)."""
    try:
        module_path, function = name.rsplit(".", 1)
    except ValueError as exc:
        return None, failures.malformed_handler(name, str(exc))
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as exc:
        return None, failures.import_error(module_path, exc)
    except SyntaxError as exc:
        return None, failures.syntax_error(module_path, exc)
    except Exception as exc:  # the module raised while it was imported
        return None, failures.from_exception(exc, "", skip_frames=1)
    handler = getattr(module, function, None)
    if handler is None:
        return None, failures.handler_not_found(module_path, function)
    return handler, None


def end_output(sentinel: bytes) -> None:
    """Flush what the function printed, then mark the end of this phase's output."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a stream the function closed
            stream.flush()
    os.write(1, sentinel)


def decimal_default(value: Any) -> Any:
    """Lambda's marshaller turns Decimal (as DynamoDB returns numbers) into a number."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def max_rss_kb() -> int:
    """Peak memory of this process since it started the worker (Linux: VmHWM, because
    ru_maxrss also counts the local cloud's memory from before the exec)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024 if sys.platform == "darwin" else peak)


def invoke(handler: Handler, request: dict[str, Any]) -> dict[str, Any]:
    request_id = str(request["id"])
    RequestIdFilter.request_id = request_id
    context = context_module.LambdaContext(
        request_id, int(request["deadline_ms"]), str(request["arn"]), request.get("client_context")
    )
    event = json.loads(request["event"])
    started = time.perf_counter()
    answer: dict[str, Any]
    try:
        result = handler(event, context)
    except Exception as exc:
        answer = {"type": "error", "error": failures.from_exception(exc, request_id, skip_frames=1)}
    else:
        try:
            answer = {"type": "result", "payload": json.dumps(result, default=decimal_default)}
        except (TypeError, ValueError, OverflowError) as exc:
            answer = {"type": "error", "error": failures.marshal_error(exc, request_id)}
    answer["duration_ms"] = (time.perf_counter() - started) * 1000
    return answer


def warm_sdk_data() -> None:
    """Read botocore's data files into one loader (`SDK_DATA`, and `SDK_MODELS` of
    `SDK_SERVICES`), which every session made later without a data path of its own
    (AWS_DATA_PATH) then uses instead of a new, empty one. A handler's first client costs its
    service model's parse (DynamoDB's first client ~70 ms, S3's after it ~50 ms); a spare pays
    that while it waits. The data read is the files any session would read (the loader's
    default search path, fixed when a spare starts: `spare.fits` keeps a function that sets
    HOME off spares); what is missing or fails is left for the function to read itself."""
    try:
        import botocore.loaders
        import botocore.session
    except Exception:
        return
    with contextlib.suppress(Exception):
        loader = botocore.loaders.create_loader()
        for name in SDK_DATA:
            with contextlib.suppress(Exception):
                loader.load_data(name)
        for service in SDK_SERVICES:
            for model in SDK_MODELS:
                with contextlib.suppress(Exception):
                    loader.load_service_model(service, model)
        original = botocore.session.create_loader

        def create_loader(search_path_string: Any = None) -> Any:
            return loader if search_path_string is None else original(search_path_string)

        botocore.session.create_loader = create_loader


def main(argv: list[str]) -> int:
    request_fd, response_fd = int(argv[1]), int(argv[2])
    flags = argv[3:]
    sdk = [flag[len(SDK_FLAG) :] for flag in flags if flag.startswith(SDK_FLAG)]
    if sdk:
        sys.path.insert(0, sdk[0])  # what a spare preloads comes from there
    if SPARE_FLAG in flags:
        preload()
        warm_sdk_data()
    init = protocol.read_frame(request_fd)
    if "env" in init:
        set_environment({str(k): str(v) for k, v in init["env"].items()}, str(init["cwd"]))
    sentinel = str(init["sentinel"]).encode()
    set_path([*(str(entry) for entry in init["path"]), *sdk])
    sys.argv = [argv[0]]
    set_streams()
    set_logging()
    started = time.perf_counter()
    handler, error = load_handler(str(init["handler"]))
    init_ms = (time.perf_counter() - started) * 1000
    if error is not None:
        end_output(sentinel)
        protocol.write_frame(
            response_fd, {"type": "init_error", "error": error, "init_ms": init_ms}
        )
        return 1
    end_output(sentinel)
    protocol.write_frame(response_fd, {"type": "ready", "init_ms": init_ms})
    assert handler is not None
    while True:
        try:
            request = protocol.read_frame(request_fd)
        except protocol.ClosedError:
            return 0
        answer = invoke(handler, request)
        answer["max_rss_kb"] = max_rss_kb()
        end_output(sentinel)
        protocol.write_frame(response_fd, answer)


if __name__ == "__main__":
    code = main(sys.argv)
    # Threads the function started must not keep a retired worker alive.
    os._exit(code)
