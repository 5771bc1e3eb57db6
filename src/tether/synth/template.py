"""The CloudFormation template under construction, and the intrinsic functions synth writes.

`Context` is what every synth module receives: the project, the stage and target, the template
being filled in, and the physical names Tether gives to project resources. The template is a
plain dict; `to_json` writes it with sorted keys so the same project gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tether.model import Function, Project, Resource
from tether.model.naming import kebab, shorten

Json = Any
TAG_PROJECT = "tether:project"
TAG_STAGE = "tether:stage"
OWNER_KEY = "tether"


def ref(logical_id: str) -> Json:
    return {"Ref": logical_id}


def get_att(logical_id: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [logical_id, attribute]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def of_resource(name: str) -> dict[str, str]:
    return {"resource": name}


def of_function(name: str, part: str) -> dict[str, str]:
    return {"function": name, "part": part}


def of_trigger(function: str, resource: str) -> dict[str, str]:
    return {"function": function, "trigger": resource}


def to_json(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


@dataclass
class Context:
    project: Project
    stage: str
    target: str
    resources: dict[str, Json] = field(default_factory=dict)
    outputs: dict[str, Json] = field(default_factory=dict)

    def add(
        self,
        logical_id: str,
        type_name: str,
        properties: dict[str, Json],
        *,
        owner: dict[str, Any],
        **extra: Json,
    ) -> None:
        """Declare a resource. `owner` names what it belongs to in the user's words (see
        `of_resource`, `of_function`, `of_trigger`); plans read it back from the template's
        Metadata to show "trigger uploads -> resize" instead of a logical ID."""
        if logical_id in self.resources:
            raise ValueError(f"duplicate logical ID {logical_id}")  # a synth bug, never user input
        self.resources[logical_id] = {
            "Type": type_name,
            "Properties": properties,
            "Metadata": {OWNER_KEY: owner},
            **extra,
        }

    def depends_on(self, logical_id: str, dependency: str) -> None:
        deps: list[str] = self.resources[logical_id].setdefault("DependsOn", [])
        if dependency not in deps:
            deps.append(dependency)
            deps.sort()

    def output(self, name: str, value: Json, description: str) -> None:
        self.outputs[name] = {"Description": description, "Value": value}

    def tags(self) -> list[dict[str, str]]:
        return [
            {"Key": TAG_PROJECT, "Value": self.project.name},
            {"Key": TAG_STAGE, "Value": self.stage},
        ]

    def tag_map(self) -> dict[str, str]:
        return {TAG_PROJECT: self.project.name, TAG_STAGE: self.stage}

    # --- physical names --------------------------------------------------------------------

    def prefix(self) -> str:
        return f"{self.project.name}-{self.stage}"

    def function_name(self, function: Function) -> str:
        return self.project.function_name(self.stage, function.name)

    def bucket_name(self, bucket: Resource) -> Json:
        """A project bucket's name is fixed in advance so that triggers and policies can name it
        without a Ref, which would make bucket -> permission -> function -> role -> bucket a cycle.
        Account and region keep it globally unique; 33 + 1 + 12 + 1 + 14 <= 63 characters."""
        if bucket.is_external:
            return bucket.external_name
        return sub(
            f"{shorten(f'{self.prefix()}-{kebab(bucket.name)}', 33)}-${{AWS::AccountId}}-${{AWS::Region}}"
        )

    def function_arn(self, function: Function) -> Json:
        return get_att(function.logical_id, "Arn")

    def resource(self, name: str) -> Resource:
        return self.project.resources[name]
