"""Cloud sessions for the two targets, and the translation of connection and credential failures
into user errors.

`local` points boto3 at the embedded local cloud with the credentials it issued for this
TETHER_HOME (`tether.localcloud.credentials`), so a user's real AWS credentials never reach it.
`aws` uses boto3's standard credential chain and the project's region (AWS_PROFILE, AWS_REGION
and AWS_ENDPOINT_URL are honoured as boto3 honours them). Every call that may fail for reasons
outside Tether runs inside `cloud.guard()`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from tether.errors import TetherError

_CREDENTIAL_ERRORS = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "AuthFailure",
}
_CONFIG = Config(
    # Standard mode retries throttling, 5xx and transient errors with jittered exponential backoff.
    retries={"mode": "standard", "total_max_attempts": 5},
    connect_timeout=5,
    read_timeout=120,
)


_CLIENTS_LOCK = threading.Lock()


class CloudError(TetherError):
    """The cloud could not be reached, refused the credentials, or rejected a request.

    `code` is AWS's error code when the cloud answered with one ("ThrottlingException"), else "".
    """

    def __init__(self, message: str, *, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


# Error codes that mean "the service is busy or briefly broken": botocore's standard retry mode
# has already retried them with backoff by the time they reach `guard()`.
_BUSY_ERRORS = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceException",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
    "ResourceNotReadyException",
}


@dataclass
class Cloud:
    """boto3 clients for one target and region, created lazily and reused."""

    target: str
    region: str
    endpoint: str | None = None  # the local cloud's URL; None means AWS's own endpoints
    session: Any = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _account: str | None = None

    def client(self, service: str) -> Any:
        with _CLIENTS_LOCK:  # boto3 sessions are not thread-safe: parallel updates share one
            return self._client(service)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            kwargs: dict[str, Any] = {"region_name": self.region, "config": _CONFIG}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
            self._clients[service] = self.session.client(service, **kwargs)
        return self._clients[service]

    def account_id(self) -> str:
        if self._account is None:
            with self.guard():
                self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def where(self) -> str:
        return (
            f"the local cloud at {self.endpoint}"
            if self.target == "local"
            else f"AWS ({self.region})"
        )

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn failures of the network, the credentials or a request into CloudErrors."""
        try:
            yield
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            hint = (
                "start it with `tether local start`, or check `tether local status`"
                if self.target == "local"
                else "check your network connection and the region; AWS_ENDPOINT_URL, if set, must be reachable"
            )
            raise CloudError(f"cannot reach {self.where()}: {exc}", hint=hint) from None
        except ReadTimeoutError as exc:
            raise CloudError(
                f"{self.where()} did not answer in time: {exc}", hint="try again"
            ) from None
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise CloudError(
                f"no usable AWS credentials: {exc}",
                hint="configure them with `aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY; or deploy to the local cloud with --target local",
            ) from None
        except (ProfileNotFound, NoRegionError) as exc:
            raise CloudError(str(exc), hint="check AWS_PROFILE and your AWS config") from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "Error"), error.get("Message", str(exc))
            if code in _CREDENTIAL_ERRORS:
                raise CloudError(
                    f"AWS rejected the credentials ({code}): {message}",
                    hint="refresh or fix your credentials (`aws sts get-caller-identity` shows who you are)",
                ) from None
            if code in {"AccessDenied", "AccessDeniedException"}:
                raise CloudError(
                    f"access denied: {message}",
                    hint="the credentials lack a permission Tether needs to deploy; see the message",
                    code=code,
                ) from None
            operation = getattr(exc, "operation_name", "") or "a request"
            if (
                code in _BUSY_ERRORS
                or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
            ):
                attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
                raise CloudError(
                    f"{self.where()} failed {operation} ({code}: {message}), "
                    f"still after {attempts + 1} attempts",
                    hint="the service is busy or briefly unavailable; nothing more was changed, "
                    "try again in a minute",
                    code=code,
                ) from None
            raise CloudError(
                f"{self.where()} refused {operation} ({code}: {message})",
                hint="see the message; if it names something Tether created, this may be a bug "
                "worth reporting",
                code=code,
            ) from None
        except BotoCoreError as exc:
            raise CloudError(f"talking to {self.where()} failed: {exc}", hint="try again") from None


# Clouds by target, region, endpoint and local credentials, for the process's life: a boto3
# client holds nothing that goes stale, and a new local cloud (another endpoint) or another
# TETHER_HOME (other credentials) is another key, so nothing needs forgetting.
_CONNECTED: dict[tuple[str, str, str | None, str], Cloud] = {}


def connect(target: str, region: str, *, endpoint: str | None = None) -> Cloud:
    """A Cloud for `target`, reused within the process: creating boto3 clients costs ~100 ms
    each, which a long-running `tether dev` or the IDE should pay once. For `local`,
    `endpoint` is the running local cloud's URL."""
    # The local cloud's credentials belong to a TETHER_HOME: a new home means new clients.
    key = (target, region, endpoint, _local_key_id() if target == "local" else "")
    if key not in _CONNECTED:
        _CONNECTED[key] = _connect(target, region, endpoint=endpoint)
    return _CONNECTED[key]


def _local_key_id() -> str:
    from tether.localcloud.credentials import home_credentials

    return home_credentials().access_key_id


def _connect(target: str, region: str, *, endpoint: str | None = None) -> Cloud:
    if target == "local":
        if endpoint is None:
            raise ValueError("the local target needs the local cloud's endpoint")
        from tether.localcloud.credentials import home_credentials

        local = home_credentials()
        session = boto3.session.Session(
            aws_access_key_id=local.access_key_id,
            aws_secret_access_key=local.secret_access_key,
            region_name=region,
        )
        return Cloud(target="local", region=region, endpoint=endpoint, session=session)
    try:
        session = boto3.session.Session(region_name=region)
    except ProfileNotFound as exc:
        raise CloudError(str(exc), hint="check AWS_PROFILE and your AWS config") from None
    return Cloud(target="aws", region=region, session=session)
