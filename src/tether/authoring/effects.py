"""What an edit means for the project, found by loading it as it would be.

Every action ends here: the project is loaded (tether.yaml and the code analysed, as every
command loads it) with the edited texts laid over the files, and compared with the project as
it is. An edit that brings a new error is refused with that error, so an action never leaves a
project that does not load; one that loads is described by the permissions its functions gain
and lose and the environment variables they gain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tether.authoring.edits import AuthoringError, Edit, FileChange
from tether.authoring.history import read_text
from tether.errors import Problem, ProjectError
from tether.loading import load
from tether.model import Project
from tether.model.loader import PROJECT_FILE
from tether.permissions import sources_by_grant


class Draft:
    """The texts an action is editing, read from the project root once each."""

    def __init__(self, root: Path, before: Project | None = None) -> None:
        self.root = root
        self._original: dict[str, str | None] = {}
        self._texts: dict[str, str] = {}
        self._before = before

    def text(self, path: str = PROJECT_FILE) -> str | None:
        """The file as edited so far (None: it does not exist)."""
        if path in self._texts:
            return self._texts[path]
        if path not in self._original:
            self._original[path] = read_text(self.root, path)
        return self._original[path]

    def yaml(self) -> str:
        text = self.text(PROJECT_FILE)
        if text is None:
            raise AuthoringError(
                f"no {PROJECT_FILE} in {self.root}", hint="run `tether init NAME` first"
            )
        return text

    def write(self, path: str, text: str) -> None:
        self.text(path)  # remember the original
        self._texts[path] = text

    def before(self) -> Project:
        """The project as it is on disk (it must load: actions start from a working project)."""
        if self._before is None:
            try:
                self._before = load(self.root)
            except ProjectError as exc:
                first = _errors(exc.problems)[0]
                raise AuthoringError(
                    f"the project has errors, so it cannot be edited safely: {first.format()}",
                    hint="fix the errors first (`tether check` lists them)",
                ) from None
        return self._before

    def finish(
        self,
        title: str,
        *,
        notes: tuple[str, ...] = (),
        where: tuple[str, int] | None = None,
        field: str | None = None,
        expected: Callable[[Problem], bool] | None = None,
    ) -> tuple[Edit, Project | None]:
        """The Edit of what was written, checked by loading the project with it; and that project
        (None when it has only `expected` errors: ones the notes tell the user to fix)."""
        before = self.before()
        changes = tuple(
            FileChange(path=path, before=self._original.get(path), after=text)
            for path, text in self._texts.items()
            if text != self._original.get(path)
        )
        if not changes:
            raise AuthoringError(f"{title}: nothing to change", hint="it is already so")
        overlay = {c.path: c.after for c in changes}
        after = _load_edited(self.root, overlay, before, field, expected)
        if after is None:
            return Edit(title=title, changes=changes, notes=notes, where=where), None
        gained, lost = _permissions(before, after)
        edit = Edit(
            title=title,
            changes=changes,
            permissions=gained,
            removed_permissions=lost,
            environment=_environment(before, after),
            notes=notes,
            where=where,
        )
        return edit, after


def _load_edited(
    root: Path,
    overlay: Mapping[str, str],
    before: Project,
    field: str | None,
    expected: Callable[[Problem], bool] | None,
) -> Project | None:
    try:
        return load(root, overlay=overlay)
    except ProjectError as exc:
        known = {(p.file, p.message) for p in before.warnings}
        fresh = [p for p in _errors(exc.problems) if (p.file, p.message) not in known]
        if expected is not None and fresh and all(expected(p) for p in fresh):
            return None
        problem = (fresh or _errors(exc.problems))[0]
        # a line of a file the edit rewrites means nothing to the user: it is not on disk
        where = "" if problem.file in overlay else f" ({problem.file}:{problem.line})"
        raise AuthoringError(
            f"this edit would make the project invalid: {problem.message}{where}",
            hint=problem.hint or "change the values and try again",
            field=field,
        ) from None


def _errors(problems: tuple[Problem, ...] | list[Problem]) -> list[Problem]:
    found = [p for p in problems if p.severity == "error"]
    return found or list(problems)


def _grants(project: Project) -> set[str]:
    return {
        f"{name}: {line}"
        for name in project.functions
        for line in sources_by_grant(project, name)
        if not line.endswith("its own log group")
    }


def _permissions(before: Project, after: Project) -> tuple[tuple[str, ...], tuple[str, ...]]:
    old, new = _grants(before), _grants(after)
    return tuple(sorted(new - old)), tuple(sorted(old - new))


def _variables(project: Project) -> set[str]:
    found = set()
    for fn in project.functions.values():
        for name in fn.variable_resources():
            variable = project.resources[name].env_var if name in project.resources else None
            if variable:
                found.add(f"{fn.name}: {variable}")
        found.update(f"{fn.name}: {key}" for key, _ in fn.environment)
    return found


def _environment(before: Project, after: Project) -> tuple[str, ...]:
    return tuple(sorted(_variables(after) - _variables(before)))
