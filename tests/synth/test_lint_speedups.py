"""cfn-lint with Tether's speedups finds exactly what cfn-lint as shipped finds (the same
findings, in the same order, at the same positions); the speedups are undone after each job,
so cfn-lint used any other way in the process is cfn-lint as shipped; and the cfn-lint code
they re-implement is the code they were written against (an upgrade names each change)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from tests.synth.test_lint_pieces import ERRORS, generated
from tether.synth import lint_runner, lint_speedups
from tether.synth.lint_runner import Job
from tether.synth.template import to_json

__all__ = ["generated"]  # the fixture
pytestmark = pytest.mark.lint  # runs cfn-lint: not in `make test-fast`
REGION = "us-east-1"
Template = dict[str, Any]


def replaced_now() -> dict[str, bool]:
    """Which of cfn-lint's functions are the speedups' right now."""
    from cfnlint.context import context
    from cfnlint.jsonschema import validators
    from cfnlint.rules.jsonschema.Base import BaseJsonSchema

    return {
        "create": validators.create is lint_speedups._create,
        "extend_validator": BaseJsonSchema.extend_validator is lint_speedups._extend_validator,
        "Context.evolve": context.Context.evolve is lint_speedups._context_evolve,
        "fields": any(m.fields is lint_speedups._fields for m in lint_speedups.FIELDS_USERS),
    }


def test_the_cfn_lint_code_the_speedups_rely_on_is_unchanged() -> None:
    """A cfn-lint upgrade that changes code `lint_speedups` re-implements turns that speedup
    off (slower, same findings): read the new code, bring the speedup in line, and update its
    digest in RELIED_ON."""
    changed = [
        f"{module}.{name}: {lint_speedups.digest(module, name)}"
        for (module, name), expected in lint_speedups.RELIED_ON.items()
        if lint_speedups.digest(module, name) != expected
    ]
    assert changed == [], "cfn-lint changed code lint_speedups re-implements"
    for module in lint_speedups.FIELDS_USERS:
        assert module.fields is dataclasses.fields, module.__name__
    assert isinstance(
        lint_runner._rules()[lint_runner.Collection.EVERYTHING].data["E1101"],
        lint_speedups.FastCfnLint,
    )


def test_a_template_with_every_error_gets_cfn_lints_own_findings(generated: Template) -> None:
    broken = copy.deepcopy(generated)
    for inject in ERRORS.values():
        inject(broken)
    text = to_json(broken)
    shipped = lint_runner.whole_with_api(text, REGION)  # cfn-lint's API, as shipped
    assert len(shipped) > 10
    assert lint_runner.run(Job("whole", text, REGION)) == shipped  # order and positions too
    template_wide = lint_runner.template_rule_ids()
    assert lint_runner.run(Job("sections", text, REGION)) == [
        f for f in shipped if f.rule not in template_wide
    ]
    # What pieces run: the rules left to the sections template take their findings only.
    parameters = lint_runner.parameters_rule_ids()
    assert any(f.rule in parameters for f in shipped)
    assert lint_runner.run(Job("exact", text, REGION)) == [
        f for f in shipped if f.rule not in template_wide | parameters
    ]


def test_cfn_lint_is_as_shipped_outside_a_job(generated: Template) -> None:
    assert not any(replaced_now().values())
    with lint_speedups.speedups():
        assert all(replaced_now().values())
    assert not any(replaced_now().values())
    lint_runner.run(Job("piece", to_json(generated), REGION))
    assert not any(replaced_now().values())


def test_a_speedup_whose_original_changed_is_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    create = ("cfnlint.jsonschema.validators", "create")
    monkeypatch.setattr(lint_speedups, "changed", lambda: frozenset({create}))
    with lint_speedups.speedups():
        assert replaced_now() == {
            "create": False,
            "extend_validator": True,
            "Context.evolve": True,
            "fields": True,
        }
    e1101 = ("cfnlint.rules._rules", "Rules.run")
    monkeypatch.setattr(lint_speedups, "changed", lambda: frozenset({e1101}))
    assert type(lint_speedups.e1101()) is not lint_speedups.FastCfnLint
