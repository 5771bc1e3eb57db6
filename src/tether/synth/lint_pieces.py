"""Cutting a template into pieces that cfn-lint checks one at a time, for `lint`: a piece is
linted again only when its own text changes, and pieces with no cached result are linted in
parallel. This module only cuts; `lint_runner` runs cfn-lint and `lint` puts findings together.

What cfn-lint checks falls in kinds, and the cut follows them:

- The JSON-schema validation driven by rule E1001 (with every rule it calls, and the rules that
  check one resource's properties) looks at one resource, or output, at a time. What it reads
  of the rest of the template is the template-level sections (Parameters, Conditions,
  Mappings, Metadata...) and, of other resources, only their logical ID, Type and Condition
  (cfn-lint's `Context.resources` keeps nothing else). So a piece holds whole resources
  (the *owned* ones, grouped by the function or project resource Tether's Metadata names),
  the outputs that refer to them, every other section verbatim, and a *stub* (Type and
  Condition) of each other resource they name. Findings under an owned resource or output are
  the piece's; findings under a stub are dropped (its own piece reports them).
- The rules that scan the whole template (cfn-lint's `match` rules: circular dependencies,
  unique primary identifiers, unused parameters, `${}` outside Fn::Sub...) run once on the
  whole template (`lint_runner.template_rule_ids`), and never on a piece.
- The rules that check the Parameters section and nothing else (its keys, types, names) read
  that section only: a parameter holds no intrinsic function. A piece holds the section
  (a Ref to a parameter is checked against it) but leaves these rules to the sections
  template below (`lint_runner.parameters_rule_ids`): ~15 ms a piece of a nested stack, which
  has a parameter for each value its root passes.

Two things a piece cannot see it leaves to other runs:

- the template-level checks of the Resources and Outputs sections as a whole (their count,
  their key names): the *sections* template has every section verbatim, and a placeholder for
  each resource and output (null: the cheapest for cfn-lint), so these checks see the same
  keys; it also reports on the other sections, once for all pieces;
- a message that lists every name in the template (a Ref to a missing resource: "'X' is not
  one of [...]"): a piece that has findings is linted again *exactly*, with a stub of every
  other resource in the template, so the lists are the whole template's; so are the sections,
  with a stub for each resource, when they have findings.

A template with a Transform or Globals (rewritten by a macro before it is checked), cfn-lint
configuration in its Metadata, or a resource type not in `PIECE_TYPES` is not cut: it is
linted whole. So is one small enough to be a single piece. `PIECE_TYPES` are the types Tether
generates, whose schema rules were read to check that they know other resources through
`Context.resources` only; cfn-lint has schema rules that do not, for other types (VPC
subnets, ECS services, API Gateway REST APIs, EC2 image IDs...).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

OWNED_SECTIONS = ("Resources", "Outputs")
# A piece's own resources and outputs: an edit relints one piece, but each piece costs cfn-lint
# ~13 ms of its own, 5-15 ms a resource (24: a 200-function edit 0.4 s less CPU than 40; the
# first lint 9% more, measured at ~20 ms each).
MAX_PIECE_RESOURCES = 24
PIECE_TYPES = frozenset(
    {
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
        "AWS::CloudFormation::Stack",
        "AWS::DynamoDB::Table",
        "AWS::Events::Rule",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Role",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::SNS::Subscription",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
    }
)
# A placeholder in the sections template: null, the cheapest entry for cfn-lint to check (even
# a stub costs it milliseconds); what it finds there is the pieces' to say.
PLACEHOLDER = None
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
_KEY_LINE = re.compile(r'^( *)("(?:[^"\\]|\\.)*"): ')


@dataclass(frozen=True)
class Piece:
    """Resources and outputs linted together, and the template cfn-lint reads for them."""

    resources: frozenset[str]  # the logical IDs whose findings this piece reports
    outputs: frozenset[str]
    text: str  # the piece as a template, in the layout of `to_json`

    @property
    def size(self) -> int:
        return len(self.resources) + len(self.outputs)

    def owns(self, path: tuple[str | int, ...]) -> bool:
        """Whether a finding at `path` is under one of this piece's resources or outputs."""
        if len(path) < 2:
            return False
        names = {"Resources": self.resources, "Outputs": self.outputs}.get(str(path[0]))
        return names is not None and path[1] in names

    def reports(self, path: tuple[str | int, ...]) -> bool:
        """Whether this piece reports a finding at `path`: under what it owns, or in the
        sections every piece holds (a parameter's default is checked where it is used)."""
        return self.owns(path) or (len(path) >= 1 and path[0] not in OWNED_SECTIONS)


@dataclass(frozen=True)
class Layout:
    """Where each section of a template, and each entry of a section, starts and ends in its
    text in `to_json`'s layout (1-based lines). A piece holds the entries it reports on byte
    for byte as the whole template does, at the same depth, so a position in a piece moves to
    the whole template by its entry's first line (columns stay)."""

    last: int
    sections: dict[str, tuple[int, int]]
    entries: dict[tuple[str, str], tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Layout:
        lines = text.splitlines()
        sections: dict[str, tuple[int, int]] = {}
        entries: dict[tuple[str, str], tuple[int, int]] = {}
        section: str | None = None
        entry: str | None = None
        for number, line in enumerate(lines, 1):
            key = _KEY_LINE.match(line)
            depth = len(line) - len(line.lstrip(" "))
            if section is not None and entry is not None and depth <= 4 and (key or depth < 4):
                entries[(section, entry)] = (entries[(section, entry)][0], number - 1)
                entry = None
            if key and depth == 2:
                section = json.loads(key.group(2))
                sections[section] = (number, number)
            elif key and depth == 4 and section is not None:
                entry = json.loads(key.group(2))
                entries[(section, entry)] = (number, number)
            elif depth == 2 and section is not None and line.strip() in ("}", "},", "]", "],"):
                sections[section] = (sections[section][0], number)
        return cls(len(lines), sections, entries)

    def move(self, line: int, to: Layout) -> int:
        """Line `line` of this text, as a line of the text laid out as `to`."""
        for (section, key), (first, end) in self.entries.items():
            if first <= line <= end and (section, key) in to.entries:
                return to.entries[(section, key)][0] + line - first
        for section, (first, end) in self.sections.items():
            if line in (first, end) and section in to.sections:
                return to.sections[section][0 if line == first else 1]
        return to.last if line == self.last else line


@dataclass(frozen=True)
class Cut:
    """A template cut in pieces, with its sections template."""

    sections: str
    pieces: tuple[Piece, ...]


def cut(template: Mapping[str, Any], *, max_resources: int = MAX_PIECE_RESOURCES) -> Cut | str:
    """The pieces of `template`, or why it must be linted whole."""
    reason = _whole_reason(template, max_resources)
    if reason:
        return reason
    resources: dict[str, dict[str, Any]] = template["Resources"]
    outputs: dict[str, dict[str, Any]] = template.get("Outputs") or {}
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, resource in resources.items():
        groups.setdefault(_group(name, resource), []).append(("Resources", name))
    for name, output in outputs.items():
        named = sorted(_names(output, resources))
        key = _group(named[0], resources[named[0]]) if named else f"output {name}"
        groups.setdefault(key, []).append(("Outputs", name))
    pieces = tuple(
        _piece(template, [unit for key in bucket for unit in groups[key]])
        for bucket in _buckets(groups, max_resources)
    )
    return Cut(sections=_sections(template), pieces=pieces)


def exact_sections(template: Mapping[str, Any]) -> str:
    """The sections template with a stub of each resource: cfn-lint's messages that list the
    template's names list them all."""
    resources = {name: _stub(resource) for name, resource in template["Resources"].items()}
    return _sections({**template, "Resources": resources}, keep=("Resources",))


def exact(template: Mapping[str, Any], piece: Piece) -> str:
    """`piece` with a stub of every other resource of the template: cfn-lint's messages that
    list the template's names list them all."""
    resources = {
        name: resource if name in piece.resources else _stub(resource)
        for name, resource in template["Resources"].items()
    }
    return _text(template, resources, piece.outputs)


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _whole_reason(template: Mapping[str, Any], max_resources: int) -> str:
    if not isinstance(template, Mapping):
        return "the template is not an object"
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not all(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    ):
        return "its Resources are not objects with a Type"
    outputs = template.get("Outputs", {})
    if not isinstance(outputs, dict) or not all(isinstance(o, dict) for o in outputs.values()):
        return "its Outputs are not objects"
    if "Transform" in template or "Globals" in template:
        return "a macro rewrites it before it is checked"
    metadata = template.get("Metadata")
    if isinstance(metadata, dict) and "cfn-lint" in metadata:
        return "it configures cfn-lint"
    others = sorted({r["Type"] for r in resources.values()} - PIECE_TYPES)
    if others:
        return f"resource type {others[0]} is not one checked piece by piece"
    if len(resources) + len(outputs) <= max_resources:
        return "it is small enough to be one piece"
    return ""


def _group(name: str, resource: Mapping[str, Any]) -> str:
    """What a resource changes with: the function or project resource Tether's Metadata names
    (a function's role, log group and triggers change with it), else the resource alone."""
    metadata = resource.get("Metadata")
    owner = metadata.get("tether") if isinstance(metadata, dict) else None
    if isinstance(owner, dict):
        for kind in ("function", "resource"):
            if isinstance(owner.get(kind), str):
                return f"{kind} {owner[kind]}"
    return f"logical id {name}"


def _buckets(groups: Mapping[str, list[tuple[str, str]]], limit: int) -> Iterator[list[str]]:
    """Groups into buckets of at most `limit` units (unless one group is bigger), by the bits
    of the sha256 of the group's key: a group added, changed or removed changes its bucket
    only, unless that bucket must split in two (then the two halves change)."""
    hashed = {key: int.from_bytes(hashlib.sha256(key.encode()).digest()) for key in groups}

    def place(keys: list[str], bit: int) -> Iterator[list[str]]:
        if sum(len(groups[k]) for k in keys) <= limit or len(keys) == 1 or bit < 0:
            yield sorted(keys)
            return
        for side in (0, 1):
            half = [k for k in keys if (hashed[k] >> bit) & 1 == side]
            if half:
                yield from place(half, bit - 1)

    yield from place(sorted(groups), 255)


def _piece(template: Mapping[str, Any], units: list[tuple[str, str]]) -> Piece:
    all_resources: dict[str, dict[str, Any]] = template["Resources"]
    outputs: dict[str, dict[str, Any]] = template.get("Outputs") or {}
    owned = frozenset(name for section, name in units if section == "Resources")
    owned_outputs = frozenset(name for section, name in units if section == "Outputs")
    named: set[str] = set()
    for name in owned:
        named |= _names(all_resources[name], all_resources)
    for name in owned_outputs:
        named |= _names(outputs[name], all_resources)
    resources = {
        name: resource if name in owned else _stub(resource)
        for name, resource in all_resources.items()
        if name in owned or name in named
    }
    return Piece(owned, owned_outputs, _text(template, resources, owned_outputs))


def _sections(template: Mapping[str, Any], keep: tuple[str, ...] = ()) -> str:
    placeholders: dict[str, Any] = dict(template)
    for section in OWNED_SECTIONS:
        if section in template and section not in keep:
            placeholders[section] = dict.fromkeys(template[section], PLACEHOLDER)
    return _dump(placeholders)


def _text(template: Mapping[str, Any], resources: dict[str, Any], outputs: frozenset[str]) -> str:
    piece = {k: v for k, v in template.items() if k not in OWNED_SECTIONS}
    piece["Resources"] = resources
    if outputs:
        piece["Outputs"] = {k: v for k, v in template["Outputs"].items() if k in outputs}
    return _dump(piece)


def _dump(template: Mapping[str, Any]) -> str:
    # The layout of `to_json`: a resource's text, and so which of its findings share a line
    # (cfn-lint tells findings apart by rule, message and line), is the same as in the whole.
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


def _stub(resource: Mapping[str, Any]) -> dict[str, Any]:
    """What cfn-lint knows of a resource when it checks another: its Type and Condition."""
    return {k: resource[k] for k in ("Type", "Condition") if k in resource}


def _names(value: Any, resources: Mapping[str, Any]) -> set[str]:
    """The resources `value` may name: every string that is a logical ID, or whose first
    dotted part is (Fn::GetAtt "X.Arn"), or that names one in a `${}` (Fn::Sub, and strings
    cfn-lint checks for a missing Fn::Sub). More than the references is harmless: a stub only
    adds a name to what the piece knows."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            candidates = [item, item.split(".", 1)[0]]
            if "${" in item:
                candidates += [v.strip().split(".", 1)[0] for v in _SUB_VARIABLE.findall(item)]
            found.update(c for c in candidates if c in resources)
    return found
