"""Per-stage deploy state under `.tether/<stage>/`, and the lock that keeps deploys of one stage
from running at once.

`state.json` records what is live after each successful deploy: target, endpoint, stack, the
code and layer artifacts, the template's hash and the stack outputs. It is written atomically,
so a crash never leaves half a file. The lock is an OS file lock (released when the process
dies), with the holder's pid and start time written inside for the error message.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tether.errors import TetherError

STATE_DIR = ".tether"


class LockedError(TetherError):
    """Another deploy of the same stage is running."""


@dataclass(frozen=True)
class StageState:
    stage: str
    target: str
    region: str
    stack: str
    endpoint: str | None = None
    code_key: str = ""
    code_sha256: str = ""
    layer_key: str = ""
    template_sha256: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    deployed_at: float = 0.0
    # What the quick path compares against: the code files (path -> [size, mtime_ns, sha256])
    # and the hashes of the two inputs that are not code.
    files: dict[str, list[object]] = field(default_factory=dict)
    project_file_sha256: str = ""
    requirements_sha256: str = ""
    code_path: str = ""  # the local copy of the live code zip, relative to the project
    artifact_bucket: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def stage_dir(root: Path, stage: str) -> Path:
    return root / STATE_DIR / stage


def load_state(root: Path, stage: str) -> StageState | None:
    path = stage_dir(root, stage) / "state.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StageState(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise TetherError(
            f"the deploy state {path} is unreadable: {exc}",
            hint="delete it; the next deploy compares against the stack itself",
        ) from None


def save_state(root: Path, state: StageState) -> None:
    directory = stage_dir(root, state.stage)
    directory.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(root)
    temporary = directory / f".state.json.{os.getpid()}"
    temporary.write_text(
        json.dumps(state.as_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    temporary.replace(directory / "state.json")


def clear_state(root: Path, stage: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        (stage_dir(root, stage) / "state.json").unlink()


def _ensure_gitignore(root: Path) -> None:
    """`.tether/` holds caches and state; keep it out of the user's repository."""
    ignore = root / STATE_DIR / ".gitignore"
    if not ignore.exists():
        ignore.parent.mkdir(parents=True, exist_ok=True)
        ignore.write_text("*\n", encoding="utf-8")


@contextlib.contextmanager
def stage_lock(root: Path, stage: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the stage's deploy lock; wait up to `wait` seconds for another holder, then fail."""
    directory = stage_dir(root, stage)
    directory.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(root)
    path = directory / "deploy.lock"
    handle = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise LockedError(
                        f"another deploy of stage '{stage}' is running ({holder})",
                        hint="wait for it to finish; nothing was changed by this one",
                    ) from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}")
        handle.flush()
        yield
    finally:
        handle.close()
