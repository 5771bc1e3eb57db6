"""The project model: inert, frozen data loaded from tether.yaml and the function code.

Every later stage (analysis, synth, build, deploy) reads these objects and never changes them.
Resource and trigger kinds are classes, so other layers dispatch on type with a dict, and a test
can check that each kind has a handler everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from tether.errors import Problem
from tether.model import naming
from tether.model.naming import pascal, upper_snake

StartingPosition = Literal["latest", "trim_horizon"]
Origin = Literal["declared", "code"]


@dataclass(frozen=True)
class Location:
    """Where something was written: a project-relative file, 1-based line and column."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


# --- resources ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A bucket, table, topic, queue, schedule or HTTP API, owned by the project or external."""

    type_name: ClassVar[str]
    service: ClassVar[str]  # IAM service prefix of its operations
    env_suffix: ClassVar[str | None]  # the injected variable is <NAME>_<env_suffix>
    scopes: ClassVar[frozenset[str]]  # IAM resource types an operation on it may target
    may_be_external: ClassVar[bool] = True
    logical_suffix: ClassVar[str]

    name: str
    location: Location
    external: str | None = None  # the external resource's ARN; None for a project resource
    retain: bool = False

    @property
    def is_external(self) -> bool:
        return self.external is not None

    @property
    def env_var(self) -> str | None:
        return f"{upper_snake(self.name)}_{self.env_suffix}" if self.env_suffix else None

    @property
    def logical_id(self) -> str:
        return pascal(self.name) + self.logical_suffix

    @property
    def external_name(self) -> str:
        """The last part of an external resource's ARN: a bucket, table, topic or queue name."""
        assert self.external is not None
        tail = self.external.split(":")[-1]
        return tail.split("/", 1)[1] if tail.startswith("table/") else tail


@dataclass(frozen=True, kw_only=True)
class Bucket(Resource):
    type_name: ClassVar[str] = "s3.bucket"
    service: ClassVar[str] = "s3"
    env_suffix: ClassVar[str | None] = "BUCKET"
    scopes: ClassVar[frozenset[str]] = frozenset({"bucket", "object"})
    logical_suffix: ClassVar[str] = "Bucket"

    versioning: bool = False


@dataclass(frozen=True)
class TableIndex:
    name: str
    key: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class Table(Resource):
    type_name: ClassVar[str] = "dynamodb.table"
    service: ClassVar[str] = "dynamodb"
    env_suffix: ClassVar[str | None] = "TABLE"
    scopes: ClassVar[frozenset[str]] = frozenset({"table", "index", "stream"})
    logical_suffix: ClassVar[str] = "Table"

    key: tuple[tuple[str, str], ...] = ()  # (attribute, S|N|B): partition key, then sort key
    stream: str | None = None  # keys_only | new_image | old_image | new_and_old_images
    indexes: tuple[TableIndex, ...] = ()
    stream_arn: str | None = None  # an external table's stream, for stream triggers

    @property
    def has_stream(self) -> bool:
        return bool(self.stream or self.stream_arn)


@dataclass(frozen=True, kw_only=True)
class Topic(Resource):
    type_name: ClassVar[str] = "sns.topic"
    service: ClassVar[str] = "sns"
    env_suffix: ClassVar[str | None] = "TOPIC_ARN"
    scopes: ClassVar[frozenset[str]] = frozenset({"topic"})
    logical_suffix: ClassVar[str] = "Topic"


@dataclass(frozen=True, kw_only=True)
class Queue(Resource):
    type_name: ClassVar[str] = "sqs.queue"
    service: ClassVar[str] = "sqs"
    env_suffix: ClassVar[str | None] = "QUEUE_URL"
    scopes: ClassVar[frozenset[str]] = frozenset({"queue"})
    logical_suffix: ClassVar[str] = "Queue"

    visibility_timeout: int = 30
    # `dead_letter: {after: N}`: a message received N times without being deleted moves to
    # the queue's dead-letter queue, which Tether creates with the queue (None: no DLQ).
    dead_letter_after: int | None = None


@dataclass(frozen=True, kw_only=True)
class Schedule(Resource):
    type_name: ClassVar[str] = "schedule"
    service: ClassVar[str] = "events"
    env_suffix: ClassVar[str | None] = None
    scopes: ClassVar[frozenset[str]] = frozenset()
    may_be_external: ClassVar[bool] = False
    logical_suffix: ClassVar[str] = "Schedule"

    expression: str = ""


@dataclass(frozen=True, kw_only=True)
class HttpApi(Resource):
    type_name: ClassVar[str] = "http.api"
    service: ClassVar[str] = "execute-api"
    env_suffix: ClassVar[str | None] = "URL"
    scopes: ClassVar[frozenset[str]] = frozenset()
    may_be_external: ClassVar[bool] = False
    logical_suffix: ClassVar[str] = "HttpApi"


RESOURCE_TYPES: dict[str, type[Resource]] = {
    cls.type_name: cls for cls in (Bucket, Table, Topic, Queue, Schedule, HttpApi)
}


# --- triggers and operations -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Trigger:
    """A resource invoking a function."""

    kind: ClassVar[str]
    resource: str
    location: Location

    def describe(self) -> str:
        return self.kind


@dataclass(frozen=True, kw_only=True)
class BucketTrigger(Trigger):
    kind: ClassVar[str] = "s3"
    events: tuple[str, ...] = ("created",)  # created | removed
    prefix: str = ""
    suffix: str = ""

    def describe(self) -> str:
        pattern = f" {self.prefix}*{self.suffix}" if self.prefix or self.suffix else ""
        return f"s3 {'+'.join(self.events)}{pattern}"


@dataclass(frozen=True, kw_only=True)
class TopicTrigger(Trigger):
    kind: ClassVar[str] = "sns"
    filter_policy: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True, kw_only=True)
class QueueTrigger(Trigger):
    kind: ClassVar[str] = "sqs"
    batch_size: int = 10
    batch_window: int = 0

    def describe(self) -> str:
        return f"sqs batch {self.batch_size}"


@dataclass(frozen=True, kw_only=True)
class StreamTrigger(Trigger):
    kind: ClassVar[str] = "dynamodb-stream"
    starting_position: StartingPosition = "latest"
    batch_size: int = 100
    batch_window: int = 0

    def describe(self) -> str:
        return f"dynamodb-stream from {self.starting_position}"


@dataclass(frozen=True, kw_only=True)
class ScheduleTrigger(Trigger):
    kind: ClassVar[str] = "schedule"
    input: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True, kw_only=True)
class HttpTrigger(Trigger):
    kind: ClassVar[str] = "http"
    method: str = "ANY"  # GET ... or ANY; "$default" routes have method "" and path "$default"
    path: str = "$default"

    @property
    def route(self) -> str:
        return self.path if self.path == "$default" else f"{self.method} {self.path}"

    def describe(self) -> str:
        return f"http {self.route}"


TRIGGER_TYPES: dict[type[Resource], type[Trigger]] = {
    Bucket: BucketTrigger,
    Topic: TopicTrigger,
    Queue: QueueTrigger,
    Table: StreamTrigger,
    Schedule: ScheduleTrigger,
    HttpApi: HttpTrigger,
}


@dataclass(frozen=True, kw_only=True)
class Operation:
    """A function calling a resource: IAM actions on it, from the project file or the code."""

    resource: str
    actions: tuple[str, ...]
    location: Location
    origin: Origin = "declared"  # code: found by analysis


# --- functions and the project -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Function:
    name: str
    handler: str  # "app/resize.handler"
    runtime: str
    memory: int
    timeout: int
    location: Location
    environment: tuple[tuple[str, str], ...] = ()
    triggers: tuple[Trigger, ...] = ()
    operations: tuple[Operation, ...] = ()
    description: str = ""
    # Resources whose variable the code reads without calling them (found by analysis): the
    # function gets the variable, so importing its code works, and no permission.
    reads: tuple[str, ...] = ()
    # The project's .py files the handler imports, itself included (found by analysis; None
    # before the code was analysed: then any code change may affect it).
    code_files: frozenset[str] | None = None

    @property
    def logical_id(self) -> str:
        return pascal(self.name) + "Function"

    @property
    def handler_module(self) -> str:
        """`app/resize.handler` -> `app/resize`, the handler's file path without `.py`."""
        return self.handler.rpartition(".")[0]

    @property
    def handler_function(self) -> str:
        return self.handler.rpartition(".")[2]

    def linked_resources(self) -> list[str]:
        """Resources this function is tied to by a trigger or an operation, sorted."""
        names = {t.resource for t in self.triggers} | {o.resource for o in self.operations}
        return sorted(names)

    def variable_resources(self) -> list[str]:
        """Resources whose variable the function gets: those it is tied to, and those its code
        reads without calling them. Sorted."""
        return sorted({*self.linked_resources(), *self.reads})


@dataclass(frozen=True, kw_only=True)
class Project:
    name: str
    runtime: str
    region: str
    root: Path
    file: str  # the project file, relative to root
    resources: Mapping[str, Resource]
    functions: Mapping[str, Function]
    description: str = ""
    requirements: tuple[str, ...] = ()  # requirement lines of requirements.txt, if any
    warnings: tuple[Problem, ...] = ()

    def stack_name(self, stage: str) -> str:
        return f"{self.name}-{stage}"

    def function_name(self, stage: str, function: str) -> str:
        """The deployed name of `function` on `stage` (see `naming.function_name`)."""
        return naming.function_name(self.name, stage, function)

    def used_by(self, resource: str) -> list[str]:
        """Functions tied to `resource` by a trigger or an operation, or whose code reads its
        variable (removing it would break them), sorted."""
        return sorted(f.name for f in self.functions.values() if resource in f.variable_resources())

    def affected(self, files: Iterable[str]) -> list[str]:
        """The functions whose code includes any of these project-relative files (every
        function whose code was not analysed), sorted."""
        changed = set(files)
        return sorted(
            f.name
            for f in self.functions.values()
            if f.code_files is None or f.code_files & changed
        )

    def unused(self) -> list[str]:
        """Resources no function is tied to or reads the variable of, in declared order (one
        pass over the functions: asking `used_by` per resource is quadratic)."""
        used = {name for f in self.functions.values() for name in f.variable_resources()}
        return [name for name in self.resources if name not in used]
