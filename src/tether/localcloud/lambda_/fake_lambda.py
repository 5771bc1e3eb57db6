"""TEST-ONLY: a stand-in for Lambda's runtime, switched on by TETHER_TEST_FAKE_LAMBDA.

Until Tether's runtime replaces `LambdaFunction._invoke_lambda`, moto runs functions in Docker,
which the local cloud does not have. Tests of what *calls* functions (the HTTP router, the
scheduler, EventBridge targets) set, in the local cloud process's environment:

- `TETHER_TEST_FAKE_LAMBDA=echo`: every invocation returns its event, unchanged;
- `TETHER_TEST_FAKE_LAMBDA=run`: the handler named by the function's Handler runs in the server
  process, imported from the function's code zip (one file per module, no layers, no
  environment variables, no isolation, no timeout); an exception is a function error.

It steps aside for the real runtime, whatever the install order: installed after it, it changes
nothing; installed before, it is a plain assignment that the runtime's `replace` overrides. So
the same tests exercise the real runtime once it is installed. Never set it outside tests.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import tempfile
import threading
import traceback
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from moto.awslambda.models import LambdaFunction

from tether.localcloud._patching import is_replaced

VARIABLE = "TETHER_TEST_FAKE_LAMBDA"
MODES = ("echo", "run")

_LOCK = threading.Lock()
_MODULES: dict[tuple[str, str], ModuleType] = {}
_ROOT = Path(tempfile.gettempdir()) / f"tether-fake-lambda-{os.getpid()}"


def _echo(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    return json.dumps(event if event is not None else {}), False, ""


def _run(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    try:
        handler = _handler(self)
        context = SimpleNamespace(
            function_name=self.function_name,
            function_version=self.version,
            invoked_function_arn=self.function_arn,
            memory_limit_in_mb=self.memory_size,
            aws_request_id="fake-request",
            get_remaining_time_in_millis=lambda: int(self.timeout) * 1000,
        )
        result = handler(event if event is not None else {}, context)
        return json.dumps(result), False, ""
    except Exception as exc:
        error = {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "stackTrace": traceback.format_tb(exc.__traceback__),
        }
        return json.dumps(error), True, traceback.format_exc()


def _handler(function: LambdaFunction) -> Any:
    module_path, _, name = str(function.handler).rpartition(".")
    key = (str(function.code_sha_256), module_path)
    with _LOCK:
        module = _MODULES.get(key)
        if module is None:
            root = _ROOT / key[0][:16].replace("/", "_")
            if not root.exists():
                with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
                    archive.extractall(root)
            source = root / (module_path.replace(".", "/") + ".py")
            spec = importlib.util.spec_from_file_location(f"_fake_lambda_{len(_MODULES)}", source)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {source}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _MODULES[key] = module
    return getattr(module, name)


def install() -> None:
    mode = os.environ.get(VARIABLE, "").strip()
    if not mode:
        return
    if mode not in MODES:
        raise ValueError(f"{VARIABLE} must be one of {', '.join(MODES)}, not {mode!r}")
    fake = _echo if mode == "echo" else _run
    if is_replaced(LambdaFunction, "_invoke_lambda"):
        return  # the real runtime is installed: tests run against it
    # A plain assignment, not `replace`: a runtime installed later replaces the fake quietly.
    LambdaFunction._invoke_lambda = fake  # type: ignore[method-assign]
