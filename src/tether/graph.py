"""The project as a graph: resources and functions, with trigger and operation edges.

Text for the terminal, Graphviz dot for pictures (`tether graph --format dot | dot -Tsvg`).
"""

from __future__ import annotations

import json

from tether.model import Project


def edges(project: Project) -> list[tuple[str, str, str, str]]:
    """(source, target, kind, label) for every trigger (resource -> function) and operation."""
    result = []
    for function in project.functions.values():
        for trigger in function.triggers:
            result.append((trigger.resource, function.name, "trigger", trigger.describe()))
        for operation in function.operations:
            result.append(
                (function.name, operation.resource, "operation", ", ".join(operation.actions))
            )
    return result


def to_text(project: Project) -> str:
    lines = []
    for source, target, kind, label in edges(project):
        arrow = f"--[{label}]-->" if kind == "trigger" else f"==[{label}]==>"
        lines.append(f"{source} {arrow} {target}")
    for name in project.unused():
        lines.append(f"{name} (unused)")
    return "\n".join(lines)


def to_dot(project: Project) -> str:
    def q(text: str) -> str:
        return json.dumps(text)

    lines = [f"digraph {q(project.name)} {{", "  rankdir=LR;"]
    for resource in project.resources.values():
        style = ", style=dashed" if resource.is_external else ""
        label = f"{resource.name}\\n{resource.type_name}"
        lines.append(f'  {q("r:" + resource.name)} [shape=box, label="{label}"{style}];')
    for function in project.functions.values():
        lines.append(f"  {q('f:' + function.name)} [shape=ellipse, label={q(function.name)}];")
    for source, target, kind, label in edges(project):
        if kind == "trigger":
            lines.append(f"  {q('r:' + source)} -> {q('f:' + target)} [label={q(label)}];")
        else:
            lines.append(
                f"  {q('f:' + source)} -> {q('r:' + target)} [label={q(label)}, style=dashed];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"
