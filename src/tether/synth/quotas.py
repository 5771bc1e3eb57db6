"""The stack quotas AWS enforces, checked on the template synth wrote, before anyone deploys it.

The loader already refuses a project over the resource and output quotas (its counts mirror
synth's; see `tether.model.limits`); this is the exact check on the template itself, plus the
size of its body. A template over a quota is the user's project being too big, not a bug in
Tether, so it is reported as a ProjectError with the numbers and a way out.
"""

from __future__ import annotations

import json
from typing import Any

from tether.errors import Problem
from tether.model import Location, Project
from tether.model.limits import SPLIT_HINT, limit_problems

# CloudFormation reads a template of at most 1 MB from S3 (TemplateURL), and 51,200 bytes inline
# (TemplateBody); deploys upload bigger ones. cfn-lint counts the MB as 1,000,000 bytes.
MAX_TEMPLATE_BYTES = 1_000_000
INLINE_TEMPLATE_BYTES = 51_200


def template_bytes(template: dict[str, Any]) -> int:
    """The size of the body as deploys send it: compact JSON."""
    return len(json.dumps(template, sort_keys=True, separators=(",", ":")).encode())


def quota_problems(project: Project, template: dict[str, Any]) -> list[Problem]:
    at = Location(project.file, 1, 1)
    problems = limit_problems(
        project,
        at,
        resources=len(template.get("Resources", {})),
        outputs=len(template.get("Outputs", {})),
    )
    size = template_bytes(template)
    if size > MAX_TEMPLATE_BYTES:
        problems.append(
            Problem(
                at.file,
                at.line,
                at.column,
                "error",
                f"the project's CloudFormation template is {size:,} bytes, more than the "
                f"{MAX_TEMPLATE_BYTES:,} AWS accepts for one stack",
                f"{SPLIT_HINT}; large schedule inputs, SNS filter policies and environment "
                "values count too",
            )
        )
    return problems
