"""What `tether check` reports: each function's triggers and operations, each resource's users,
the unused resources and the problems, as text for people or as JSON for tools and the IDE.

`warning_lines` is how every command shows the project's warnings (a call that gets no
permission, a service Tether does not manage, an unused resource): one line each, with the
place and the fix. `check`, `plan`, `deploy` and `dev` all print them through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tether.errors import Problem
from tether.model import Project
from tether.model.project import Resource
from tether.words import count


def check_report(project: Project | None, problems: list[Problem]) -> dict[str, Any]:
    """The JSON shape of `tether check --json`."""
    report: dict[str, Any] = {"functions": {}, "resources": {}, "unused": [], "problems": []}
    if project is not None:
        for function in project.functions.values():
            report["functions"][function.name] = {
                "handler": function.handler,
                "runtime": function.runtime,
                "memory": function.memory,
                "timeout": function.timeout,
                "description": function.description,
                "environment": dict(function.environment),
                "triggers": [
                    {
                        "resource": t.resource,
                        "kind": t.kind,
                        "description": t.describe(),
                        "source": str(t.location),
                    }
                    for t in function.triggers
                ],
                "operations": [
                    {
                        "resource": o.resource,
                        "action": action,
                        "source": str(o.location),
                        "origin": o.origin,
                    }
                    for o in function.operations
                    for action in o.actions
                ],
            }
        for resource in project.resources.values():
            report["resources"][resource.name] = {
                "type": resource.type_name,
                "external": resource.external,
                "used_by": project.used_by(resource.name),
                "env": resource.env_var,
                "settings": _settings(resource),
            }
        report["unused"] = project.unused()
    report["problems"] = [p.as_json() for p in problems]
    return report


def _settings(resource: Resource) -> dict[str, Any]:
    """A resource's settings as the authoring forms take them (a table's key as
    {attribute: type}, a queue's dead_letter as its receive count)."""
    from tether.model.loader import DATA_RESOURCES, PROJECT_RESOURCE_KEYS

    if resource.is_external:
        return {}
    settings: dict[str, Any] = (
        {"retain": resource.retain} if isinstance(resource, DATA_RESOURCES) else {}
    )
    for key in PROJECT_RESOURCE_KEYS[type(resource)]:
        value = getattr(resource, "dead_letter_after" if key == "dead_letter" else key)
        if key == "key":
            value = dict(value)
        elif key == "indexes":
            value = {index.name: dict(index.key) for index in value}
        settings[key] = value
    return settings


def check_text(project: Project) -> str:
    """A readable summary of a valid project."""
    lines = [
        f"project {project.name} ({project.runtime}, {project.region}): "
        f"{count(len(project.functions), 'function')}, "
        f"{count(len(project.resources), 'resource')}"
    ]
    lines.append("")
    lines.append("functions")
    for function in project.functions.values():
        lines.append(
            f"  {function.name}  {function.handler}  {function.memory} MB, {function.timeout} s"
        )
        for trigger in function.triggers:
            lines.append(f"    <- {trigger.resource}: {trigger.describe()}  ({trigger.location})")
        for operation in function.operations:
            lines.append(
                f"    -> {operation.resource}: {', '.join(operation.actions)}  ({operation.location})"
            )
    lines.append("")
    lines.append("resources")
    for resource in project.resources.values():
        owner = f"external {resource.external}" if resource.is_external else "project"
        users = ", ".join(project.used_by(resource.name))
        used = f"used by {users}" if users else "unused"
        env = f"  ${resource.env_var}" if resource.env_var else ""
        lines.append(f"  {resource.name}  {resource.type_name}, {owner}; {used}{env}")
    unused = project.unused()
    if unused:
        lines.append("")
        lines.append(f"unused resources: {', '.join(unused)} (remove them with `tether prune`)")
    return "\n".join(lines)


def warning_lines(problems: Iterable[Problem]) -> list[str]:
    """The warnings among `problems`, one line each: `file:line: warning: message (fix: hint)`."""
    return [
        f"{p.file}:{p.line}: warning: {p.message}" + (f" (fix: {p.hint})" if p.hint else "")
        for p in problems
        if p.severity == "warning"
    ]
