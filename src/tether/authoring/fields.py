"""The settings an authoring action takes, described once for forms and the command line.

Each resource kind, trigger kind and function has a list of Fields: the tether.yaml key, how to
enter it (an int, a choice...), whether it is required and its default. The IDE draws its forms
from them; the CLI reads `key=value` words through `parse`; actions write only what differs from
the default, so the file stays as short as a hand-written one. The loader stays the judge of
what is valid: fields only shape input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tether.authoring.edits import AuthoringError
from tether.model.loader import S3_EVENTS, STARTING_POSITIONS, STREAM_VIEWS
from tether.model.project import (
    RESOURCE_TYPES,
    TRIGGER_TYPES,
    Bucket,
    HttpApi,
    Queue,
    Resource,
    Schedule,
    Table,
    Topic,
)

Input = Literal["int", "text", "bool", "choice", "multi", "keys"]
RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")


@dataclass(frozen=True)
class Field:
    name: str  # the tether.yaml key
    label: str
    input: Input
    default: Any = None  # None: not written unless given
    required: bool = False
    choices: tuple[str, ...] | None = None
    help: str = ""
    inner: str | None = None  # the value is written as {inner: value} under `name`

    def yaml(self, value: Any) -> Any:
        """The value as tether.yaml holds it."""
        return {self.inner: value} if self.inner is not None and value is not None else value

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "input": self.input,
            "required": self.required,
            "default": self.default,
            "choices": list(self.choices) if self.choices is not None else None,
            "help": self.help,
        }


KIND_LABELS = {
    "s3.bucket": ("S3 bucket", "S3"),
    "dynamodb.table": ("DynamoDB table", "DDB"),
    "sns.topic": ("SNS topic", "SNS"),
    "sqs.queue": ("SQS queue", "SQS"),
    "schedule": ("Schedule", "CRON"),
    "http.api": ("HTTP API", "HTTP"),
}

RETAIN = Field(
    "retain",
    "Keep when removed",
    "bool",
    False,
    help="keep it (and its data) in the cloud when it leaves the project",
)

RESOURCE_FIELDS: dict[type[Resource], tuple[Field, ...]] = {
    Bucket: (
        Field("versioning", "Versioning", "bool", False, help="keep every version of each object"),
        RETAIN,
    ),
    Table: (
        Field(
            "key",
            "Key",
            "keys",
            {"id": "S"},
            required=True,
            help="partition key, then an optional sort key: attribute name and type (S, N or B)",
        ),
        Field(
            "stream",
            "Stream",
            "choice",
            None,
            choices=STREAM_VIEWS,
            help="record changes in a stream (needed to trigger a function on changes)",
        ),
        RETAIN,
    ),
    Topic: (RETAIN,),
    Queue: (
        Field(
            "visibility_timeout",
            "Visibility timeout (s)",
            "int",
            30,
            help="how long a received message stays hidden; at least the timeout of functions it triggers",
        ),
        Field(
            "dead_letter",
            "Dead-letter after (receives)",
            "int",
            None,
            help="move a message that was received this many times without being deleted to a "
            "dead-letter queue (kept 14 days); empty: retry until it expires",
            inner="after",
        ),
        RETAIN,
    ),
    Schedule: (
        Field(
            "expression",
            "Expression",
            "text",
            "rate(1 day)",
            required=True,
            help="rate(5 minutes), rate(1 day) or cron(0 3 * * ? *) (UTC)",
        ),
    ),
    HttpApi: (),
}

TRIGGER_FIELDS: dict[str, tuple[Field, ...]] = {
    "s3": (
        Field(
            "events",
            "Events",
            "multi",
            ["created"],
            choices=S3_EVENTS,
            help="which object events invoke the function",
        ),
        Field(
            "prefix",
            "Key prefix",
            "text",
            "",
            help="only keys that start with this, e.g. incoming/",
        ),
        Field("suffix", "Key suffix", "text", "", help="only keys that end with this, e.g. .jpg"),
    ),
    "sns": (),
    "sqs": (
        Field("batch_size", "Batch size", "int", 10, help="messages per invocation (1 to 10,000)"),
        Field(
            "batch_window",
            "Batch window (s)",
            "int",
            0,
            help="wait up to this long to fill a batch",
        ),
    ),
    "dynamodb-stream": (
        Field(
            "starting_position",
            "Starting position",
            "choice",
            "latest",
            choices=STARTING_POSITIONS,
            help="latest: changes from now on; trim_horizon: every change still in the stream",
        ),
        Field("batch_size", "Batch size", "int", 100, help="records per invocation"),
        Field(
            "batch_window",
            "Batch window (s)",
            "int",
            0,
            help="wait up to this long to fill a batch",
        ),
    ),
    "schedule": (),
    "http": (
        Field(
            "route",
            "Route",
            "text",
            "GET /",
            required=True,
            help="METHOD /path, e.g. GET /orders/{id}, ANY /files/{proxy+} or $default",
        ),
    ),
}

FUNCTION_FIELDS: tuple[Field, ...] = (
    Field("memory", "Memory (MB)", "int", None, help="128 to 10,240; CPU grows with it"),
    Field("timeout", "Timeout (s)", "int", None, help="1 to 900 (30 at most behind an HTTP API)"),
    Field(
        "runtime",
        "Runtime",
        "choice",
        None,
        choices=RUNTIMES,
        help="the project's runtime when unset",
    ),
    Field("description", "Description", "text", None),
)


def resource_class(type_name: str) -> type[Resource]:
    cls = RESOURCE_TYPES.get(type_name)
    if cls is None:
        raise AuthoringError(
            f"unknown resource type {type_name!r}",
            hint="one of: " + ", ".join(RESOURCE_TYPES),
            field="type",
        )
    return cls


def trigger_kind(cls: type[Resource]) -> str:
    return TRIGGER_TYPES[cls].kind


def parse(words: Sequence[str], fields: Sequence[Field], *, what: str) -> dict[str, Any]:
    """`key=value` words from the command line, typed by `fields` (JSON or YAML-ish flow values
    are accepted where a field takes several: events=created,removed or key=id:S,sk:N)."""
    known = {f.name: f for f in fields}
    settings: dict[str, Any] = {}
    for word in words:
        key, sep, raw = word.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AuthoringError(
                f"{word!r} is not a setting", hint="write settings as key=value, e.g. memory=512"
            )
        field = known.get(key)
        if field is None:
            takes = ", ".join(known) or "no settings"
            raise AuthoringError(
                f"{what} has no setting {key!r}", hint=f"it takes: {takes}", field=key
            )
        settings[key] = _typed(field, raw.strip())
    return settings


def _typed(field: Field, raw: str) -> Any:
    if field.input == "int":
        try:
            return int(raw)
        except ValueError:
            raise AuthoringError(
                f"{field.name} must be a whole number, not {raw!r}",
                hint=f"e.g. {field.name}=30",
                field=field.name,
            ) from None
    if field.input == "bool":
        if raw.lower() in ("true", "yes", "1", "on"):
            return True
        if raw.lower() in ("false", "no", "0", "off"):
            return False
        raise AuthoringError(f"{field.name} must be true or false, not {raw!r}", field=field.name)
    if field.input == "multi":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if field.input == "keys":
        if raw.startswith("{"):
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            if isinstance(value, dict):
                return value
        pairs = [part.partition(":") for part in raw.split(",") if part.strip()]
        if not pairs or any(not name or not kind for name, _, kind in pairs):
            raise AuthoringError(
                f"{field.name} must name attributes and their types, not {raw!r}",
                hint=f"e.g. {field.name}=id:S or {field.name}=pk:S,sk:N",
                field=field.name,
            )
        return {name.strip(): kind.strip() for name, _, kind in pairs}
    return raw


def written(settings: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """The settings worth writing: known ones that differ from their default (required ones
    always), in the fields' order."""
    known = {f.name: f for f in fields}
    unknown = [key for key in settings if key not in known]
    if unknown:
        takes = ", ".join(known) or "no settings"
        raise AuthoringError(
            f"unknown setting {unknown[0]!r}", hint=f"it takes: {takes}", field=unknown[0]
        )
    result: dict[str, Any] = {}
    for field in fields:
        if field.name not in settings:
            if field.required and field.default is not None:
                result[field.name] = field.default
            continue
        value = settings[field.name]
        if value is None or (value == "" and not field.required):
            continue
        if value == field.default and not field.required:
            continue
        result[field.name] = field.yaml(value)
    return result
