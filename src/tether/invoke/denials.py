"""Calls a function's role did not allow, found in a failed invocation (its error, or a log line
with a traceback), and what to change so it does.

The local cloud refuses a function's call as AWS does (`tether.localcloud.authorize`), with AWS's
message: `User: <session> is not authorized to perform: <action> on resource: <arn> because no
identity-based policy allows the <action> action`. When analysis could see the call, the role
already allows it; so a refusal means the call was hidden from the analysis (a name built at run
time, a resource outside the project...). The hint names the project's line that made the call
and the operation to declare, on the project's resource whose ARN the refused one is (or is an
object, index or stream of).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tether.errors import TetherError
from tether.invoke.frames import frames_in

if TYPE_CHECKING:
    from tether.invoke.target import Deployed

_DENIED = re.compile(
    r"is not authorized to perform: (?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+) "
    r'on resource: "?(?P<resource>[^"\s]+)"?'
)


@dataclass(frozen=True)
class Denial:
    function: str
    action: str  # "s3:GetObject"
    arn: str  # the refused resource, as the error names it
    resource: str | None  # the project's resource it belongs to, if any
    where: str | None  # "app/handler.py:12", the innermost project frame
    declared: bool  # the project file already declares this operation

    def hint(self, project_file: str) -> str:
        at = f"{self.where}: " if self.where else ""
        refused = f"{at}{self.function} may not {self.action} on {self.arn}"
        if self.declared:
            return (
                f"{refused}: {project_file} declares it, but the stage runs an older role; "
                "deploy again (`tether deploy`)"
            )
        if self.resource is not None:
            return (
                f"{refused}: {self._declare(self.resource, project_file)}, or make the call "
                "visible to the analysis"
            )
        return (
            f"{refused}, which is not one of the project's resources: add it to {project_file} "
            f'as an external resource (`external: "{_base(self.arn)}"`), then '
            f"{self._declare('<its name>', project_file)}"
        )

    def _declare(self, resource: str, project_file: str) -> str:
        operation = "{resource: " + resource + ", actions: [" + self.action + "]}"
        return f"declare `operations: [{operation}]` under {self.function} in {project_file}"


def refused(text: str) -> bool:
    """Whether `text` (an error message, a traceback, a log event) names a refused call: only
    then is the deployed stage needed to say more (`denials`)."""
    return "is not authorized to perform" in text


def denials(deployed: Deployed, function: str, text: str) -> list[Denial]:
    """The refused calls named in `text` (an error message, a traceback, a log event)."""
    found: list[Denial] = []
    if not refused(text):
        return found
    traceback = text.replace("\r", "\n")
    frames = frames_in(deployed.project.root, traceback)
    where = f"{frames[-1]['file']}:{frames[-1]['line']}" if frames else None
    for match in _DENIED.finditer(traceback):
        service, _, name = match["action"].partition(":")
        action = f"{service.lower()}:{name}"
        arn = match["resource"]
        resource = _owner(deployed, arn)
        declared = resource is not None and any(
            resource == op.resource and action in op.actions
            for op in deployed.function(function).operations
        )
        denial = Denial(function, action, arn, resource, where, declared)
        if denial not in found:
            found.append(denial)
    return found


def payload_text(result: Any) -> str:
    """The text of a failed invocation's error payload (message and stack trace)."""
    if not isinstance(result, dict):
        return str(result or "")
    trace = result.get("stackTrace") or []
    lines = "".join(str(line) for line in trace) if isinstance(trace, list) else ""
    return f"{result.get('errorMessage', '')}\n{lines}"


def _owner(deployed: Deployed, arn: str) -> str | None:
    """The project resource whose ARN `arn` is, or is under (an object, index or stream)."""
    for name, resource in deployed.project.resources.items():
        if not resource.scopes:
            continue
        own: str | None
        try:
            own = deployed.output(name, "Arn")
        except TetherError:
            own = resource.external
        if own and (arn == own or arn.startswith(own + "/")):
            return name
    return None


def _base(arn: str) -> str:
    """An object's bucket, an index's or stream's table: the ARN a project resource would have."""
    if arn.startswith("arn:aws:s3:::"):
        return arn.split("/", 1)[0]
    if ":dynamodb:" in arn and "/" in arn:
        return "/".join(arn.split("/")[:2])
    return arn
