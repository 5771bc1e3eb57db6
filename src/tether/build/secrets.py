"""Build stage, code half: which files look like credentials, so the code zip never carries them.

`credential(name, is_dir, path)` says why a project path looks like credentials, or None. It
goes by name first (`.env`, `.envrc`, `.netrc`, `.pgpass`, `.ssh/`, `.aws/`, `.kube/`,
`.docker/`, `terraform.tfstate`, `*.tfvars`, `id_rsa`, key stores, ...) and then, for the few
kinds of file whose name does not tell, by content, cheaply: a `*.pem`/`*.key` file is a
private key when its first 64 KiB hold a `-----BEGIN ... PRIVATE KEY-----` block (a bundle of
public certificates is not), and a `*.json` file of at most 64 KiB is a Google service-account
key, user credentials or an OAuth client secret when its fields say so.

A content check reads a file at most once per (size, mtime, inode): the dev loop lists the
project on every save, and a file whose stat did not change has not changed its content.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass

from tether.build.ignore import glob_regex

SNIFF_LIMIT = 64 * 1024  # bytes read from the head of a *.pem/*.key file; largest *.json read
CREDENTIALS = "credentials"

# Directories that hold credentials and nothing a function needs, wherever they are.
DIRS: dict[str, str] = {
    ".ssh": "SSH keys",
    ".aws": "AWS credentials and configuration",
    ".kube": "Kubernetes config",
    ".docker": "Docker registry credentials",
    ".gnupg": "GnuPG keys",
    ".azure": "Azure credentials",
    ".terraform": "Terraform working directory: backend config and state",
}
# Files, by exact name, wherever they are.
NAMES: dict[str, str] = {
    ".env": ".env",
    ".envrc": ".envrc",
    ".netrc": ".netrc",
    "_netrc": ".netrc",
    ".pgpass": "PostgreSQL password file",
    ".my.cnf": "MySQL client config",
    ".s3cfg": "s3cmd config",
    ".boto": "boto config",
    ".npmrc": "npm config, may hold registry tokens",
    ".pypirc": "PyPI config, may hold upload tokens",
    ".git-credentials": "git credentials",
    ".htpasswd": "password file",
    ".dockercfg": "Docker registry credentials",
    "credentials": "credentials file",
    "terraform.tfstate": "Terraform state",
    "terraform.tfstate.backup": "Terraform state",
}
# Files by glob on the name, wherever they are.
GLOBS: tuple[tuple[str, str], ...] = (
    (".env.*", ".env"),
    ("*.env", ".env"),
    ("*.tfstate", "Terraform state"),
    ("*.tfstate.backup", "Terraform state"),
    ("*.tfvars", "Terraform variables"),
    ("*.tfvars.json", "Terraform variables"),
    ("id_rsa*", "SSH key"),
    ("id_dsa*", "SSH key"),
    ("id_ecdsa*", "SSH key"),
    ("id_ed25519*", "SSH key"),
    ("*.p12", "key store"),
    ("*.pfx", "key store"),
    ("*.jks", "key store"),
    ("*.keystore", "key store"),
    ("*.ppk", "PuTTY private key"),
)
_GLOB_RES = tuple((re.compile(glob_regex(glob), re.IGNORECASE), why) for glob, why in GLOBS)
_KEY_SUFFIXES = (".pem", ".key")
_JSON_SUFFIX = ".json"
_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")


def _field(name: str, value: str | None = None) -> re.Pattern[bytes]:
    if value is None:
        return re.compile(rb'"' + name.encode() + rb'"\s*:')
    return re.compile(rb'"' + name.encode() + rb'"\s*:\s*"' + value.encode() + rb'"')


# A JSON file is credentials when all the fields of one row are present.
_JSON_KINDS: tuple[tuple[str, tuple[re.Pattern[bytes], ...]], ...] = (
    ("GCP service-account key", (_field("type", "service_account"), _field("private_key"))),
    ("Google user credentials", (_field("type", "authorized_user"), _field("refresh_token"))),
    ("OAuth client secret", (_field("client_secret"), _field("client_id"))),
    ("private key in JSON", (_PRIVATE_KEY,)),
)


@dataclass(frozen=True)
class Credential:
    """Why a path looks like credentials: `what` it is, e.g. "private key"."""

    what: str

    @property
    def reason(self) -> str:
        return f"{CREDENTIALS} ({self.what})"


def credential(name: str, is_dir: bool, path: str) -> Credential | None:
    """Why the file or directory `path`, named `name`, looks like credentials, or None."""
    if is_dir:
        what = DIRS.get(name)
        return None if what is None else Credential(what)
    lower = name.lower()
    if lower.endswith(".py"):
        return None  # Python source is code, whatever its name (a module may be `credentials.py`)
    what = NAMES.get(lower)
    if what is None:
        what = next((why for regex, why in _GLOB_RES if regex.fullmatch(name)), None)
    if what is None and lower.endswith((*_KEY_SUFFIXES, _JSON_SUFFIX)):
        what = _sniff(path)
    return None if what is None else Credential(what)


def _sniff(path: str) -> str | None:
    try:
        info = os.stat(path)
    except OSError:
        return None  # the zip step reports a file it cannot read
    if not stat.S_ISREG(info.st_mode):
        return None  # opening a pipe would block; the walker skips what is not a file
    return _sniff_content(path, info.st_size, info.st_mtime_ns, info.st_ino)


@functools.lru_cache(maxsize=4096)
def _sniff_content(path: str, size: int, mtime_ns: int, _inode: int) -> str | None:
    """What credential the file's content shows; the stat fields are the cache key only."""
    is_json = path.lower().endswith(_JSON_SUFFIX)
    if is_json and size > SNIFF_LIMIT:
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_LIMIT)
    except OSError:
        return None
    if not is_json:
        return "private key" if _PRIVATE_KEY.search(head) else None
    return next((what for what, fields in _JSON_KINDS if all(f.search(head) for f in fields)), None)
