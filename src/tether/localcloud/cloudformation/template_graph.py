"""Which resources of a CloudFormation template depend on which, and the order to act on them.

CloudFormation creates a resource after everything it references (`Ref`, `Fn::GetAtt`,
`Fn::Sub` variables, `DependsOn`) and deletes in the reverse order. moto only honours
`DependsOn` and otherwise creates references lazily, which makes failures hard to attribute and
deletions order-dependent; the local cloud's stack engine uses this explicit graph instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class CircularDependencyError(ValueError):
    """The template's resources reference each other in a cycle."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"Circular dependency between resources: [{', '.join(sorted(names))}]")
        self.names = names


def references(node: Any) -> Iterator[str]:
    """Every logical ID or parameter name that `node` refers to (pseudo parameters included)."""
    if isinstance(node, list):
        for item in node:
            yield from references(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            yield value
        elif key == "Fn::GetAtt":
            if isinstance(value, list) and value and isinstance(value[0], str):
                yield value[0]
            elif isinstance(value, str):
                yield value.split(".", 1)[0]
        elif key == "Fn::Sub":
            text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
            if isinstance(text, str):
                for name in _SUB_VARIABLE.findall(text):
                    stem = name.split(".", 1)[0].strip()
                    if stem not in variables:
                        yield stem
            if isinstance(variables, dict):
                yield from references(list(variables.values()))
        else:
            yield from references(value)


def dependencies(resources: Mapping[str, Any], logical_id: str) -> set[str]:
    """The resources `logical_id` needs to exist first: its references and its DependsOn."""
    body = resources[logical_id]
    found = {name for name in references(body) if name in resources and name != logical_id}
    depends_on = body.get("DependsOn", []) if isinstance(body, dict) else []
    if isinstance(depends_on, str):
        depends_on = [depends_on]
    found.update(name for name in depends_on if name in resources)
    return found


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical IDs with every resource after its dependencies; template order breaks ties."""
    position = {name: index for index, name in enumerate(resources)}
    graph = {name: dependencies(resources, name) for name in resources}
    order: list[str] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise CircularDependencyError(visiting[visiting.index(name) :])
        visiting.append(name)
        for dependency in sorted(graph[name], key=position.__getitem__):
            visit(dependency)
        visiting.pop()
        done.add(name)
        order.append(name)

    for name in resources:
        visit(name)
    return order


def deletion_order(resources: Mapping[str, Any]) -> list[str]:
    """The reverse of the creation order: dependents go before what they depend on."""
    return list(reversed(creation_order(resources)))


def unresolved(template: Mapping[str, Any]) -> list[str]:
    """Names the resources reference that are neither resources, parameters nor pseudo
    parameters (`AWS::Region`...), sorted."""
    resources = template.get("Resources") or {}
    known = set(resources) | set(template.get("Parameters") or {})
    return sorted(
        {
            name
            for body in resources.values()
            for name in references(body)
            if name not in known and not name.startswith("AWS::")
        }
    )
