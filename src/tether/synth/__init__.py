"""Synth stage of the pipeline: Project -> the CloudFormation templates of a stage and target.

Each resource family has its own module and a `Family` object; this orchestrator declares the
project resources, then the functions with their roles, then wires every trigger, into one
template. External resources are never declared: they only appear as ARNs and names. A project
within one stack's quotas deploys that template as it is; a bigger one is split into a root
stack and nested stacks (`nesting`), each within every quota. The result is plain dicts
(`Stacks`: the root and the nested stacks' templates; `synthesize` gives the root); `to_json`
gives deterministic bytes and `lint` checks a template with cfn-lint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether.errors import OptionError, ProjectError
from tether.model import Bucket, HttpApi, Project, Queue, Resource, Schedule, Table, Topic, rules
from tether.model.standins import on_local_cloud
from tether.synth import functions
from tether.synth.dynamodb import TableFamily
from tether.synth.family import Family
from tether.synth.http_api import HttpApiFamily
from tether.synth.nesting import Stacks, split
from tether.synth.quotas import fits, quota_problems, stack_problems
from tether.synth.s3 import BucketFamily
from tether.synth.schedule import ScheduleFamily
from tether.synth.sns import TopicFamily
from tether.synth.sqs import QueueFamily
from tether.synth.template import Context, to_json

TARGETS = ("local", "aws")
FAMILIES: dict[type[Resource], Family] = {
    Bucket: BucketFamily(),
    Table: TableFamily(),
    Topic: TopicFamily(),
    Queue: QueueFamily(),
    Schedule: ScheduleFamily(),
    HttpApi: HttpApiFamily(),
}

__all__ = [
    "FAMILIES",
    "TARGETS",
    "Stacks",
    "check_stage",
    "one_template",
    "synthesize",
    "synthesize_stacks",
    "to_json",
]


def check_stage(stage: str, target: str) -> None:
    finding = rules.stage_name(stage)
    if finding is not None:
        raise OptionError(finding[0], hint=finding[1])
    if target not in TARGETS:
        raise OptionError(f"unknown target {target!r}", hint="use --target local or --target aws")


def synthesize(project: Project, *, stage: str = "dev", target: str = "local") -> dict[str, Any]:
    """The root CloudFormation template (a dict) that deploys `project` as `stage` on `target`:
    the only one for a project within one stack's quotas (see `synthesize_stacks`)."""
    return synthesize_stacks(project, stage=stage, target=target).root


def synthesize_stacks(
    project: Project,
    *,
    stage: str = "dev",
    target: str = "local",
    layout: Mapping[str, str] | None = None,
) -> Stacks:
    """The templates that deploy `project` as `stage` on `target`: one, or for a project over
    one stack's quotas a root and nested stacks. `layout` (function -> group label) places the
    functions it names in those nested stacks instead of grouping them (a deploy moving
    functions between stacks goes through that first). Raises ProjectError when a function or
    the root is more than a stack can hold, or Lambda or IAM would refuse a function."""
    flat = one_template(project, stage=stage, target=target)
    problems = quota_problems(project, flat)
    if problems:
        raise ProjectError(problems)
    if layout is None and fits(flat):
        return Stacks(flat)
    stacks, alone = split(flat, fits, layout=layout)
    problems = stack_problems(project, flat, stacks, alone)
    if problems:
        raise ProjectError(problems)
    return stacks


def one_template(project: Project, *, stage: str = "dev", target: str = "local") -> dict[str, Any]:
    """The project as one template, whatever its size: what a split project's stacks flatten
    back to (`Stacks.flat`), unchecked."""
    check_stage(stage, target)
    if target == "local":
        project = on_local_cloud(project)  # its external resources are stand-ins there
    ctx = Context(project=project, stage=stage, target=target)
    for resource in project.resources.values():
        if not resource.is_external:
            FAMILIES[type(resource)].declare(ctx, resource)
    if project.requirements:
        functions.declare_layer(ctx)
    for function in project.functions.values():
        functions.declare(ctx, function, FAMILIES)
    for function in project.functions.values():
        for trigger in function.triggers:
            FAMILIES[type(project.resources[trigger.resource])].wire(ctx, function, trigger)
    parameters = {
        functions.CODE_BUCKET_PARAMETER: {
            "Type": "String",
            "Description": "bucket holding the code artifact",
        },
        functions.CODE_KEY_PARAMETER: {
            "Type": "String",
            "Description": "key of the code artifact (content-addressed)",
        },
    }
    if project.requirements:
        parameters[functions.LAYER_KEY_PARAMETER] = {
            "Type": "String",
            "Description": "key of the dependency layer artifact (content-addressed)",
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{project.name} (stage {stage}), generated by Tether from {project.file}; do not edit",
        "Metadata": {"tether": {"project": project.name, "stage": stage, "target": target}},
        "Parameters": parameters,
        "Resources": ctx.resources,
        "Outputs": ctx.outputs,
    }
    return template
