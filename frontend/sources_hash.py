"""The digest of the IDE front end's sources, computed as frontend/build.mjs computes it.

The build writes it into the first line of the bundle (app.js, app.css); the Makefile and a test
compare the two to know, without Node, whether the bundle in the Python package is stale.
Usage: python frontend/sources_hash.py [--check]   (--check exits 1 when the bundle is stale)
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "src" / "tether" / "ide" / "static"
BANNER = re.compile(r"^/\* tether-ide-bundle sources-sha256=([0-9a-f]{64}) \*/$")


def sources(frontend: Path = HERE) -> list[str]:
    found = ["build.mjs", "package-lock.json", "tsconfig.json"]
    found += [p.relative_to(frontend).as_posix() for p in (frontend / "src").rglob("*") if p.is_file()]
    return sorted(found)


def sources_hash(frontend: Path = HERE) -> str:
    digest = hashlib.sha256()
    for path in sources(frontend):
        data = (frontend / path).read_bytes()
        digest.update(f"{path}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def bundle_hash(path: Path) -> str | None:
    """The digest named in a built file's first line, or None if it has none."""
    try:
        with path.open(encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
    except FileNotFoundError:
        return None
    match = BANNER.match(first)
    return match.group(1) if match else None


def stale(static: Path = STATIC, frontend: Path = HERE) -> list[str]:
    """Why the bundle does not match its sources; empty when it does."""
    expected = sources_hash(frontend)
    reasons = []
    for name in ("app.js", "app.css"):
        found = bundle_hash(static / name)
        if found != expected:
            reasons.append(f"{name} was built from other sources ({found or 'no banner'})")
    index = static / "index.html"
    if not index.exists() or index.read_bytes() != (frontend / "src" / "index.html").read_bytes():
        reasons.append("index.html differs from frontend/src/index.html")
    return reasons


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        problems = stale()
        for reason in problems:
            print(f"IDE bundle is stale: {reason}", file=sys.stderr)
        sys.exit(1 if problems else 0)
    print(sources_hash())
