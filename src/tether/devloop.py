"""`tether dev`: deploy once, then redeploy on every save, and say what went live and how fast.

Each batch of saved files is checked first (Python files must compile; the project must load),
then deployed by the usual pipeline, which takes the quick path when only code changed and the
full path otherwise. A broken save is reported and the previous code keeps serving. One line per
change: which functions went live, by which path, and the milliseconds from the save.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tether.errors import ProjectError, TetherError

if TYPE_CHECKING:
    from tether.deploy.execute import Progress
    from tether.deploy.pipeline import DeployResult

IGNORED_PARTS = {
    ".tether",
    ".git",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
}
Say = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    line: str
    result: DeployResult | None = None  # the deploy's, when one ran and succeeded
    error: TetherError | None = None  # why it did not, when the cause is a TetherError
    ms_from_save: float | None = None  # when the deploy succeeded


def relevant(root: Path, paths: Iterable[str]) -> list[str]:
    """The saved files that can matter to a deploy, relative to the project root."""
    result = []
    for path in paths:
        rel = _inside(root, Path(path))
        if rel is None:
            continue
        if IGNORED_PARTS & set(rel.parts) or rel.name.endswith((".pyc", "~", ".swp")):
            continue
        result.append(rel.as_posix())
    return sorted(set(result))


def _inside(root: Path, path: Path) -> Path | None:
    """`path` relative to the project root, or None when it is not in the project.

    Only the folders are resolved, never the saved file itself: a symbolic link saved in the
    project is a change in the project wherever it points (the build refuses one that leaves
    the project, and the deploy reports it)."""
    if not path.is_absolute():
        return path
    for base in (root.absolute(), root.resolve()):
        for full in (Path(os.path.abspath(path)), path.parent.resolve() / path.name):
            try:
                return full.relative_to(base)
            except ValueError:
                continue
    return None


def check_syntax(root: Path, files: Iterable[str]) -> str | None:
    """The first syntax error among the saved Python files, as `file:line: message`."""
    real_root = os.path.realpath(root)
    for rel in files:
        path = root / rel
        if not rel.endswith(".py") or not path.is_file():
            continue
        if not os.path.realpath(path).startswith(real_root + os.sep):
            continue  # a link out of the project: the build refuses it, with the reason
        try:
            source = path.read_bytes()
        except OSError as exc:
            return f"{rel}: cannot read it: {exc.strerror or exc}"
        try:
            compile(source, rel, "exec")
        except SyntaxError as exc:
            return f"{rel}:{exc.lineno or 1}: syntax error: {exc.msg}"
        except ValueError as exc:  # Python 3.11: "source code string cannot contain null bytes"
            return f"{rel}:1: syntax error: {exc}"
    return None


def deploy_change(
    root: Path,
    files: list[str],
    *,
    stage: str,
    target: str,
    saved_at: float,
    progress: Progress | None = None,
    say: Say | None = None,
) -> Outcome:
    """Deploy after a save; never raises for the user's mistakes. `progress` and `say` are the
    pipeline's (the IDE streams them; the terminal loop prints only the outcome's line)."""
    from tether.deploy.pipeline import deploy
    from tether.loading import load

    stamp = time.strftime("%H:%M:%S")
    error = check_syntax(root, files)
    if error is not None:
        return Outcome(False, f"{stamp} {error}; the previous code keeps serving")
    try:
        project = load(root)
        result = deploy(project, stage=stage, target=target, progress=progress, say=say)
    except ProjectError as exc:
        first = exc.problems[0].format().splitlines()[0] if exc.problems else exc.message
        return Outcome(False, f"{stamp} {first}; the previous version keeps serving", error=exc)
    except TetherError as exc:
        hint = f"\n    hint: {exc.hint}" if exc.hint else ""
        return Outcome(
            False,
            f"{stamp} deploy failed: {exc.message.splitlines()[0]}; the previous version keeps "
            f"serving{hint}",
            error=exc,
        )
    except OSError as exc:  # a file the loader or the analysis cannot read (permissions...)
        what = exc.filename or "a file"
        return Outcome(
            False,
            f"{stamp} cannot read {what}: {exc.strerror or exc}; the previous version keeps serving",
        )
    elapsed = (time.time() - saved_at) * 1000
    changed = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    if result.path == "quick":
        live = ", ".join(result.functions) or "no function"
        line = f"{stamp} {changed}: {live} live (quick) in {elapsed:.0f} ms from save"
    elif result.path == "none":
        line = f"{stamp} {changed}: nothing to deploy"
    else:
        line = f"{stamp} {changed}: deployed (full: {result.reason}) in {elapsed:.0f} ms from save"
    return Outcome(True, line, result=result, ms_from_save=elapsed)


def saved_at(root: Path, files: Iterable[str]) -> float:
    """When the batch was saved: the newest modification time among its files (or now)."""
    times = []
    for rel in files:
        try:
            times.append(os.lstat(root / rel).st_mtime)
        except OSError:
            continue
    return max(times, default=time.time())


def run(
    root: Path,
    *,
    stage: str,
    target: str,
    batches: Iterable[Iterable[str]],
    say: Say,
) -> None:
    """Deploy each batch of saved paths as it comes; `batches` is usually watchfiles.watch."""
    for batch in batches:
        files = relevant(root, batch)
        if files:
            say(
                deploy_change(
                    root, files, stage=stage, target=target, saved_at=saved_at(root, files)
                ).line
            )
