"""Build stage, code half: the project's files -> one deterministic, content-addressed code zip.

Every function of the project ships the same zip: every file under the project root except

- what is not code: the project file, requirements, tests, saved events, caches, virtual
  environments, version control, editors' temporary and swap files (fixed rules, below);
- what looks like credentials and must never leave the machine: `.env` files, keys, cloud and
  registry credentials, Terraform state (`secrets.py` decides, by name and by content);
- what the project's `.gitignore` files ignore, and what `.tetherignore` lists (`ignore.py`:
  git's pattern syntax and precedence; `.tetherignore` overrides `.gitignore` and may re-include
  with `!` what `.gitignore` ignores).

A file that looks like credentials is shipped only when `.tetherignore` re-includes it by name
(a `!` line without wildcards); it is then reported as a warning on every build. Each exclusion
is recorded with its reason for `tether build --verbose`. A handler file (or its package) left
out by any rule stops the build with the rule that left it out. Symbolic links are followed
only inside the project; one pointing outside is refused, since Lambda would get a copy of a
file the user never meant to ship. The code is checked against Lambda's unzipped size limit
before it is zipped (`limits.py`).

`collect(project, Rules.for_project(project))` lists the files; deploy's change detection uses
the same call, so a quick deploy ships exactly what a full build would.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tether.build.archive import Entry, is_executable, write_zip, zip_name
from tether.build.ignore import GITIGNORE, TETHERIGNORE, IgnoreFile, IgnorePattern, glob_regex
from tether.build.limits import Part, check_unzipped
from tether.build.secrets import credential
from tether.build.text import decode_utf8
from tether.errors import TetherError
from tether.model.project import Project

BUILD_DIR = (".tether", "build")

# Directories skipped wherever they are, by name. Their contents are never read.
_VCS = "version control"
_VENV = "virtual environment (dependencies go into the layer)"
_DIRS: dict[str, str] = {
    ".tether": "Tether's build cache and deploy state",
    ".git": _VCS,
    ".hg": _VCS,
    ".svn": _VCS,
    ".bzr": _VCS,
    ".jj": _VCS,
    "_darcs": _VCS,
    "CVS": _VCS,
    "__pycache__": "compiled bytecode",
    ".venv": _VENV,
    "venv": _VENV,
    "node_modules": "Node packages, not Python code",
    "tests": "tests are not deployed",
    ".pytest_cache": "tool cache",
    ".mypy_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".hypothesis": "tool cache",
    ".tox": "tool cache",
    ".nox": "tool cache",
}
# Directories skipped only at the top of the project.
_ROOT_DIRS: dict[str, str] = {"events": "saved test events are not deployed"}

# File names skipped wherever they are: exact names, then glob patterns (matched on the name).
_FILES: dict[str, str] = {
    "conftest.py": "test code is not deployed",
    GITIGNORE: _VCS,
    ".gitattributes": _VCS,
    ".gitmodules": _VCS,
    ".DS_Store": "operating-system metadata",
    "Thumbs.db": "operating-system metadata",
}
_FILE_GLOBS: tuple[tuple[str, str], ...] = (
    ("*.pyc", "compiled bytecode"),
    ("*.pyo", "compiled bytecode"),
    ("test_*.py", "test code is not deployed"),
    ("*_test.py", "test code is not deployed"),
    ("requirements*.txt", "dependency list, not code: its packages go into the layer"),
)
_GLOB_RES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(glob_regex(glob)), reason) for glob, reason in _FILE_GLOBS
)
# Files editors write beside the one being edited, on names: vim's swap files and its `4913`
# probe, backups (`x~`), Emacs locks and autosaves, sed -i's temporaries, JetBrains' safe-write
# copies. Never code; `tether dev` does not redeploy for them either.
EDITOR_TEMPORARY = re.compile(
    r"\.sw[a-px]$|~$|^4913$|^\.#|^#.*#$|^sed[A-Za-z0-9]{6}$|___jb_(tmp|old)___$|\.tmp$"
)
_EDITOR_FILE = "an editor's temporary, swap or backup file"


@dataclass(frozen=True)
class Decision:
    """Whether one path goes into the code zip."""

    reason: str | None = None  # why it is left out; None: it goes in
    warning: str | None = None  # it goes in although it looks like credentials
    pattern: IgnorePattern | None = None  # the ignore line that decided, if one did


class Rules:
    """Decides, for each path, whether it goes into the code zip, and if not, why.

    It reads `.gitignore` files as it meets their folders and keeps them for its own life, so
    make a new `Rules` for each build (`for_project`): an edited `.gitignore` is read again.
    """

    def __init__(
        self, root: Path, project_file: str, tetherignore: IgnoreFile | None = None
    ) -> None:
        self.root = root
        self.root_files = {
            project_file: "the project file: Tether reads it, the functions do not",
            TETHERIGNORE: "Tether's ignore file, not code",
        }
        self.tetherignore = tetherignore
        self._gitignore_chains: dict[str, tuple[IgnoreFile, ...]] = {}

    @classmethod
    def for_project(cls, project: Project) -> Rules:
        path = project.root / TETHERIGNORE
        tetherignore = None
        if path.is_file():
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise TetherError(
                    f"cannot read {TETHERIGNORE}: {exc.strerror or exc}",
                    hint="check its permissions",
                ) from exc
            tetherignore = IgnoreFile.parse(decode_utf8(raw, TETHERIGNORE), TETHERIGNORE)
        return cls(project.root, project.file, tetherignore)

    def decide(self, rel: str, name: str, is_dir: bool) -> Decision:
        """Whether `rel` (a POSIX path under the root, whose last part is `name`) goes in.

        Order: the fixed rules (final), then credentials (re-included only by a `!` line of
        .tetherignore naming them), then .tetherignore, then the .gitignore files.
        """
        if is_dir:
            found = _DIRS.get(name) or (_ROOT_DIRS.get(name) if "/" not in rel else None)
        else:
            found = self.root_files.get(rel) or _FILES.get(name)
            if found is None:
                found = next((why for regex, why in _GLOB_RES if regex.fullmatch(name)), None)
            if found is None and EDITOR_TEMPORARY.search(name):
                found = _EDITOR_FILE
        if found is not None:
            return Decision(found)
        chosen = self.tetherignore.match(rel, name, is_dir) if self.tetherignore else None
        secret = credential(name, is_dir, os.path.join(self.root, rel))
        if secret is not None:
            if chosen is not None and chosen.negated and chosen.literal:
                warning = (
                    f"looks like {secret.reason}; shipped because {chosen.where} re-includes it"
                )
                return Decision(warning=warning, pattern=chosen)
            if chosen is not None and chosen.negated:
                return Decision(
                    f"{secret.reason}; {chosen.where} re-includes only credentials it names "
                    "without wildcards",
                    pattern=chosen,
                )
            return Decision(secret.reason)
        if chosen is not None:
            return Decision(None if chosen.negated else chosen.where, pattern=chosen)
        for ignore in reversed(self._gitignores(rel.rpartition("/")[0])):
            pattern = ignore.match(rel, name, is_dir)
            if pattern is not None:
                return Decision(None if pattern.negated else pattern.where, pattern=pattern)
        return Decision()

    def reason(self, rel: str, name: str, is_dir: bool) -> str | None:
        """Why `rel` (a POSIX path under the root, whose last part is `name`) is left out."""
        return self.decide(rel, name, is_dir).reason

    def excluded_by(self, rel: str, is_dir: bool) -> tuple[str, Decision] | None:
        """The first of `rel` and the folders above it that is left out, and the decision."""
        parts = rel.split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            last = depth == len(parts)
            decision = self.decide(path, parts[depth - 1], is_dir if last else True)
            if decision.reason is not None:
                return (path if last else path + "/"), decision
        return None

    def reason_for_path(self, rel: str, is_dir: bool) -> str | None:
        """Like `reason`, but also checks every directory above `rel`."""
        found = self.excluded_by(rel, is_dir)
        if found is None:
            return None
        path, decision = found
        return f"{path}: {decision.reason}" if path.endswith("/") else decision.reason

    def _gitignores(self, folder: str) -> tuple[IgnoreFile, ...]:
        """The .gitignore files that apply to paths in `folder`, outermost first."""
        chain = self._gitignore_chains.get(folder)
        if chain is not None:
            return chain
        chain = self._gitignores(folder.rpartition("/")[0]) if folder else ()
        rel = f"{folder}/{GITIGNORE}" if folder else GITIGNORE
        path = self.root / rel
        if path.is_file():
            try:
                chain = (*chain, IgnoreFile.read(path, rel))
            except OSError as exc:
                raise TetherError(
                    f"cannot read {rel}: {exc.strerror or exc}", hint="check its permissions"
                ) from exc
        self._gitignore_chains[folder] = chain
        return chain


@dataclass(frozen=True)
class CodeArtifact:
    """The code zip shared by every function of the project."""

    path: Path  # <root>/.tether/build/code-<sha12>.zip
    sha256: str  # hex digest of the zip's bytes
    size: int  # bytes
    files: tuple[str, ...]  # entries in the zip, sorted
    excluded: tuple[tuple[str, str], ...]  # (path, reason); directories end with "/"
    unzipped_size: int = 0  # bytes, the files' sizes added up
    # (path, warning): shipped although it looks like credentials (.tetherignore re-includes it)
    flagged: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The content-addressed object key of the zip in the artifact bucket."""
        return f"code/{self.sha256}.zip"


@dataclass
class Collected:
    """What `collect_files` found: the zip's entries, and the paths left out or flagged."""

    entries: list[Entry] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # entry name -> bytes
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (path, warning)


class _Walker:
    def __init__(self, root: Path, rules: Rules) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.rules = rules
        self.found = Collected()

    def walk(
        self, directory: str, prefix: tuple[str, ...], seen: frozenset[tuple[int, int]]
    ) -> None:
        try:
            with os.scandir(directory) as listing:
                items = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            shown = "/".join(prefix) or "the project directory"
            raise TetherError(
                f"cannot list {shown}: {exc.strerror or exc}",
                hint=f"check its permissions, or exclude it in {TETHERIGNORE}",
            ) from exc
        found = self.found
        for item in items:
            parts = (*prefix, item.name)
            rel = "/".join(parts)
            link = item.is_symlink()
            target = os.path.realpath(item.path) if link else item.path
            is_dir = os.path.isdir(target) if link else item.is_dir(follow_symlinks=False)
            shown = rel + "/" if is_dir else rel
            decision = self.rules.decide(rel, item.name, is_dir)
            why = decision.reason
            if why is None and is_dir and os.path.isfile(os.path.join(target, "pyvenv.cfg")):
                why = "virtual environment (it has pyvenv.cfg; dependencies go into the layer)"
            if why is not None:
                found.excluded.append((shown, why))
                continue
            if link:
                why = self._check_link(rel, target, is_dir)
                if why is not None:
                    found.excluded.append((shown, why))
                    continue
            if decision.warning is not None:
                found.flagged.append((shown, decision.warning))
            if is_dir:
                info = os.stat(target)
                key = (info.st_dev, info.st_ino)
                if key in seen:
                    raise TetherError(
                        f"{rel} is a symbolic link to a directory that contains it (a loop)",
                        hint=f"remove the link, or exclude it: add '{rel}' to {TETHERIGNORE}",
                    )
                self.walk(item.path, parts, seen | {key})
            elif item.is_file():
                info = item.stat()
                name = zip_name(parts)
                found.entries.append(Entry(name, Path(item.path), is_executable(info.st_mode)))
                found.sizes[name] = info.st_size
            else:
                found.excluded.append((rel, "not a regular file (a socket, pipe or device)"))

    def _check_link(self, rel: str, target: str, is_dir: bool) -> str | None:
        """Refuse a link leaving the project; skip a broken one or one into an excluded path."""
        inside = target == self.real_root or target.startswith(self.real_root + os.sep)
        if not inside:
            raise TetherError(
                f"{rel} is a symbolic link to {target}, outside the project",
                hint="Lambda gets only the project's files: copy what the code needs into the "
                f"project, or exclude the link: add '{rel}' to {TETHERIGNORE}",
            )
        if not os.path.exists(target):
            return f"broken symbolic link (its target {os.readlink(self.root / rel)} is missing)"
        target_rel = Path(os.path.relpath(target, self.real_root)).as_posix()
        why = self.rules.reason_for_path(target_rel, is_dir)
        return None if why is None else f"a link to {target_rel}, which is excluded: {why}"


def _check_handlers(project: Project, files: set[str], rules: Rules) -> None:
    """Every handler's file, and its packages' `__init__.py`, must be in the zip, or the
    function fails on its first call (or imports a different package)."""
    for function in project.functions.values():
        module = function.handler_module
        rel = module if "/" in module else module.replace(".", "/")
        candidates = (f"{rel}.py", f"{rel}/__init__.py")
        if not any(c in files for c in candidates):
            found = next((f for c in candidates if (f := rules.excluded_by(c, False))), None)
            if found is None:
                raise TetherError(
                    f"function '{function.name}': handler file {rel}.py is not in the project",
                    hint=f"create {rel}.py, or fix the handler in {project.file}",
                )
            _refuse_handler(project, function.name, f"handler file {candidates[0]}", *found)
        folders = rel.split("/")[:-1]
        for depth in range(1, len(folders) + 1):
            init = "/".join(folders[:depth]) + "/__init__.py"
            if init not in files and (project.root / init).is_file():
                found = rules.excluded_by(init, False)
                if found is not None:
                    _refuse_handler(project, function.name, f"its package's {init}", *found)


def _refuse_handler(
    project: Project, function: str, what: str, path: str, decision: Decision
) -> None:
    why = f"{path}: {decision.reason}" if path.endswith("/") else decision.reason
    pattern = decision.pattern
    if pattern is not None and pattern.source == TETHERIGNORE:
        hint = f"change line {pattern.line} of {TETHERIGNORE} so that it leaves the handler in"
    elif pattern is not None:
        hint = (
            f"the handler must ship: narrow line {pattern.line} of {pattern.source}, or "
            f"re-include it with the line '!/{path}' in {TETHERIGNORE}"
        )
    else:
        hint = f"move the handler to another file, and change the handler in {project.file}"
    raise TetherError(
        f"function '{function}': {what} is excluded from the code zip ({why})", hint=hint
    )


def collect_files(project: Project, rules: Rules) -> Collected:
    """The files that go into the code zip (sorted), the ones left out with their reasons, and
    the ones that go in although they look like credentials."""
    walker = _Walker(project.root, rules)
    walker.walk(str(project.root), (), frozenset({_inode(project.root)}))
    found = walker.found
    found.entries.sort(key=lambda e: e.name)
    found.excluded.sort()
    found.flagged.sort()
    return found


def collect(project: Project, rules: Rules) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The files that go into the code zip and the ones left out with their reasons, sorted."""
    found = collect_files(project, rules)
    return found.entries, found.excluded


def _inode(path: Path) -> tuple[int, int]:
    info = path.stat()
    return (info.st_dev, info.st_ino)


def build_code(project: Project) -> CodeArtifact:
    """Zip the project's code deterministically into `<root>/.tether/build/code-<sha12>.zip`."""
    rules = Rules.for_project(project)
    found = collect_files(project, rules)
    names = [e.name for e in found.entries]
    clashes = sorted({n for n, m in itertools.pairwise(names) if n == m})
    if clashes:
        raise TetherError(
            f"two files would share the zip entry {clashes[0]} (their names differ only in "
            "Unicode normalisation)",
            hint="rename one of them",
        )
    _check_handlers(project, set(names), rules)
    check_unzipped(Part("code", list(found.sizes.items())))
    written = write_zip(
        found.entries, project.root.joinpath(*BUILD_DIR), lambda sha: f"code-{sha[:12]}.zip"
    )
    return CodeArtifact(
        path=written.path,
        sha256=written.sha256,
        size=written.size,
        files=tuple(names),
        excluded=tuple(found.excluded),
        unzipped_size=sum(found.sizes.values()),
        flagged=tuple(found.flagged),
    )
