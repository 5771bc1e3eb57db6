"""The project's files as the read stage sees them: tether.yaml, requirements.txt, handler code.

An overlay (project-relative path -> text) stands in for files on disk: the IDE checks the text
in its editor before it is saved. Without one, only the disk is read. A file that cannot be read
(missing, too large, not UTF-8) is a problem reported with a hint, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tether.model import rules
from tether.model.read.cursor import TOP, Problems
from tether.model.yamlfile import MAX_FILE_BYTES

_MB = 1024 * 1024


@dataclass(frozen=True)
class ProjectFiles:
    """The project directory, its project file's name, and the unsaved texts read instead."""

    root: Path
    file: str  # the project file, relative to root
    overlay: Mapping[str, str]

    def project_text(self, problems: Problems) -> str | None:
        """The project file's text; None when it cannot be read (reported)."""
        path = self.root / self.file
        try:
            unsaved = self.overlay.get(self.file)
            size = path.stat().st_size if unsaved is None else len(unsaved.encode("utf-8"))
            if size > MAX_FILE_BYTES:
                problems.report(
                    TOP,
                    f"{self.file} is {size / _MB:.1f} MB; a project file may be at most "
                    f"{MAX_FILE_BYTES // _MB} MB",
                    "a project file holds settings, not data: a real one is a few KB. Keep "
                    "large values (schedule inputs, test events) in other files",
                )
                return None
            return path.read_text(encoding="utf-8") if unsaved is None else unsaved
        except FileNotFoundError:
            problems.report(
                TOP,
                f"{self.file} not found in {self.root.name or self.root}",
                "run `tether init NAME` to start a project",
            )
        except UnicodeDecodeError as exc:
            line = bytes(exc.object[: exc.start]).count(b"\n") + 1
            problems.report(
                (line, 1),
                f"{self.file} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                "save the file as UTF-8",
            )
        except OSError as exc:
            problems.report(
                TOP,
                f"cannot read {self.file}: {exc.strerror or exc}",
                "check that the file is readable (its permissions, or that it is a file)",
            )
        return None

    def requirements(self, problems: Problems) -> tuple[str, ...]:
        """The requirement lines of requirements.txt (comments and blank lines dropped); a file
        that is not UTF-8 (as pip reads it; a byte-order mark is fine) is a problem."""
        path = self.root / "requirements.txt"
        if "requirements.txt" in self.overlay:
            raw = self.overlay["requirements.txt"].encode("utf-8")
        elif not path.is_file():
            return ()
        else:
            raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            problems.report(
                (raw.count(b"\n", 0, exc.start) + 1, exc.start - line_start + 1),
                f"requirements.txt is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read",
                "save it as UTF-8, as pip reads it (UTF-16, as PowerShell's `>` writes it, is not)",
                file="requirements.txt",
            )
            return ()
        lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
        return tuple(line for line in lines if line)

    def handler_finding(self, value: str) -> tuple[str, str, str, int] | None:
        """rules.handler's check of a handler value, on the unsaved text of its file if any."""
        shown = self._unsaved_handler_file(value)
        if shown is None:
            return rules.handler(self.root, value)
        return rules.handler_source(self.overlay[shown], shown, value.rpartition(".")[2])

    def _unsaved_handler_file(self, value: str) -> str | None:
        """The file of a well-formed handler value when the overlay holds it, else None."""
        module, dot, function = value.rpartition(".")
        if (
            not self.overlay
            or not dot
            or not module
            or not function.isidentifier()
            or value.endswith(".py")
        ):
            return None
        rel = module.replace(".", "/") if "/" not in module else module
        if rel.startswith("/") or ".." in rel.split("/"):
            return None
        return next((c for c in (f"{rel}.py", f"{rel}/__init__.py") if c in self.overlay), None)
