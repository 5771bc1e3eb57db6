"""Lambda functions run for real: moto's Docker execution is replaced by Tether's runtime.

Every invoke path of moto ends in `LambdaFunction._invoke_lambda(event) -> (result, errored,
logs)`; here it runs the function on a warm worker of `tether.runtime` (with the function's
code, layers, environment, `AWS_ENDPOINT_URL` pointing back at this local cloud and the
credentials this local cloud issues to the function, `credentials.function_credentials`),
logging to CloudWatch Logs in moto's logs backend. `LambdaFunction.invoke` (the Invoke API,
and moto's own callers) honours the invocation type: `Event` is queued and answered with 202
at once, `DryRun` runs nothing (204), `RequestResponse` sets `X-Amz-Function-Error: Unhandled`
on errors and `X-Amz-Log-Result` (for `LogType=Tail`) to the last 4 KB of the log.

A new deploy retires the old workers: CreateFunction, UpdateFunctionCode and
UpdateFunctionConfiguration (also through CloudFormation) retire every worker not running the
function's new version, DeleteFunction all of them. When an update replaces a version that had
workers, one worker of the new version is started at once in the background (`prewarm`): the
edit loop's next invoke finds it warm, or waits for it rather than starting another. As on
AWS, the function's `LastUpdateStatus` is `InProgress` until the new version can answer: here,
until its first worker has started (the handler imported). UpdateFunctionCode and
UpdateFunctionConfiguration through Lambda's API answer only then, with `Successful` (AWS
answers at once with `InProgress`, and clients poll: both are handled by every client, and
here the one that waits for the update, the quick deploy of `tether dev`, gets its answer the
moment the new code can answer, without polls slowing down on a small machine the very start
they wait for). So an update reported live is one whose next request pays no cold start.

Code is read from the local cloud's store of zips (`lambda_code`), where moto's reads put it
instead of keeping the bytes in memory; a change of a function's code, or its deletion, sets
off the sweep that removes the zips and unpacked code nothing needs any more
(`lambda_code_sweep`).

Also installs the event sources that feed the runtime (`lambda_push_events`: S3, SNS;
`lambda_pollers`: SQS and DynamoDB stream mappings), and registers the runtime as this
process's (`tether.runtime.invoke` looks functions up here, for the scheduler and the router).
Hooks: `LambdaFunction._invoke_lambda`, `invoke`, `get_configuration`, `update_configuration`,
`update_function_code`; `LambdaBackend.create_function`, `delete_function`;
`LambdaResponse.update_function_code`, `update_function_configuration`.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from moto.awslambda.exceptions import LambdaClientError, UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import get_backend, make_function_arn
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.logs.models import logs_backends

from tether.localcloud._patching import original, replace
from tether.localcloud.credentials import LocalCredentials, function_credentials, home_credentials
from tether.localcloud.endpoint import DEFAULT_HOST, DEFAULT_PORT, endpoint_for
from tether.localcloud.home import tether_home
from tether.localcloud.lambda_ import (
    lambda_code,
    lambda_code_sweep,
    lambda_pollers,
    lambda_push_events,
)
from tether.runtime import service
from tether.runtime.logs import Event, tail
from tether.runtime.spec import LATEST, CodeSource, FunctionSpec

ENDPOINT_ENV = "TETHER_LOCAL_ENDPOINT"
DEFAULT_REGION = "us-east-1"


class InvalidRequestContentException(LambdaClientError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            "InvalidRequestContentException", f"Could not parse request body into json: {problem}"
        )


class MotoLogSink:
    """Writes invocation logs to moto's CloudWatch Logs backend (in this process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def put(self, function: FunctionSpec, stream: str, events: Sequence[Event]) -> None:
        account = function.arn.split(":")[4]
        backend = logs_backends[account][function.region]
        group = function.log_group
        with self._lock:
            backend.ensure_log_group(group)
            backend.ensure_log_stream(group, stream)
            backend.put_log_events(
                group, stream, [{"timestamp": when, "message": text} for when, text in events]
            )


def local_endpoint() -> str:
    """Where workers send their AWS calls: this server (`TETHER_LOCAL_ENDPOINT` overrides)."""
    explicit = os.environ.get(ENDPOINT_ENV)
    if explicit:
        return explicit
    host = os.environ.get("MOTO_HOST") or DEFAULT_HOST
    if host == "localhost":
        host = "127.0.0.1"  # an IP makes boto3 address S3 buckets by path
    return endpoint_for(host, int(os.environ.get("MOTO_PORT") or DEFAULT_PORT))


def function_arn(fn: LambdaFunction) -> str:
    """The version's identity: unqualified for $LATEST, `...:<n>` for a published version."""
    arn: str = make_function_arn(fn.region, fn.account_id, fn.function_name)
    version = str(fn.version)
    return arn if version == LATEST else f"{arn}:{version}"


class _Issuer:
    """The home's key pair, read once when the runtime is installed (as the server's gate
    reads it): every function's credentials derive from it."""

    home: LocalCredentials | None = None

    @classmethod
    def for_function(cls, arn: str) -> dict[str, str]:
        if cls.home is None:
            cls.home = home_credentials(tether_home())
        return function_credentials(cls.home, arn).as_env()


def spec_for(fn: LambdaFunction) -> FunctionSpec:
    """What the runtime runs for moto's function `fn`, as it is now."""
    runtime = (fn.run_time or "") if fn.package_type != "Image" else "a container image"
    arn = function_arn(fn)
    if getattr(fn, "code_bytes", b""):  # restored from a snapshot written before the store
        lambda_code_sweep.changed()  # the sweep moves its bytes there
    return FunctionSpec(
        arn=arn,
        name=fn.function_name,
        handler=fn.handler or "",
        runtime=runtime,
        memory_mb=int(fn.memory_size),
        timeout_s=int(fn.timeout),
        region=fn.region,
        code=lambda_code.source_for(fn),
        layers=_layers(fn),
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        version=str(fn.version),
        credentials=_Issuer.for_function(arn),
    )


def _layers(fn: LambdaFunction) -> tuple[CodeSource, ...]:
    backend = get_backend(fn.account_id, fn.region)
    sources = []
    for layer in fn.layers or []:
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is None:
            continue  # deleted since: Lambda keeps it for functions using it; we cannot
        sources.append(lambda_code.source_for(version))
    return tuple(sources)


def resolve(name_or_arn: str) -> FunctionSpec:
    """A function of this local cloud by name or (qualified) ARN; LookupError if unknown."""
    parts = name_or_arn.split(":")
    if name_or_arn.startswith("arn:") and len(parts) >= 7:
        account, region = parts[4], parts[3]
    else:
        account = DEFAULT_ACCOUNT_ID
        region = os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    try:
        fn = get_backend(account, region).get_function(name_or_arn)
    except UnknownFunctionException as exc:
        raise LookupError(f"function not found: {name_or_arn}") from exc
    return spec_for(fn)


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, Mapping):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return None if value is None else str(value)


def _event_text(body: Any) -> str:
    """The event as JSON text (checked: Lambda refuses a payload that is not JSON)."""
    if body is None or body in ("", b""):
        return "{}"
    if not isinstance(body, str | bytes | bytearray):
        return json.dumps(body)
    text = body.decode() if isinstance(body, bytes | bytearray) else body
    try:
        json.loads(text)
    except ValueError as exc:
        raise InvalidRequestContentException(str(exc)) from exc
    return text


def _client_context(headers: Any) -> Any:
    encoded = _header(headers, "X-Amz-Client-Context")
    if not encoded:
        return None
    try:
        return json.loads(base64.b64decode(encoded))
    except ValueError:
        return None


def _invoke_lambda(
    self: LambdaFunction, event: Any = None, *, client_context: Any = None
) -> tuple[str, bool, str]:
    """moto's funnel: run the function now; (payload, errored, this invocation's log)."""
    text = event if isinstance(event, str) else json.dumps({} if event is None else event)
    result = service.current().run(
        spec_for(self), text, client_context=client_context, invoked_arn=function_arn(self)
    )
    return result.payload, result.errored, result.log


def _invoke(self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    kind = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    text = _event_text(body)
    if kind == "DryRun":
        return b""
    if kind == "Event":
        service.current().submit(lambda: self._invoke_lambda(text))
        return b""
    run_now: Any = self._invoke_lambda  # ours: it takes the client context too
    result: tuple[str, bool, str] = run_now(text, client_context=_client_context(request_headers))
    payload, errored, logs = result
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["x-amz-log-result"] = tail(logs)
    response_headers["x-amz-executed-version"] = str(self.version)
    return payload.encode()


def _retire_stale(fn: LambdaFunction) -> int:
    """Retire the workers not running `fn` as it is now; how many there were."""
    return service.current().retire(function_arn(fn), keep=spec_for(fn).key)


def _replace_version(fn: LambdaFunction) -> None:
    """`fn` changed: retire its old workers; if it had any (it is in use), start one of the
    new version right away, so the next invoke finds it warm (or waits for it to be)."""
    if _retire_stale(fn):
        service.current().prewarm(spec_for(fn))


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config: dict[str, Any] = original(LambdaFunction, "get_configuration")(self, on_create)
    if "LastUpdateStatus" in config and service.current().updating(function_arn(self)):
        config["LastUpdateStatus"] = "InProgress"
    return config


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> Any:
    layers = [layer.sha256 for layer in _layers(self)]
    original(LambdaFunction, "update_configuration")(self, config_updates)
    _replace_version(self)
    lambda_code_sweep.changed(*layers)
    return self.get_configuration()  # after the prewarm began: the update is in progress


def _update_function_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> Any:
    code = getattr(self, "code_digest", "") or ""
    original(LambdaFunction, "update_function_code")(self, updated_spec)
    lambda_code.lean(self)
    _replace_version(self)
    lambda_code_sweep.changed(code)  # the old code goes once nothing needs it
    return self.get_configuration()  # after the prewarm began: the update is in progress


def _answered_when_live(update: str) -> Callable[[LambdaResponse], Any]:
    """moto's API answer to an update (`update_function_code`...), given once the update is
    done: the new version's first worker started, if the function is in use."""

    def answer(self: LambdaResponse) -> Any:
        status, headers, body = original(LambdaResponse, update)(self)
        if status != 200:
            return status, headers, body
        config = json.loads(body)
        if config.get("LastUpdateStatus") == "InProgress":
            runtime = service.current()
            arn = str(config["FunctionArn"])
            runtime.wait_updated(arn)
            config["LastUpdateStatus"] = "InProgress" if runtime.updating(arn) else "Successful"
        return status, headers, json.dumps(config)

    return answer


# Made once: installing again (a second server in one process) must find the same hooks.
_ANSWERS = {
    update: _answered_when_live(update)
    for update in ("update_function_code", "update_function_configuration")
}


def _create_function(self: LambdaBackend, spec: dict[str, Any]) -> LambdaFunction:
    fn: LambdaFunction = original(LambdaBackend, "create_function")(self, spec)
    _retire_stale(fn)  # workers of an earlier function of the same name
    lambda_code.lean(fn)
    return fn


def _delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None) -> None:
    fn = self.get_function(function_name, qualifier)
    whole = qualifier is None and ":" not in function_name.split(":function:")[-1]
    versions = (self._lambdas._functions.get(fn.function_name) or {}) if whole else {}
    models = [fn, *(versions.get("versions") or [])]
    digests = [str(getattr(model, "code_digest", "") or "") for model in models]
    original(LambdaBackend, "delete_function")(self, function_name, qualifier)
    if whole:
        service.current().retire_all(make_function_arn(fn.region, fn.account_id, fn.function_name))
    else:
        service.current().retire(function_arn(fn))
    lambda_code_sweep.changed(*digests)


def _configure() -> None:
    _Issuer.home = home_credentials(tether_home())
    try:
        service.current()
    except RuntimeError:
        runtime = service.Runtime(home=tether_home(), endpoint=local_endpoint, sink=MotoLogSink())
        service.configure(runtime, resolve)


def install() -> None:
    _configure()
    lambda_code.install()
    lambda_code_sweep.install()
    replace(LambdaFunction, "_invoke_lambda", _invoke_lambda)
    replace(LambdaFunction, "invoke", _invoke)
    replace(LambdaFunction, "get_configuration", _get_configuration)
    replace(LambdaFunction, "update_configuration", _update_configuration)
    replace(LambdaFunction, "update_function_code", _update_function_code)
    replace(LambdaBackend, "create_function", _create_function)
    for update, answer in _ANSWERS.items():
        replace(LambdaResponse, update, answer)
    replace(LambdaBackend, "delete_function", _delete_function)
    lambda_push_events.install()
    lambda_pollers.install()
