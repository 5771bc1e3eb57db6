"""`tether add`, `remove`, `set`, `rename` and `undo`: the IDE's authoring actions from the command
line. Each prints the diff it makes (and writes nothing with --dry-run), the permissions and
environment variables that follow, and notes to act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tether.cli.options import project_option, resolve

dry_run_option = click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
SETTINGS = click.argument("settings", nargs=-1, metavar="[KEY=VALUE]...")


def _root(project_path: Path | None) -> Path:
    return resolve(project_path, None)


def _show(edit: Any, *, dry_run: bool, root: Path) -> int:
    from tether.authoring.history import apply

    for change in edit.changes:
        for line in change.diff().splitlines():
            color = "green" if line.startswith("+") and not line.startswith("+++") else None
            color = "red" if line.startswith("-") and not line.startswith("---") else color
            click.secho(line, fg=color)
    for line in edit.permissions:
        click.echo(f"+ permission  {line}")
    for line in edit.removed_permissions:
        click.echo(f"- permission  {line}")
    for line in edit.environment:
        click.echo(f"+ variable    {line}")
    for note in edit.notes:
        click.echo(f"note: {note}")
    if dry_run:
        click.echo(f"dry run: would {edit.title}; nothing written")
        return 0
    apply(root, edit)
    click.echo(f"done: {edit.title} (`tether undo` takes it back)")
    return 0


@click.group()
def add() -> None:
    """Add a resource, function, trigger or operation (minimal edits; --dry-run shows the diff)."""


@add.command("resource")
@click.argument("name")
@click.argument("type_name", metavar="TYPE")
@SETTINGS
@click.option(
    "--external",
    metavar="ARN",
    help="Use an existing resource (ARN, bucket name or queue URL); Tether never changes it.",
)
@project_option
@dry_run_option
def add_resource(
    name: str,
    type_name: str,
    settings: tuple[str, ...],
    external: str | None,
    project_path: Path | None,
    dry_run: bool,
) -> int:
    """Add resource NAME of TYPE (s3.bucket, dynamodb.table, sns.topic, sqs.queue, schedule,
    http.api), e.g. `tether add resource orders dynamodb.table key=id:S stream=new_image`."""
    from tether.authoring import actions, fields

    cls = fields.resource_class(type_name)
    values = fields.parse(settings, fields.RESOURCE_FIELDS[cls], what=f"a {type_name}")
    root = _root(project_path)
    edit = actions.add_resource(root, name, type_name, values, external=external)
    if type_name == "schedule":
        _say_schedule(name, str(values.get("expression") or "rate(1 day)"))
    return _show(edit, dry_run=dry_run, root=root)


@add.command("function")
@click.argument("name")
@SETTINGS
@click.option(
    "--handler", metavar="PATH.FUNCTION", help="Default: app/NAME.handler (created if missing)."
)
@project_option
@dry_run_option
def add_function(
    name: str,
    settings: tuple[str, ...],
    handler: str | None,
    project_path: Path | None,
    dry_run: bool,
) -> int:
    """Add function NAME, its handler module created when missing, e.g.
    `tether add function orders memory=256 timeout=10`."""
    from tether.authoring import actions, fields

    values = fields.parse(settings, fields.FUNCTION_FIELDS, what="a function")
    root = _root(project_path)
    return _show(actions.add_function(root, name, handler, values), dry_run=dry_run, root=root)


@add.command("trigger")
@click.argument("function")
@click.argument("resource")
@SETTINGS
@project_option
@dry_run_option
def add_trigger(
    function: str,
    resource: str,
    settings: tuple[str, ...],
    project_path: Path | None,
    dry_run: bool,
) -> int:
    """RESOURCE invokes FUNCTION, e.g. `tether add trigger resize uploads events=created
    prefix=incoming/` or `tether add trigger api web route="GET /orders/{id}"`."""
    from tether.authoring import actions, fields
    from tether.loading import load
    from tether.model.project import Schedule

    root = _root(project_path)
    project = load(root)
    kind = fields.trigger_kind(type(actions.resource_named(project, resource)))
    values = fields.parse(settings, fields.TRIGGER_FIELDS[kind], what=f"a {kind} trigger")
    edit = actions.add_trigger(root, function, resource, values, before=project)
    target = project.resources[resource]
    if isinstance(target, Schedule):
        _say_schedule(resource, target.expression)
    return _show(edit, dry_run=dry_run, root=root)


def _say_schedule(name: str, expression: str) -> None:
    from tether.authoring.schedules import preview

    shown = preview(expression)
    if shown["valid"]:
        click.echo(f"{name} fires {expression} (UTC); next: " + ", ".join(shown["next"]))


@add.command("operation")
@click.argument("function", required=False)
@click.argument("resource", required=False)
@click.argument("operation", required=False)
@click.argument("params", nargs=-1, metavar="[PARAM=EXPRESSION]...")
@click.option(
    "--at",
    "at",
    metavar="FILE:LINE",
    help="Where the code goes (default: the handler's first line).",
)
@click.option("--list", "listing", is_flag=True, help="List the operations of every resource kind.")
@project_option
@dry_run_option
def add_operation(
    function: str | None,
    resource: str | None,
    operation: str | None,
    params: tuple[str, ...],
    at: str | None,
    listing: bool,
    project_path: Path | None,
    dry_run: bool,
) -> int:
    """Insert the boto3 code of OPERATION on RESOURCE into FUNCTION's code, e.g.
    `tether add operation resize thumbs s3.put_object --at app/resize.py:40 Key=thumb_key`.
    Parameters are Python expressions; the analysis then grants the permission."""
    from tether.authoring.catalogue import CATALOGUE

    if listing:
        for spec in CATALOGUE:
            click.echo(
                f"{spec.id:<32} {spec.resource_type:<15} {', '.join(spec.actions):<40} {spec.label}"
            )
        return 0
    if not (function and resource and operation):
        raise click.UsageError("give FUNCTION RESOURCE OPERATION (or --list to see the operations)")
    from tether.authoring.edits import AuthoringError
    from tether.authoring.operations import add_operation as run
    from tether.loading import load

    root = _root(project_path)
    project = load(root)
    file, line = _place(project, function, at)
    values: dict[str, str] = {}
    for word in params:
        key, sep, expression = word.partition("=")
        if not sep or not key:
            raise AuthoringError(
                f"{word!r} is not a parameter", hint="write PARAM=EXPRESSION, e.g. Key=key"
            )
        values[key.strip()] = expression
    edit = run(
        root, resource, operation, file, line, function=function, params=values, before=project
    )
    return _show(edit, dry_run=dry_run, root=root)


def _place(project: Any, function: str, at: str | None) -> tuple[str, int]:
    from tether.authoring.edits import AuthoringError
    from tether.authoring.operations import default_place

    if at:
        file, sep, line = at.rpartition(":")
        if not sep or not line.isdigit():
            raise AuthoringError(f"--at {at!r} is not FILE:LINE", hint="e.g. --at app/orders.py:12")
        return file, int(line)
    return default_place(project, function)


@click.group()
def remove() -> None:
    """Remove a resource, function or trigger from tether.yaml (--dry-run shows the diff)."""


@remove.command("resource")
@click.argument("name")
@project_option
@dry_run_option
def remove_resource(name: str, project_path: Path | None, dry_run: bool) -> int:
    """Remove resource NAME (nothing may use it); the next deploy removes it from the cloud,
    asking first when it holds data."""
    from tether.authoring import actions

    root = _root(project_path)
    return _show(actions.remove_resource(root, name), dry_run=dry_run, root=root)


@remove.command("function")
@click.argument("name")
@project_option
@dry_run_option
def remove_function(name: str, project_path: Path | None, dry_run: bool) -> int:
    """Remove function NAME from tether.yaml (its code stays)."""
    from tether.authoring import actions

    root = _root(project_path)
    return _show(actions.remove_function(root, name), dry_run=dry_run, root=root)


@remove.command("trigger")
@click.argument("function")
@click.argument("which")
@project_option
@dry_run_option
def remove_trigger(function: str, which: str, project_path: Path | None, dry_run: bool) -> int:
    """Remove a trigger of FUNCTION: WHICH is its resource's name, or its number (1 = first)."""
    from tether.authoring import actions
    from tether.loading import load

    root = _root(project_path)
    project = load(root)
    index = _trigger_index(project, function, which)
    edit = actions.remove_trigger(root, function, index, before=project)
    return _show(edit, dry_run=dry_run, root=root)


def _trigger_index(project: Any, function: str, which: str) -> int:
    """The 0-based index of FUNCTION's trigger named by its resource or its number (1 = first)."""
    from tether.authoring.actions import function_named
    from tether.authoring.edits import AuthoringError

    fn = function_named(project, function)
    if which.isdigit():
        return int(which) - 1
    matches = [i for i, t in enumerate(fn.triggers) if t.resource == which]
    if len(matches) != 1:
        listed = ", ".join(
            f"{i + 1}: {t.resource} ({t.describe()})" for i, t in enumerate(fn.triggers)
        )
        raise AuthoringError(
            f"{function} has {'no' if not matches else 'several'} triggers from {which!r}",
            hint=f"name one by number: {listed or 'none'}",
        )
    return matches[0]


@click.group("set")
def set_() -> None:
    """Change settings of a function or a resource: KEY=VALUE, and KEY= to reset one."""


@set_.command("function")
@click.argument("name")
@SETTINGS
@project_option
@dry_run_option
def set_function(
    name: str, settings: tuple[str, ...], project_path: Path | None, dry_run: bool
) -> int:
    """e.g. `tether set function resize memory=1024 timeout= env.LOG_LEVEL=debug` (timeout= resets
    it; env.X= removes the variable)."""
    from tether.authoring import actions, fields

    plain = [w for w in settings if not w.startswith("env.")]
    values: dict[str, Any] = {}
    for word in plain:
        key, sep, raw = word.partition("=")
        if sep and raw == "":
            values[key] = None
        else:
            values.update(fields.parse([word], fields.FUNCTION_FIELDS, what="a function"))
    environment: dict[str, str | None] = {}
    for word in settings:
        if word.startswith("env."):
            key, _, raw = word[4:].partition("=")
            environment[key] = raw if raw != "" else None
    root = _root(project_path)
    return _show(actions.set_function(root, name, values, environment), dry_run=dry_run, root=root)


@set_.command("trigger")
@click.argument("function")
@click.argument("which")
@SETTINGS
@project_option
@dry_run_option
def set_trigger(
    function: str, which: str, settings: tuple[str, ...], project_path: Path | None, dry_run: bool
) -> int:
    """Change a trigger of FUNCTION (WHICH: its resource, or its number), e.g.
    `tether set trigger resize uploads prefix=raw/ suffix=` (KEY= resets a setting)."""
    from tether.authoring import actions, fields
    from tether.loading import load

    root = _root(project_path)
    project = load(root)
    index = _trigger_index(project, function, which)
    fn = project.functions[function]
    known = fields.TRIGGER_FIELDS[fn.triggers[index].kind] if 0 <= index < len(fn.triggers) else ()
    values: dict[str, Any] = {}
    for word in settings:
        key, sep, raw = word.partition("=")
        what = f"a {fn.triggers[index].kind} trigger" if known else "this trigger"
        values.update({key: None} if sep and raw == "" else fields.parse([word], known, what=what))
    edit = actions.set_trigger(root, function, index, values, before=project)
    return _show(edit, dry_run=dry_run, root=root)


@set_.command("resource")
@click.argument("name")
@SETTINGS
@project_option
@dry_run_option
def set_resource(
    name: str, settings: tuple[str, ...], project_path: Path | None, dry_run: bool
) -> int:
    """e.g. `tether set resource work visibility_timeout=120` (KEY= resets a setting)."""
    from tether.authoring import actions, fields
    from tether.loading import load

    root = _root(project_path)
    project = load(root)
    known = fields.RESOURCE_FIELDS[type(actions.resource_named(project, name))]
    values: dict[str, Any] = {}
    for word in settings:
        key, sep, raw = word.partition("=")
        values.update({key: None} if sep and raw == "" else fields.parse([word], known, what=name))
    return _show(
        actions.set_resource(root, name, values, before=project), dry_run=dry_run, root=root
    )


@click.group()
def rename() -> None:
    """Rename a resource (its references in tether.yaml follow)."""


@rename.command("resource")
@click.argument("name")
@click.argument("new")
@project_option
@dry_run_option
def rename_resource(name: str, new: str, project_path: Path | None, dry_run: bool) -> int:
    """Rename resource NAME to NEW; code that reads its environment variable is listed, not
    rewritten."""
    from tether.authoring import actions

    root = _root(project_path)
    return _show(actions.rename_resource(root, name, new), dry_run=dry_run, root=root)


@click.command()
@project_option
def undo(project_path: Path | None) -> int:
    """Take back the last edit made by add, remove, set or rename (or the IDE), if the files
    still hold what it wrote."""
    from tether.authoring.history import undo as run

    edit = run(_root(project_path))
    click.echo(f"done: {edit.title}")
    return 0


COMMANDS = [add, remove, set_, rename, undo]
