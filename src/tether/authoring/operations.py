"""Adding an operation: boto3 code for one call on a resource, inserted into a function's code at
a line. Nothing is written to tether.yaml: the analysis finds the call, and the permission and
the environment variable follow from it, as for code written by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from tether.authoring.actions import function_named, resource_named
from tether.authoring.catalogue import operation as find_operation
from tether.authoring.codegen import insert_operation
from tether.authoring.edits import AuthoringError, Edit
from tether.authoring.effects import Draft
from tether.model import Project


def add_operation(
    root: Path,
    resource: str,
    operation: str,
    file: str,
    line: int,
    *,
    function: str | None = None,
    params: Mapping[str, str] | None = None,
    before: Project | None = None,
) -> Edit:
    """Insert the code of `operation` (a catalogue id such as s3.put_object) on `resource` at
    `file`:`line`, for `function` (default: the function whose handler module is `file`)."""
    draft = Draft(root, before)
    project = draft.before()
    target = resource_named(project, resource)
    spec = find_operation(operation)
    if spec.resource_type != target.type_name:
        raise AuthoringError(
            f"{operation} is an operation on a {spec.resource_type}, and {resource} is a {target.type_name}",
            hint=f"pick an operation of {target.type_name}",
            field="operation",
        )
    if target.env_var is None:  # pragma: no cover - every kind with operations has a variable
        raise AuthoringError(f"{resource} cannot be called from code", field="resource")
    path = _project_path(file)
    owner = _owner(project, path, function)
    source = draft.text(path)
    if source is None:
        raise AuthoringError(
            f"{path} does not exist", hint="open a module of the project", field="file"
        )
    inserted = insert_operation(source, line, spec, target.env_var, params or {}, path=path)
    draft.write(path, inserted.source)
    edit, after = draft.finish(
        f"add {spec.id} on {resource} to {owner}", where=(path, inserted.line), field="params"
    )
    assert after is not None  # no error is expected of an inserted operation
    found = any(
        op.origin == "code" and op.resource == resource and set(spec.actions) <= set(op.actions)
        for op in after.functions[owner].operations
    )
    if found:
        return edit
    note = (
        f"the analysis does not see this call from {owner}'s handler, so {owner} gets no permission "
        f"for it: put it in code the handler runs, or declare `operations: [{{resource: {resource}, "
        f"actions: {list(spec.actions)}}}]`"
    )
    return Edit(
        title=edit.title,
        changes=edit.changes,
        permissions=edit.permissions,
        removed_permissions=edit.removed_permissions,
        environment=edit.environment,
        notes=(*edit.notes, note),
        where=edit.where,
    )


def _project_path(file: str) -> str:
    path = PurePosixPath(file.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or path.suffix != ".py":
        raise AuthoringError(
            f"{file!r} is not a Python module of the project",
            hint="name a .py file by its path from the project root, e.g. app/orders.py",
            field="file",
        )
    return path.as_posix()


def _owner(project: Project, path: str, function: str | None) -> str:
    if function is not None:
        return function_named(project, function).name
    owners = [fn.name for fn in project.functions.values() if f"{fn.handler_module}.py" == path]
    if len(owners) == 1:
        return owners[0]
    if owners:
        raise AuthoringError(
            f"{path} is the handler module of {', '.join(owners)}",
            hint="name the function the operation is for",
            field="function",
        )
    raise AuthoringError(
        f"{path} is no function's handler module",
        hint="name the function whose handler calls this code",
        field="function",
    )


def default_place(project: Project, function: str) -> tuple[str, int]:
    """Where an operation goes when no line is named: just before the handler's last statement
    (its `return`, usually), so the code runs and its result can be returned."""
    fn = function_named(project, function)
    path = f"{fn.handler_module}.py"
    try:
        tree = ast.parse((project.root / path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        raise AuthoringError(
            f"cannot read {path}", hint="fix the file, or pass --at FILE:LINE", field="line"
        ) from None
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == fn.handler_function
        ):
            return path, node.body[-1].lineno
    raise AuthoringError(
        f"{path} defines no {fn.handler_function}", hint="pass --at FILE:LINE", field="line"
    )
