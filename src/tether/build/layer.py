"""Build stage, dependency half: requirements.txt -> a Lambda layer zip, built once per content.

pip installs the requirements for Lambda's platform (Linux x86_64, CPython of the project's
runtime, wheels only) into a temporary `python/` directory, which is zipped deterministically
as `python/...` entries, where Lambda layers put packages. The zip is cached under
`.tether/cache/layers/<key>.zip`, the key being a hash of the normalised requirements (with any
`-r`/`-c` files they include), the Python version and the platform: an unchanged requirements
file never runs pip again.

The layer for the local cloud is built for the Python that runs the code there (`python`, see
`tether.runtime.interpreters`): the declared runtime's when the machine has it, else the local
cloud's own, so that compiled wheels import; the layer for AWS, for the declared runtime. Requirements files are read as UTF-8 (with or without a byte-order mark,
as pip reads them); any other encoding stops the build naming the file, line and byte.

Extra pip options (`--find-links`, `--index-url`, `--no-index`, ...) go into requirements.txt,
where pip reads them and where they are part of the cache key, so that the same project builds
the same layer everywhere. The `pip` argument only chooses the command that runs pip.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from tether.build.archive import Entry, file_sha256, is_executable, write_zip, zip_name
from tether.build.limits import zip_sizes
from tether.build.text import decode_utf8
from tether.errors import TetherError
from tether.model.project import Project

REQUIREMENTS = "requirements.txt"
CACHE_DIR = (".tether", "cache", "layers")
PLATFORM = "manylinux2014_x86_64"
IMPLEMENTATION = "cp"
_KEY_VERSION = "tether-layer/1"
# pip settings that fight with --target; a user's other pip settings (indexes, certificates,
# proxies) still apply.
_CONFLICTING_ENV = ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_EDITABLE")
# `-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE`, and the same for -c.
_INCLUDE = re.compile(
    r"^(?:(?P<short>-[rc])\s*|(?P<long>--requirement|--constraint)(?:\s*=\s*|\s+))(?P<file>\S.*)$"
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_NO_VERSION = re.compile(
    r"Could not find a version that satisfies the requirement (?P<req>.+?)"
    r"(?: \(from (?!versions:)(?P<parent>[^)]*)\))?"
    r"(?: \(from versions: (?P<versions>[^)]*)\))?\s*$"
)
_NO_MATCH = re.compile(r"No matching distribution found for (?P<req>\S+)")


@dataclass(frozen=True)
class LayerArtifact:
    """The dependency layer: the project's requirements installed for Lambda, zipped."""

    path: Path  # <root>/.tether/cache/layers/<cache key>.zip
    sha256: str  # hex digest of the zip's bytes
    size: int
    packages: tuple[str, ...]  # installed distributions, "name==version", sorted
    cached: bool  # True when the zip came from the cache and pip did not run
    unzipped_size: int = 0  # bytes, what Lambda unzips into /opt

    @property
    def key(self) -> str:
        """The content-addressed object key of the zip in the artifact bucket."""
        return f"layers/{self.sha256}.zip"


@dataclass(frozen=True)
class RequirementLine:
    """One logical line of a requirements file, comments and continuations resolved."""

    file: str  # project-relative path
    number: int  # 1-based line where it starts
    text: str
    constraint: bool = False  # from a `-c` file: restricts versions, installs nothing

    @property
    def is_requirement(self) -> bool:
        if self.constraint:
            return False
        return not self.text.startswith("-") or self.text.startswith(("-e ", "--editable"))

    @property
    def name(self) -> str | None:
        """The canonical project name a requirement line names, if it names one."""
        match = _NAME.match(self.text)
        return canonical(match.group()) if match and self.is_requirement else None

    def __str__(self) -> str:
        return f"{self.file}:{self.number}: {self.text}"


def canonical(name: str) -> str:
    """A distribution name as PyPI compares them: `Foo_Bar.baz` -> `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(
    path: Path, root: Path, *, constraint: bool = False, seen: frozenset[Path] = frozenset()
) -> list[RequirementLine]:
    """The logical lines of a requirements file, with the files it includes inlined after the
    including line (so that a change in an included file changes the cache key)."""
    shown = _shown(path, root)
    ancestors = seen | {path.resolve()}
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TetherError(
            f"cannot read {shown}: {exc.strerror or exc}", hint="check the path and permissions"
        ) from exc
    raw = decode_utf8(data, shown)
    lines: list[RequirementLine] = []
    pending = ""
    start = 0
    for number, line in enumerate(raw.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        text = " ".join(_COMMENT.sub("", pending + line).split())
        pending = ""
        if not text:
            continue
        entry = RequirementLine(shown, start, text, constraint)
        lines.append(entry)
        include = _INCLUDE.match(text)
        if include:
            child = (path.parent / include["file"]).resolve()
            if child in ancestors:
                raise TetherError(f"{entry}: includes itself", hint="remove the loop")
            if not child.is_file():
                raise TetherError(
                    f"{entry}: {include['file']} does not exist",
                    hint=f"write its path relative to {shown}, or remove the line",
                )
            lines += read_requirements(
                child,
                root,
                constraint=constraint
                or (include["short"] or include["long"]) in ("-c", "--constraint"),
                seen=ancestors,
            )
    return lines


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def python_version(runtime: str) -> str:
    """`python3.12` -> `3.12`."""
    return runtime.removeprefix("python")


def cache_key(lines: Sequence[RequirementLine], runtime: str) -> str:
    """What decides the layer's content: the requirements, the runtime, the platform."""
    text = "\n".join(
        [_KEY_VERSION, runtime, PLATFORM, IMPLEMENTATION, *(line.text for line in lines)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def build_layer(
    project: Project,
    *,
    pip: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    python: str | None = None,
) -> LayerArtifact | None:
    """Install requirements.txt for Lambda and zip it as a layer; None when there is nothing.

    `pip` is the command that runs pip (default: this interpreter's `python -m pip`). The layer
    targets `python` (`3.11`: the Python that runs the code), by default the project's runtime;
    a cached layer with the same key is returned without running pip.
    """
    say = progress or (lambda _message: None)
    path = project.root / REQUIREMENTS
    if not path.is_file():
        return None
    lines = read_requirements(path, project.root)
    wanted = [line for line in lines if line.is_requirement]
    if not wanted:
        return None
    version = python or python_version(project.runtime)
    runtime = f"python{version}"
    key = cache_key(lines, runtime)
    cache = project.root.joinpath(*CACHE_DIR)
    cached = _from_cache(cache / f"{key}.zip")
    noun = "requirement" if len(wanted) == 1 else "requirements"
    if cached is not None:
        say(f"layer: {len(wanted)} {noun} unchanged, using the cached layer")
        return cached
    target_text = runtime
    if runtime != project.runtime:
        target_text += f" (what runs {project.runtime} here)"
    say(f"layer: installing {len(wanted)} {noun} with pip for {target_text} on {PLATFORM}")
    with tempfile.TemporaryDirectory(prefix="tether-layer-") as tmp:
        target = Path(tmp) / "python"
        target.mkdir()
        _run_pip(list(pip or (sys.executable, "-m", "pip")), target, path, project, version, lines)
        entries = _layer_entries(target)
        if not entries:
            say("layer: pip installed nothing for this platform; no layer")
            return None
        packages = _packages_on_disk(target)
        written = write_zip(entries, cache, lambda _sha: f"{key}.zip")
    say(f"layer: {len(packages)} packages, {len(entries)} files")
    unzipped = sum(size for _, size in zip_sizes(written.path))
    return LayerArtifact(
        written.path, written.sha256, written.size, packages, cached=False, unzipped_size=unzipped
    )


def _from_cache(path: Path) -> LayerArtifact | None:
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            packages = _packages_in_zip(archive)
            unzipped = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile):
        with contextlib.suppress(OSError):
            path.unlink()  # damaged: build it again
        return None
    return LayerArtifact(
        path, file_sha256(path), path.stat().st_size, packages, cached=True, unzipped_size=unzipped
    )


def _run_pip(
    pip: list[str],
    target: Path,
    requirements: Path,
    project: Project,
    version: str,
    lines: Sequence[RequirementLine],
) -> None:
    command = [
        *pip,
        "install",
        "--target",
        str(target),
        "--platform",
        PLATFORM,
        "--implementation",
        IMPLEMENTATION,
        "--python-version",
        version,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-r",
        str(requirements),
    ]
    env = {k: v for k, v in os.environ.items() if k not in _CONFLICTING_ENV}
    try:
        done = subprocess.run(
            command, cwd=project.root, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise TetherError(
            f"cannot run pip ({pip[0]}): {exc.strerror or exc}",
            hint="install pip in the Python that runs Tether: python -m ensurepip",
        ) from exc
    if done.returncode == 0:
        return
    output = (done.stderr or "") + "\n" + (done.stdout or "")
    _raise_no_wheel(output, lines, version)
    shown = [line for line in output.splitlines() if line.strip()]
    useful = [line for line in shown if not line.startswith("WARNING:")] or shown
    tail = "\n".join("    " + line for line in useful[-12:])
    raise TetherError(
        f"pip could not install {REQUIREMENTS} (exit status {done.returncode}):\n{tail}",
        hint=f"fix {REQUIREMENTS}; to see pip's whole output, run in the project directory: "
        + _by_hand(command, target, requirements, project.root),
    )


def _by_hand(command: list[str], target: Path, requirements: Path, root: Path) -> str:
    """The pip command as a user can paste it: a fresh target, the requirements file relative
    to the project, and pip's full output."""
    shown = {str(target): '"$(mktemp -d)/python"', str(requirements): _shown(requirements, root)}
    return " ".join(shown.get(part) or _quote(part) for part in command if part != "--quiet")


def _raise_no_wheel(output: str, lines: Sequence[RequirementLine], version: str) -> None:
    """pip found no installable wheel of a package: name it and its requirements line."""
    requirement = parent = versions = None
    for text in output.splitlines():
        if match := _NO_VERSION.search(text):
            requirement, parent, versions = match["req"], match["parent"], match["versions"]
        elif (match := _NO_MATCH.search(text)) and requirement is None:
            requirement = match["req"]
    if requirement is None:
        return
    name_match = _NAME.match(requirement)
    name = name_match.group() if name_match else requirement
    platform = f"Lambda (Linux x86_64, CPython {version})"
    line = _line_naming(lines, name)
    if line is not None:
        where = f"{line}"
    else:
        parent_line = _line_naming(lines, parent or "")
        needed = f", needed by {parent}" if parent else ""
        where = f"{requirement}{needed}" + (f" ({parent_line})" if parent_line else "")
    available = ""
    if versions and versions.strip() != "none":
        available = f"; versions with a suitable wheel: {versions.strip()}"
    raise TetherError(
        f"no wheel of {name} for {platform}: {where}",
        hint=f"pip found no built package (wheel) of {requirement} for this platform, only a "
        f"source distribution or none at all{available}. Ask {name}'s maintainers for a "
        "wheel, vendor the package into your code (copy its source into the project and drop "
        f"it from {REQUIREMENTS}), or pick another version that ships a wheel",
    )


def _line_naming(lines: Sequence[RequirementLine], name: str) -> RequirementLine | None:
    match = _NAME.match(name)
    if match is None:
        return None
    wanted = canonical(match.group())
    return next((line for line in lines if line.name == wanted), None)


def _quote(part: str) -> str:
    return part if re.fullmatch(r"[\w@%+=:,./-]+", part) else "'" + part.replace("'", "'\\''") + "'"


def _layer_entries(target: Path) -> list[Entry]:
    """Every installed file as `python/...`, without bytecode."""
    entries: list[Entry] = []
    for folder, dirs, files in os.walk(target):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = Path(folder).relative_to(target).parts
        for name in files:
            if name.endswith((".pyc", ".pyo")):
                continue
            source = Path(folder, name)
            if not source.is_file():
                continue
            mode = source.stat().st_mode
            entries.append(Entry(zip_name(("python", *rel, name)), source, is_executable(mode)))
    return entries


def _metadata_name(text: str) -> str | None:
    headers = HeaderParser().parsestr(text, headersonly=True)
    name, version = headers.get("Name"), headers.get("Version")
    return f"{name}=={version}" if name and version else None


def _packages_on_disk(target: Path) -> tuple[str, ...]:
    found = (
        _metadata_name(path.read_text(encoding="utf-8", errors="replace"))
        for path in target.glob("*.dist-info/METADATA")
    )
    return tuple(sorted((p for p in found if p), key=str.lower))


def _packages_in_zip(archive: zipfile.ZipFile) -> tuple[str, ...]:
    found = (
        _metadata_name(archive.read(name).decode("utf-8", errors="replace"))
        for name in archive.namelist()
        if re.fullmatch(r"python/[^/]+\.dist-info/METADATA", name)
    )
    return tuple(sorted((p for p in found if p), key=str.lower))
