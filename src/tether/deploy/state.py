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
    layer_unzipped: int = 0  # bytes: the layer's share of Lambda's unzipped size limit
    # On the local cloud: the Python ("3.11") the dependency layer was built for, which is the
    # one that ran the project's runtime then ("" without a layer, or on AWS).
    layer_python: str = ""
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
    # The sha256 of the code zip each function runs, where it differs from `code_sha256`: a quick
    # deploy updates only the functions a change affects, so the others run an older zip (with
    # the same code for them). The drift check compares the live code with this.
    function_code: dict[str, str] = field(default_factory=dict)
    # Functions whose update failed: their code is older than the files say, and the next
    # deploy, quick or full, updates them.
    stale: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def code_of(self, function: str) -> str:
        """The sha256 of the code zip `function` runs, as far as Tether knows."""
        return self.function_code.get(function, self.code_sha256)


def function_code(runs: dict[str, str], current: str) -> dict[str, str]:
    """What StageState.function_code keeps of `runs` (function -> sha256 of the zip it runs):
    only the functions that run something other than the stage's `current` code zip."""
    return {f: sha for f, sha in sorted(runs.items()) if sha != current}


def stage_dir(root: Path, stage: str) -> Path:
    return root / STATE_DIR / stage


def load_state(root: Path, stage: str) -> StageState | None:
    path = stage_dir(root, stage) / "state.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _checked(StageState(**data))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, RecursionError, OSError) as exc:
        raise TetherError(
            f"the deploy state {path} is unreadable: {exc}",
            hint="delete it; the next deploy compares against the stack itself",
        ) from None


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "endpoint": (str, type(None)),
    "outputs": dict,
    "deployed_at": (int, float),
    "layer_unzipped": int,
    "files": dict,
    "function_code": dict,
    "stale": list,
}


def _checked(state: StageState) -> StageState:
    """The state, if every field has the type Tether writes (a hand-edited or damaged file
    must not crash a deploy half-way); TypeError naming the first field that does not."""
    for name in StageState.__dataclass_fields__:
        value = getattr(state, name)
        if not isinstance(value, _FIELD_TYPES.get(name, str)):
            raise TypeError(f"'{name}' is {type(value).__name__}, not what Tether writes")
    for path, record in state.files.items():
        if not (
            isinstance(record, list)
            and len(record) == 3
            and all(isinstance(n, int) and not isinstance(n, bool) for n in record[:2])
            and isinstance(record[2], str)
        ):
            raise TypeError(f"the record of {path!r} in 'files' is not [size, mtime, sha256]")
    strings = [*state.outputs.values(), *state.function_code.values(), *state.stale]
    if not all(isinstance(v, str) for v in strings):
        raise TypeError("'outputs', 'function_code' and 'stale' must hold strings")
    return state


def save_state(root: Path, state: StageState) -> None:
    directory = stage_dir(root, state.stage)
    directory.mkdir(parents=True, exist_ok=True)
    _ensure_gitignore(root)
    temporary = directory / f".state.json.{os.getpid()}"
    temporary.write_text(
        json.dumps(state.as_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    temporary.replace(directory / "state.json")


TEMPLATE_FILE = (
    "template.json"  # the templates last deployed, as one (StageState.template_sha256 is its hash)
)


def save_template(root: Path, stage: str, template: dict[str, Any]) -> None:
    """Keep the deployed template beside the state, so what the next deploy would change can be
    told without asking the cloud (the IDE's status line)."""
    directory = stage_dir(root, stage)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{TEMPLATE_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(template, sort_keys=True), encoding="utf-8")
    temporary.replace(directory / TEMPLATE_FILE)


def clear_state(root: Path, stage: str) -> None:
    for name in ("state.json", TEMPLATE_FILE):
        with contextlib.suppress(FileNotFoundError):
            (stage_dir(root, stage) / name).unlink()


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
