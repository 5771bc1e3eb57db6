"""Nested stacks: a project past one stack's CloudFormation quotas deploys as a root stack and
nested stacks, each within every quota (500 resources, 200 outputs, 200 parameters, 1 MB).

Synth first writes the project as one template, the *flat* template. When that is within the
quotas it is the stack, byte for byte. Otherwise `split` cuts it in two kinds of stack:

- the root keeps the project resources (buckets, tables, queues, topics, schedules, HTTP APIs),
  the dependency layer, the code parameters and the resources' outputs, so that what can hold
  data stays where the data-safety checks look; plus one `AWS::CloudFormation::Stack` per group
  of functions, whose template it reads from the artifact bucket (`TemplateURL`, a key named
  by the template's sha256: the deploy uploads it there first);
- each nested stack holds whole functions: everything whose Metadata names a function (the
  function, its role, log group and managed policies, and the wiring of its triggers:
  permissions, subscriptions, event source mappings, HTTP integrations and routes), and the
  function's ARN output.

Functions are grouped by the bits of the sha256 of their name: all in one group if it fits
in a stack, else halved by the next bit, recursively (`group`). Adding or removing a function
changes only its own group, unless that group must split in two (or may merge back): then the
functions of those groups move (`moved`).

A nested stack's references to the root come in as its Parameters: `Ref X` keeps its name,
`Fn::GetAtt X.Attr` becomes parameter `XAttr` (`Fn::Sub` variables alike), and the root passes
the original expression. The root never reads a nested stack's outputs: a bucket notification
or a schedule target names a function by its ARN built from its fixed name, since a GetAtt
would make a cycle (the function's permission names the bucket or the schedule), and a
bucket's DependsOn on an invoke permission becomes a DependsOn on the permission's stack (S3
checks the permission when the notification is saved). `flatten` is the exact inverse: the
deploy plans on flat templates, so a plan reads the same whether a project is split or not.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tether.synth.template import OWNER_KEY, Json

NESTED_STACK = "AWS::CloudFormation::Stack"
STACK_PREFIX = "Functions"  # a nested stack's logical ID: Functions, Functions0, Functions01...
TEMPLATE_KEY_PREFIX = "templates/"
FUNCTION_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
DEPENDS_KEY = "depends_on"  # in a root resource's Metadata.tether: its DependsOn, as flat
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass(frozen=True)
class Stacks:
    """What a stage deploys: the root template and, for a split project, each nested stack's
    template by its logical ID in the root (none when the project fits in one stack)."""

    root: dict[str, Any]
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The flat template `split` made these of, which `flatten` gives back exactly: kept, so
    # that `flat` need not make it again (None: made when asked).
    source: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def flat(self) -> dict[str, Any]:
        return self.source if self.source is not None else flatten(self.root, self.children)

    def functions_by_stack(self) -> dict[str, str]:
        """Function name -> the logical ID of the nested stack holding it ("" for the root)."""
        return function_stacks(self.root, self.children)


def compact(template: Mapping[str, Any]) -> str:
    """The body as deploys send and store it: compact JSON, sorted keys."""
    return json.dumps(template, sort_keys=True, separators=(",", ":"))


def template_key(template: Mapping[str, Any]) -> str:
    """Where the artifact bucket keeps a template: named by the sha256 of its body."""
    return f"{TEMPLATE_KEY_PREFIX}{hashlib.sha256(compact(template).encode()).hexdigest()}.json"


def owner_function(body: Mapping[str, Any]) -> str | None:
    """The function a flat template's resource belongs to (its own part or its trigger)."""
    owner = body.get("Metadata", {}).get(OWNER_KEY, {})
    name = owner.get("function") if isinstance(owner, dict) else None
    return str(name) if name else None


# --- grouping ---------------------------------------------------------------------------------


def _bits(name: str) -> str:
    return format(int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big"), "064b")


def group(
    names: Iterable[str], fits: Callable[[list[str]], bool]
) -> tuple[dict[str, list[str]], list[str]]:
    """Functions by group label (the hash bits they share, "" for all of them), each group as
    large as `fits` allows; and the functions that do not fit in a stack even alone."""
    bits = {name: _bits(name) for name in sorted(names)}
    groups: dict[str, list[str]] = {}
    alone: list[str] = []

    def visit(prefix: str, members: list[str]) -> None:
        if not members:
            return
        if fits(members):
            groups[prefix] = members
        elif len(members) == 1 or len(prefix) == 64:
            alone.extend(members)
        else:
            for bit in "01":
                visit(prefix + bit, [m for m in members if bits[m][len(prefix)] == bit])

    visit("", sorted(bits))
    return dict(sorted(groups.items())), alone


# --- split ------------------------------------------------------------------------------------


def split(
    flat: dict[str, Any],
    fits: Callable[[dict[str, Any]], bool],
    *,
    layout: Mapping[str, str] | None = None,
) -> tuple[Stacks, list[str]]:
    """The root and nested stacks for the flat template, each nested stack `fits`; and the
    functions that fit in no stack alone. `layout` (function -> label) forces the grouping of
    the functions it names instead (the deploy's intermediate step of a move)."""
    resources: dict[str, Any] = flat["Resources"]
    by_function: dict[str, list[str]] = {}
    for logical_id, body in resources.items():
        function = owner_function(body)
        if function is not None:
            by_function.setdefault(function, []).append(logical_id)

    made: dict[tuple[str, ...], tuple[dict[str, Any], dict[str, Json]]] = {}

    def child_of(names: list[str]) -> tuple[dict[str, Any], dict[str, Json]]:
        """The nested stack of these functions and its parameters, made once: the grouping
        makes each group's to measure it, and the groups are then kept as made."""
        key = tuple(names)
        if key not in made:
            made[key] = _child(flat, [lid for name in names for lid in by_function[name]])
        return made[key]

    if layout is None:
        groups, alone = group(by_function, lambda names: fits(child_of(names)[0]))
    else:
        groups, alone = {}, []
        for name in sorted(by_function):
            groups.setdefault(layout[name], []).append(name)
    root = copy.deepcopy({k: v for k, v in flat.items() if k not in {"Resources", "Outputs"}})
    root_resources = {
        k: copy.deepcopy(v) for k, v in resources.items() if owner_function(v) is None
    }
    stack_of: dict[str, str] = {}  # logical ID of a function's resource -> its nested stack
    children: dict[str, dict[str, Any]] = {}
    nested: dict[str, Any] = {}
    moved_outputs: set[str] = set()
    for label, names in sorted(groups.items()):
        stack_id = f"{STACK_PREFIX}{label}"
        logical_ids = [lid for name in names for lid in by_function[name]]
        child, parameters = child_of(names)
        child["Description"] = _describe(flat, names)
        child["Metadata"] = {
            OWNER_KEY: {**flat.get("Metadata", {}).get(OWNER_KEY, {}), "nested": stack_id}
        }
        children[stack_id] = child
        moved_outputs |= set(child.get("Outputs", {}))
        stack_of.update(dict.fromkeys(logical_ids, stack_id))
        nested[stack_id] = {
            "Type": NESTED_STACK,
            "Properties": {
                "TemplateURL": {
                    "Fn::Sub": "https://${ArtifactBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"
                    + template_key(child)
                },
                "Parameters": parameters,
            },
            "Metadata": {OWNER_KEY: {"functions": names}},
        }
    for logical_id, body in root_resources.items():
        root_resources[logical_id] = _root_body(body, resources, stack_of)
    root["Resources"] = {**root_resources, **nested}
    root["Outputs"] = {
        k: copy.deepcopy(v) for k, v in flat.get("Outputs", {}).items() if k not in moved_outputs
    }
    return Stacks(root, children, source=flat), sorted(alone)


def _describe(flat: dict[str, Any], names: list[str]) -> str:
    what = str(flat.get("Description", "")).split(", generated by", 1)[0]
    shown = names[0] if len(names) == 1 else f"{names[0]} ... {names[-1]}"
    return (
        f"{what}: {len(names)} function{'s' if len(names) != 1 else ''} ({shown}), a nested "
        "stack generated by Tether; do not edit"
    )


def _child(flat: dict[str, Any], logical_ids: list[str]) -> tuple[dict[str, Any], dict[str, Json]]:
    """The nested stack template holding `logical_ids`, and the root's values of its
    parameters."""
    inside = set(logical_ids)
    parameters: dict[str, Json] = {}

    def outside(name: str) -> bool:
        return name not in inside and not name.startswith("AWS::")

    def parameter(name: str, attribute: str | None) -> str:
        key = name if attribute is None else name + attribute.replace(".", "")
        value: Json = {"Ref": name} if attribute is None else {"Fn::GetAtt": [name, attribute]}
        if parameters.setdefault(key, value) != value or key in inside:
            raise ValueError(f"nested stack parameter {key} is ambiguous")  # a synth bug
        return key

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"} and isinstance(node["Ref"], str) and outside(node["Ref"]):
            return {"Ref": parameter(node["Ref"], None)}
        if set(node) == {"Fn::GetAtt"}:
            name, attribute = _get_att(node["Fn::GetAtt"])
            if outside(name):
                return {"Ref": parameter(name, attribute)}
        if set(node) == {"Fn::Sub"}:
            value = node["Fn::Sub"]
            text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})

            def swap(match: re.Match[str]) -> str:
                name, _, attribute = match.group(1).partition(".")
                if name in variables or not outside(name):
                    return match.group(0)
                return "${" + parameter(name, attribute or None) + "}"

            text = _SUB_VARIABLE.sub(swap, text)
            return {"Fn::Sub": [text, rewrite(variables)] if isinstance(value, list) else text}
        return {key: rewrite(value) for key, value in node.items()}

    resources = {}
    for logical_id in logical_ids:
        body = flat["Resources"][logical_id]
        if any(outside(d) for d in body.get("DependsOn", [])):
            raise ValueError(f"{logical_id} depends on a resource outside its nested stack")
        resources[logical_id] = {
            key: (rewrite(value) if key == "Properties" else copy.deepcopy(value))
            for key, value in body.items()
        }
    outputs = {
        key: {**output, "Value": rewrite(output["Value"])}
        for key, output in flat.get("Outputs", {}).items()
        if set(_names(output["Value"])) & inside
    }
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": flat.get("AWSTemplateFormatVersion", "2010-09-09"),
        "Parameters": {key: {"Type": "String"} for key in sorted(parameters)},
        "Resources": resources,
    }
    if outputs:
        template["Outputs"] = outputs
    return template, dict(sorted(parameters.items()))


def _get_att(value: Any) -> tuple[str, str]:
    if isinstance(value, list):
        return str(value[0]), str(value[1])
    name, _, attribute = str(value).partition(".")
    return name, attribute


def _names(node: Any) -> Iterable[str]:
    """The logical IDs and parameters a value references."""
    if isinstance(node, list):
        for item in node:
            yield from _names(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield _get_att(value)[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for variable in _SUB_VARIABLE.findall(str(text)):
                    yield variable.split(".", 1)[0]
                if isinstance(value, list):
                    yield from _names(value[1])
            else:
                yield from _names(value)


def _root_body(
    body: dict[str, Any], flat: Mapping[str, Any], stack_of: Mapping[str, str]
) -> dict[str, Any]:
    """A root resource with its references to functions in nested stacks made cycle-free."""

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Fn::GetAtt"}:
            name, attribute = _get_att(node["Fn::GetAtt"])
            target = flat.get(name, {})
            if name in stack_of:
                if target.get("Type") != "AWS::Lambda::Function" or attribute != "Arn":
                    raise ValueError(f"the root references {name}.{attribute} in a nested stack")
                return {"Fn::Sub": FUNCTION_ARN + str(target["Properties"]["FunctionName"])}
        if any(name in stack_of for name in _names(node)) and set(node) & {"Ref", "Fn::Sub"}:
            raise ValueError(f"the root references a resource in a nested stack: {node}")
        return {key: rewrite(value) for key, value in node.items()}

    result = {key: rewrite(value) for key, value in body.items() if key != "DependsOn"}
    depends = list(body.get("DependsOn", []))
    if any(d in stack_of for d in depends):
        result["DependsOn"] = sorted({stack_of.get(d, d) for d in depends})
        result.setdefault("Metadata", {}).setdefault(OWNER_KEY, {})[DEPENDS_KEY] = depends
    elif depends:
        result["DependsOn"] = depends
    return result


# --- the inverse --------------------------------------------------------------------------------


def flatten(root: Mapping[str, Any], children: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The flat template that `split` made `root` and `children` of (the root itself when there
    are no nested stacks). A nested stack whose template is missing is left out."""
    resources: dict[str, Any] = root.get("Resources", {})
    if not any(body.get("Type") == NESTED_STACK for body in resources.values()):
        return dict(root)
    function_ids: dict[str, str] = {}
    flat_resources: dict[str, Any] = {}
    outputs = dict(root.get("Outputs", {}))
    for stack_id, body in resources.items():
        child = children.get(stack_id)
        if body.get("Type") != NESTED_STACK or child is None:
            continue
        values = body.get("Properties", {}).get("Parameters", {})
        for logical_id, resource in child.get("Resources", {}).items():
            restored = {
                key: (_restore(value, values) if key == "Properties" else copy.deepcopy(value))
                for key, value in resource.items()
            }
            flat_resources[logical_id] = restored
            if resource.get("Type") == "AWS::Lambda::Function":
                name = str(resource.get("Properties", {}).get("FunctionName", ""))
                function_ids[FUNCTION_ARN + name] = logical_id
        for key, output in child.get("Outputs", {}).items():
            outputs[key] = {**output, "Value": _restore(output["Value"], values)}
    for logical_id, body in resources.items():
        if body.get("Type") == NESTED_STACK:
            continue
        restored = _unbuild_arns(copy.deepcopy(body), function_ids)
        owner = restored.get("Metadata", {}).get(OWNER_KEY, {})
        if isinstance(owner, dict) and DEPENDS_KEY in owner:
            restored["DependsOn"] = owner.pop(DEPENDS_KEY)
        flat_resources[logical_id] = restored
    flat = {k: v for k, v in root.items() if k not in {"Resources", "Outputs"}}
    return {**flat, "Resources": flat_resources, "Outputs": outputs}


def _restore(node: Any, values: Mapping[str, Json]) -> Any:
    if isinstance(node, list):
        return [_restore(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in values:
        return copy.deepcopy(values[node["Ref"]])
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})

        def swap(match: re.Match[str]) -> str:
            name = match.group(1)
            original = values.get(name) if name not in variables else None
            if isinstance(original, dict) and "Ref" in original:
                return "${" + str(original["Ref"]) + "}"
            if isinstance(original, dict) and "Fn::GetAtt" in original:
                return "${" + ".".join(_get_att(original["Fn::GetAtt"])) + "}"
            return match.group(0)

        text = _SUB_VARIABLE.sub(swap, text)
        return {"Fn::Sub": [text, _restore(variables, values)] if isinstance(value, list) else text}
    return {key: _restore(value, values) for key, value in node.items()}


def _unbuild_arns(node: Any, function_ids: Mapping[str, str]) -> Any:
    if isinstance(node, list):
        return [_unbuild_arns(item, function_ids) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Fn::Sub"} and node["Fn::Sub"] in function_ids:
        return {"Fn::GetAtt": [function_ids[node["Fn::Sub"]], "Arn"]}
    return {key: _unbuild_arns(value, function_ids) for key, value in node.items()}


def function_stacks(
    root: Mapping[str, Any], children: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """Function name -> the nested stack holding its resources ("" for the root)."""
    found: dict[str, str] = {}
    for logical_id, body in root.get("Resources", {}).items():
        function = owner_function(body)
        if function is not None:
            found[function] = ""
        if body.get("Type") == NESTED_STACK and logical_id in children:
            for resource in children[logical_id].get("Resources", {}).values():
                function = owner_function(resource)
                if function is not None:
                    found[function] = logical_id
    return found


def moved(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """The functions deployed in one stack that a deploy would put in another: CloudFormation
    cannot move a resource with a fixed name (a function, its log group) between stacks in one
    update, since the new stack creates it before the old one deletes it."""
    return sorted(name for name, stack in after.items() if before.get(name, stack) != stack)


def labels(stacks: Stacks) -> dict[str, str]:
    """Function name -> its group label (the nested stack's logical ID without the prefix)."""
    return {
        name: stack.removeprefix(STACK_PREFIX)
        for name, stack in stacks.functions_by_stack().items()
    }
