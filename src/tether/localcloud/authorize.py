"""IAM for function code: a request signed by a function is allowed only if the function's role,
as deployed at that moment, allows every action it needs; it is refused as AWS refuses it.

Behind the gate every request has a verified signer (`gate.PRINCIPAL`). A request signed with
the home's key pair (Tether's deploy machinery, the user's CLI and scripts, the tests) is not
checked: full access, as the account's administrator. A request signed with a function's key
pair (its workers' `AWS_ACCESS_KEY_ID`/`AWS_SESSION_TOKEN`, whose token names the function's
ARN: `credentials.function_credentials`) is checked here before moto sees it:

1. the function, by that ARN (qualified for a published version), in moto's Lambda backend, and
   its execution role (`Role`) in moto's IAM backend, both read at call time: a function's
   credentials are its role's, as Lambda's are the role's session named after the function
   (`arn:aws:sts::<account>:assumed-role/<role>/<function>`, the name errors show). A deploy that
   changes the role or its policies takes effect with the next call;
2. the role's policies: its inline policies and the default version of each attached managed
   policy, plus its permissions boundary if it has one, parsed once and cached per role with a
   fingerprint of the policies (their documents and versions): when a deploy changes them, the
   fingerprint changes and the documents are parsed again;
3. what the request needs (`authorize_request.describe`: the actions and the ARN each acts on)
   and the condition keys of the request (`aws:PrincipalArn`, `aws:RequestedRegion`,
   `lambda:SourceFunctionArn`, `s3:prefix`...), evaluated with `authorize_policy`: an explicit
   Deny wins, then an Allow is needed for every action, else the call is denied.

A denied request gets AWS's error in its service's shape: S3's `AccessDenied` (403, XML), SNS's
`AuthorizationError` (403), SQS's `AccessDenied` (403, JSON or XML), DynamoDB's and other JSON
services' `AccessDeniedException` (400), Lambda's (403); the message is AWS's: `User: <session>
is not authorized to perform: <action> on resource: <arn> because no identity-based policy
allows the <action> action` (or `with an explicit deny in an identity-based policy`).

Resource-based policies (bucket, queue and topic policies, a function's policy) are not
consulted: the local cloud can refuse a call that such a policy would allow on AWS (SNS's
default topic policy lets every principal of the account publish), never the reverse.

This is fidelity to AWS ("works locally" means the role is right), not a sandbox: a function's
code runs as the user, who can read the home's key pair from disk.

`TETHER_LOCAL_IAM=off` in the server's environment turns the checks off (a debugging switch for
measurements, as `bench/invoke.py` uses it; on by default). Imports moto: only the server
imports this module.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import lambda_backends
from moto.iam.models import IAMBackend, Role, iam_backends

from tether.localcloud import authorize_request
from tether.localcloud.authorize_policy import Policy, PolicyError, evaluate, parse
from tether.localcloud.authorize_request import Call, Request, partition
from tether.localcloud.credentials import Principal
from tether.localcloud.gate import (
    PRINCIPAL,
    SIGNED_SERVICE,
    Protocol,
    error_response,
    path_info,
    protocol_of,
)

ENV = "TETHER_LOCAL_IAM"
WARM_AFTER = 1.0  # seconds after the server starts: read the S3 routes in the background
CORAL = "com.amazon.coral.service#"
StartResponse = Any

log = logging.getLogger("tether.localcloud.authorize")


def enabled(environ: dict[str, str] | None = None) -> bool:
    """Whether function calls are checked: unless `TETHER_LOCAL_IAM` is off/0/false/no."""
    value = (os.environ if environ is None else environ).get(ENV, "").strip().lower()
    return value not in ("off", "0", "false", "no")


@dataclass(frozen=True)
class Identity:
    """A function as IAM sees it when its code calls: its role's session and policies."""

    function_arn: str
    session_arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<function>
    role_arn: str | None
    role_id: str
    tags: tuple[tuple[str, str], ...]
    policies: tuple[Policy, ...]
    boundary: tuple[Policy, ...] | None  # None: no permissions boundary
    needs_context: bool


@dataclass(frozen=True)
class Denial:
    """Why a request is refused, and how its client expects to read that."""

    service: str  # IAM prefix
    action: str
    resource: str
    message: str

    def respond(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        signed = environ.get(SIGNED_SERVICE) or (None, None)
        protocol: Protocol = protocol_of(environ, signed[0])
        status, code, json_type, headers = _shape(self.service, protocol)
        return error_response(
            environ,
            start_response,
            status,
            code,
            self.message,
            protocol,
            json_type=json_type,
            headers=headers,
        )


def _shape(service: str, protocol: Protocol) -> tuple[int, str, str | None, list[tuple[str, str]]]:
    """(status, code, JSON __type, extra headers) of AWS's access-denied error for a service."""
    if service == "s3":
        return 403, "AccessDenied", None, []
    if service == "sns":
        return 403, "AuthorizationError", None, []
    if service == "sqs":
        # SQS's JSON protocol names the query protocol's code for SDKs that read it.
        return (
            403,
            "AccessDenied",
            CORAL + "AccessDeniedException",
            [("x-amzn-query-error", "AccessDenied;Sender")],
        )
    if protocol == "json":
        return 400, "AccessDeniedException", CORAL + "AccessDeniedException", []
    if protocol == "rest-json":
        return 403, "AccessDeniedException", None, []
    return 403, "AccessDenied", None, []


class Authorizer:
    """Decides for each request signed by a function; `check(environ)` -> Denial or None."""

    def __init__(self, *, active: bool = True) -> None:
        self.active = active
        self._cache: dict[str, tuple[Any, Identity]] = {}  # function -> (fingerprint, identity)
        self._roles: dict[str, Role] = {}  # role ARN -> role
        if active:
            # botocore's S3 model takes ~0.1 s to read: not on the first function's first call,
            # nor while the server starts.
            warm = threading.Timer(WARM_AFTER, self._warm)
            warm.daemon = True
            warm.start()

    @classmethod
    def from_environment(cls) -> Authorizer:
        return cls(active=enabled())

    @staticmethod
    def _warm() -> None:
        try:
            authorize_request.routes("s3")
            authorize_request.needs("s3")
        except Exception:  # only a head start: the first call builds them otherwise
            log.debug("could not prepare the S3 routes", exc_info=True)

    def check(self, environ: dict[str, Any]) -> Denial | None:
        principal: Principal | None = environ.get(PRINCIPAL)
        if not self.active or principal is None or principal.function_arn is None:
            return None
        service, region = environ.get(SIGNED_SERVICE) or ("", "")
        arn = principal.function_arn
        account = arn.split(":")[4] if arn.count(":") >= 6 else "123456789012"
        stream = environ.get("wsgi.input")
        getvalue = getattr(stream, "getvalue", None)  # the gate left the body in a BytesIO
        body = bytes(getvalue()) if getvalue is not None else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        request = Request(
            service=str(service),
            region=str(region or "us-east-1"),
            account=account,
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path_info(environ),
            query=str(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
        )
        try:
            return self.decide(arn, request, source_ip=str(environ.get("REMOTE_ADDR", "")))
        except Exception as exc:  # a request this module cannot read: refused, and said why
            log.exception("cannot authorise %s %s for %s", request.method, request.path, arn)
            prefix = authorize_request.IAM_PREFIX.get(request.service, request.service)
            return Denial(
                prefix,
                f"{prefix}:*",
                "*",
                f"the local cloud could not authorise this request of {arn} ({exc!r}); "
                f"{ENV}=off in its environment turns the checks off",
            )

    def decide(self, function_arn: str, request: Request, *, source_ip: str = "") -> Denial | None:
        """None if `function_arn`'s role allows `request`, else why not."""
        call = authorize_request.describe(request)
        if call.free:
            return None
        identity = self.identity(function_arn, request.region)
        context = (
            self._context(identity, request, call, source_ip) if identity.needs_context else {}
        )
        for access in call.accesses:
            decision = evaluate(identity.policies, access.action, access.resource, context)
            reason = None
            if decision == "deny":
                reason = "with an explicit deny in an identity-based policy"
            elif decision == "implicit":
                reason = "because no identity-based policy allows the {action} action"
            elif identity.boundary is not None:
                bounded = evaluate(identity.boundary, access.action, access.resource, context)
                if bounded == "deny":
                    reason = "with an explicit deny in a permissions boundary"
                elif bounded == "implicit":
                    reason = "because no permissions boundary allows the {action} action"
            if reason is not None:
                return self._denial(identity, call, access.action, access.resource, reason)
        return None

    # -----------------------------------------------------------------------------------------

    def identity(self, function_arn: str, region: str) -> Identity:
        """The function's role and its policies as deployed now (parsed once per version)."""
        parts = function_arn.split(":")
        name = parts[6] if len(parts) > 6 else function_arn
        account = parts[4] if len(parts) > 4 else "123456789012"
        fn_region = parts[3] if len(parts) > 3 and parts[3] else region
        qualifier = parts[7] if len(parts) > 7 else None
        session = f"arn:{partition(fn_region)}:sts::{account}:assumed-role/{{role}}/{name}"
        try:
            fn = _backend(lambda_backends, account, fn_region).get_function(name, qualifier)
        except LambdaClientError:
            fn = None
        role_arn = str(getattr(fn, "role", "") or "") if fn is not None else ""
        role = self._role(role_arn, account, fn_region) if role_arn else None
        if role is None:
            role_name = role_arn.rpartition("/")[2] or "unknown"
            return Identity(
                function_arn=function_arn,
                session_arn=session.format(role=role_name),
                role_arn=role_arn or None,
                role_id="",
                tags=(),
                policies=(),
                boundary=None,
                needs_context=False,
            )
        backend = _backend(iam_backends, account, partition(fn_region))
        boundary_arn = role.permissions_boundary_arn or None
        boundary_policy = backend.managed_policies.get(boundary_arn) if boundary_arn else None
        fingerprint = (
            role.id,
            tuple(role.policies.items()),
            # the default version's document itself: an update may rewrite it in place
            tuple((arn, _document(p)) for arn, p in role.managed_policies.items()),
            boundary_arn,
            _document(boundary_policy),
        )
        cached = self._cache.get(function_arn)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        policies = [self._parse(d, role.name) for d in role.policies.values()]
        policies += [self._parse(_document(p), role.name) for p in role.managed_policies.values()]
        boundary = None
        if boundary_arn:
            boundary = (
                (self._parse(_document(boundary_policy), role.name),) if boundary_policy else ()
            )
        kept = tuple(p for p in policies if p is not None)
        bounds = None if boundary is None else tuple(p for p in boundary if p is not None)
        identity = Identity(
            function_arn=function_arn,
            session_arn=session.format(role=role.name),
            role_arn=role.arn,
            role_id=role.id,
            tags=tuple(_tags(role)),
            policies=kept,
            boundary=bounds,
            needs_context=any(p.needs_context for p in (*kept, *(bounds or ()))),
        )
        self._cache[function_arn] = (fingerprint, identity)
        return identity

    def _role(self, arn: str, account: str, region: str) -> Role | None:
        try:
            backend: IAMBackend = _backend(iam_backends, account, partition(region))
        except KeyError:
            return None
        known = self._roles.get(arn)
        if known is not None and backend.roles.get(known.id) is known:
            return known
        for role in list(backend.roles.values()):
            if role.arn == arn:
                self._roles[arn] = role
                return role
        return None

    @staticmethod
    def _parse(document: str | None, role: str) -> Policy | None:
        if not document:
            return None
        try:
            return parse(document)
        except PolicyError as exc:
            log.warning("role %s: a policy that grants nothing (%s)", role, exc)
            return None

    @staticmethod
    def _context(
        identity: Identity, request: Request, call: Call, source_ip: str
    ) -> dict[str, Any]:
        now = time.time()
        unqualified = ":".join(identity.function_arn.split(":")[:7])
        context: dict[str, Any] = {
            "aws:principalarn": identity.role_arn or "",
            "aws:principalaccount": request.account,
            "aws:principaltype": "AssumedRole",
            "aws:userid": f"{identity.role_id}:{identity.session_arn.rpartition('/')[2]}",
            "aws:requestedregion": request.region,
            "aws:securetransport": "false",
            "aws:currenttime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:epochtime": str(int(now)),
            "lambda:sourcefunctionarn": unqualified,
        }
        if source_ip:
            context["aws:sourceip"] = source_ip
        for key, value in identity.tags:
            context[f"aws:principaltag/{key.lower()}"] = value
        context.update(call.context)
        return context

    @staticmethod
    def _denial(identity: Identity, call: Call, action: str, resource: str, reason: str) -> Denial:
        shown_action = "SNS:" + action.partition(":")[2] if call.service == "sns" else action
        shown_resource = f'"{resource}"' if call.service == "s3" else resource
        message = (
            f"User: {identity.session_arn} is not authorized to perform: {shown_action} "
            f"on resource: {shown_resource} {reason.format(action=shown_action)}"
        )
        if call.operation is None:
            message += " (the local cloud could not tell which operation this request is)"
        return Denial(call.service, action, resource, message)


def _backend(backends: Any, account: str, region: str) -> Any:
    """`backends[account][region]`, without moto's bookkeeping when both already exist (it
    takes a lock and lists every account on each lookup)."""
    per_account = dict.get(backends, account)
    if per_account is not None:
        found = dict.get(per_account, region)
        if found is not None:
            return found
    return backends[account][region]


def _document(policy: Any) -> str | None:
    for version in getattr(policy, "versions", ()):
        if version.version_id == policy.default_version_id:
            return str(version.document)
    return None


def _tags(role: Role) -> Sequence[tuple[str, str]]:
    tags = role.tags
    if isinstance(tags, dict):
        tags = list(tags.values())
    if not isinstance(tags, list):
        return []
    return [(str(t.get("Key", "")), str(t.get("Value", ""))) for t in tags if isinstance(t, dict)]
