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

Imports moto: only the server imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from tether.localcloud.authorize import Authorizer
from tether.localcloud.endpoint import DEFAULT_REGION
from tether.localcloud.gate import SIGNED_SERVICE


class SignedServiceDispatcher(DomainDispatcherApplication):
    def __init__(self, create_app: Any, authorizer: Authorizer | None = None) -> None:
        super().__init__(create_app)
        self.authorizer = Authorizer.from_environment() if authorizer is None else authorizer

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        denial = self.authorizer.check(environ)
        if denial is not None:
            return denial.respond(environ, start_response)
        answer: Iterable[bytes] = super().__call__(environ, start_response)
        return answer

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
