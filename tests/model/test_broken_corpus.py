"""The broken project corpus: what a user is told about each kind of mistake in a project.

Each directory under tests/model/corpus/broken is a small project with one mistake (a few cases have
several). Header comments of its tether.yaml say what `load_project` must report:

    # expect: <line>: <message substring>            an error in tether.yaml on that line
    # expect: app/x.py:<line>: <message substring>   an error in a handler file on that line
    # hint: <line>: <hint substring>                 an error on that line has this in its hint

Each `expect` matches a distinct error; there must be no other errors, and every error must
carry a hint. Lines are 1-based and count the header comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tether import ProjectError, load_project
from tether.errors import Problem

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "model" / "corpus" / "broken"
EXAMPLE = REPO / "examples" / "photos"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "tether.yaml").is_file())
_EXPECT = re.compile(r"^# expect: (?:(?P<file>[^\s:]+\.py):)?(?P<line>\d+): (?P<text>.+)$")
_HINT = re.compile(r"^# hint: (?P<line>\d+): (?P<text>.+)$")


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


def read_header(case: Path) -> tuple[list[Expected], list[Expected]]:
    """The `expect` and `hint` lines of a case's tether.yaml."""
    expects: list[Expected] = []
    hints: list[Expected] = []
    for line in (case / "tether.yaml").read_text(encoding="utf-8").splitlines():
        if match := _EXPECT.match(line):
            file = match["file"] or "tether.yaml"
            expects.append(Expected(file, int(match["line"]), match["text"]))
        elif match := _HINT.match(line):
            hints.append(Expected("tether.yaml", int(match["line"]), match["text"]))
    return expects, hints


def errors_of(case: Path) -> list[Problem]:
    with pytest.raises(ProjectError) as caught:
        load_project(case)
    return [p for p in caught.value.problems if p.severity == "error"]


def shown(problems: list[Problem]) -> str:
    return "\n".join(p.format() for p in problems) or "(none)"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_project_tells_the_user_what_and_where(case: Path) -> None:
    """Loading the broken project fails with exactly the expected errors, on the right lines."""
    expects, hints = read_header(case)
    assert expects, f"{case.name}: tether.yaml declares no `# expect:` line"
    errors = errors_of(case)
    unmatched = list(errors)
    for expected in expects:
        found = next(
            (
                p
                for p in unmatched
                if (p.file, p.line) == (expected.file, expected.line) and expected.text in p.message
            ),
            None,
        )
        assert found is not None, f"expected {expected}\nbut the errors are:\n{shown(errors)}"
        unmatched.remove(found)
    assert not unmatched, f"unexpected errors:\n{shown(unmatched)}"
    for expected in hints:
        assert any(p.line == expected.line and expected.text in p.hint for p in errors), (
            f"expected a hint containing {expected.text!r} on line {expected.line}, "
            f"but the errors are:\n{shown(errors)}"
        )
    no_hint = [p for p in errors if not p.hint.strip()]
    assert not no_hint, f"errors without a hint:\n{shown(no_hint)}"


def test_corpus_covers_at_least_45_kinds_of_mistake() -> None:
    """The corpus stays broad: at least 45 broken projects."""
    assert len(CASES) >= 45, [c.name for c in CASES]


def test_example_photos_project_loads_without_errors() -> None:
    """The shipped example is a valid project: loading it reports nothing."""
    project = load_project(EXAMPLE)
    assert project.name == "photos"
