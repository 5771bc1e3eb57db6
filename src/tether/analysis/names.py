"""Name resolution: which Tether resource a value passed as Bucket=, TableName=, TopicArn= or
QueueUrl= names, for one function.

A value names a resource through the environment variable Tether injects (THUMBS_BUCKET), a
variable the function's `environment:` sets, the literal name, ARN or URL of an external
resource, a string built around such a literal (only when exactly one resource fits and the
literal holds its whole name), or the function's trigger event (the bucket of an S3 record, the
topic of an SNS record, the queue of an SQS record, a key of a schedule's input). Anything else
is unresolved, and a name that belongs to another service's resource is a mismatch: neither is
ever granted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tether.analysis.calls import NOUNS
from tether.analysis.values import (
    Concat,
    Const,
    Env,
    EventPath,
    Param,
    Union,
    Unknown,
    Unreached,
    Value,
    describe,
)
from tether.model import (
    Bucket,
    BucketTrigger,
    Function,
    Project,
    Queue,
    QueueTrigger,
    Resource,
    ScheduleTrigger,
    TopicTrigger,
)

RESOURCE_SUFFIXES = ("_BUCKET", "_TABLE", "_TOPIC_ARN", "_QUEUE_URL")
S3_BUCKET_PATH = ("Records", "*", "s3", "bucket", "name")
SNS_TOPIC_PATH = ("Records", "*", "Sns", "TopicArn")
SQS_QUEUE_PATH = ("Records", "*", "eventSourceARN")
_PIN_EDGE = r"(?:^|[^A-Za-z0-9_.-]|$)"
# ARNs a call may be given that name no kind of resource Tether manages, and what calling one
# does ("*" stands for the parts of a string built at run time).
UNMANAGED_ARNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "sns": (
        (re.compile(r"arn:[^:]+:sns:[^:]*:[^:]*:endpoint/"), "publishes to a mobile push endpoint"),
    ),
}


KINDS = {
    "s3.bucket": "bucket",
    "dynamodb.table": "table",
    "sns.topic": "topic",
    "sqs.queue": "queue",
    "schedule": "schedule",
    "http.api": "HTTP API",
}


def label(resource: Resource) -> str:
    """`bucket 'thumbs'`: a resource in the user's words."""
    return f"{KINDS.get(resource.type_name, resource.type_name)} '{resource.name}'"


def article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeios" else f"a {word}"


@dataclass(frozen=True)
class Outcome:
    """One way a value names (or fails to name) a resource.

    kind: "resource" (granted), "unresolved" (a warning), "mismatch" (an error: another
    service's resource), "missing-env" (an error: a variable nobody sets), "unmanaged" (a
    warning: something that is not a resource, such as a mobile push endpoint), "ignore".
    """

    kind: str
    resource: str = ""
    why: str = ""
    via: str = ""
    var: str = ""


class Names:
    """The project's resources indexed by what code can call them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.by_env: dict[str, Resource] = {}
        self.literals: dict[str, list[tuple[str, Resource]]] = {}  # service -> (text, resource)
        # Variables some function's `environment:` sets.
        self.configured = {k for f in project.functions.values() for k, _ in f.environment}
        for resource in project.resources.values():
            if resource.env_var:
                self.by_env[resource.env_var] = resource
            for text in _literals(resource):
                self.literals.setdefault(resource.service, []).append((text, resource))

    def of_service(self, service: str) -> list[Resource]:
        return [r for r in self.project.resources.values() if r.service == service]

    def env_vars(self, function: Function) -> list[str]:
        return sorted({*self.by_env, *(k for k, _ in function.environment)})

    def suggest_env(self, var: str, function: Function) -> str:
        known = self.env_vars(function)
        close = difflib.get_close_matches(var, known, n=1, cutoff=0.6)
        if close:
            resource = self.by_env.get(close[0])
            what = f" ({label(resource)})" if resource else ""
            return f"did you mean {close[0]}{what}? "
        return ""

    # --- resolving ----------------------------------------------------------------------------

    def resolve(self, value: Value, service: str, function: Function) -> list[Outcome]:
        found: list[Outcome] = []
        for option in value.options if isinstance(value, Union) else (value,):
            found.extend(self._one(option, service, function))
        return found

    def _one(self, value: Value, service: str, function: Function) -> list[Outcome]:
        if isinstance(value, Unreached):
            return [Outcome("ignore")]
        if isinstance(value, Const):
            if isinstance(value.value, str):
                return [self._literal(value.value, service, f"{value.value!r}")]
            return [Outcome("ignore")]  # None: a call that fails at run time, not a grant
        if isinstance(value, Env):
            return self._env(value, service, function)
        if isinstance(value, Concat):
            return [self._pattern(value, service)]
        if isinstance(value, EventPath):
            return self._event(value, service, function)
        if isinstance(value, Unknown):
            return [Outcome("unresolved", why=value.why or "it is computed at run time")]
        if isinstance(value, Param):
            return [Outcome("unresolved", why=f"it comes from {describe(value)}")]
        return [Outcome("unresolved", why="it is computed at run time")]

    def _env(self, value: Env, service: str, function: Function) -> list[Outcome]:
        if not (isinstance(value.name, Const) and isinstance(value.name.value, str)):
            return [Outcome("unresolved", why="the environment variable's name is computed")]
        var = value.name.value
        via = f"os.environ[{var!r}]"
        resource = self.by_env.get(var)
        if resource is not None:
            if resource.service != service:
                return [Outcome("mismatch", resource.name, via=via, var=var)]
            return [Outcome("resource", resource.name, via=via)]
        configured = dict(function.environment)
        if var in configured:
            outcome = self._literal(configured[var], service, f"{var}={configured[var]!r}")
            return [outcome]
        if value.default is not None:
            return self.resolve(value.default, service, function)
        return [Outcome("missing-env", via=via, var=var)]

    def _literal(self, text: str, service: str, via: str) -> Outcome:
        unmanaged = _unmanaged(text, service, via)
        if unmanaged is not None:
            return unmanaged
        for literal, resource in self.literals.get(service, []):
            if literal == text:
                return Outcome("resource", resource.name, via=via)
        for other, entries in self.literals.items():
            for literal, resource in entries:
                if literal != text or other == service:
                    continue
                if text.startswith(("arn:", "https://")):
                    # An ARN or URL says which service it belongs to: calling it is a mistake.
                    return Outcome("mismatch", resource.name, via=via)
                return Outcome(
                    "unresolved",
                    why=f"{text!r} is not a {NOUNS[service]} of the project (it is the name of "
                    f"{label(resource)})",
                )
        project_named = [
            r for r in self.of_service(service) if r.name == text and not r.is_external
        ]
        if project_named:
            resource = project_named[0]
            return Outcome(
                "unresolved",
                why=f"{text!r} is the resource's name in tether.yaml, not its name in AWS; "
                f"read os.environ[{resource.env_var!r}] instead",
            )
        return Outcome("unresolved", why=f"{text!r} is not a resource of the project")

    def _pattern(self, value: Concat, service: str) -> Outcome:
        """A string built from parts: resolved only when exactly one resource fits and a
        literal part holds that resource's whole name."""
        regex = "".join(
            re.escape(p.value) if isinstance(p, Const) and isinstance(p.value, str) else ".*"
            for p in value.parts
        )
        literal = " ".join(
            p.value for p in value.parts if isinstance(p, Const) and isinstance(p.value, str)
        )
        matches = {
            resource.name: resource
            for text, resource in self.literals.get(service, [])
            if re.fullmatch(regex, text, flags=re.DOTALL)
        }
        shown = describe(value)
        unmanaged = _unmanaged(
            "".join(
                p.value if isinstance(p, Const) and isinstance(p.value, str) else "*"
                for p in value.parts
            ),
            service,
            shown,
        )
        if unmanaged is not None:
            return unmanaged
        if len(matches) == 1:
            resource = next(iter(matches.values()))
            name = resource.external_name if resource.is_external else resource.name
            if re.search(_PIN_EDGE + re.escape(name) + _PIN_EDGE, literal):
                return Outcome("resource", resource.name, via=shown)
        if len(matches) > 1:
            names = ", ".join(sorted(matches))
            return Outcome("unresolved", why=f"{shown} may name any of: {names}")
        return Outcome("unresolved", why=f"{shown} is built at run time")

    def _event(self, value: EventPath, service: str, function: Function) -> list[Outcome]:
        path = value.path
        shown = describe(value)
        triggers: list[str] = []
        expected = ""
        if path == S3_BUCKET_PATH:
            expected = "s3"
            triggers = [t.resource for t in function.triggers if isinstance(t, BucketTrigger)]
            source = "an S3 event"
        elif path == SNS_TOPIC_PATH:
            expected = "sns"
            triggers = [t.resource for t in function.triggers if isinstance(t, TopicTrigger)]
            source = "an SNS event"
        elif path == SQS_QUEUE_PATH and service == "sqs":
            expected = "sqs"
            triggers = [t.resource for t in function.triggers if isinstance(t, QueueTrigger)]
            source = "an SQS event"
        else:
            return self._schedule_input(value, service, function)
        if not triggers:
            return [
                Outcome(
                    "unresolved",
                    why=f"it comes from {source} ({shown}), but the function has no such trigger",
                )
            ]
        if expected != service:
            return [Outcome("mismatch", name, via=shown) for name in triggers]
        return [Outcome("resource", name, via=f"{source} ({shown})") for name in triggers]

    def _schedule_input(self, value: EventPath, service: str, function: Function) -> list[Outcome]:
        shown = describe(value)
        unresolved = Outcome("unresolved", why=f"it comes from the event ({shown})")
        schedules = [t for t in function.triggers if isinstance(t, ScheduleTrigger)]
        if not schedules or not value.path or any(p in ("*", "?") for p in value.path):
            return [unresolved]
        found: list[Outcome] = []
        for trigger in schedules:
            item: Any = trigger.input
            for key in value.path:
                item = item.get(key) if isinstance(item, Mapping) else None
            if not isinstance(item, str):
                return [unresolved]
            found.append(self._literal(item, service, f"{shown} = {item!r} (schedule input)"))
        return found


def _unmanaged(text: str, service: str, via: str) -> Outcome | None:
    for pattern, what in UNMANAGED_ARNS.get(service, ()):
        if pattern.match(text):
            return Outcome("unmanaged", why=f"{what} ({via})")
    return None


def _literals(resource: Resource) -> Iterable[str]:
    """The strings code may use for an external resource: its ARN, name, and queue URL."""
    if not resource.is_external or resource.external is None:
        return ()
    texts = {resource.external, resource.external_name}
    if isinstance(resource, Queue):
        parts = resource.external.split(":")
        if len(parts) == 6:
            texts.add(f"https://sqs.{parts[3]}.amazonaws.com/{parts[4]}/{parts[5]}")
    if isinstance(resource, Bucket):
        texts.add(resource.external_name)
    return sorted(texts)


def resource_like(var: str) -> bool:
    """A variable named like the ones Tether injects for buckets, tables, topics and queues."""
    return var.endswith(RESOURCE_SUFFIXES)
