"""The quotas AWS sets that a Tether project can reach, and how much of CloudFormation's stacks
a project takes against them.

The numbers below are the one copy Tether keeps of AWS's quotas: the loader and synth check a
project against them before anything deploys, the build checks code sizes, deploys choose how to
send a template, and the local cloud refuses what AWS refuses (`tether.localcloud.limits` names
each with AWS's documentation and the error AWS answers with). They live here because the model
imports nothing of ours, so every layer may import them.

A project past one stack's quotas deploys as a root stack and nested stacks (`tether.synth.
nesting`): the root holds the project resources, the dependency layer and one nested stack per
group of functions; each nested stack holds whole functions with their triggers. Every command
loads the project, so the loader refuses what no such split can hold, before synth, build or
deploy: one function whose own resources are more than a stack holds, or project resources
that leave the root no room for the nested stacks its functions need. The counts mirror what
synth makes of each function, trigger and project resource (`footprint`; a synth test compares
them with the templates synth writes, so the two cannot drift apart). Synth then checks every
template it writes, root and nested, against the same quotas with the exact counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tether.errors import Problem
from tether.model.project import (
    Bucket,
    BucketTrigger,
    HttpApi,
    HttpTrigger,
    Location,
    Project,
    Queue,
    Resource,
    Schedule,
    ScheduleTrigger,
    Table,
    Topic,
    TopicTrigger,
    Trigger,
)

# --- AWS's quotas (the documentation's names are in `tether.localcloud.limits`) ----------------
# CloudFormation, per template ("Understand CloudFormation quotas")
MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_PARAMETERS = 200
TEMPLATE_BODY_BYTES = 51_200  # sent inline (TemplateBody)
TEMPLATE_URL_BYTES = 1_000_000  # read from S3 (TemplateURL): "1 MB"; cfn-lint counts 1,000,000
# Lambda ("Lambda quotas")
FUNCTION_NAME_CHARS = 64
ENVIRONMENT_BYTES = 4 * 1024  # all of a function's variables, as the JSON Lambda measures
ZIP_UPLOAD_BYTES = 50 * 1024 * 1024  # a .zip sent in the request (ZipFile), after base64
UNZIPPED_BYTES = 250 * 1024 * 1024  # code and all its layers together, unzipped
INVOKE_SYNC_BYTES = 6 * 1024 * 1024  # request payload of a synchronous invoke
INVOKE_RESPONSE_BYTES = INVOKE_SYNC_BYTES + 100  # its response: AWS's message says 6291556
INVOKE_ASYNC_BYTES = 1024 * 1024  # request payload of an asynchronous invoke (256 KB before 2025)
# IAM ("IAM and AWS STS quotas"): sizes in characters, whitespace not counted
ROLE_POLICY_CHARS = 10_240  # all inline policies of one role together
MANAGED_POLICY_CHARS = 6_144  # one managed policy
MANAGED_POLICIES_PER_ROLE = 10  # the default quota (adjustable to 20)
# SQS and SNS: a message with its attributes, in bytes
SQS_MESSAGE_BYTES = 1024 * 1024  # a queue's MaximumMessageSize: default and maximum since 2025-08
SNS_MESSAGE_BYTES = 256 * 1024  # a topic's default MaximumMessageSize
SNS_LARGEST_MESSAGE_BYTES = 1024 * 1024  # what a topic may raise it to (since 2026-09)


def lambda_environment_text(variables: Mapping[str, Any]) -> str:
    """What Lambda measures against ENVIRONMENT_BYTES (in UTF-8): the variables as compact JSON,
    in their order (its error quotes it as "String measured")."""
    return json.dumps(
        {str(k): str(v) for k, v in variables.items()}, separators=(",", ":"), ensure_ascii=False
    )


def iam_policy_size(document: Any) -> int:
    """A policy's size as IAM counts it: the characters of its JSON, whitespace not counted."""
    text = document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))
    return sum(map(len, text.split()))  # split() drops exactly what str.isspace() matches


FUNCTION_RESOURCES = 3  # log group, role, function
FUNCTION_OUTPUTS = 1  # its ARN
# project resource -> (CloudFormation resources, outputs)
RESOURCE_SHAPES: dict[type[Resource], tuple[int, int]] = {
    Bucket: (1, 2),  # bucket; name, ARN
    Table: (1, 2),  # table; name, ARN (+ stream ARN)
    Topic: (1, 2),  # topic; ARN, name
    Queue: (1, 2),  # queue; URL, ARN
    Schedule: (1, 1),  # EventBridge rule; ARN
    HttpApi: (2, 1),  # API and its stage; URL
}
SPLIT_HINT = (
    "move some functions into another project (each project deploys its own stacks), or let "
    "one function handle what several small ones do"
)


@dataclass(frozen=True)
class Footprint:
    """CloudFormation resources and outputs per part of the project, in the user's words:
    "function resize" (its triggers included), "s3.bucket uploads", "dependency layer"; and the
    resources per kind of part: "functions", "triggers", "project resources"."""

    resources: Counter[str]
    outputs: Counter[str]
    kinds: Counter[str]

    @property
    def resource_count(self) -> int:
        return sum(self.resources.values())

    @property
    def output_count(self) -> int:
        return sum(self.outputs.values())


def footprint(project: Project) -> Footprint:
    resources: Counter[str] = Counter()
    outputs: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    if project.requirements:
        resources["dependency layer"] += 1
        kinds["dependency layer"] += 1
    for resource in project.resources.values():
        if resource.is_external:
            continue
        count, shown = RESOURCE_SHAPES[type(resource)]
        if isinstance(resource, Queue) and resource.dead_letter_after is not None:
            count, shown = count + 1, shown + 2  # the dead-letter queue, its URL and ARN
        owner = f"{resource.type_name} {resource.name}"
        resources[owner] += count
        kinds["project resources"] += count
        outputs[owner] += shown + (isinstance(resource, Table) and bool(resource.stream))
    for function in project.functions.values():
        owner = f"function {function.name}"
        wiring = _trigger_resources(function.triggers)
        resources[owner] += FUNCTION_RESOURCES + wiring
        kinds["functions"] += FUNCTION_RESOURCES
        kinds["triggers"] += wiring
        outputs[owner] += FUNCTION_OUTPUTS
    return Footprint(resources, outputs, kinds)


def _trigger_resources(triggers: tuple[Trigger, ...]) -> int:
    """Invoke permissions are one per function and source (an S3 bucket, a schedule); HTTP
    routes share one integration per function and API; the rest is one subscription (with its
    permission) or one event source mapping per trigger."""
    count = 0
    sources: set[str] = set()
    for trigger in triggers:
        if isinstance(trigger, BucketTrigger | ScheduleTrigger):
            count += trigger.resource not in sources
        elif isinstance(trigger, HttpTrigger):
            count += 2 + (trigger.resource not in sources)  # route, its permission
        elif isinstance(trigger, TopicTrigger):
            count += 2  # subscription, permission
        else:
            count += 1  # event source mapping of a queue or a stream
        sources.add(trigger.resource)
    return count


def limit_problems(project: Project, at: Location) -> list[Problem]:
    """What nested stacks cannot hold: a function whose own resources are over one stack's
    quota (reported at the function), or project resources and outputs that leave the root
    stack no room (at `at`). A project over one stack's quotas is otherwise fine: synth splits
    it."""
    used = footprint(project)
    problems = []
    for function in project.functions.values():
        own = used.resources[f"function {function.name}"]
        if own > MAX_RESOURCES:
            problems.append(
                Problem(
                    function.location.file,
                    function.location.line,
                    function.location.column,
                    "error",
                    f"function {function.name} needs {own} CloudFormation resources with its "
                    f"triggers, more than the {MAX_RESOURCES} AWS allows in one stack (a "
                    "function and its triggers always deploy in the same stack)",
                    f"split the triggers of function {function.name} between several functions",
                )
            )
    functions = used.kinds["functions"] + used.kinds["triggers"]
    nested = -(-functions // MAX_RESOURCES)  # at least this many stacks hold the functions
    root = used.resource_count - functions + nested
    root_outputs = used.output_count - FUNCTION_OUTPUTS * len(project.functions)
    if used.resource_count > MAX_RESOURCES and root > MAX_RESOURCES:
        problems.append(
            Problem(
                at.file,
                at.line,
                at.column,
                "error",
                f"the project needs {root} CloudFormation resources in its root stack, more "
                f"than the {MAX_RESOURCES} AWS allows in one stack: its project resources and "
                f"dependency layer stay in the root, with one nested stack per group of "
                f"functions (at least {nested})",
                f"{SPLIT_HINT}. Here {_breakdown(project, used)}; the largest: "
                + _largest(used.resources),
            )
        )
    if used.output_count > MAX_OUTPUTS and root_outputs > MAX_OUTPUTS:
        problems.append(
            Problem(
                at.file,
                at.line,
                at.column,
                "error",
                f"the project's resources need {root_outputs} CloudFormation outputs in its "
                f"root stack, more than the {MAX_OUTPUTS} AWS allows in one stack",
                f"{SPLIT_HINT}. Each project bucket, table, topic and queue has 2 outputs; each "
                "schedule and HTTP API 1; the most: " + _largest(used.outputs),
            )
        )
    return problems


def _breakdown(project: Project, used: Footprint) -> str:
    functions = len(project.functions)
    triggers = sum(len(f.triggers) for f in project.functions.values())
    parts = [
        f"{functions} function{'s' if functions != 1 else ''} take {used.kinds['functions']} "
        f"({FUNCTION_RESOURCES} each: log group, role, function)",
        f"their {triggers} trigger{'s' if triggers != 1 else ''} {used.kinds['triggers']}",
        f"project resources {used.kinds['project resources']}",
    ]
    if used.kinds["dependency layer"]:
        parts.append("the dependency layer 1")
    return ", ".join(parts)


def _largest(counts: Counter[str], shown: int = 3) -> str:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [f"{owner} ({count})" for owner, count in ranked[:shown]]
    if len(ranked) > shown:
        words.append(f"... {len(ranked) - shown} more")
    return ", ".join(words)
