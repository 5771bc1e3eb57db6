"""Call the local cloud's own endpoints (`/_tether/...`, e.g. firing a schedule) as a client.

The gate refuses unsigned requests, so these are signed like any AWS call: Signature Version 4
(botocore's signer) with the credentials of this TETHER_HOME. For the AWS APIs themselves use
boto3 with `home_credentials()`; this is for Tether's extensions. Imports botocore when called.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from tether.localcloud.credentials import LocalCredentials, home_credentials
from tether.localcloud.endpoint import DEFAULT_REGION

SIGNING_NAME = "tether"  # the credential scope's service: the gate checks any


def request(
    endpoint: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    credentials: LocalCredentials | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """(status, body) of a signed request for `path` (with its query) at `endpoint`; HTTP
    errors are answers too. `credentials` default to this TETHER_HOME's."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = credentials or home_credentials()
    # urllib adds a Content-Type to any request with a body: set it first, so it is signed.
    headers = {"Content-Type": "application/json"} if body or method in ("POST", "PUT") else {}
    unsigned = AWSRequest(
        method=method, url=endpoint.rstrip("/") + path, data=body, headers=headers
    )
    SigV4Auth(
        Credentials(signer.access_key_id, signer.secret_access_key, signer.session_token),
        SIGNING_NAME,
        DEFAULT_REGION,
    ).add_auth(unsigned)
    signed = unsigned.prepare()
    outgoing = urllib.request.Request(
        signed.url,
        data=body if body or method in ("POST", "PUT", "PATCH") else None,
        method=method,
        headers=dict(signed.headers.items()),
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
