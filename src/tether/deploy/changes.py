"""What changed since the stage's last deploy: stat every code file first, hash only the files
whose size or modification time moved, and compare with the hashes recorded in the state.

The snapshot covers exactly the files that go into the code zip, plus the two inputs that are
not code: the project file and requirements.txt (a change there rules a quick deploy out).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from tether.build.code import Rules, collect
from tether.model import Project


@dataclass(frozen=True)
class FileRecord:
    size: int
    mtime_ns: int
    sha256: str

    def as_json(self) -> list[object]:
        return [self.size, self.mtime_ns, self.sha256]

    @classmethod
    def from_json(cls, value: list[object]) -> FileRecord:
        size, mtime_ns, sha256 = value
        return cls(int(str(size)), int(str(mtime_ns)), str(sha256))


@dataclass(frozen=True)
class Snapshot:
    code: dict[str, FileRecord]  # zip entry name -> record
    sources: dict[str, Path]  # zip entry name -> file on disk
    executable: frozenset[str]
    project_file: str  # sha256 of tether.yaml
    requirements: str  # sha256 of requirements.txt ("" when absent)


@dataclass(frozen=True)
class CodeChanges:
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.added + self.modified + self.removed))

    def __bool__(self) -> bool:
        return bool(self.added or self.modified or self.removed)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _optional_sha256(path: Path) -> str:
    return _sha256(path) if path.is_file() else ""


def snapshot(project: Project, previous: dict[str, FileRecord] | None = None) -> Snapshot:
    """Stat the project's code files; hash a file only when its size or mtime changed."""
    previous = previous or {}
    entries, _ = collect(project, Rules.for_project(project))
    records: dict[str, FileRecord] = {}
    for entry in entries:
        info = os.stat(entry.source)
        known = previous.get(entry.name)
        if known is not None and known.size == info.st_size and known.mtime_ns == info.st_mtime_ns:
            records[entry.name] = known
        else:
            records[entry.name] = FileRecord(info.st_size, info.st_mtime_ns, _sha256(entry.source))
    root = Path(project.root)
    return Snapshot(
        code=records,
        sources={e.name: e.source for e in entries},
        executable=frozenset(e.name for e in entries if e.executable),
        project_file=_sha256(root / project.file),
        requirements=_optional_sha256(root / "requirements.txt"),
    )


def compare(before: dict[str, FileRecord], after: dict[str, FileRecord]) -> CodeChanges:
    return CodeChanges(
        added=tuple(sorted(set(after) - set(before))),
        modified=tuple(
            sorted(p for p in set(after) & set(before) if after[p].sha256 != before[p].sha256)
        ),
        removed=tuple(sorted(set(before) - set(after))),
    )
