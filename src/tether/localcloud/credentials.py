"""The local cloud's own credentials: one key pair per TETHER_HOME, and one per function.

The local cloud answers only requests signed with credentials it issued (`gate` checks them):

- the home's key pair, kept in `$TETHER_HOME/local/credentials.json` (mode 0600, in a folder of
  mode 0700). It is made once, from `secrets`, by whoever needs it first (the server, a deploy,
  `tether local env`), and reused across restarts of the local cloud. Tether's own clients, the
  user's aws CLI and scripts (`tether local env`) and the tests sign with it.
- a function's key pair, derived from the home's secret and the function's ARN and given to the
  workers that run it (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). Its
  session token names the function and carries a MAC, so the local cloud knows which function
  made a call without keeping a table of keys, and no function ever holds the home's secret
  (or the user's real credentials).

A function's key pair stands for its execution role, as Lambda's credentials are a session of
the role named after the function (`assumed-role/<role>/<function>`): `authorize` maps the
function its token names to the role it has at the moment of each call, and allows only what
that role's policies allow. The key is derived from the function, not the role, so a deploy
that changes the role (or its policies) takes effect with the next call of the running workers,
without new credentials; and two functions sharing a role stay two principals.

`Keyring` is what the server consults: an access key id (and session token) to the principal
that signs with it. This module only makes, reads and derives keys; standard library only.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from tether.errors import TetherError

FILE_NAME = "credentials.json"
HOME_KEY_PREFIX = "AKIA"  # a long-term key, as IAM users' keys look
FUNCTION_KEY_PREFIX = "ASIA"  # a temporary key with a session token, as Lambda's look
TOKEN_PREFIX = "tether1"
_KEY_ID = re.compile(r"^AKIA[A-Z2-7]{16}$")


@dataclass(frozen=True)
class LocalCredentials:
    """A key pair the local cloud accepts (plus a session token for a function's)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def as_env(self) -> dict[str, str]:
        """The environment variables boto3 and the aws CLI read them from."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token is not None:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass(frozen=True)
class Principal:
    """Who signed a request: the home's key pair (`function_arn` None) or a function's."""

    credentials: LocalCredentials
    function_arn: str | None = None


def credentials_file(home: Path | None = None) -> Path:
    """Where the home's key pair lives (`home` defaults to TETHER_HOME, else ~/.tether)."""
    if home is None:
        home = Path(os.environ.get("TETHER_HOME") or Path.home() / ".tether")
    return home / "local" / FILE_NAME


def home_credentials(home: Path | None = None) -> LocalCredentials:
    """The key pair of `home` (default: TETHER_HOME), made on first use.

    Safe against concurrent first uses: the file appears complete or not at all, and the
    first writer wins (the others read what it wrote)."""
    path = credentials_file(home)
    found = _read(path)
    if found is not None:
        return found
    _private_folder(path.parent)
    made = LocalCredentials(
        access_key_id=HOME_KEY_PREFIX + "".join(secrets.choice(_BASE32) for _ in range(16)),
        secret_access_key=secrets.token_urlsafe(30),  # 40 characters, as AWS's secrets are
    )
    partial = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(
                {
                    "access_key_id": made.access_key_id,
                    "secret_access_key": made.secret_access_key,
                },
                handle,
                indent=2,
            )
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)  # never replaces: another process may have won
    finally:
        partial.unlink(missing_ok=True)
    winner = _read(path)
    if winner is None:
        raise TetherError(f"cannot create the local cloud's credentials in {path}")
    return winner


def function_credentials(home: LocalCredentials, function_arn: str) -> LocalCredentials:
    """The key pair the workers of `function_arn` sign with (the same every time)."""
    key = base64.b32encode(_mac(home, "key", function_arn)).decode()[:16]
    secret = base64.urlsafe_b64encode(_mac(home, "secret", function_arn)).decode()[:40]
    return LocalCredentials(
        access_key_id=FUNCTION_KEY_PREFIX + key,
        secret_access_key=secret,
        session_token=_token(home, function_arn),
    )


class Keyring:
    """The key pairs one local cloud accepts: its home's, and every function's."""

    def __init__(self, home: LocalCredentials) -> None:
        self.home = home

    def principal(self, access_key_id: str, session_token: str | None) -> Principal | None:
        """Who signs with this key id (and token); None for a key the local cloud never issued
        (or a token that does not belong to it)."""
        if hmac.compare_digest(access_key_id.encode(), self.home.access_key_id.encode()):
            # A long-term key with a session token is refused by AWS as well.
            return None if session_token else Principal(self.home)
        if not session_token or not access_key_id.startswith(FUNCTION_KEY_PREFIX):
            return None
        arn = _arn_of(session_token)
        if arn is None:
            return None
        issued = function_credentials(self.home, arn)
        token_ok = hmac.compare_digest(
            session_token.encode(), (issued.session_token or "").encode()
        )
        key_ok = hmac.compare_digest(access_key_id.encode(), issued.access_key_id.encode())
        return Principal(issued, arn) if token_ok and key_ok else None


# ---------------------------------------------------------------------------------------------

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _mac(home: LocalCredentials, purpose: str, subject: str) -> bytes:
    message = f"tether-local-cloud/{purpose}\0{subject}".encode()
    return hmac.new(home.secret_access_key.encode(), message, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _token(home: LocalCredentials, function_arn: str) -> str:
    return f"{TOKEN_PREFIX}.{_b64(function_arn.encode())}.{_b64(_mac(home, 'token', function_arn))}"


def _arn_of(session_token: str) -> str | None:
    prefix, _, rest = session_token.partition(".")
    encoded, _, _ = rest.partition(".")
    if prefix != TOKEN_PREFIX or not encoded:
        return None
    try:
        arn = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:
        return None
    return arn if arn.startswith("arn:") else None


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to change: leave it as it is
        if stat.S_IMODE(folder.stat().st_mode) != 0o700:
            folder.chmod(0o700)


def _read(path: Path) -> LocalCredentials | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TetherError(
            f"cannot read the local cloud's credentials in {path}: {exc.strerror or exc}",
            hint="check the file's owner and permissions",
        ) from None
    try:
        data = json.loads(text)
        found = LocalCredentials(
            access_key_id=str(data["access_key_id"]),
            secret_access_key=str(data["secret_access_key"]),
        )
    except (ValueError, KeyError, TypeError):
        found = None
    if found is None or not _KEY_ID.match(found.access_key_id) or not found.secret_access_key:
        raise TetherError(
            f"the local cloud's credentials in {path} are damaged",
            hint="delete the file, then restart the local cloud "
            "(`tether local stop`, `tether local start`): new ones are made",
        )
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)  # someone loosened it: only its owner may read a secret
    return found
