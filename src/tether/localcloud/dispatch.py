"""Which of moto's services answers a request: the one its verified signature was made for;
and whether it may: a function's request is authorised against its role first (`authorize`).

moto's `DomainDispatcherApplication` guesses the service from the request: the first
`Credential=` of the Authorization header, or, for requests without one (presigned URLs, S3's
Signature Version 2), from `X-Amz-Target`, a form body's `Action` or the path, none of which a
presigned URL signs. Behind the gate every request has a verified signature, so the guess is
replaced by what was verified (`gate.SIGNED_SERVICE`): a presigned S3 URL reaches S3 and nothing
else. Requests the gate lets through unsigned (`/_tether/health`) never get here.

Before a request reaches moto, `authorize.Authorizer` decides for the ones a function signed
(the home's credentials have full access): a denied one gets AWS's access-denied error and moto
never sees it.

Which of moto's services a host name leads to is looked up once per host (moto looks it up
for every request, holding the lock all requests share).

What moto cannot answer (an operation it does not implement, or its own failure) reaches the
client as AWS's `NotImplemented` error in the shape its SDK parses, not as an HTML page.

Imports moto: only the server imports this module.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from tether.localcloud.authorize import Authorizer
from tether.localcloud.endpoint import DEFAULT_REGION
from tether.localcloud.gate import SIGNED_SERVICE, error_response, protocol_of

log = logging.getLogger("tether.localcloud")
KNOWN_HOSTS = 1024  # service hosts whose backend is remembered (services x regions in use)


class SignedServiceDispatcher(DomainDispatcherApplication):
    def __init__(self, create_app: Any, authorizer: Authorizer | None = None) -> None:
        super().__init__(create_app)
        self.authorizer = Authorizer.from_environment() if authorizer is None else authorizer
        self._backends: dict[str | None, Any] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        denial = self.authorizer.check(environ)
        if denial is not None:
            return denial.respond(environ, start_response)
        failed: list[bool] = []

        def unless_html_failure(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            # moto's answer to what it does not implement (or to its own bug) is werkzeug's HTML
            # error page, which no AWS client can parse: it is replaced below.
            html = any(
                k.lower() == "content-type" and v.startswith("text/html") for k, v in headers
            )
            if status.startswith("500") and html:
                failed.append(True)
                return lambda data: None
            return start_response(status, headers, exc_info)

        try:
            answer: Iterable[bytes] = super().__call__(environ, unless_html_failure)
        except NotImplementedError:
            log.info("not implemented by moto", exc_info=True)
            return not_implemented(environ, start_response, missing=True)
        if not failed:
            return answer
        close = getattr(answer, "close", None)
        if close is not None:
            close()
        return not_implemented(environ, start_response, missing=False)

    def get_backend_for_host(self, host: str | None) -> Any:
        """moto's answer, remembered: it lists moto's package folder and tries every service's
        URL patterns for each request (about 1.5 ms, under the dispatcher's lock, so every
        request waits for it), and the answer depends on the host alone. moto calls this
        holding `self.lock`; hosts are made from verified service and region names, and at
        most `KNOWN_HOSTS` are kept."""
        if host in self._backends:
            return self._backends[host]
        backend = super().get_backend_for_host(host)
        if len(self._backends) < KNOWN_HOSTS:
            self._backends[host] = backend
        return backend

    def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
        signed = environ.get(SIGNED_SERVICE)
        if signed is None:
            return None  # unsigned: moto's default service, which acts on nothing of the user's
        service, region = signed
        # moto reads the service from the credential scope of an Authorization header: show it
        # the verified one (and only for this choice; the request itself is unchanged).
        scope = f"AWS4-HMAC-SHA256 Credential=verified/20000101/{region or DEFAULT_REGION}/{service}/aws4_request"
        host: str | None = super().infer_service_region_host(
            {**environ, "HTTP_AUTHORIZATION": scope}, path
        )
        return host


def not_implemented(
    environ: dict[str, Any], start_response: Callable[..., Any], *, missing: bool
) -> Iterable[bytes]:
    """AWS's `NotImplemented` (501: SDKs do not retry it), in the request's protocol, naming
    the operation when the request says it: one moto lacks (`missing`), or one it failed on."""
    signed = environ.get(SIGNED_SERVICE)
    service = signed[0] if signed else "this service"
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "").rpartition(".")[2]
    action = target or _query_action(environ) or "this request"
    if missing:
        message = f"the local cloud does not implement {service} {action}: moto, which emulates {service}, lacks it"
    else:
        message = (
            f"the local cloud failed on {service} {action}: moto, which emulates {service}, "
            "raised an error (its traceback is in $TETHER_HOME/local/cloud.log)"
        )
    return error_response(
        environ,
        start_response,
        501,
        "NotImplemented",
        message,
        protocol_of(environ, signed[0] if signed else None),
    )


def _query_action(environ: dict[str, Any]) -> str:
    """`Action=` of a query-protocol request: in the query string, or in the form body the
    gate has already read."""
    found = parse_qs(str(environ.get("QUERY_STRING") or "")).get("Action")
    if found:
        return found[0]
    stream = environ.get("wsgi.input")
    body = stream.getvalue()[:4096] if isinstance(stream, io.BytesIO) else b""
    if b"Action=" in body:
        return parse_qs(body.decode("latin-1")).get("Action", [""])[0]
    return ""
