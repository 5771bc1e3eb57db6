"""cfn-lint over a synthesised template, as a library; findings come back as Problems.

A lint error in a template Tether generated is Tether's bug, not the user's, so the hint says
how to report it. cfn-lint is imported lazily: it takes about a second to load, and linting a
200-function template takes tens of seconds. So each result is kept, keyed by the template's
bytes, the region and cfn-lint's version (which is all a result depends on): in memory for the
life of the process and on disk under `$XDG_CACHE_HOME/tether/lint` (default ~/.cache), so an
unchanged template is linted once, whichever command or process asks.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from tether.atomic import write_atomically
from tether.errors import Problem
from tether.synth.template import to_json

TEMPLATE_FILE = "template.json"
_KEPT: dict[str, list[Problem]] = {}


def lint(template: dict[str, Any], *, region: str) -> list[Problem]:
    text = to_json(template)
    key = _key(text, region)
    kept = _KEPT.get(key)
    if kept is None:
        kept = _read(key)
    if kept is None:
        kept = _lint(text, region)
        _write(key, kept)
    _KEPT[key] = kept
    return list(kept)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tether" / "lint"


def _key(text: str, region: str) -> str:
    seed = f"{metadata.version('cfn-lint')}\0{region}\0{text}"
    return hashlib.sha256(seed.encode()).hexdigest()


def _read(key: str) -> list[Problem] | None:
    try:
        found = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        return [Problem(**entry) for entry in found]
    except (OSError, ValueError, TypeError):
        return None  # not linted yet, or unreadable: lint again


def _write(key: str, problems: list[Problem]) -> None:
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps([asdict(p) for p in problems]).encode()
        write_atomically(folder / f"{key}.json", data)
    except OSError:
        pass  # a cache that cannot be written only costs the next lint its time


def _lint(text: str, region: str) -> list[Problem]:
    from cfnlint import api

    matches = api.lint(text, config=api.ManualArgs(regions=[region]))
    problems = []
    for match in matches:
        rule = match.rule.id
        where = "/".join(str(part) for part in getattr(match, "path", []) or [])
        problems.append(
            Problem(
                file=TEMPLATE_FILE,
                line=match.linenumber,
                column=match.columnnumber,
                severity="error" if rule.startswith("E") else "warning",
                message=f"cfn-lint {rule}: {match.message}" + (f" (at {where})" if where else ""),
                hint="Tether generated this template: please report it with your tether.yaml",
            )
        )
    return sorted(problems)
