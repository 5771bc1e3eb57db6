"""`tether permissions FN`: a function's role policy, each statement with the code (or the line
of tether.yaml) that needs it. Also used by plans to say which lines caused a new permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether.model import Project, iam
from tether.model.naming import pascal
from tether.synth import FAMILIES
from tether.synth.functions import Grant, grants
from tether.synth.template import Context


@dataclass(frozen=True)
class ExplainedGrant:
    grant: Grant
    sources: tuple[str, ...]  # "app/resize.py:64 (code) s3:PutObject", "tether.yaml:27 (trigger)"

    def sources_of(self, action: str) -> list[str]:
        """The places that need `action` (a trigger or the logs rule needs all of them)."""
        return [s for s in self.sources if s.endswith(f" {action}") or not s.split()[-1].count(":")]

    def as_json(self) -> dict[str, Any]:
        return {
            "statement": self.grant.statement(),
            "grants": self.grant.describe(),
            "sources": list(self.sources),
        }


def explain(
    project: Project, function: str, *, stage: str = "dev", target: str = "local"
) -> list[ExplainedGrant]:
    fn = project.functions[function]
    ctx = Context(project=project, stage=stage, target=target)
    result = []
    for grant in grants(ctx, fn, f"{pascal(fn.name)}LogGroup", FAMILIES):
        sources: list[str] = []
        if grant.sid == "OwnLogs":
            sources.append("every function may write to its own log group")
        for trigger in fn.triggers:
            if grant.sid == f"{pascal(trigger.resource)}Trigger":
                sources.append(f"{trigger.location} (trigger)")
        for operation in fn.operations:
            resource = project.resources[operation.resource]
            for action in operation.actions:
                scopes = set(iam.resource_types(action) or ()) & resource.scopes
                if action in grant.actions and any(
                    grant.sid == f"{pascal(resource.name)}{pascal(s)}" for s in scopes
                ):
                    sources.append(f"{operation.location} ({operation.origin}) {action}")
        result.append(ExplainedGrant(grant, tuple(dict.fromkeys(sources))))
    return result


def sources_by_grant(project: Project, function: str) -> dict[str, list[str]]:
    """Grant line ("s3:PutObject on objects in bucket thumbs") -> the places that need it."""
    lines: dict[str, list[str]] = {}
    if function not in project.functions:
        return lines
    for explained in explain(project, function):
        for line in explained.grant.describe():
            action = line.split(" ", 1)[0]
            lines[line] = [
                s for s in explained.sources if s.endswith(action) or "(" not in s or "trigger" in s
            ]
    return lines
