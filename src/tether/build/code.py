"""Build stage, code half: the project's files -> one deterministic, content-addressed code zip.

Every function of the project ships the same zip: every file under the project root except what
is not code (the project file, requirements, tests, saved events, caches, virtual environments,
version control) and what must never leave the machine (.env files, keys, credentials). Each
exclusion is recorded with its reason for `tether build --verbose`. An optional `.tetherignore`
adds gitignore-style patterns. Symbolic links are followed only inside the project; one pointing
outside is refused, since Lambda would get a copy of a file the user never meant to ship.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tether.build.archive import Entry, is_executable, write_zip, zip_name
from tether.errors import TetherError
from tether.model.project import Project

BUILD_DIR = (".tether", "build")
IGNORE_FILE = ".tetherignore"

# Directories skipped wherever they are, by name. Their contents are never read.
_VCS = "version control"
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
    ".venv": "virtual environment (dependencies go into the layer)",
    "venv": "virtual environment (dependencies go into the layer)",
    "node_modules": "Node packages, not Python code",
    "tests": "tests are not deployed",
    ".aws": "AWS credentials and configuration (secrets)",
    ".pytest_cache": "tool cache",
    ".mypy_cache": "tool cache",
    ".ruff_cache": "tool cache",
    ".hypothesis": "tool cache",
    ".tox": "tool cache",
    ".nox": "tool cache",
}
# Directories skipped only at the top of the project.
_ROOT_DIRS: dict[str, str] = {"events": "saved test events are not deployed"}

_SECRET = "looks like a secret; never deployed"
# File names skipped wherever they are: exact names, then glob patterns (matched on the name).
_FILES: dict[str, str] = {
    "conftest.py": "test code is not deployed",
    ".env": "environment file (may hold secrets)",
    "credentials": _SECRET,
    ".npmrc": _SECRET,
    ".pypirc": _SECRET,
    ".netrc": _SECRET,
    ".git-credentials": _SECRET,
    ".gitignore": _VCS,
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
    (".env.*", "environment file (may hold secrets)"),
    ("requirements*.txt", "dependency list, not code: its packages go into the layer"),
)


def _glob_regex(pattern: str) -> str:
    """A gitignore-style glob as a regex: `*` and `?` stop at `/`, `**` crosses directories."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


_GLOB_RES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(_glob_regex(glob)), reason) for glob, reason in _FILE_GLOBS
)
# Private keys and certificates, in any letter case: *.pem, *.key, *.p12, *.pfx, id_rsa*, ...
_SECRET_NAME = re.compile(r"(?i)^(id_(rsa|dsa|ecdsa|ed25519).*|.*\.(pem|key|p12|pfx))$")


@dataclass(frozen=True)
class IgnorePattern:
    """One line of `.tetherignore`."""

    text: str
    line: int
    regex: re.Pattern[str]
    dir_only: bool  # `dir/`: matches directories only
    anchored: bool  # contains a `/`: matched against the project-relative path, else the name
    negated: bool  # `!pattern`: re-includes what an earlier line excluded

    @classmethod
    def parse(cls, text: str, line: int) -> IgnorePattern | None:
        body = text.strip()
        if not body or body.startswith("#"):
            return None
        negated = body.startswith("!")
        body = body.removeprefix("!")
        dir_only = body.endswith("/")
        body = body.rstrip("/")
        anchored = "/" in body
        body = body.lstrip("/")
        if not body:
            return None
        return cls(text.strip(), line, re.compile(_glob_regex(body)), dir_only, anchored, negated)

    def matches(self, rel: str, name: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        return self.regex.fullmatch(rel if self.anchored else name) is not None


class Rules:
    """Decides, for each path, whether it goes into the code zip, and if not, why."""

    def __init__(self, project_file: str, ignore: Iterable[IgnorePattern] = ()) -> None:
        self.root_files = {
            project_file: "the project file: Tether reads it, the functions do not",
            IGNORE_FILE: "Tether's ignore file, not code",
        }
        self.ignore = tuple(ignore)

    @classmethod
    def for_project(cls, project: Project) -> Rules:
        path = project.root / IGNORE_FILE
        patterns: list[IgnorePattern] = []
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TetherError(
                    f"cannot read {IGNORE_FILE}: {exc}", hint="save it as UTF-8 text"
                ) from exc
            for number, line in enumerate(text.splitlines(), start=1):
                pattern = IgnorePattern.parse(line, number)
                if pattern is not None:
                    patterns.append(pattern)
        return cls(project.file, patterns)

    def reason(self, rel: str, name: str, is_dir: bool) -> str | None:
        """Why `rel` (a POSIX path under the root, whose last part is `name`) is left out."""
        top = "/" not in rel
        if is_dir:
            found = _DIRS.get(name) or (_ROOT_DIRS.get(name) if top else None)
        else:
            found = self.root_files.get(rel) or _FILES.get(name)
            if found is None:
                found = next((why for regex, why in _GLOB_RES if regex.fullmatch(name)), None)
            if found is None and _SECRET_NAME.match(name):
                found = _SECRET
        if found is not None:
            return found
        matched: IgnorePattern | None = None
        for pattern in self.ignore:
            if pattern.matches(rel, name, is_dir):
                matched = None if pattern.negated else pattern
        if matched is not None:
            return f"{IGNORE_FILE}:{matched.line}: {matched.text}"
        return None

    def reason_for_path(self, rel: str, is_dir: bool) -> str | None:
        """Like `reason`, but also checks every directory above `rel`."""
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            why = self.reason(folder, parts[depth - 1], True)
            if why is not None:
                return f"{folder}/: {why}"
        return self.reason(rel, parts[-1], is_dir)


@dataclass(frozen=True)
class CodeArtifact:
    """The code zip shared by every function of the project."""

    path: Path  # <root>/.tether/build/code-<sha12>.zip
    sha256: str  # hex digest of the zip's bytes
    size: int  # bytes
    files: tuple[str, ...]  # entries in the zip, sorted
    excluded: tuple[tuple[str, str], ...]  # (path, reason); directories end with "/"

    @property
    def key(self) -> str:
        """The content-addressed object key of the zip in the artifact bucket."""
        return f"code/{self.sha256}.zip"


class _Walker:
    def __init__(self, root: Path, rules: Rules) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.rules = rules
        self.entries: list[Entry] = []
        self.excluded: list[tuple[str, str]] = []

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
                hint="check its permissions, or exclude it in .tetherignore",
            ) from exc
        for item in items:
            parts = (*prefix, item.name)
            rel = "/".join(parts)
            link = item.is_symlink()
            target = os.path.realpath(item.path) if link else item.path
            is_dir = os.path.isdir(target) if link else item.is_dir(follow_symlinks=False)
            why = self.rules.reason(rel, item.name, is_dir)
            if why is None and is_dir and os.path.isfile(os.path.join(target, "pyvenv.cfg")):
                why = "virtual environment (it has pyvenv.cfg; dependencies go into the layer)"
            shown = rel + "/" if is_dir else rel
            if why is not None:
                self.excluded.append((shown, why))
                continue
            if link:
                why = self._check_link(rel, target, is_dir)
                if why is not None:
                    self.excluded.append((shown, why))
                    continue
            if is_dir:
                info = os.stat(target)
                key = (info.st_dev, info.st_ino)
                if key in seen:
                    raise TetherError(
                        f"{rel} is a symbolic link to a directory that contains it (a loop)",
                        hint=f"remove the link, or exclude it: add '{rel}' to {IGNORE_FILE}",
                    )
                self.walk(item.path, parts, seen | {key})
            elif item.is_file():
                mode = item.stat().st_mode
                self.entries.append(Entry(zip_name(parts), Path(item.path), is_executable(mode)))
            else:
                self.excluded.append((rel, "not a regular file (a socket, pipe or device)"))

    def _check_link(self, rel: str, target: str, is_dir: bool) -> str | None:
        """Refuse a link leaving the project; skip a broken one or one into an excluded path."""
        inside = target == self.real_root or target.startswith(self.real_root + os.sep)
        if not inside:
            raise TetherError(
                f"{rel} is a symbolic link to {target}, outside the project",
                hint="Lambda gets only the project's files: copy what the code needs into the "
                f"project, or exclude the link: add '{rel}' to {IGNORE_FILE}",
            )
        if not os.path.exists(target):
            return f"broken symbolic link (its target {os.readlink(self.root / rel)} is missing)"
        target_rel = Path(os.path.relpath(target, self.real_root)).as_posix()
        why = self.rules.reason_for_path(target_rel, is_dir)
        return None if why is None else f"a link to {target_rel}, which is excluded: {why}"


def _check_handlers(project: Project, files: set[str], rules: Rules) -> None:
    """Every handler's file must be in the zip, or the function fails on its first call."""
    for function in project.functions.values():
        module = function.handler_module
        rel = module if "/" in module else module.replace(".", "/")
        candidates = (f"{rel}.py", f"{rel}/__init__.py")
        if any(c in files for c in candidates):
            continue
        why = next((w for c in candidates if (w := rules.reason_for_path(c, False))), None)
        if why is None:
            raise TetherError(
                f"function '{function.name}': handler file {rel}.py is not in the project",
                hint=f"create {rel}.py, or fix the handler in {project.file}",
            )
        raise TetherError(
            f"function '{function.name}': handler file {candidates[0]} is excluded from the "
            f"code zip ({why})",
            hint=f"move the handler to another file, or change {IGNORE_FILE}",
        )


def collect(project: Project, rules: Rules) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The files that go into the code zip and the ones left out with their reasons, sorted."""
    walker = _Walker(project.root, rules)
    walker.walk(str(project.root), (), frozenset({_inode(project.root)}))
    walker.entries.sort(key=lambda e: e.name)
    walker.excluded.sort()
    return walker.entries, walker.excluded


def _inode(path: Path) -> tuple[int, int]:
    info = path.stat()
    return (info.st_dev, info.st_ino)


def build_code(project: Project) -> CodeArtifact:
    """Zip the project's code deterministically into `<root>/.tether/build/code-<sha12>.zip`."""
    rules = Rules.for_project(project)
    entries, excluded = collect(project, rules)
    names = [e.name for e in entries]
    clashes = sorted({n for n, m in itertools.pairwise(names) if n == m})
    if clashes:
        raise TetherError(
            f"two files would share the zip entry {clashes[0]} (their names differ only in "
            "Unicode normalisation)",
            hint="rename one of them",
        )
    _check_handlers(project, set(names), rules)
    written = write_zip(
        entries, project.root.joinpath(*BUILD_DIR), lambda sha: f"code-{sha[:12]}.zip"
    )
    return CodeArtifact(
        path=written.path,
        sha256=written.sha256,
        size=written.size,
        files=tuple(names),
        excluded=tuple(excluded),
    )
