"""Every template of a split project, the root and each nested stack, passes cfn-lint with no
error (a module of its own: cfn-lint on a 200-function project takes tens of seconds the first
time, and `make test-fast` leaves it out)."""

from __future__ import annotations

from tests.synth.test_nested_stacks import big
from tether.model import Project
from tether.synth import Stacks
from tether.synth.lint import lint

__all__ = ["big"]  # the fixture


def test_every_template_passes_cfn_lint(big: tuple[Project, Stacks]) -> None:
    _, stacks = big
    found = {
        name: [p.format() for p in lint(template, region="us-east-1") if p.severity == "error"]
        for name, template in {"root": stacks.root, **stacks.children}.items()
    }
    assert found == {name: [] for name in found}
    assert len(found) >= 4  # the root and its nested stacks
