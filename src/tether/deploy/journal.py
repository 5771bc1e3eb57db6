"""The quick path's journal: what a quick deploy is about to make live, written before it
updates any function, so a run that is killed or fails half-way cannot leave code live that the
stage's state does not know about.

    write (before UpdateFunctionCode) -> updates -> state saved -> clear

The next deploy of the stage finds a journal still there, asks the cloud which code each of its
functions runs now, records that in the state (`reconcile`), and takes the full path, which
compares every function's live CodeSha256 with the code the files describe and updates each one
that differs. The journal lives beside the state, `.tether/<stage>/journal.json`, written
atomically.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tether.cloud import Cloud
from tether.deploy.state import StageState, function_code, stage_dir
from tether.words import count


@dataclass(frozen=True)
class Journal:
    code_key: str  # the code zip being made live
    code_sha256: str
    functions: dict[str, str]  # function -> its name in the cloud
    started_at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "code_key": self.code_key,
            "code_sha256": self.code_sha256,
            "functions": self.functions,
            "started_at": self.started_at,
        }


@dataclass(frozen=True)
class Reconciled:
    state: StageState
    note: str  # what the interrupted deploy left behind, for the user


def _path(root: Path, stage: str) -> Path:
    return stage_dir(root, stage) / "journal.json"


def write_journal(root: Path, stage: str, journal: Journal) -> None:
    path = _path(root, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".journal.json.{os.getpid()}")
    temporary.write_text(json.dumps(journal.as_json(), sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def read_journal(root: Path, stage: str) -> Journal | None:
    """The journal of an unfinished quick deploy, or None. A damaged journal still means an
    unfinished deploy: it is returned with no functions, and reconciling then trusts nothing."""
    path = _path(root, stage)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        functions = {str(k): str(v) for k, v in dict(data["functions"]).items()}
        return Journal(
            str(data["code_key"]), str(data["code_sha256"]), functions, float(data["started_at"])
        )
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError, AttributeError, OSError):
        return Journal("", "", {}, path.stat().st_mtime if path.exists() else 0.0)


def clear_journal(root: Path, stage: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _path(root, stage).unlink()


def reconcile(cloud: Cloud, state: StageState, journal: Journal) -> Reconciled:
    """Record in `state` the code that each of the journal's functions runs now.

    Only the journal's new code is accepted: any other code was deployed from elsewhere, and is
    left for the full path's check to find and report. A damaged journal (no functions) leaves
    the state as it is."""
    when = time.strftime("%H:%M:%S", time.localtime(journal.started_at))
    if not journal.functions:
        return Reconciled(state, f"the record of an interrupted quick deploy ({when}) is damaged")
    lam = cloud.client("lambda")
    recorded = dict(state.function_code)
    moved: list[str] = []
    with cloud.guard():
        for function, name in sorted(journal.functions.items()):
            try:
                live = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
            except lam.exceptions.ResourceNotFoundException:
                continue
            live_hex = base64.b64decode(live).hex()
            if live_hex == journal.code_sha256 and live_hex != state.code_of(function):
                recorded[function] = live_hex
                moved.append(function)
    # Those that moved run code the recorded files do not describe: stale until updated.
    updated = replace(
        state,
        function_code=function_code(recorded, state.code_sha256),
        stale=sorted(set(state.stale) | set(moved)),
    )
    total = len(journal.functions)
    note = (
        f"a quick deploy started at {when} was interrupted after updating "
        f"{len(moved)} of {count(total, 'function')}" + (f" ({', '.join(moved)})" if moved else "")
    )
    return Reconciled(updated, note)
