"""The quotas AWS enforces, checked on the template synth wrote, before anyone deploys it.

The loader already refuses a project over the resource and output quotas (its counts mirror
synth's; see `tether.model.limits`); this is the exact check on the template itself, plus the
size of its body. Then, per function, what Lambda and IAM would refuse when CloudFormation
creates it: a name over 64 characters (synth shortens names, so this only guards that), its
environment over 4 KB as Lambda measures it, and a role whose statements IAM cannot hold even
once synth has moved the overflow into managed policies (`functions.split_statements`). The last
two are measured on the values CloudFormation will resolve, estimated on the long side
(`tether.synth.resolved`). A template over a quota is the user's project being too big, not a
bug in Tether, so it is reported as a ProjectError with the numbers and a way out.
"""

from __future__ import annotations

import json
from typing import Any

from tether.errors import Problem
from tether.model import Function, Location, Project
from tether.model.limits import (
    ENVIRONMENT_BYTES,
    FUNCTION_NAME_CHARS,
    MANAGED_POLICIES_PER_ROLE,
    MANAGED_POLICY_CHARS,
    ROLE_POLICY_CHARS,
    SPLIT_HINT,
    TEMPLATE_URL_BYTES,
    iam_policy_size,
    lambda_environment_text,
    limit_problems,
)
from tether.synth.resolved import Resolver

# CloudFormation reads a template of at most 1 MB from S3 (TemplateURL), and 51,200 bytes inline
# (TemplateBody); deploys upload bigger ones.
MAX_TEMPLATE_BYTES = TEMPLATE_URL_BYTES


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
    resources = template.get("Resources", {})
    resolver = Resolver(resources, project.stack_name(_stage(template)), project.region)
    for function in project.functions.values():
        problems += function_problems(function, resources, resolver)
    return problems


def _stage(template: dict[str, Any]) -> str:
    return str(template.get("Metadata", {}).get("tether", {}).get("stage", "dev"))


def _problem(function: Function, message: str, hint: str) -> Problem:
    at = function.location
    return Problem(at.file, at.line, at.column, "error", message, hint)


def function_problems(
    function: Function, resources: dict[str, Any], resolver: Resolver
) -> list[Problem]:
    """What Lambda and IAM would refuse when CloudFormation creates `function`."""
    properties = resources.get(function.logical_id, {}).get("Properties", {})
    problems = []
    name = str(properties.get("FunctionName", ""))
    if len(name) > FUNCTION_NAME_CHARS:
        problems.append(
            _problem(
                function,
                f"function {function.name} would be named {name!r}, {len(name)} characters, "
                f"more than the {FUNCTION_NAME_CHARS} Lambda allows",
                "use shorter project, stage or function names",
            )
        )
    variables = resolver.resolve(properties.get("Environment", {}).get("Variables", {}))
    size = len(lambda_environment_text(variables).encode())
    if size > ENVIRONMENT_BYTES:
        largest = sorted(
            variables.items(), key=lambda item: (-len(f"{item[0]}{item[1]}".encode()), item[0])
        )
        shown = ", ".join(
            f"{key} ({len(str(value).encode()):,} bytes)" for key, value in largest[:3]
        )
        problems.append(
            _problem(
                function,
                f"the environment variables of function {function.name} take {size:,} bytes as "
                f"Lambda measures them (names and values as JSON, with the names of the "
                f"resources it uses), more than the {ENVIRONMENT_BYTES:,} (4 KB) Lambda allows; "
                f"the largest: {shown}",
                "keep large values out of environment variables: put them in a file in the "
                "code, or in S3 or SSM Parameter Store and read them when the function starts",
            )
        )
    problems += _policy_problems(function, resources, resolver)
    return problems


def _policy_problems(
    function: Function, resources: dict[str, Any], resolver: Resolver
) -> list[Problem]:
    role = resources.get(f"{function.logical_id.removesuffix('Function')}Role", {})
    documents = [p["PolicyDocument"] for p in role.get("Properties", {}).get("Policies", [])]
    inline = sum(iam_policy_size(resolver.resolve(document)) for document in documents)
    owned = [
        body
        for body in resources.values()
        if body.get("Type") == "AWS::IAM::ManagedPolicy"
        and body.get("Metadata", {}).get("tether", {}).get("function") == function.name
    ]
    managed = [iam_policy_size(resolver.resolve(b["Properties"]["PolicyDocument"])) for b in owned]
    over = (
        inline > ROLE_POLICY_CHARS
        or any(size > MANAGED_POLICY_CHARS for size in managed)
        or len(managed) > MANAGED_POLICIES_PER_ROLE
    )
    if not over:
        return []
    total = inline + sum(managed)
    room = ROLE_POLICY_CHARS + MANAGED_POLICIES_PER_ROLE * MANAGED_POLICY_CHARS
    return [
        _problem(
            function,
            f"function {function.name} needs about {total:,} characters of IAM policy for its "
            f"permissions, more than one role can hold: {ROLE_POLICY_CHARS:,} inline and "
            f"{MANAGED_POLICIES_PER_ROLE} managed policies of {MANAGED_POLICY_CHARS:,} "
            f"({room:,} in all)",
            f"split the work of function {function.name} between several functions, each "
            "with the operations and triggers it needs, or declare fewer actions and resources "
            "for it",
        )
    ]
