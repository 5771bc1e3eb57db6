"""The authoring actions on tether.yaml: add, change, remove and rename resources, functions and
triggers. Each returns an Edit (nothing is written: `history.apply` does that), built as
minimal text edits of the file and checked by loading the project as it would be.

Operations (code inserted into a handler) are in `operations.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tether.authoring import yamledit
from tether.authoring.edits import AuthoringError, Edit
from tether.authoring.effects import Draft
from tether.authoring.fields import (
    FUNCTION_FIELDS,
    RESOURCE_FIELDS,
    TRIGGER_FIELDS,
    resource_class,
    trigger_kind,
    written,
)
from tether.model import Project, rules
from tether.model.loader import DATA_RESOURCES
from tether.model.project import Function, Resource, Schedule, Table, Trigger
from tether.model.yamlfile import parse

SKIPPED_DIRS = {".tether", ".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}


def _name(kind: str, name: str, field: str) -> str:
    name = (name or "").strip()
    finding = rules.entity_name(kind, name)
    if finding:
        raise AuthoringError(finding[0], hint=finding[1], field=field)
    return name


def function_named(project: Project, name: str) -> Function:
    """The function `name`, or an error listing the project's functions."""
    if name not in project.functions:
        known = ", ".join(project.functions) or "none yet"
        raise AuthoringError(
            f"no function {name!r} in the project", hint=f"functions: {known}", field="function"
        )
    return project.functions[name]


def resource_named(project: Project, name: str) -> Resource:
    """The resource `name`, or an error listing the project's resources."""
    if name not in project.resources:
        known = ", ".join(project.resources) or "none yet"
        raise AuthoringError(
            f"no resource {name!r} in the project", hint=f"resources: {known}", field="resource"
        )
    return project.resources[name]


# --- resources ---------------------------------------------------------------------------


def add_resource(
    root: Path,
    name: str,
    type_name: str,
    settings: Mapping[str, Any] | None = None,
    *,
    external: str | None = None,
    before: Project | None = None,
) -> Edit:
    """A new resource: a project one (Tether creates it) or, with `external`, an existing one
    named by its ARN (or bucket name / queue URL) that Tether never touches."""
    draft = Draft(root, before)
    project = draft.before()
    name = _name("resource", name, "name")
    if name in project.resources:
        raise AuthoringError(
            f"a resource named {name!r} exists already", hint="pick another name", field="name"
        )
    cls = resource_class(type_name)
    spec: dict[str, Any] = {"type": type_name}
    settings = dict(settings or {})
    if external:
        if not cls.may_be_external:
            raise AuthoringError(
                f"a {type_name} cannot be external",
                hint="schedules and HTTP APIs always belong to the project",
                field="external",
            )
        spec["external"] = external.strip()
        if settings.get("stream_arn") and cls is Table:
            spec["stream_arn"] = settings.pop("stream_arn")
        settings = {k: v for k, v in settings.items() if k != "retain"}
        if settings:
            raise AuthoringError(
                f"an external {type_name} takes no settings ({', '.join(settings)})",
                hint="it is configured where it lives; Tether never changes it",
                field=next(iter(settings)),
            )
    else:
        spec.update(written(settings, RESOURCE_FIELDS[cls]))
    draft.write("tether.yaml", yamledit.set_value(draft.yaml(), ("resources", name), spec))
    kind = "external " if external else ""
    notes = (
        f"{name} is unused until a trigger or an operation uses it: drag it onto a function or into its code",
    )
    edit, _ = draft.finish(f"add the {kind}{type_name} {name}", notes=notes, field="settings")
    return edit


def set_resource(
    root: Path, name: str, settings: Mapping[str, Any], *, before: Project | None = None
) -> Edit:
    """Change (value) or remove (None) settings of a project resource."""
    draft = Draft(root, before)
    resource = resource_named(draft.before(), name)
    if resource.is_external:
        raise AuthoringError(
            f"{name} is external: Tether never changes it",
            hint="change it where it lives",
            field="name",
        )
    fields = {f.name: f for f in RESOURCE_FIELDS[type(resource)]}
    text = draft.yaml()
    notes: list[str] = []
    for key, value in settings.items():
        if key not in fields:
            raise AuthoringError(
                f"a {resource.type_name} has no setting {key!r}",
                hint="it takes: " + (", ".join(fields) or "none"),
                field=key,
            )
        path = ("resources", name, key)
        text = _set_or_remove(text, path, fields[key].yaml(value))
        if key == "key" and isinstance(resource, Table):
            notes.append(
                f"changing the key replaces the table {name} in the cloud; the next deploy asks what to do with its data"
            )
    draft.write("tether.yaml", text)
    edit, _ = draft.finish(f"change {name}", notes=tuple(notes), field=next(iter(settings), None))
    return edit


def remove_resource(root: Path, name: str, *, before: Project | None = None) -> Edit:
    """Remove a resource nothing uses any more (from the file; the next deploy removes a
    project resource from the cloud, asking first when it holds data)."""
    draft = Draft(root, before)
    project = draft.before()
    resource = resource_named(project, name)
    users = _uses(project, name)
    if users:
        raise AuthoringError(
            f"{name} is still used: {'; '.join(users)}",
            hint="remove those triggers and operations first (code that calls it stays yours to change)",
            field="name",
        )
    draft.write("tether.yaml", yamledit.remove(draft.yaml(), ("resources", name)))
    notes: tuple[str, ...] = ()
    if not resource.is_external and isinstance(resource, DATA_RESOURCES):
        notes = (f"the next deploy deletes {name} from the cloud, and asks first if it holds data",)
    elif resource.is_external:
        notes = (f"{name} is external: it stays in the cloud untouched",)
    edit, _ = draft.finish(f"remove the resource {name}", notes=notes)
    return edit


def rename_resource(root: Path, name: str, new: str, *, before: Project | None = None) -> Edit:
    """Rename a resource and every reference to it in tether.yaml. Code is not rewritten: the
    lines that read its old environment variable are listed for the user."""
    draft = Draft(root, before)
    project = draft.before()
    resource = resource_named(project, name)
    new = _name("resource", new, "new")
    if new in project.resources:
        raise AuthoringError(
            f"a resource named {new!r} exists already", hint="pick another name", field="new"
        )
    text = yamledit.rename_key(draft.yaml(), ("resources", name), new)
    data = parse(text)
    for fn_name, spec in (data.get("functions") or {}).items():
        for section in ("triggers", "operations"):
            items = spec.get(section) if isinstance(spec, Mapping) else None
            for index, item in enumerate(items or []):
                if isinstance(item, Mapping) and item.get("resource") == name:
                    text = yamledit.set_value(
                        text, ("functions", fn_name, section, index, "resource"), new
                    )
    draft.write("tether.yaml", text)
    notes: list[str] = []
    renamed = type(resource)(name=new, location=resource.location, external=resource.external)
    old_var, new_var = resource.env_var, renamed.env_var
    if old_var and new_var:
        for where in _code_reading(root, old_var):
            notes.append(f"{where} reads {old_var}: the variable is now {new_var}: change the code")
    if not resource.is_external and isinstance(resource, DATA_RESOURCES):
        notes.append(
            f"{name} becomes a new {resource.type_name} in the cloud; the next deploy asks what to do with the data of the old one"
        )
    # The code still reading the old variable is the user's to change (the notes list it): until
    # then the project reports those lines, which is what the rename should show.
    stale = f"{old_var!r}" if old_var else None
    edit, _ = draft.finish(
        f"rename {name} to {new}",
        notes=tuple(notes),
        field="new",
        expected=lambda p: (
            stale is not None and stale in p.message and "names no resource" in p.message
        ),
    )
    return edit


def _uses(project: Project, name: str) -> list[str]:
    found = []
    for fn in project.functions.values():
        found += [
            f"a trigger of {fn.name} ({t.location})" for t in fn.triggers if t.resource == name
        ]
        found += [
            f"{'code' if op.origin == 'code' else 'an operation'} of {fn.name} ({op.location})"
            for op in fn.operations
            if op.resource == name
        ]
    return found


def _code_reading(root: Path, variable: str) -> list[str]:
    """file:line of each line of the project's Python code that names `variable`."""
    pattern = re.compile(rf"\b{re.escape(variable)}\b")
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        found += [
            f"{relative.as_posix()}:{n}" for n, line in enumerate(lines, 1) if pattern.search(line)
        ]
    return found


# --- functions ---------------------------------------------------------------------------

HANDLER_TEMPLATE = '''"""{name}: {description}"""


def {function}(event, context):
    print("{name} got", event)
    return {{"ok": True}}
'''


def add_function(
    root: Path,
    name: str,
    handler: str | None = None,
    settings: Mapping[str, Any] | None = None,
    *,
    before: Project | None = None,
) -> Edit:
    """A new function; its handler module is created when it does not exist, or the handler
    function added to it when the module lacks one."""
    draft = Draft(root, before)
    project = draft.before()
    name = _name("function", name, "name")
    if name in project.functions:
        raise AuthoringError(
            f"a function named {name!r} exists already", hint="pick another name", field="name"
        )
    handler = (handler or f"app/{name.replace('-', '_')}.handler").strip()
    module, _, function = handler.rpartition(".")
    if not module or not function.isidentifier() or module.endswith(".py"):
        raise AuthoringError(
            f"invalid handler {handler!r}",
            hint="write path/module.function, e.g. app/orders.handler",
            field="handler",
        )
    path = f"{module}.py"
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise AuthoringError(f"the handler {handler!r} is outside the project", field="handler")
    settings = dict(settings or {})
    description = str(settings.get("description") or f"the {name} function")
    current = draft.text(path)
    if current is None:
        draft.write(
            path, HANDLER_TEMPLATE.format(name=name, description=description, function=function)
        )
    elif not re.search(rf"^(async\s+)?def\s+{re.escape(function)}\s*\(", current, re.MULTILINE):
        glue = "" if current.endswith("\n") or not current else "\n"
        draft.write(
            path, f'{current}{glue}\n\ndef {function}(event, context):\n    return {{"ok": True}}\n'
        )
    spec = {"handler": handler, **written(settings, FUNCTION_FIELDS)}
    draft.write("tether.yaml", yamledit.set_value(draft.yaml(), ("functions", name), spec))
    edit, _ = draft.finish(f"add the function {name}", where=(path, 1), field="settings")
    return edit


def set_function(
    root: Path,
    name: str,
    settings: Mapping[str, Any] | None = None,
    environment: Mapping[str, str | None] | None = None,
    *,
    before: Project | None = None,
) -> Edit:
    """Change (value) or reset (None) a function's memory, timeout, runtime, description and
    its own environment variables."""
    draft = Draft(root, before)
    function_named(draft.before(), name)
    fields = {f.name for f in FUNCTION_FIELDS} | {"handler"}
    text = draft.yaml()
    for key, value in (settings or {}).items():
        if key not in fields:
            raise AuthoringError(
                f"a function has no setting {key!r}",
                hint="it takes: " + ", ".join(sorted(fields)),
                field=key,
            )
        text = _set_or_remove(text, ("functions", name, key), value)
    for key, value in (environment or {}).items():
        finding = rules.env_var_name(key)
        if finding:
            raise AuthoringError(finding[0], hint=finding[1], field=f"environment.{key}")
        text = _set_or_remove(
            text, ("functions", name, "environment", key), None if value is None else str(value)
        )
    draft.write("tether.yaml", text)
    edit, _ = draft.finish(f"change the function {name}", field=next(iter(settings or {}), None))
    return edit


def remove_function(root: Path, name: str, *, before: Project | None = None) -> Edit:
    """Remove a function from tether.yaml (its code stays)."""
    draft = Draft(root, before)
    fn = function_named(draft.before(), name)
    draft.write("tether.yaml", yamledit.remove(draft.yaml(), ("functions", name)))
    notes = (f"{fn.handler_module}.py stays: delete it yourself if no other function uses it",)
    edit, _ = draft.finish(f"remove the function {name}", notes=notes)
    return edit


# --- triggers ----------------------------------------------------------------------------


def add_trigger(
    root: Path,
    function: str,
    resource: str,
    settings: Mapping[str, Any] | None = None,
    *,
    before: Project | None = None,
) -> Edit:
    """`resource` invokes `function`: an S3 event, a queue, a topic, a table's stream, a
    schedule or an HTTP route. A project table without a stream gets one."""
    draft = Draft(root, before)
    project = draft.before()
    fn = function_named(project, function)
    target = resource_named(project, resource)
    kind = trigger_kind(type(target))
    item = {"resource": resource, **written(dict(settings or {}), TRIGGER_FIELDS[kind])}
    if kind == "http":
        _check_route(project, str(item.get("route", "")), resource)
    if any(t.resource == resource and kind != "http" for t in fn.triggers):
        raise AuthoringError(
            f"{resource} triggers {function} already",
            hint="edit or remove that trigger instead",
            field="resource",
        )
    text = draft.yaml()
    notes: list[str] = []
    if isinstance(target, Table) and not target.has_stream:
        if target.is_external:
            raise AuthoringError(
                f"the external table {resource} has no stream_arn",
                hint="add `stream_arn:` (the table's LatestStreamArn) to it, or enable its stream where it lives",
                field="resource",
            )
        text = yamledit.set_value(text, ("resources", resource, "stream"), "new_and_old_images")
        notes.append(
            f"{resource} gets a stream (new_and_old_images): its changes are what invoke {function}"
        )
    if isinstance(target, Schedule):
        notes.append(f"{resource} fires {target.expression}")
    text = yamledit.append(text, ("functions", function, "triggers"), item)
    draft.write("tether.yaml", text)
    edit, _ = draft.finish(
        f"add a trigger: {resource} invokes {function}", notes=tuple(notes), field="settings"
    )
    return edit


def set_trigger(
    root: Path,
    function: str,
    index: int,
    settings: Mapping[str, Any],
    *,
    before: Project | None = None,
) -> Edit:
    """Change (value) or reset (None) settings of the `index`th trigger (0-based) of a function:
    an S3 prefix, a batch size, an HTTP route..."""
    draft = Draft(root, before)
    project = draft.before()
    fn = function_named(project, function)
    trigger = _trigger(fn, index)
    fields = {f.name: f for f in TRIGGER_FIELDS[trigger.kind]}
    text = draft.yaml()
    for key, value in settings.items():
        if key not in fields:
            takes = ", ".join(fields) or "no settings"
            raise AuthoringError(
                f"a {trigger.kind} trigger has no setting {key!r}",
                hint=f"it takes: {takes}",
                field=key,
            )
        if key == "route" and value is not None:
            others = {
                **project.functions,
                function: replace(fn, triggers=fn.triggers[:index] + fn.triggers[index + 1 :]),
            }
            _check_route(replace(project, functions=others), str(value), trigger.resource)
        if value is None and fields[key].required:
            raise AuthoringError(f"{key} is required", hint=fields[key].help, field=key)
        text = _set_or_remove(text, ("functions", function, "triggers", index, key), value)
    draft.write("tether.yaml", text)
    edit, _ = draft.finish(
        f"change the trigger {trigger.resource} ({trigger.describe()}) of {function}",
        field=next(iter(settings), None),
    )
    return edit


def _trigger(fn: Function, index: int) -> Trigger:
    if not 0 <= index < len(fn.triggers):
        listed = ", ".join(t.describe() for t in fn.triggers)
        raise AuthoringError(
            f"{fn.name} has no trigger #{index + 1}",
            hint=f"it has {len(fn.triggers)}" + (f": {listed}" if listed else ""),
            field="index",
        )
    return fn.triggers[index]


def remove_trigger(root: Path, function: str, index: int, *, before: Project | None = None) -> Edit:
    """Remove the `index`th trigger (0-based, in the file's order) of a function."""
    draft = Draft(root, before)
    fn = function_named(draft.before(), function)
    trigger = _trigger(fn, index)
    text = draft.yaml()
    if len(fn.triggers) == 1:
        text = yamledit.remove(text, ("functions", function, "triggers"))
    else:
        text = yamledit.remove(text, ("functions", function, "triggers", index))
    draft.write("tether.yaml", text)
    edit, _ = draft.finish(
        f"remove the trigger {trigger.resource} ({trigger.describe()}) of {function}"
    )
    return edit


def _check_route(project: Project, route: str, api: str) -> None:
    try:
        method, path = rules.parse_route(route)
    except rules.RouteError as exc:
        raise AuthoringError(exc.message, hint=exc.hint, field="route") from None
    wanted = rules.route_identity(method, path)
    for fn in project.functions.values():
        for trigger in fn.triggers:
            if trigger.resource == api and getattr(trigger, "route", None) is not None:
                other = trigger.route  # type: ignore[attr-defined]
                other_method, other_path = rules.parse_route(other)
                if rules.route_identity(other_method, other_path) == wanted:
                    raise AuthoringError(
                        f"{api} routes {other} to {fn.name} already ({trigger.location})",
                        hint="pick another method or path",
                        field="route",
                    )


def _set_or_remove(text: str, path: tuple[str | int, ...], value: Any) -> str:
    if value is None:
        try:
            return yamledit.remove(text, path)
        except yamledit.YamlEditError:
            return text  # not set: nothing to reset
    return yamledit.set_value(text, path, value)
