"""Which web origins may send requests to the local cloud: none, unless configured.

A request that carries an `Origin` header comes from a web page (or a program posing as one)
and is refused unless its origin is allowed. Allowed are the origins listed in the environment
variable `TETHER_LOCAL_ALLOWED_ORIGINS` of the local cloud's process (separated by commas or
spaces) and those in `$TETHER_HOME/local/allowed-origins` (one per line, `#` starts a comment),
which the IDE will write for its own origin; the file is read again when it changes, so no
restart is needed. An origin is `scheme://host[:port]`, compared without case and without a
trailing slash. Standard library only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

ENV = "TETHER_LOCAL_ALLOWED_ORIGINS"
FILE_NAME = "allowed-origins"


def origins_file(home: Path) -> Path:
    return home / "local" / FILE_NAME


def normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def parse(text: str) -> frozenset[str]:
    """Origins in `text`: one or more per line, `#` comments ignored."""
    found: set[str] = set()
    for line in text.splitlines():
        for word in line.split("#", 1)[0].replace(",", " ").split():
            found.add(normalise(word))
    return frozenset(found)


class AllowedOrigins:
    """The allowed origins of one local cloud: its environment's, plus its home's file."""

    def __init__(self, home: Path, environ: dict[str, str] | None = None) -> None:
        self._path = origins_file(home)
        self._fixed = parse((os.environ if environ is None else environ).get(ENV, ""))
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._listed: frozenset[str] = frozenset()

    def allows(self, origin: str) -> bool:
        wanted = normalise(origin)
        return wanted in self._fixed or wanted in self._from_file()

    def _from_file(self) -> frozenset[str]:
        try:
            info = self._path.stat()
        except OSError:
            return frozenset()
        stamp = (info.st_mtime_ns, info.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._listed = parse(self._path.read_text())
                except (OSError, UnicodeDecodeError):
                    self._listed = frozenset()
                self._stamp = stamp
            return self._listed
