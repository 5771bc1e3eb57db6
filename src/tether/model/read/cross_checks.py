"""Checks across the read resources and functions, which no single entry can make alone.

Names that become the same CloudFormation or environment name, two functions serving one HTTP
route, bucket notifications S3 would reject as overlapping, and (once the project is valid)
resources nothing uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from tether.errors import Problem
from tether.model import rules
from tether.model.naming import upper_snake
from tether.model.project import BucketTrigger, Function, HttpTrigger, Location, Project, Resource
from tether.model.read.cursor import Problems
from tether.model.yamlfile import Pos


def check_project(
    problems: Problems, resources: Mapping[str, Resource], functions: Mapping[str, Function]
) -> None:
    """Report what is wrong between the entries of a project."""
    _check_collisions(problems, "resource", resources)
    _check_collisions(problems, "function", functions)
    _check_routes(problems, functions)
    _check_bucket_overlaps(problems, functions)


def unused_warnings(project: Project) -> list[Problem]:
    """A warning for each resource with no trigger and no operation."""
    warnings = []
    for name in project.unused():
        where = project.resources[name].location
        warnings.append(
            Problem(
                where.file,
                where.line,
                where.column,
                "warning",
                f"resource '{name}' is unused: no trigger and no operation",
                "remove it, or run `tether prune` to remove every unused resource",
            )
        )
    return warnings


def _check_collisions(
    problems: Problems, kind: str, declared: Mapping[str, Resource] | Mapping[str, Function]
) -> None:
    seen: dict[str, str] = {}
    for name, entry in declared.items():
        stem = upper_snake(name)
        if stem in seen:
            problems.report(
                _at(entry.location),
                f"{kind} names '{seen[stem]}' and '{name}' collide: both become {stem}",
                "rename one of them; names that differ only in '-', '_' or case map to the same "
                "CloudFormation and environment names",
            )
        else:
            seen[stem] = name


def _check_routes(problems: Problems, functions: Mapping[str, Function]) -> None:
    served: dict[tuple[str, str], tuple[str, Location, str]] = {}
    for function in functions.values():
        for trigger in function.triggers:
            if not isinstance(trigger, HttpTrigger):
                continue
            identity = (trigger.resource, rules.route_identity(trigger.method, trigger.path))
            if identity in served:
                other, where, route = served[identity]
                problems.report(
                    _at(trigger.location),
                    f"route '{trigger.route}' on '{trigger.resource}' is already served by function "
                    f"'{other}' ({route}, line {where.line})",
                    "each method and path may have one function; change the path or the method",
                )
            else:
                served[identity] = (function.name, trigger.location, trigger.route)


def _check_bucket_overlaps(problems: Problems, functions: Mapping[str, Function]) -> None:
    seen: list[tuple[str, BucketTrigger]] = []
    for function in functions.values():
        for trigger in function.triggers:
            if not isinstance(trigger, BucketTrigger):
                continue
            for other_name, other in seen:
                if other.resource == trigger.resource and _overlaps(other, trigger):
                    problems.report(
                        _at(trigger.location),
                        f"this trigger on bucket '{trigger.resource}' overlaps the one of function "
                        f"'{other_name}' (line {other.location.line}); S3 rejects overlapping notifications",
                        "make the prefixes or suffixes disjoint, or the events different",
                    )
            seen.append((function.name, trigger))


def _at(location: Location) -> Pos:
    return (location.line, location.column)


def _overlaps(a: BucketTrigger, b: BucketTrigger) -> bool:
    return (
        bool(set(a.events) & set(b.events))
        and (a.prefix.startswith(b.prefix) or b.prefix.startswith(a.prefix))
        and (a.suffix.endswith(b.suffix) or b.suffix.endswith(a.suffix))
    )
