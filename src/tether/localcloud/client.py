"""Call the local cloud as a client without boto3: its own endpoints (`/_tether/...`, e.g.
firing a schedule) and the AWS REST calls a command needs at once (`tether invoke`'s Lambda
Invoke), where importing boto3 would cost more than the call.

The gate refuses unsigned requests, so these are signed like any AWS call: Signature Version 4
with the credentials of this TETHER_HOME, computed here with the standard library (the gate
checks it with botocore's own signer, so any difference is refused, and tests/localcloud
exercise both). For the AWS APIs at large use boto3 with `home_credentials()`.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from urllib.parse import quote, unquote, urlsplit

from tether.localcloud.credentials import LocalCredentials, home_credentials
from tether.localcloud.endpoint import DEFAULT_REGION

SIGNING_NAME = "tether"  # the credential scope's service: the gate checks any
ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers (names in lower case) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


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
    answer = call(endpoint, method, path, body=body, credentials=credentials, timeout=timeout)
    return answer.status, answer.body


def call(
    endpoint: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    service: str = SIGNING_NAME,
    region: str = DEFAULT_REGION,
    credentials: LocalCredentials | None = None,
    timeout: float = 30.0,
) -> Answer:
    """A signed request for `path` (with its query) at `endpoint`, for `service` in `region`
    (moto serves each region's resources apart: the region signed is the one meant). HTTP
    errors are answers too; OSError when the local cloud cannot be reached."""
    url = endpoint.rstrip("/") + path
    # urllib adds a Content-Type to any request with a body: set it first, so it is signed.
    outgoing = {"Content-Type": "application/json"} if body or method in ("POST", "PUT") else {}
    outgoing.update(headers or {})
    outgoing.update(
        sign(
            method,
            url,
            body=body,
            headers=outgoing,
            credentials=credentials or home_credentials(),
            service=service,
            region=region,
        )
    )
    prepared = urllib.request.Request(
        url,
        data=body if body or method in ("POST", "PUT", "PATCH") else None,
        method=method,
        headers=outgoing,
    )
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return Answer(int(response.status), _lower(response.headers), bytes(response.read()))
    except urllib.error.HTTPError as error:
        return Answer(int(error.code), _lower(error.headers), bytes(error.read()))


def sign(
    method: str,
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    credentials: LocalCredentials,
    service: str,
    region: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign a request (Signature Version 4 in the Authorization header):
    X-Amz-Date, the session token if any, and Authorization, over `headers` and the host."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    added = {"X-Amz-Date": stamp}
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
    parts = urlsplit(url)
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed.update({name.lower(): value for name, value in added.items()})
    signed["host"] = parts.netloc
    names = sorted(signed)
    canonical = "\n".join(
        [
            method.upper(),
            quote(parts.path or "/", safe="/~"),
            _canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + credentials.secret_access_key).encode()
    for part in (stamp[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    added["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return added


def _canonical_query(query: str) -> str:
    """Every parameter decoded, encoded as AWS does, sorted (as the gate rebuilds it)."""
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _lower(headers: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
