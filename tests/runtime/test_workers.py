"""The runtime in this process, without the local cloud: worker edge cases Lambda users meet."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tether.runtime import CodeSource, FunctionSpec, Runtime
from tether.runtime.logs import Event


class ListSink:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def put(self, function: FunctionSpec, stream: str, events: Sequence[Event]) -> None:
        self.events += [(function.log_group, stream, message) for _, message in events]

    def messages(self) -> list[str]:
        return [message for _, _, message in self.events]


# The runtime of the local cloud's own Python: these tests are about workers, not interpreters
# (test_interpreters runs functions on others).
OWN_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def spec(
    files: dict[str, str], handler: str = "app/main.handler", runtime: str = OWN_RUNTIME
) -> FunctionSpec:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    data = buffer.getvalue()
    return FunctionSpec(
        arn="arn:aws:lambda:us-east-1:123456789012:function:unit",
        name="unit",
        handler=handler,
        runtime=runtime,
        memory_mb=128,
        timeout_s=3,
        region="us-east-1",
        code=CodeSource(hashlib.sha256(data).hexdigest(), lambda: data),
    )


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def runtime(tmp_path: Path, sink: ListSink) -> Iterator[Runtime]:
    made = Runtime(home=tmp_path, endpoint=lambda: "http://127.0.0.1:9", sink=sink)
    try:
        yield made
    finally:
        made.shutdown()


def run(
    runtime: Runtime, function: FunctionSpec, event: object = None
) -> tuple[object, str | None]:
    result = runtime.invoke(function, json.dumps(event or {}))
    return json.loads(result.payload), result.function_error


def test_a_segfault_is_an_exit_error_naming_the_signal(runtime: Runtime) -> None:
    code = "import ctypes\n\ndef handler(event, context):\n    ctypes.string_at(0)\n"
    error, kind = run(runtime, spec({"app/main.py": code}))
    assert kind == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: signal: segmentation fault")


def test_output_of_child_processes_and_late_threads_is_logged(
    runtime: Runtime, sink: ListSink
) -> None:
    code = (
        "import os, threading, time\n\n"
        "def late():\n    time.sleep(0.2)\n    print('late line')\n\n"
        "def handler(event, context):\n"
        "    os.system('echo from a child process')\n"
        "    if event.get('late'):\n        threading.Thread(target=late).start()\n"
        "    print('no newline at the end', end='')\n"
        "    return 1\n"
    )
    function = spec({"app/main.py": code})
    assert run(runtime, function, {"late": True}) == (1, None)
    time.sleep(0.4)
    assert run(runtime, function) == (1, None)
    messages = sink.messages()
    assert "from a child process\n" in messages
    assert "no newline at the end\n" in messages
    second_start = max(i for i, m in enumerate(messages) if m.startswith("START"))
    assert messages.index("late line\n") > second_start  # kept for the next invocation


def test_init_problems_are_reported_as_lambda_words_them(runtime: Runtime) -> None:
    syntax = run(runtime, spec({"app/main.py": "def handler(event, context)\n    return 1\n"}))
    assert syntax[0]["errorType"] == "Runtime.UserCodeSyntaxError"
    assert syntax[0]["errorMessage"].startswith("Syntax error in module 'app/main'")

    raising = run(runtime, spec({"app/main.py": "import os\nos.environ['MISSING']\n"}))
    assert raising[0]["errorType"] == "KeyError"
    assert raising[0]["errorMessage"] == "'MISSING'"

    malformed = run(runtime, spec({"app/main.py": ""}, handler="nodot"))
    assert malformed[0]["errorType"] == "Runtime.MalformedHandlerName"

    exiting = run(runtime, spec({"app/main.py": "import sys\nsys.exit(2)\n"}))
    assert exiting[0]["errorType"] == "Runtime.ExitError"
    assert exiting[1] == "Unhandled"


def test_decimal_results_and_client_context(runtime: Runtime) -> None:
    code = (
        "from decimal import Decimal\n\n"
        "def handler(event, context):\n"
        "    return {'price': Decimal('1.5'), 'custom': context.client_context.custom}\n"
    )
    result = runtime.run(spec({"app/main.py": code}), "{}", client_context={"custom": {"a": 1}})
    assert json.loads(result.payload) == {"price": 1.5, "custom": {"a": 1}}


def test_unsupported_runtimes_are_refused_without_starting_anything(runtime: Runtime) -> None:
    error, kind = run(runtime, spec({"app/main.py": ""}, runtime="nodejs20.x"))
    assert kind == "Unhandled"
    assert "Python functions only" in error["errorMessage"]


def test_retiring_a_function_kills_its_idle_workers(runtime: Runtime) -> None:
    code = "import os\n\ndef handler(event, context):\n    return os.getpid()\n"
    function = spec({"app/main.py": code})
    pid, _ = run(runtime, function)
    runtime.retire(function.arn)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert run(runtime, function)[0] != pid


def test_idle_workers_are_reaped(tmp_path: Path, sink: ListSink) -> None:
    runtime = Runtime(
        home=tmp_path, endpoint=lambda: "http://127.0.0.1:9", sink=sink, idle_seconds=0.01
    )
    try:
        code = "import os\n\ndef handler(event, context):\n    return os.getpid()\n"
        function = spec({"app/main.py": code})
        pid, _ = run(runtime, function)
        pool = runtime.registry.pool_for(function)
        time.sleep(0.05)
        pool.reap(runtime.registry.idle_seconds)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        runtime.shutdown()
