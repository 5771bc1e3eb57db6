"""The limits of AWS the local cloud enforces: one table, and the checks its hooks call.

moto enforces almost none of AWS's quotas, so without this a project that works locally could
fail on AWS: a template too big to send, a function whose variables Lambda refuses, a role
whose policy IAM refuses, an event too big to invoke with. Each `Limit` below names a quota as
AWS's documentation does, the service and operations it applies to, and the error AWS answers
with (code, HTTP status, message). The numbers themselves are `tether.model.limits`', the one
copy Tether's own pre-deploy checks use too.

The checks here are plain functions of sizes and documents (no moto): each returns a `Refusal`
(the limit and AWS's message) or None. The extensions of each service
(`cloudformation/cloudformation_limits.py`, `lambda_/lambda_limits.py`, `iam/iam_limits.py`,
`sqs/sqs_limits.py`, `sns/sns_limits.py`) call them on API calls and on what CloudFormation
creates, and raise the service's own error, so a stack fails on the resource AWS would fail it
on, with AWS's message as the reason.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tether.model import limits as quota

Unit = Literal["bytes", "characters", "count"]
InvocationType = Literal["RequestResponse", "Event"]


@dataclass(frozen=True)
class Limit:
    """One quota of AWS, as the local cloud enforces it."""

    key: str  # "lambda.environment"
    value: int
    unit: Unit
    quota: str  # the name in AWS's documentation
    service: str
    operations: tuple[str, ...]
    error: str  # AWS's error code (or, for a function's response, its errorType)
    status: int  # the HTTP status of the error
    message: str  # AWS's message, a str.format template

    def refuse(self, **values: Any) -> Refusal:
        return Refusal(self, self.message.format(limit=self.value, **values))


@dataclass(frozen=True)
class Refusal:
    """What AWS answers a request over `limit` with."""

    limit: Limit
    message: str

    @property
    def code(self) -> str:
        return self.limit.error

    @property
    def status(self) -> int:
        return self.limit.status


_STACK_OPERATIONS = ("CreateStack", "UpdateStack", "CreateChangeSet", "ValidateTemplate")

TEMPLATE_BODY = Limit(
    "cloudformation.template-body",
    quota.TEMPLATE_BODY_BYTES,
    "bytes",
    "Template body size in a request",
    "cloudformation",
    (*_STACK_OPERATIONS, "GetTemplateSummary"),
    "ValidationError",
    400,
    "1 validation error detected: Value '{value}' at 'templateBody' failed to satisfy "
    "constraint: Member must have length less than or equal to {limit}",
)
TEMPLATE_URL = Limit(
    "cloudformation.template-url",
    quota.TEMPLATE_URL_BYTES,
    "bytes",
    "Template body size in an Amazon S3 object",
    "cloudformation",
    (*_STACK_OPERATIONS, "GetTemplateSummary"),
    "ValidationError",
    400,
    "Template may not exceed {limit} bytes in size.",
)
RESOURCES = Limit(
    "cloudformation.resources",
    quota.MAX_RESOURCES,
    "count",
    "Resources (maximum number of resources that you can declare in your template)",
    "cloudformation",
    _STACK_OPERATIONS,
    "ValidationError",
    400,
    "Template format error: Number of resources, {count}, is greater than maximum allowed, {limit}",
)
OUTPUTS = Limit(
    "cloudformation.outputs",
    quota.MAX_OUTPUTS,
    "count",
    "Outputs (maximum number of outputs that you can declare in your template)",
    "cloudformation",
    _STACK_OPERATIONS,
    "ValidationError",
    400,
    "Template format error: Outputs count {count} is greater than max allowed {limit}",
)
PARAMETERS = Limit(
    "cloudformation.parameters",
    quota.MAX_PARAMETERS,
    "count",
    "Parameters (maximum number of parameters that you can declare in your template)",
    "cloudformation",
    _STACK_OPERATIONS,
    "ValidationError",
    400,
    "Template format error: Parameters count {count} is greater than max allowed {limit}",
)
FUNCTION_NAME = Limit(
    "lambda.function-name",
    quota.FUNCTION_NAME_CHARS,
    "characters",
    "Function name (CreateFunction FunctionName: up to 64 characters)",
    "lambda",
    ("CreateFunction",),
    "ValidationException",
    400,
    "1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
    "constraint: Member must have length less than or equal to {limit}",
)
ENVIRONMENT = Limit(
    "lambda.environment",
    quota.ENVIRONMENT_BYTES,
    "bytes",
    "Function environment variables (4 KB, all variables together)",
    "lambda",
    ("CreateFunction", "UpdateFunctionConfiguration"),
    "InvalidParameterValueException",
    400,
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided exceeded the 4KB limit. String measured: {measured}",
)
ZIP_UPLOAD = Limit(
    "lambda.zip-upload",
    quota.ZIP_UPLOAD_BYTES,
    "bytes",
    "Deployment package (.zip file archive) size: 50 MB (zipped, when uploaded directly)",
    "lambda",
    ("CreateFunction", "UpdateFunctionCode", "PublishLayerVersion"),
    "RequestEntityTooLargeException",
    413,
    # The limit on the request: the zip's 50 MB as base64 (what the request carries).
    "Request must be smaller than {request_limit} bytes for the {operation} operation",
)
UNZIPPED = Limit(
    "lambda.unzipped",
    quota.UNZIPPED_BYTES,
    "bytes",
    "Deployment package (.zip file archive) size: 250 MB (unzipped), code and all its layers",
    "lambda",
    ("CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishLayerVersion"),
    "InvalidParameterValueException",
    400,
    "Unzipped size must be smaller than {limit} bytes",
)
INVOKE_REQUEST = Limit(
    "lambda.invoke-request",
    quota.INVOKE_SYNC_BYTES,
    "bytes",
    "Invocation payload (request and response): 6 MB each for request and response (synchronous)",
    "lambda",
    ("Invoke",),
    "RequestEntityTooLargeException",
    413,
    "Request must be smaller than {limit} bytes for the InvokeFunction operation",
)
INVOKE_EVENT = Limit(
    "lambda.invoke-event",
    quota.INVOKE_ASYNC_BYTES,
    "bytes",
    "Invocation payload (request and response): 1 MB (asynchronous)",
    "lambda",
    ("Invoke (InvocationType Event)",),
    "RequestEntityTooLargeException",
    413,
    "{size} byte payload is too large for the Event invocation type (limit {limit} bytes)",
)
INVOKE_RESPONSE = Limit(
    "lambda.invoke-response",
    quota.INVOKE_RESPONSE_BYTES,
    "bytes",
    "Invocation payload (request and response): 6 MB each for request and response (synchronous)",
    "lambda",
    ("Invoke",),
    "Function.ResponseSizeTooLarge",  # a function error: HTTP 200, X-Amz-Function-Error
    200,
    "Response payload size exceeded maximum allowed payload size ({limit} bytes).",
)
ROLE_POLICY = Limit(
    "iam.role-policy",
    quota.ROLE_POLICY_CHARS,
    "characters",
    "Role policy size (all inline policies of a role; whitespace not counted)",
    "iam",
    ("PutRolePolicy", "CreateRole (CloudFormation Policies)"),
    "LimitExceeded",
    409,
    "Maximum policy size of {limit} bytes exceeded for role {role}",
)
MANAGED_POLICY = Limit(
    "iam.managed-policy",
    quota.MANAGED_POLICY_CHARS,
    "characters",
    "Managed policy size (whitespace not counted)",
    "iam",
    ("CreatePolicy", "CreatePolicyVersion"),
    "LimitExceeded",
    409,
    "Cannot exceed quota for PolicySize: {limit}",
)
MANAGED_POLICIES_PER_ROLE = Limit(
    "iam.managed-policies-per-role",
    quota.MANAGED_POLICIES_PER_ROLE,
    "count",
    "Managed policies attached to an IAM role",
    "iam",
    ("AttachRolePolicy",),
    "LimitExceeded",
    409,
    "Cannot exceed quota for PoliciesPerRole: {limit}",
)
SQS_MESSAGE = Limit(
    "sqs.message",
    quota.SQS_MESSAGE_BYTES,
    "bytes",
    "Message size (the queue's MaximumMessageSize; body and attributes together)",
    "sqs",
    ("SendMessage", "SendMessageBatch"),
    "InvalidParameterValue",
    400,
    "One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes.",
)
SNS_MESSAGE = Limit(
    "sns.message",
    quota.SNS_MESSAGE_BYTES,
    "bytes",
    "Message size (the topic's MaximumMessageSize; message and attributes together)",
    "sns",
    ("Publish", "PublishBatch"),
    "InvalidParameter",
    400,
    "Invalid parameter: Message too long",
)

LIMITS: tuple[Limit, ...] = (
    TEMPLATE_BODY,
    TEMPLATE_URL,
    RESOURCES,
    OUTPUTS,
    PARAMETERS,
    FUNCTION_NAME,
    ENVIRONMENT,
    ZIP_UPLOAD,
    UNZIPPED,
    INVOKE_REQUEST,
    INVOKE_EVENT,
    INVOKE_RESPONSE,
    ROLE_POLICY,
    MANAGED_POLICY,
    MANAGED_POLICIES_PER_ROLE,
    SQS_MESSAGE,
    SNS_MESSAGE,
)


# --- CloudFormation ----------------------------------------------------------------------------


def template_body(body: str) -> Refusal | None:
    """A template sent inline (TemplateBody)."""
    if len(body.encode()) <= TEMPLATE_BODY.value:
        return None
    return TEMPLATE_BODY.refuse(value=body)


def template_url(body: str) -> Refusal | None:
    """A template read from S3 (TemplateURL)."""
    if len(body.encode()) <= TEMPLATE_URL.value:
        return None
    return TEMPLATE_URL.refuse()


def template_counts(template: Mapping[str, Any]) -> Refusal | None:
    """Resources, outputs and parameters a template declares."""
    for section, limit in (
        ("Resources", RESOURCES),
        ("Outputs", OUTPUTS),
        ("Parameters", PARAMETERS),
    ):
        declared = template.get(section)
        count = len(declared) if isinstance(declared, dict) else 0
        if count > limit.value:
            return limit.refuse(count=count)
    return None


# --- Lambda ------------------------------------------------------------------------------------


def function_name(name: str) -> Refusal | None:
    if len(name) <= FUNCTION_NAME.value:
        return None
    return FUNCTION_NAME.refuse(value=name)


def environment(variables: Mapping[str, Any] | None) -> Refusal | None:
    if not variables:
        return None
    measured = quota.lambda_environment_text(variables)
    if len(measured.encode()) <= ENVIRONMENT.value:
        return None
    return ENVIRONMENT.refuse(measured=measured)


def request_limit() -> int:
    """The request size Lambda allows for a direct upload: the 50 MB zip, base64-encoded."""
    return math.ceil(ZIP_UPLOAD.value * 4 / 3)


def base64_size(encoded: str | bytes) -> int:
    """The size of what `encoded` decodes to, without decoding it."""
    text = encoded.encode() if isinstance(encoded, str) else bytes(encoded)
    text = text.strip()
    return len(text) * 3 // 4 - len(text) + len(text.rstrip(b"="))


def zip_upload(size: int, operation: str) -> Refusal | None:
    """A .zip of `size` bytes sent in the request (ZipFile) of `operation`."""
    if size <= ZIP_UPLOAD.value:
        return None
    return ZIP_UPLOAD.refuse(request_limit=request_limit(), operation=operation)


def unzipped_size(archive: bytes) -> int:
    """What a zip unzips to, from its central directory (0 for what is not a zip)."""
    if not archive:
        return 0
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            return sum(info.file_size for info in opened.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0  # not a zip: not this limit's business


def unzipped(sizes: Iterable[int]) -> Refusal | None:
    """A function's code and layers (or a layer alone), unzipped together (each one's size
    read from its zip's directory, `unzipped_size` or the local cloud's store of zips)."""
    total = sum(sizes)
    if total <= UNZIPPED.value:
        return None
    return UNZIPPED.refuse(size=total)


def invoke_request(size: int, kind: InvocationType) -> Refusal | None:
    if kind == "Event":
        return None if size <= INVOKE_EVENT.value else INVOKE_EVENT.refuse(size=size)
    return None if size <= INVOKE_REQUEST.value else INVOKE_REQUEST.refuse(size=size)


def invoke_response(size: int) -> Refusal | None:
    if size <= INVOKE_RESPONSE.value:
        return None
    return INVOKE_RESPONSE.refuse(size=size)


def response_error(refusal: Refusal) -> bytes:
    """The payload Lambda answers with when a function's response was too large."""
    return json.dumps({"errorMessage": refusal.message, "errorType": refusal.code}).encode()


# --- IAM ---------------------------------------------------------------------------------------


policy_size = quota.iam_policy_size


def role_policies(role: str, documents: Iterable[Any]) -> Refusal | None:
    """All inline policies of `role` together."""
    if sum(policy_size(document) for document in documents) <= ROLE_POLICY.value:
        return None
    return ROLE_POLICY.refuse(role=role)


def managed_policy(document: Any) -> Refusal | None:
    if policy_size(document) <= MANAGED_POLICY.value:
        return None
    return MANAGED_POLICY.refuse()


def managed_policies_per_role(count: int) -> Refusal | None:
    if count <= MANAGED_POLICIES_PER_ROLE.value:
        return None
    return MANAGED_POLICIES_PER_ROLE.refuse()


# --- SQS and SNS -------------------------------------------------------------------------------


def _value_size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(str(value).encode())


def _binary_size(value: Any) -> int:
    """Binary attribute values arrive raw or base64-encoded, depending on the protocol."""
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return _value_size(value)


def sqs_message_size(body: str, attributes: Mapping[str, Any] | None) -> int:
    """Body and message attributes (name, data type and value of each), in bytes."""
    size = _value_size(body)
    for name, attribute in (attributes or {}).items():
        size += _value_size(name)
        if isinstance(attribute, Mapping):
            size += _value_size(attribute.get("DataType") or attribute.get("data_type"))
            size += _value_size(attribute.get("StringValue") or attribute.get("string_value"))
            binary = attribute.get("BinaryValue") or attribute.get("binary_value")
            size += _binary_size(binary) if binary is not None else 0
    return size


def sqs_message(
    body: str, attributes: Mapping[str, Any] | None, maximum: int | None = None
) -> Refusal | None:
    """A message for a queue whose MaximumMessageSize is `maximum` (default: AWS's)."""
    limit = SQS_MESSAGE.value if maximum is None else maximum
    if sqs_message_size(body, attributes) <= limit:
        return None
    return Refusal(SQS_MESSAGE, SQS_MESSAGE.message.format(limit=limit))


def sns_message_size(message: str, attributes: Mapping[str, Any] | None) -> int:
    """Message and message attributes (name, type and value of each), in bytes; the subject
    does not count."""
    size = _value_size(message)
    for name, attribute in (attributes or {}).items():
        size += _value_size(name)
        if isinstance(attribute, Mapping):
            kind = attribute.get("Type") or attribute.get("DataType") or ""
            size += _value_size(kind)
            value = attribute.get("Value", attribute.get("StringValue"))
            if str(kind).startswith("Binary"):
                size += _binary_size(value if value is not None else attribute.get("BinaryValue"))
            else:
                size += _value_size(value)
    return size


def sns_message(
    message: str, attributes: Mapping[str, Any] | None, maximum: int | None = None
) -> Refusal | None:
    """A message for a topic whose MaximumMessageSize is `maximum` (default: AWS's)."""
    limit = SNS_MESSAGE.value if maximum is None else maximum
    if sns_message_size(message, attributes) <= limit:
        return None
    return SNS_MESSAGE.refuse()
