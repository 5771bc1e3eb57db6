"""cfn-lint over a synthesised template, as a library; findings come back as Problems.

A lint error in a template Tether generated is Tether's bug, not the user's, so the hint says
how to report it. cfn-lint is imported lazily: it takes about a second to load.
"""

from __future__ import annotations

from typing import Any

from tether.errors import Problem
from tether.synth.template import to_json

TEMPLATE_FILE = "template.json"


def lint(template: dict[str, Any], *, region: str) -> list[Problem]:
    from cfnlint import api

    matches = api.lint(to_json(template), config=api.ManualArgs(regions=[region]))
    problems = []
    for match in matches:
        rule = match.rule.id
        where = "/".join(str(part) for part in getattr(match, "path", []) or [])
        problems.append(
            Problem(
                file=TEMPLATE_FILE,
                line=match.linenumber,
                column=match.columnnumber,
                severity="error" if rule.startswith("E") else "warning",
                message=f"cfn-lint {rule}: {match.message}" + (f" (at {where})" if where else ""),
                hint="Tether generated this template: please report it with your tether.yaml",
            )
        )
    return sorted(problems)
