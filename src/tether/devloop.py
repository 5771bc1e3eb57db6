"""`tether dev`: deploy once, then redeploy on every save, and say what went live and how fast.

Each batch of saved files is checked first (Python files must compile; the project must load),
then deployed by the usual pipeline, which takes the quick path when only code changed and the
full path otherwise. A broken save is reported and the previous code keeps serving. One line per
change: which functions went live, by which path, and the milliseconds from the save to the
moment the new code can answer (the deploy waits until the functions' updates are done: on the
local cloud, until a function in use has its new worker started, handler imported). The
stage's warnings and HTTP API URLs are shown once at the start, and again only after a redeploy
that changes them (`Shown`). Files editors write next to the one being saved (swap files, backups,
lock files, `sed -i` temporaries) are not changes and never start a deploy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tether.build.code import EDITOR_TEMPORARY
from tether.errors import Problem, ProjectError, TetherError
from tether.words import count

if TYPE_CHECKING:
    from tether.deploy.execute import Progress
    from tether.deploy.pipeline import DeployResult
    from tether.model import Project

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
    project: Project | None = None  # the project deployed, when the deploy succeeded


def relevant(root: Path, paths: Iterable[str]) -> list[str]:
    """The saved files that can matter to a deploy, relative to the project root."""
    result = []
    for path in paths:
        rel = _inside(root, Path(path))
        if rel is None:
            continue
        if IGNORED_PARTS & set(rel.parts) or rel.name.endswith(".pyc"):
            continue
        if EDITOR_TEMPORARY.search(rel.name):
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
    # to the moment the new code could answer, not to the end of the bookkeeping after it
    elapsed = ((result.live_at or time.time()) - saved_at) * 1000
    changed = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    if result.path == "quick":
        live = ", ".join(result.functions) or "no function"
        line = f"{stamp} {changed}: {live} live (quick) in {elapsed:.0f} ms from save"
    elif result.path == "none":
        line = f"{stamp} {changed}: nothing to deploy"
    else:
        line = f"{stamp} {changed}: deployed (full: {result.reason}) in {elapsed:.0f} ms from save"
    return Outcome(True, line, result=result, ms_from_save=elapsed, project=project)


def deployed_words(result: DeployResult) -> str:
    """What a deploy did, in words: `up to date: nothing changed since the last deploy (0.7 s)`."""
    seconds = f"{result.seconds:.1f} s"
    if result.path == "none":
        return f"up to date: nothing changed since the last deploy ({seconds})"
    if result.path == "quick":
        live = ", ".join(result.functions) or "no function"
        return f"deployed the code of {live} (quick path; {result.reason}) in {seconds}"
    return f"deployed ({result.reason or 'the stack changed'}) in {seconds}"


def api_urls(project: Project, outputs: dict[str, str]) -> dict[str, str]:
    """The URL of each HTTP API of the project, from the stage's stack outputs."""
    from tether.model.project import HttpApi

    return {
        resource.name: outputs[f"{resource.logical_id}Url"]
        for resource in project.resources.values()
        if isinstance(resource, HttpApi) and f"{resource.logical_id}Url" in outputs
    }


@dataclass
class Shown:
    """What the terminal last showed of the stage besides the deploy lines: its warnings and
    its HTTP API URLs. `news` says them at the start, then only when a redeploy changed them."""

    warnings: tuple[Problem, ...] = ()
    urls: dict[str, str] = field(default_factory=dict)
    started: bool = False  # the start's lines were shown: later ones replace them

    def news(self, project: Project, outputs: dict[str, str]) -> list[str]:
        """The lines to show for the stage as deployed now: all at the start, then only the
        warnings or the URLs that differ from the last shown (each shown whole again)."""
        from tether.summary import warning_lines

        lines: list[str] = []
        warnings = tuple(w for w in project.warnings if w.severity == "warning")
        if warnings != self.warnings:
            if self.started:
                now = count(len(warnings), "warning") if warnings else "none"
                lines.append(f"warnings changed: {now} now")
            lines += warning_lines(warnings)
        urls = api_urls(project, outputs)
        if urls != self.urls:
            lines += [f"http api {name}: {url}" for name, url in sorted(urls.items())]
            if not urls and self.started:
                lines.append("no http api any more")
        self.warnings, self.urls, self.started = warnings, urls, True
        return lines


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
    shown: Shown | None = None,
) -> None:
    """Deploy each batch of saved paths as it comes; `batches` is usually watchfiles.watch.
    `shown` is what the start already showed (see `Shown`)."""
    shown = shown or Shown()
    for batch in batches:
        files = relevant(root, batch)
        if not files:
            continue
        outcome = deploy_change(
            root, files, stage=stage, target=target, saved_at=saved_at(root, files)
        )
        say(outcome.line)
        if outcome.project is not None and outcome.result is not None:
            for line in shown.news(outcome.project, outcome.result.outputs):
                say(line)
