"""Reading `functions:` of tether.yaml: each function's handler, settings and environment.

A function's triggers and operations are read by their own modules; this one checks that the
handler names a function defined in the code (by parsing it, never running it) and that no
environment variable hides one Tether sets for a resource the function uses.
"""

from __future__ import annotations

from tether.model import rules
from tether.model.project import Function, Operation, Trigger
from tether.model.read.cursor import Node
from tether.model.read.files import ProjectFiles
from tether.model.read.operations import read_operations
from tether.model.read.resources import Resources
from tether.model.read.triggers import read_triggers
from tether.model.yamlfile import describe

FUNCTION_KEYS = (
    "handler",
    "runtime",
    "memory",
    "timeout",
    "environment",
    "triggers",
    "operations",
    "description",
)


def read_functions(
    project: Node, files: ProjectFiles, resources: Resources, runtime: str
) -> dict[str, Function]:
    """Each function under `functions:` of the project, whose default runtime is `runtime`."""
    node = project.mapping("functions", "functions: {hello: {handler: app/hello.handler}}")
    functions: dict[str, Function] = {}
    if node is None:
        return functions
    for name in node.data:
        if not node.check_name("function", name):
            continue
        spec = node.entry(
            name, f"function '{name}'", f"e.g. {name}: {{handler: app/{name}.handler}}"
        )
        if spec is not None:
            functions[name] = _read_function(name, spec, files, resources, runtime)
    return functions


def _read_function(
    name: str, spec: Node, files: ProjectFiles, resources: Resources, default_runtime: str
) -> Function:
    spec.check_keys(FUNCTION_KEYS)
    handler = ""
    example = f"handler: app/{name}.handler"
    if spec.require("handler", example):
        handler = spec.text("handler", example=example, required=True)
        if handler:
            _check_handler(spec, files, handler)
    runtime = spec.choice("runtime", rules.RUNTIMES, default_runtime) or default_runtime
    memory = spec.integer("memory", low=128, high=10240, default=256, unit="MB")
    timeout = spec.integer("timeout", low=1, high=900, default=30, unit="seconds")
    description = spec.text("description", example="description: Resizes photos")
    variables = spec.mapping("environment", "environment: {LOG_LEVEL: info}")
    environment = _read_environment(spec, variables) if variables is not None else ()
    triggers = read_triggers(spec, resources, timeout)
    operations = read_operations(spec, resources)
    if variables is not None:
        _check_shadowing(spec, variables, environment, triggers, operations, resources)
    return Function(
        name=name,
        handler=handler,
        runtime=runtime,
        memory=memory,
        timeout=timeout,
        location=spec.location(),
        environment=environment,
        triggers=triggers,
        operations=operations,
        description=description,
    )


def _check_handler(spec: Node, files: ProjectFiles, handler: str) -> None:
    finding = files.handler_finding(handler)
    if finding is None:
        return
    message, hint, file, line = finding
    if file:
        spec.problems.report((line, 1), message, hint, file=file)
    else:
        spec.report(spec.value_pos("handler"), message, hint)


def _read_environment(spec: Node, variables: Node) -> tuple[tuple[str, str], ...]:
    """The function's own environment variables, sorted by name."""
    result: list[tuple[str, str]] = []
    for key, value, pos in variables.entries():
        if not spec.problems.rule(rules.env_var_name(str(key)), pos):
            continue
        if isinstance(value, bool):
            value = str(value).lower()
        if not isinstance(value, str | int | float):
            spec.report(
                variables.value_pos(key),
                f"environment variable '{key}' of {spec.where} must be text or a number, not {describe(value)}",
                f'write {key}: "value"',
            )
            continue
        result.append((str(key), str(value)))
    return tuple(sorted(result))


def _check_shadowing(
    spec: Node,
    variables: Node,
    environment: tuple[tuple[str, str], ...],
    triggers: tuple[Trigger, ...],
    operations: tuple[Operation, ...],
    resources: Resources,
) -> None:
    """Report each variable named like one Tether sets for a resource the function uses."""
    linked = {t.resource for t in triggers} | {o.resource for o in operations}
    injected = {resources.by_name[r].env_var: r for r in linked if resources.by_name[r].env_var}
    for key, _ in environment:
        if key in injected:
            spec.report(
                variables.pos_of(key),
                f"environment variable '{key}' of {spec.where} would hide the one Tether sets for "
                f"resource '{injected[key]}'",
                f"remove it; Tether sets {key} to the resource's real name in every stage",
            )
