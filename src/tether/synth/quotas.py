"""The quotas AWS enforces, checked on the templates synth wrote, before anyone deploys them.

Each template, the root and every nested stack, must hold at most 500 resources, 200 outputs
and 200 parameters in at most 1 MB (`template_excess`): synth splits a project whose one
template would be over any of them (`tether.synth.nesting`), and `stack_problems` reports what
the split cannot hold (a function over a stack alone, a root over its quotas), naming the
function or the project file. The loader refuses those cases already from its counts (see
`tether.model.limits`); this is the exact check. Then, per function, what Lambda and IAM would
refuse when CloudFormation creates it: a name over 64 characters (synth shortens names, so this
only guards that), its environment over 4 KB as Lambda measures it, and a role whose statements
IAM cannot hold even once synth has moved the overflow into managed policies
(`functions.split_statements`). The last two are measured on the values CloudFormation will
resolve, estimated on the long side (`tether.synth.resolved`). A template over a quota is the
user's project being too big, not a bug in Tether, so it is reported as a ProjectError with the
numbers and a way out.
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
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    ROLE_POLICY_CHARS,
    SPLIT_HINT,
    TEMPLATE_URL_BYTES,
    iam_policy_size,
    lambda_environment_text,
)
from tether.synth.nesting import Stacks, owner_function
from tether.synth.resolved import Resolver

# CloudFormation reads a template of at most 1 MB from S3 (TemplateURL), and 51,200 bytes inline
# (TemplateBody); deploys upload bigger ones.
MAX_TEMPLATE_BYTES = TEMPLATE_URL_BYTES


def template_bytes(template: dict[str, Any]) -> int:
    """The size of the body as deploys send it: compact JSON."""
    return len(json.dumps(template, sort_keys=True, separators=(",", ":")).encode())


def template_excess(template: dict[str, Any]) -> list[str]:
    """What of one template is over CloudFormation's quotas, in words ("612 resources (AWS
    allows 500)"); empty when it fits in one stack."""
    found = []
    for part, limit in (
        ("Resources", MAX_RESOURCES),
        ("Outputs", MAX_OUTPUTS),
        ("Parameters", MAX_PARAMETERS),
    ):
        used = len(template.get(part) or {})
        if used > limit:
            found.append(f"{used} {part.lower()} (AWS allows {limit})")
    size = template_bytes(template)
    if size > MAX_TEMPLATE_BYTES:
        found.append(f"{size:,} bytes (AWS accepts {MAX_TEMPLATE_BYTES:,})")
    return found


def fits(template: dict[str, Any]) -> bool:
    return not template_excess(template)


def stack_problems(
    project: Project, flat: dict[str, Any], stacks: Stacks, alone: list[str]
) -> list[Problem]:
    """What the split could not hold: functions over a stack on their own (at each function),
    and a root stack over a quota (at the project file)."""
    problems = []
    for name in alone:
        function = project.functions[name]
        problems.append(
            _problem(
                function,
                f"function {function.name} with its triggers is more than one CloudFormation "
                "stack holds, and a function deploys in one stack: "
                + "; ".join(template_excess(_alone(flat, name)) or ["over a quota"]),
                f"split the triggers and operations of function {function.name} between "
                "several functions",
            )
        )
    excess = template_excess(stacks.root)
    if excess:
        at = Location(project.file, 1, 1)
        problems.append(
            Problem(
                at.file,
                at.line,
                at.column,
                "error",
                "the project's root stack (its project resources, dependency layer and one "
                "nested stack per group of functions) is over CloudFormation's quotas: "
                + "; ".join(excess),
                f"{SPLIT_HINT}; large schedule inputs, SNS filter policies and environment "
                "values count too",
            )
        )
    for stack_id, child in stacks.children.items():
        if template_excess(child):  # groups are made to fit: a bug, never the user's input
            raise ValueError(f"nested stack {stack_id} is over a quota: {template_excess(child)}")
    return problems


def _alone(flat: dict[str, Any], name: str) -> dict[str, Any]:
    """The flat resources of one function, as a template (for the numbers of the message)."""
    resources = {k: v for k, v in flat["Resources"].items() if owner_function(v) == name}
    return {"Resources": resources}


def quota_problems(project: Project, template: dict[str, Any]) -> list[Problem]:
    """What Lambda and IAM would refuse of each function in the (flat) template."""
    resources = template.get("Resources", {})
    resolver = Resolver(resources, project.stack_name(_stage(template)), project.region)
    managed = _managed_policies(resources)
    problems: list[Problem] = []
    for function in project.functions.values():
        problems += function_problems(function, resources, resolver, managed)
    return problems


def _managed_policies(resources: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The managed policies of each function's role, by function name (found in one pass)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for body in resources.values():
        if body.get("Type") == "AWS::IAM::ManagedPolicy":
            function = body.get("Metadata", {}).get("tether", {}).get("function")
            if function is not None:
                found.setdefault(str(function), []).append(body)
    return found


def _stage(template: dict[str, Any]) -> str:
    return str(template.get("Metadata", {}).get("tether", {}).get("stage", "dev"))


def _problem(function: Function, message: str, hint: str) -> Problem:
    at = function.location
    return Problem(at.file, at.line, at.column, "error", message, hint)


def function_problems(
    function: Function,
    resources: dict[str, Any],
    resolver: Resolver,
    managed: dict[str, list[dict[str, Any]]] | None = None,
) -> list[Problem]:
    """What Lambda and IAM would refuse when CloudFormation creates `function`; `managed` is
    `_managed_policies(resources)`, if the caller made it already."""
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
    if managed is None:
        managed = _managed_policies(resources)
    problems += _policy_problems(function, resources, resolver, managed.get(function.name, []))
    return problems


def _policy_problems(
    function: Function,
    resources: dict[str, Any],
    resolver: Resolver,
    owned: list[dict[str, Any]],
) -> list[Problem]:
    role = resources.get(f"{function.logical_id.removesuffix('Function')}Role", {})
    documents = [p["PolicyDocument"] for p in role.get("Properties", {}).get("Policies", [])]
    inline = sum(iam_policy_size(resolver.resolve(document)) for document in documents)
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
