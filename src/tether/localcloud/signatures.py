"""Check that a request to the local cloud is signed with credentials it issued.

Understood, as AWS understands them:

- Signature Version 4 in the `Authorization` header (every SDK and aws CLI call);
- Signature Version 4 in the query string (presigned URLs: `X-Amz-Algorithm`,
  `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
  `X-Amz-Signature`), refused once expired;
- S3's Signature Version 2, which boto3 still uses for presigned S3 URLs (`AWSAccessKeyId`,
  `Expires`, `Signature`) and with `signature_version="s3"` (`Authorization: AWS key:sig`).

`identify` parses a request's signature and finds its signer in the `Keyring` (no body needed,
so a stranger's upload is never read); `verify` then recomputes the signature over the request
as it came over the wire and compares it in constant time. The recomputation is botocore's own
(its signers build the canonical request, the string to sign and the signing key), fed the
signed headers, the raw path and query, and the payload hash the client signed. The payload:
a hex `x-amz-content-sha256` must match the body; `UNSIGNED-PAYLOAD` and
`STREAMING-UNSIGNED-PAYLOAD-TRAILER` are accepted as AWS accepts them; an `aws-chunked` body
signed chunk by chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`) has its seed signature
and every chunk's signature checked (a trailer's own signature is not). Requests are dated:
a signature more than 15 minutes from the local clock is refused, as AWS does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import HmacV1Auth, S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from tether.localcloud.credentials import Keyring, Principal

V4 = "AWS4-HMAC-SHA256"
MAX_SKEW = 15 * 60  # seconds between the signature's date and the local clock
MAX_EXPIRES = 7 * 24 * 3600  # a presigned URL lives a week at most, as on AWS
UNSIGNED = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
CHUNKED = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_TIMESTAMP = re.compile(r"^\d{8}T\d{6}Z$")
_HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

Failure = Literal[
    "missing", "unknown_key", "signature", "expired", "skewed", "malformed", "payload"
]
Scheme = Literal["v4-header", "v4-query", "v2-header", "v2-query"]


@dataclass(frozen=True)
class Incoming:
    """A request as it came over the wire, as far as its signature is concerned."""

    method: str
    path: str  # as sent: still percent-encoded
    query: str  # as sent
    headers: Mapping[str, str]  # lower-case names
    now: float  # seconds since the epoch


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused; `service` (its signing name, when known) shapes the error."""

    failure: Failure
    message: str
    service: str | None = None


@dataclass(frozen=True)
class Claim:
    """A request's signature, parsed, with the principal its key belongs to."""

    principal: Principal
    scheme: Scheme
    signature: str
    service: str  # signing name ("s3" for Signature Version 2)
    region: str
    timestamp: str  # V4: the signed date, yyyymmddThhmmssZ; V2: the Date or Expires signed
    signed_headers: tuple[str, ...]


def service_of(request: Incoming) -> str | None:
    """The signing name a request claims (the credential scope's), if it has one."""
    header = request.headers.get("authorization", "")
    if header.startswith("AWS "):
        return "s3"
    fields = _v4_fields(header) if header else None
    credential = (fields or {}).get("Credential") or _query(request.query).get("X-Amz-Credential")
    if credential:
        parts = credential.split("/")
        return parts[3] if len(parts) == 5 else None
    return "s3" if "AWSAccessKeyId" in _query(request.query) else None


def identify(request: Incoming, keyring: Keyring) -> Claim | Refusal:
    """Parse the request's signature and find who made it (the body is not needed)."""
    header = request.headers.get("authorization")
    if "+" in request.query:
        # Read as a space by the server and as a plus by some signers: ambiguous, so refused.
        return Refusal(
            "malformed",
            "the query string has a raw '+': encode it as %2B (or a space as %20)",
            service_of(request),
        )
    params = _query(request.query)
    in_query = "X-Amz-Algorithm" in params or "AWSAccessKeyId" in params
    if header and in_query:
        return Refusal("malformed", "Only one auth mechanism allowed", service_of(request))
    if header:
        if header.startswith("AWS "):
            return _v2_header(request, header, keyring)
        return _v4_header(request, header, keyring)
    if "X-Amz-Algorithm" in params:
        return _v4_query(request, params, keyring)
    if "AWSAccessKeyId" in params:
        return _v2_query(request, params, keyring)
    return Refusal("missing", "Request is missing Authentication Token", service_of(request))


def verify(claim: Claim, request: Incoming, body: bytes) -> Refusal | None:
    """None if `claim`'s signature is right for this request and body; else why not."""
    if claim.scheme in ("v2-header", "v2-query"):
        return None if _v2_matches(claim, request) else _mismatch(claim)
    if claim.scheme == "v4-query":  # S3's presigned URLs never sign their body
        payload = "UNSIGNED-PAYLOAD" if claim.service == "s3" else _sha256(body)
    else:
        payload = request.headers.get("x-amz-content-sha256") or _sha256(body)
    if not (payload in UNSIGNED or payload in CHUNKED or _HEX_SHA256.match(payload)):
        return Refusal("payload", f"invalid x-amz-content-sha256: {payload!r}", claim.service)
    signer, replayed = _v4_signer(claim, request, payload)
    expected = signer.signature(
        signer.string_to_sign(replayed, signer.canonical_request(replayed)), replayed
    )
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        return _mismatch(claim)
    if _HEX_SHA256.match(payload) and not hmac.compare_digest(payload.lower(), _sha256(body)):
        return Refusal(
            "payload",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            claim.service,
        )
    if payload in CHUNKED and not _chunks_match(
        signer, replayed, expected, body, request.headers.get("x-amz-decoded-content-length")
    ):
        return Refusal("signature", "a chunk's signature does not match", claim.service)
    return None


# --- Signature Version 4 ----------------------------------------------------------------------


class _Replay:
    """A botocore signer fed the request as received, not as botocore would build it."""

    def __init__(
        self,
        credentials: Any,
        service: str,
        region: str,
        *,
        headers: Any,
        query: str,
        payload: str,
    ) -> None:
        super().__init__(credentials, service, region)  # type: ignore[call-arg]
        self._received_headers = headers
        self._received_query = query
        self._received_payload = payload

    def headers_to_sign(self, request: Any) -> Any:
        return self._received_headers

    def canonical_query_string(self, request: Any) -> str:
        return self._received_query

    def payload(self, request: Any) -> str:
        return self._received_payload


class _ReplaySigV4(_Replay, SigV4Auth):  # type: ignore[misc]
    pass


class _ReplayS3SigV4(_Replay, S3SigV4Auth):  # type: ignore[misc]
    pass


def _v4_header(request: Incoming, header: str, keyring: Keyring) -> Claim | Refusal:
    fields = _v4_fields(header)
    if fields is None:
        return Refusal(
            "malformed",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
            f"parameters of {V4} (or S3's 'AWS key:signature')",
            service_of(request),
        )
    timestamp = request.headers.get("x-amz-date") or _v4_timestamp(request.headers.get("date"))
    token = request.headers.get("x-amz-security-token")
    return _v4_claim(
        request,
        keyring,
        scheme="v4-header",
        credential=fields["Credential"],
        signed=fields["SignedHeaders"],
        signature=fields["Signature"],
        timestamp=timestamp,
        token=token,
        expires=None,
    )


def _v4_query(request: Incoming, params: dict[str, str], keyring: Keyring) -> Claim | Refusal:
    missing = [
        name
        for name in ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
        if not params.get(name)
    ]
    if params.get("X-Amz-Algorithm") != V4 or missing:
        return Refusal(
            "malformed",
            f"X-Amz-Algorithm must be {V4}, with {', '.join(missing) or 'every parameter'}",
            service_of(request),
        )
    try:
        expires = int(params.get("X-Amz-Expires", ""))
    except ValueError:
        expires = -1
    if not 0 < expires <= MAX_EXPIRES:
        return Refusal(
            "malformed",
            f"X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES}",
            service_of(request),
        )
    return _v4_claim(
        request,
        keyring,
        scheme="v4-query",
        credential=params["X-Amz-Credential"],
        signed=params["X-Amz-SignedHeaders"],
        signature=params["X-Amz-Signature"],
        timestamp=params["X-Amz-Date"],
        token=params.get("X-Amz-Security-Token"),
        expires=expires,
    )


def _v4_claim(
    request: Incoming,
    keyring: Keyring,
    *,
    scheme: Scheme,
    credential: str,
    signed: str,
    signature: str,
    timestamp: str | None,
    token: str | None,
    expires: int | None,
) -> Claim | Refusal:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        return Refusal(
            "malformed",
            "the Credential must be <access key id>/<date>/<region>/<service>/aws4_request",
            service_of(request),
        )
    key, day, region, service, _ = parts
    if not timestamp or not _TIMESTAMP.match(timestamp) or timestamp[:8] != day:
        return Refusal(
            "malformed", "the signature's date (X-Amz-Date) is missing or wrong", service
        )
    signed_at = datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    if expires is not None and request.now > signed_at + expires:
        return Refusal("expired", "Request has expired", service)
    if expires is None and abs(request.now - signed_at) > MAX_SKEW:
        return Refusal(
            "skewed",
            f"Signature expired: {timestamp} is more than 15 minutes from the local cloud's time",
            service,
        )
    if expires is not None and signed_at > request.now + MAX_SKEW:
        return Refusal("skewed", "Request is not yet valid", service)
    principal = keyring.principal(key, token)
    if principal is None:
        return Refusal("unknown_key", _unknown(key), service)
    names = tuple(name.strip().lower() for name in signed.split(";") if name.strip())
    if "host" not in names:
        return Refusal("malformed", "the signed headers must include 'host'", service)
    unsigned = sorted(set(_must_be_signed(request, service)) - set(names))
    if unsigned:
        # What the server acts on must be what was signed (S3: "There were headers present in
        # the request which were not signed"): else a presigned URL becomes a copy, or a call
        # to another service.
        return Refusal(
            "signature",
            f"There were headers present in the request which were not signed: "
            f"{', '.join(unsigned)}",
            service,
        )
    return Claim(principal, scheme, signature.strip(), service, region, timestamp, names)


# Headers SDKs leave unsigned on purpose; every other x-amz-* header must be signed.
_UNSIGNABLE = {"x-amz-user-agent", "x-amzn-trace-id"}


def _must_be_signed(request: Incoming, service: str) -> list[str]:
    names = [
        name for name in request.headers if name.startswith("x-amz-") and name not in _UNSIGNABLE
    ]
    if service != "s3":  # what picks the operation and how the body is read
        names += [n for n in ("content-type", "x-amz-target") if n in request.headers]
    return names


def _v4_signer(claim: Claim, request: Incoming, payload: str) -> tuple[Any, Any]:
    headers = HTTPHeaders()
    for name in claim.signed_headers:
        value = request.headers.get(name)
        if value is not None:
            headers[name] = value
    query = _canonical_query(
        request.query, drop="X-Amz-Signature" if claim.scheme == "v4-query" else None
    )
    kind = _ReplayS3SigV4 if claim.service == "s3" else _ReplaySigV4
    creds = claim.principal.credentials
    signer = kind(
        Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
        claim.service,
        claim.region,
        headers=headers,
        query=query,
        payload=payload,
    )
    replayed = AWSRequest(method=request.method, url="http://local-cloud" + (request.path or "/"))
    replayed.context["timestamp"] = claim.timestamp
    return signer, replayed


def _chunks_match(
    signer: Any, replayed: Any, seed: str, body: bytes, decoded_length: str | None
) -> bool:
    """Every chunk of an aws-chunked body is signed, each signature chaining the previous; the
    chunks add up to the decoded length announced, and only a trailer follows the last one."""
    scope = signer.credential_scope(replayed)
    timestamp = replayed.context["timestamp"]
    previous, at, total = seed, 0, 0
    while True:
        end = body.find(b"\r\n", at)
        if end < 0:
            return False
        size_text, _, extension = body[at:end].decode("latin-1").partition(";")
        name, _, given = extension.partition("=")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            return False
        data = body[end + 2 : end + 2 + size]
        if name.strip() != "chunk-signature" or len(data) != size:
            return False
        string_to_sign = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous, EMPTY_SHA256, _sha256(data)]
        )
        expected: str = signer.signature(string_to_sign, replayed)
        if not hmac.compare_digest(expected.encode(), given.strip().encode()):
            return False
        previous = expected
        total += size
        if size == 0:
            if decoded_length is not None and decoded_length.strip() != str(total):
                return False
            return _only_trailer(body[end + 2 :])
        at = end + 2 + size
        if body[at : at + 2] != b"\r\n":
            return False
        at += 2


_TRAILER_LINE = re.compile(rb"^[A-Za-z0-9-]+:[^\r\n]*$")


def _only_trailer(rest: bytes) -> bool:
    """What may follow the last chunk: `name:value` lines (a checksum), then an empty line."""
    if rest == b"\r\n":
        return True
    if not rest.endswith(b"\r\n\r\n"):
        return False
    return all(_TRAILER_LINE.match(line) for line in rest[:-4].split(b"\r\n"))


# --- S3's Signature Version 2 ------------------------------------------------------------------


class _ReplayHmacV1(HmacV1Auth):  # type: ignore[misc]
    """botocore's S3 V2 signer, with the date (or expiry) the client signed."""

    def __init__(self, credentials: Any, date: str) -> None:
        super().__init__(credentials)
        self._signed_date = date

    def _get_date(self) -> str:
        return self._signed_date


def _v2_header(request: Incoming, header: str, keyring: Keyring) -> Claim | Refusal:
    key, sep, signature = header[len("AWS ") :].strip().rpartition(":")
    if not sep or not key or not signature:
        return Refusal("malformed", "the Authorization header must be 'AWS key:signature'", "s3")
    if "x-amz-date" in request.headers:
        dated, signed = request.headers["x-amz-date"], ""
    else:
        dated = signed = request.headers.get("date", "")
    try:
        when = parsedate_to_datetime(dated).timestamp()
    except (TypeError, ValueError):
        return Refusal("malformed", "a signed request needs a Date or x-amz-date header", "s3")
    if abs(request.now - when) > MAX_SKEW:
        return Refusal(
            "skewed",
            "The difference between the request time and the current time is too large.",
            "s3",
        )
    principal = keyring.principal(key, request.headers.get("x-amz-security-token"))
    if principal is None:
        return Refusal("unknown_key", _unknown(key), "s3")
    return Claim(principal, "v2-header", signature, "s3", "", signed, ())


def _v2_query(request: Incoming, params: dict[str, str], keyring: Keyring) -> Claim | Refusal:
    try:
        expires = int(params.get("Expires", ""))
    except ValueError:
        return Refusal("malformed", "Expires must be a time in seconds since the epoch", "s3")
    if not params.get("Signature"):
        return Refusal("malformed", "Signature is missing", "s3")
    if request.now > expires:
        return Refusal("expired", "Request has expired", "s3")
    if expires > request.now + MAX_EXPIRES:
        return Refusal("malformed", f"Expires must be at most {MAX_EXPIRES} s away", "s3")
    unsigned = sorted(set(params) - _V2_SIGNED_QUERY)
    if unsigned:
        return Refusal(
            "signature",
            f"query parameters that Signature Version 2 does not sign: {', '.join(unsigned)}",
            "s3",
        )
    key = params["AWSAccessKeyId"]
    principal = keyring.principal(key, params.get("x-amz-security-token"))
    if principal is None:
        return Refusal("unknown_key", _unknown(key), "s3")
    return Claim(principal, "v2-query", params["Signature"], "s3", "", str(expires), ())


# The query parameters a V2 signature covers (its sub-resources and response overrides), and
# its own; `x-id` names the operation for the SDK and changes nothing.
_V2_SIGNED_QUERY = set(HmacV1Auth.QSAOfInterest) | {
    "AWSAccessKeyId",
    "Expires",
    "Signature",
    "x-amz-security-token",
    "x-id",
}


def _v2_matches(claim: Claim, request: Incoming) -> bool:
    creds = claim.principal.credentials
    signer = _ReplayHmacV1(
        Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
        claim.timestamp,
    )
    split = urlsplit("http://local-cloud" + (request.path or "/") + "?" + request.query)
    amz = {name: value for name, value in request.headers.items() if name.startswith("x-amz-")}
    standard = {n: request.headers.get(n) for n in ("content-md5", "content-type")}
    if claim.scheme == "v2-query":
        params = _query(request.query)
        amz.update({n: v for n, v in params.items() if n.lower().startswith("x-amz-")})
        standard.update({n: params[n] for n in standard if n in params})
    candidates = [standard]
    if claim.scheme == "v2-query" and standard["content-type"]:
        # A presigned URL signed without a content type, sent by a client that adds one
        # (urllib does, for any body): S3 would refuse it; the local cloud lets it through.
        candidates.append({**standard, "content-type": None})
    for chosen in candidates:
        headers = HTTPHeaders()
        for name, value in {**chosen, **amz}.items():
            if value is not None:
                headers[name] = value
        expected: str = signer.sign_string(signer.canonical_string(request.method, split, headers))
        if hmac.compare_digest(expected.encode(), claim.signature.encode()):
            return True
    return False


# --- helpers -----------------------------------------------------------------------------------


def _v4_fields(header: str) -> dict[str, str] | None:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != V4:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or name.strip() in fields:
            return None  # a field twice: the server's router might read another one than we do
        fields[name.strip()] = value.strip()
    if not all(fields.get(name) for name in ("Credential", "SignedHeaders", "Signature")):
        return None
    return fields


def _v4_timestamp(date_header: str | None) -> str | None:
    """A `Date` header (SigV4 allows it instead of X-Amz-Date) as a SigV4 timestamp."""
    if not date_header:
        return None
    try:
        return parsedate_to_datetime(date_header).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return None


def _query(query: str) -> dict[str, str]:
    """Query parameters, percent-decoded ('+' stays '+': signatures and keys contain it)."""
    found: dict[str, str] = {}
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            found[unquote(name)] = unquote(value)
    return found


def _canonical_query(query: str, *, drop: str | None) -> str:
    """SigV4's canonical query string: every parameter decoded, encoded as AWS does, sorted."""
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name, value = unquote(name), unquote(value)
        if name == drop:
            continue
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unknown(key: str) -> str:
    return (
        f"The AWS Access Key Id you provided ({key}) does not exist in the local cloud's "
        "records: use its credentials (`tether local env`)"
    )


def _mismatch(claim: Claim) -> Refusal:
    return Refusal(
        "signature",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method.",
        claim.service,
    )
