"""The IDE's authoring endpoints over tether.authoring: the catalogue the forms are drawn from,
existing resources of the target, schedule previews, and each action previewed (its Edit as
JSON) or applied. The file watcher then sees the files change and the IDE re-checks as after
any save."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tether.authoring import actions, history
from tether.authoring.catalogue import CATALOGUE, EVENT_VALUES
from tether.authoring.edits import AuthoringError, Edit
from tether.authoring.fields import FUNCTION_FIELDS, KIND_LABELS, RESOURCE_FIELDS, TRIGGER_FIELDS
from tether.authoring.operations import add_operation
from tether.ide.errors import ApiError
from tether.model import Project
from tether.model.project import RESOURCE_TYPES, TRIGGER_TYPES


def catalogue() -> dict[str, Any]:
    kinds = []
    for type_name, cls in RESOURCE_TYPES.items():
        label, icon = KIND_LABELS[type_name]
        trigger = TRIGGER_TYPES[cls].kind
        kinds.append(
            {
                "type": type_name,
                "label": label,
                "icon": icon,
                "may_be_external": cls.may_be_external,
                "env_suffix": cls.env_suffix,
                "settings": [f.as_json() for f in RESOURCE_FIELDS[cls]],
                "trigger": {
                    "kind": trigger,
                    "settings": [f.as_json() for f in TRIGGER_FIELDS[trigger]],
                },
                "operations": [
                    {
                        "id": spec.id,
                        "label": spec.label,
                        "method": spec.method,
                        "actions": list(spec.actions),
                        "params": [
                            {
                                "name": p.name,
                                "required": p.required,
                                "default": p.default,
                                "help": p.help,
                            }
                            for p in spec.params
                        ],
                        "help": spec.help,
                    }
                    for spec in CATALOGUE
                    if spec.resource_type == type_name
                ],
            }
        )
    return {
        "kinds": kinds,
        "event_values": {
            kind: [{"expr": expr, "label": label} for expr, label in values]
            for kind, values in EVENT_VALUES.items()
        },
        "function_settings": [f.as_json() for f in FUNCTION_FIELDS],
    }


def _text(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, "invalid", f'"{name}" must be a non-empty string')
    return value


def _mapping(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name) or {}
    if not isinstance(value, dict):
        raise ApiError(400, "invalid", f'"{name}" must be an object')
    return value


def _int(body: Mapping[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "invalid", f'"{name}" must be a number')
    return value


Action = Callable[[Path, Mapping[str, Any], Project | None], Edit]

ACTIONS: dict[str, Action] = {
    "add_resource": lambda root, b, p: actions.add_resource(
        root,
        _text(b, "name") or "",
        _text(b, "type") or "",
        _mapping(b, "settings"),
        external=_text(b, "external", required=False) or None,
        before=p,
    ),
    "add_function": lambda root, b, p: actions.add_function(
        root,
        _text(b, "name") or "",
        _text(b, "handler", required=False) or None,
        _mapping(b, "settings"),
        before=p,
    ),
    "add_trigger": lambda root, b, p: actions.add_trigger(
        root,
        _text(b, "function") or "",
        _text(b, "resource") or "",
        _mapping(b, "settings"),
        before=p,
    ),
    "add_operation": lambda root, b, p: add_operation(
        root,
        _text(b, "resource") or "",
        _text(b, "operation") or "",
        _text(b, "file") or "",
        _int(b, "line"),
        function=_text(b, "function", required=False),
        params=_mapping(b, "params"),
        before=p,
    ),
    "remove_resource": lambda root, b, p: actions.remove_resource(
        root, _text(b, "name") or "", before=p
    ),
    "remove_function": lambda root, b, p: actions.remove_function(
        root, _text(b, "name") or "", before=p
    ),
    "remove_trigger": lambda root, b, p: actions.remove_trigger(
        root, _text(b, "function") or "", _int(b, "index"), before=p
    ),
    "set_trigger": lambda root, b, p: actions.set_trigger(
        root, _text(b, "function") or "", _int(b, "index"), _mapping(b, "settings"), before=p
    ),
    "set_function": lambda root, b, p: actions.set_function(
        root,
        _text(b, "function") or "",
        _mapping(b, "settings"),
        _mapping(b, "environment"),
        before=p,
    ),
    "set_resource": lambda root, b, p: actions.set_resource(
        root, _text(b, "name") or "", _mapping(b, "settings"), before=p
    ),
    "rename_resource": lambda root, b, p: actions.rename_resource(
        root, _text(b, "name") or "", _text(b, "new") or "", before=p
    ),
}


def edit_of(root: Path, body: Any, before: Project | None) -> Edit:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the request body must be a JSON object")
    action = ACTIONS.get(str(body.get("action")))
    if action is None:
        raise ApiError(400, "invalid", f'"action" must be one of: {", ".join(ACTIONS)}')
    return action(root, body, before)


def preview(root: Path, body: Any, before: Project | None) -> dict[str, Any]:
    return edit_of(root, body, before).as_json()


def apply(root: Path, body: Any, before: Project | None) -> dict[str, Any]:
    """Build the edit from the files as they are now, then write it."""
    edit = edit_of(root, body, before)
    history.apply(root, edit)
    return {**edit.as_json(), "applied": True}


def undo(root: Path) -> dict[str, Any]:
    try:
        edit = history.undo(root)
    except AuthoringError as exc:
        raise ApiError(409, "conflict", exc.message, hint=exc.hint) from None
    return {"undone": True, "title": edit.title}
