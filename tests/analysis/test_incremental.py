"""Incremental analysis: after any edit, a cached analysis gives exactly what a fresh one gives.

Random edits of the corpus's projects and of the example app (lines deleted, duplicated or
added, imports of other modules, new boto3 calls, files created where an import used to miss,
files deleted, files put back) are followed by three analyses: fresh, through the cache kept
in memory across the edits, and through a new cache that starts from what the disk holds (as a
new process does). Operations, problems, reads, indexes and closures must be equal.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.analysis.corpus import cases
from tests.helpers import EXAMPLE
from tether.analysis import Analysis, AnalysisCache, analyse
from tether.errors import ProjectError
from tether.model import Project, read_project_file

EDITS_PER_PROJECT = 8
SAMPLED_CASES = 30
BOTO_CALL = """
import os as _os_{n}
import boto3 as _boto3_{n}
_client_{n} = _boto3_{n}.client("{service}")


def _extra_{n}(event=None):
    _client_{n}.{method}({param}=_os_{n}.environ["{var}"]{rest})


_extra_{n}()
"""
CALLS = {
    "s3": ("put_object", "Bucket", ', Key="k"', "BUCKET"),
    "dynamodb": ("get_item", "TableName", ', Key={"id": {"S": "1"}}', "TABLE"),
    "sns": ("publish", "TopicArn", ', Message="m"', "TOPIC_ARN"),
    "sqs": ("send_message", "QueueUrl", ', MessageBody="m"', "QUEUE_URL"),
}


def _projects() -> list[Path]:
    sampled = random.Random(20261202).sample(cases(), SAMPLED_CASES)
    return [EXAMPLE, *sorted(sampled)]


@pytest.mark.parametrize("source", _projects(), ids=lambda p: p.name)
def test_random_edits_give_what_a_fresh_analysis_gives(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".tether", "expected.json"))
    disk = tmp_path / "cache"
    kept = AnalysisCache(disk)
    editor = Editor(root, random.Random(source.name))
    for step in range(EDITS_PER_PROJECT + 1):
        if step:
            editor.edit()
        project = _read(root)
        if project is None:
            continue  # the edit broke tether.yaml's view of a handler: nothing to analyse
        fresh = analyse(project)
        _same(analyse(project, cache=kept), fresh, editor.log)
        _same(analyse(project, cache=AnalysisCache(disk)), fresh, editor.log)


def _read(root: Path) -> Project | None:
    try:
        return read_project_file(root)
    except ProjectError:
        return None


def _same(found: Analysis, fresh: Analysis, log: list[str]) -> None:
    assert list(found.functions) == list(fresh.functions), log
    for name, expected in fresh.functions.items():
        got = found.functions[name]
        assert got.operations == expected.operations, (name, log)
        assert got.closure == expected.closure, (name, log)
        assert got.reads == expected.reads, (name, log)
        assert got.indexes == expected.indexes, (name, log)
        assert got.problems == expected.problems, (name, log)
    assert found.problems == fresh.problems, log


class Editor:
    """Makes random edits to a project's Python files, remembering the originals."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.originals = {p: p.read_text() for p in self._files()}
        self.log: list[str] = []
        self.count = 0

    def _files(self) -> list[Path]:
        return sorted(self.root.rglob("*.py"))

    def _modules(self) -> list[str]:
        return [
            p.relative_to(self.root).with_suffix("").as_posix().replace("/", ".")
            for p in self._files()
        ]

    def edit(self) -> None:
        self.count += 1
        files = self._files()
        edits: list[Callable[[Path], str]] = [
            self.delete_line,
            self.duplicate_line,
            self.add_import,
            self.add_call,
            self.import_missing,
            self.create_missing,
            self.put_back,
            self.delete_file,
        ]
        edit = self.rng.choice(edits)
        target = self.rng.choice(files) if files else self.root / "app.py"
        self.log.append(edit(target))

    def _lines(self, path: Path) -> list[str]:
        return _text(path).splitlines(keepends=True)

    def delete_line(self, path: Path) -> str:
        lines = self._lines(path)
        if lines:
            index = self.rng.randrange(len(lines))
            del lines[index]
            path.write_text("".join(lines))
        return f"deleted a line of {path.name}"

    def duplicate_line(self, path: Path) -> str:
        lines = self._lines(path)
        if lines:
            index = self.rng.randrange(len(lines))
            lines.insert(index, lines[index])
            path.write_text("".join(lines))
        return f"duplicated a line of {path.name}"

    def add_import(self, path: Path) -> str:
        other = self.rng.choice([*self._modules(), "tether_extra"])
        path.write_text(_text(path) + f"\nimport {other}\n")
        return f"{path.name} imports {other}"

    def add_call(self, path: Path) -> str:
        service = self.rng.choice(sorted(CALLS))
        method, param, rest, suffix = CALLS[service]
        var = self.rng.choice(["", "NOT_A_RESOURCE_"]) + self._variable(suffix)
        code = BOTO_CALL.format(
            n=self.count, service=service, method=method, param=param, rest=rest, var=var
        )
        path.write_text(_text(path) + code)
        return f"{path.name} calls {service}.{method} on ${var}"

    def _variable(self, suffix: str) -> str:
        yaml = (self.root / "tether.yaml").read_text()
        names = sorted({w.strip(":") for w in yaml.split() if w.strip(":").isidentifier()})
        return f"{self.rng.choice(names).upper()}_{suffix}" if names else f"X_{suffix}"

    def import_missing(self, path: Path) -> str:
        path.write_text(_text(path) + "\nimport tether_extra\n")
        return f"{path.name} imports tether_extra (missing or not)"

    def create_missing(self, path: Path) -> str:
        extra = self.root / "tether_extra.py"
        if extra.exists():
            extra.unlink()
            return "deleted tether_extra.py"
        extra.write_text(
            BOTO_CALL.format(
                n=0,
                service="s3",
                method="delete_object",
                param="Bucket",
                rest=', Key="k"',
                var=self._variable("BUCKET"),
            )
        )
        return "created tether_extra.py"

    def put_back(self, path: Path) -> str:
        """An original file (perhaps deleted) as it was."""
        original = self.rng.choice(sorted(self.originals))
        original.write_text(self.originals[original])
        return f"put {original.name} back"

    def delete_file(self, path: Path) -> str:
        if len(self._files()) < 2:
            return "deleted nothing"
        path.unlink()
        return f"deleted {path.name}"


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""
