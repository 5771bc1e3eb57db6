"""Lambda refuses what is over its quotas, with Lambda's errors (see `tether.localcloud.limits`).

moto creates a function with any name, any environment and any code size, and invokes with any
payload. Here, as Lambda does:

- CreateFunction: a .zip sent in the request over 50 MB (413 RequestEntityTooLargeException), a
  name over 64 characters (ValidationException), environment variables over 4 KB and code plus
  layers over 250 MB unzipped (InvalidParameterValueException). CloudFormation creates
  functions through the same call, so its AWS::Lambda::Function fails with Lambda's message.
- UpdateFunctionCode, UpdateFunctionConfiguration, PublishLayerVersion: the same sizes; a
  CloudFormation update is checked by `lambda_function` through `check_update`.
- Invoke: a request over 6 MB (1 MB for InvocationType Event) is refused with 413; a response
  over 6 MB becomes the function error Lambda returns (`Function.ResponseSizeTooLarge`).

Hooks: `LambdaStorage.put_function` (every create, once the code is read),
`LambdaBackend.update_function_code`, `update_function_configuration`, `publish_layer_version`,
and `LambdaResponse.invoke` (moto's own check there uses `sys.getsizeof` against 6,000,000).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction, LambdaStorage
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import get_backend
from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import s3_backends
from moto.utilities.aws_headers import amz_crc32
from moto.utilities.utils import get_partition

from tether.localcloud import limits
from tether.localcloud._patching import original, replace
from tether.localcloud.lambda_ import lambda_code


class LambdaLimitError(LambdaClientError):
    """Lambda's answer to a request over one of its quotas."""

    def __init__(self, refusal: limits.Refusal) -> None:
        super().__init__(refusal.code, refusal.message)
        self.code = refusal.status


def _refuse(refusal: limits.Refusal | None) -> None:
    if refusal is not None:
        raise LambdaLimitError(refusal)


def _s3_size(code: Mapping[str, Any], account_id: str, region: str) -> int | None:
    """What the code in S3 unzips to, or None if there is none (Lambda then says why)."""
    if "S3Bucket" not in code or "S3Key" not in code:
        return None
    backend = s3_backends[account_id][get_partition(region)]
    try:
        found = backend.get_object(str(code["S3Bucket"]), str(code["S3Key"]))
    except (MissingBucket, MissingKey):
        return None
    return lambda_code.object_unzipped_size(found) if found is not None else None


def _layer_sizes(arns: Iterable[str], account_id: str, region: str) -> list[int]:
    backend = get_backend(account_id, region)
    sizes = []
    for arn in arns:
        version = backend.layers_versions_by_arn(str(arn))
        if version is not None:
            sizes.append(lambda_code.unzipped_size(version))
    return sizes


def _layer_arns(fn: LambdaFunction) -> list[str]:
    return [str(layer["Arn"]) for layer in fn.layers or [] if isinstance(layer, dict)]


def _new_code_size(
    code: Mapping[str, Any], operation: str, account_id: str, region: str
) -> int | None:
    """What the code a request brings unzips to (a zip sent in it, or read from S3), refused
    when the zip sent is over the direct-upload limit."""
    if code.get("ZipFile"):
        encoded = code["ZipFile"]
        _refuse(limits.zip_upload(limits.base64_size(encoded), operation))
        try:
            return limits.unzipped_size(base64.b64decode(encoded))
        except ValueError:
            return None
    return _s3_size(code, account_id, region)


def check_update(fn: LambdaFunction, properties: Mapping[str, Any]) -> None:
    """What CloudFormation's update of `fn` to `properties` would set, checked as Lambda's
    UpdateFunctionConfiguration and UpdateFunctionCode check it."""
    environment = properties.get("Environment") or {}
    _refuse(limits.environment(environment.get("Variables")))
    code = _s3_size(properties.get("Code") or {}, fn.account_id, fn.region)
    if code is None:
        code = lambda_code.unzipped_size(fn)
    layers = properties.get("Layers")
    arns = [str(arn) for arn in layers] if layers is not None else _layer_arns(fn)
    _refuse(limits.unzipped([code, *_layer_sizes(arns, fn.account_id, fn.region)]))


def _put_function(self: LambdaStorage, fn: LambdaFunction) -> None:
    if isinstance(fn.code, dict) and fn.code.get("ZipFile"):
        _refuse(limits.zip_upload(int(getattr(fn, "code_size", 0) or 0), "CreateFunction"))
    _refuse(limits.function_name(str(fn.function_name)))
    _refuse(limits.environment(fn.environment_vars))
    layers = _layer_sizes(_layer_arns(fn), fn.account_id, fn.region)
    _refuse(limits.unzipped([lambda_code.unzipped_size(fn), *layers]))
    original(LambdaStorage, "put_function")(self, fn)


def _update_function_code(
    self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]
) -> Any:
    fn = self.get_function(function_name, qualifier)
    code = _new_code_size(body, "UpdateFunctionCode", fn.account_id, fn.region)
    if code is not None:
        layers = _layer_sizes(_layer_arns(fn), fn.account_id, fn.region)
        _refuse(limits.unzipped([code, *layers]))
    return original(LambdaBackend, "update_function_code")(self, function_name, qualifier, body)


def _update_function_configuration(
    self: LambdaBackend, function_name: str, qualifier: str, body: dict[str, Any]
) -> Any:
    fn = self.get_function(function_name, qualifier)
    if "Environment" in body:
        _refuse(limits.environment((body["Environment"] or {}).get("Variables")))
    if "Layers" in body:
        layers = _layer_sizes(body["Layers"] or [], fn.account_id, fn.region)
        _refuse(limits.unzipped([lambda_code.unzipped_size(fn), *layers]))
    return original(LambdaBackend, "update_function_configuration")(
        self, function_name, qualifier, body
    )


def _publish_layer_version(self: LambdaBackend, spec: dict[str, Any]) -> Any:
    content = spec.get("Content") or {}
    size = _new_code_size(content, "PublishLayerVersion", self.account_id, self.region_name)
    if size is not None:
        _refuse(limits.unzipped([size]))
    published = original(LambdaBackend, "publish_layer_version")(self, spec)
    lambda_code.lean(published)
    return published


@amz_crc32
def _invoke(self: LambdaResponse) -> tuple[int, dict[str, str], str | bytes]:
    """moto's Invoke, with Lambda's payload limits on the request and the response."""
    kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    body = self.body or b""
    size = len(body.encode() if isinstance(body, str) else body)
    _refuse(limits.invoke_request(size, "Event" if kind == "Event" else "RequestResponse"))
    response_headers: dict[str, str] = {}
    function_name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = self._get_param("qualifier")
    payload = self.backend.invoke(
        function_name, qualifier, self.body, self.headers, response_headers
    )
    if payload is None:
        return 404, response_headers, "{}"
    if kind == "RequestResponse":
        refusal = limits.invoke_response(len(payload))
        if refusal is not None:
            payload = limits.response_error(refusal)
            response_headers["x-amz-function-error"] = "Unhandled"
            response_headers["Content-Length"] = str(len(payload))
    response_headers["content-type"] = "application/json"
    if kind == "Event":
        response_headers["status"] = "202"
        return 202, response_headers, payload
    if kind == "DryRun":
        response_headers["status"] = "204"
        return 204, response_headers, payload
    if self.headers.get("X-Amz-Log-Type") != "Tail":
        response_headers.pop("x-amz-log-result", None)
    return 200, response_headers, payload


def install() -> None:
    replace(LambdaStorage, "put_function", _put_function)
    replace(LambdaBackend, "update_function_code", _update_function_code)
    replace(LambdaBackend, "update_function_configuration", _update_function_configuration)
    replace(LambdaBackend, "publish_layer_version", _publish_layer_version)
    replace(LambdaResponse, "invoke", _invoke)
