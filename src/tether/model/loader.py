"""Load stage of the pipeline: tether.yaml (+ handler code) -> Project, or every problem at once.

The loader never stops at the first mistake: it reads as much as it can, records a Problem with
file, line, column, message and fix hint for each thing wrong, and raises ProjectError with all of
them at the end. Nothing here runs user code; handlers are checked by parsing them.

An optional overlay (project-relative path -> text) stands in for files on disk: the IDE checks
the text in its editor before it is saved. Without one, only the disk is read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tether.errors import Problem, ProjectError, Severity
from tether.model import iam, limits, rules
from tether.model.naming import upper_snake
from tether.model.project import (
    RESOURCE_TYPES,
    TRIGGER_TYPES,
    Bucket,
    BucketTrigger,
    Function,
    HttpApi,
    HttpTrigger,
    Location,
    Operation,
    Project,
    Queue,
    QueueTrigger,
    Resource,
    Schedule,
    ScheduleTrigger,
    StreamTrigger,
    Table,
    TableIndex,
    Topic,
    TopicTrigger,
    Trigger,
)
from tether.model.yamlfile import (
    MAX_FILE_BYTES,
    Pos,
    YamlSyntaxError,
    describe,
    item_pos,
    key_pos,
    parse,
    plain,
    value_pos,
)

PROJECT_FILE = "tether.yaml"

TOP_KEYS = ("name", "runtime", "region", "description", "resources", "functions")
COMMON_RESOURCE_KEYS = ("type", "external", "retain")
PROJECT_RESOURCE_KEYS: dict[type[Resource], tuple[str, ...]] = {
    Bucket: ("versioning",),
    Table: ("key", "stream", "indexes"),
    Topic: (),
    Queue: ("visibility_timeout", "dead_letter"),
    Schedule: ("expression",),
    HttpApi: (),
}
# An external table's `key` is optional: it shapes its empty stand-in on the local cloud.
EXTERNAL_RESOURCE_KEYS: dict[type[Resource], tuple[str, ...]] = {Table: ("stream_arn", "key")}
FUNCTION_KEYS = (
    "handler",
    "runtime",
    "memory",
    "timeout",
    "environment",
    "triggers",
    "operations",
    "description",
)
TRIGGER_KEYS: dict[type[Trigger], tuple[str, ...]] = {
    BucketTrigger: ("events", "prefix", "suffix"),
    TopicTrigger: ("filter",),
    QueueTrigger: ("batch_size", "batch_window"),
    StreamTrigger: ("starting_position", "batch_size", "batch_window"),
    ScheduleTrigger: ("input",),
    HttpTrigger: ("route",),
}
OPERATION_KEYS = ("resource", "actions")
STREAM_VIEWS = ("keys_only", "new_image", "old_image", "new_and_old_images")
KEY_TYPES = ("S", "N", "B")
S3_EVENTS = ("created", "removed")
HTTP_TIMEOUT_LIMIT = 30  # API Gateway HTTP APIs give up on an integration after 30 s
STARTING_POSITIONS = ("latest", "trim_horizon")
DATA_RESOURCES = (Bucket, Table, Queue, Topic)
_ACTION = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9*?]+)$")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_QUEUE_URL = re.compile(r"^https://sqs\.([a-z0-9-]+)\.amazonaws\.com/(\d{12})/([A-Za-z0-9_.-]+)$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _suggest(word: str, choices: Iterable[str]) -> str:
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else ""


def load_project(path: Path | str, *, overlay: Mapping[str, str] | None = None) -> Project:
    """Load the project at `path` (its directory or its tether.yaml); raise ProjectError.
    `overlay` maps project-relative paths to texts read instead of those files."""
    path = Path(path)
    root, file = (path.parent, path.name) if path.is_file() else (path, PROJECT_FILE)
    loader = _Loader(root=root.resolve(), file=file, overlay=overlay or {})
    project = loader.load()
    if project is None or any(p.severity == "error" for p in loader.problems):
        raise ProjectError(loader.problems)
    return project


@dataclass
class _Loader:
    root: Path
    file: str
    problems: list[Problem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # declared resources that could not be read
    overlay: Mapping[str, str] = field(default_factory=dict)  # unsaved texts, by relative path

    # --- reporting -------------------------------------------------------------------------

    def report(
        self,
        pos: Pos,
        message: str,
        hint: str = "",
        *,
        file: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(Problem(file or self.file, pos[0], pos[1], severity, message, hint))

    def loc(self, pos: Pos) -> Location:
        return Location(self.file, pos[0], pos[1])

    def requirements(self) -> tuple[str, ...]:
        """The requirement lines of requirements.txt (comments and blank lines dropped); a file
        that is not UTF-8 (as pip reads it; a byte-order mark is fine) is a problem."""
        path = self.root / "requirements.txt"
        if "requirements.txt" in self.overlay:
            raw = self.overlay["requirements.txt"].encode("utf-8")
        elif not path.is_file():
            return ()
        else:
            raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            self.report(
                (raw.count(b"\n", 0, exc.start) + 1, exc.start - line_start + 1),
                f"requirements.txt is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read",
                "save it as UTF-8, as pip reads it (UTF-16, as PowerShell's `>` writes it, is not)",
                file="requirements.txt",
            )
            return ()
        lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
        return tuple(line for line in lines if line)

    # --- typed access to mapping entries ---------------------------------------------------

    def check_keys(
        self,
        node: dict[Any, Any],
        allowed: Iterable[str],
        where: str,
        at: Pos,
        explain: Callable[[str], tuple[str, str] | None] = lambda key: None,
    ) -> None:
        allowed = tuple(allowed)
        for key in node:
            if key in allowed:
                continue
            pos = key_pos(node, key, at)
            known = explain(str(key))
            if known is not None:
                self.report(pos, *known)
                continue
            guess = _suggest(str(key), allowed)
            hint = f"did you mean '{guess}'? " if guess else ""
            self.report(
                pos,
                f"unknown key '{key}' in {where}",
                hint + f"valid keys: {', '.join(allowed)}",
            )

    def require(self, node: dict[Any, Any], key: str, where: str, at: Pos, example: str) -> bool:
        if key in node:
            return True
        self.report(at, f"{where} is missing '{key}'", f"add it, e.g. {example}")
        return False

    def wrong_type(
        self, node: dict[Any, Any], key: str, where: str, at: Pos, expected: str, example: str
    ) -> None:
        self.report(
            value_pos(node, key, at),
            f"'{key}' of {where} must be {expected}, not {describe(node[key])}",
            f"write it as {example}",
        )

    def text(
        self,
        node: dict[Any, Any],
        key: str,
        where: str,
        at: Pos,
        *,
        example: str,
        default: str = "",
        required: bool = False,
    ) -> str:
        value = node.get(key)
        if key not in node:
            return default
        if not isinstance(value, str):
            self.wrong_type(node, key, where, at, "text", example)
            return default
        if not value and (default or required):
            self.report(
                value_pos(node, key, at), f"'{key}' of {where} is empty", f"write it as {example}"
            )
            return default
        return str(value)

    def integer(
        self,
        node: dict[Any, Any],
        key: str,
        where: str,
        at: Pos,
        *,
        low: int,
        high: int,
        default: int,
        unit: str,
    ) -> int:
        if key not in node:
            return default
        value = node[key]
        if not _is_int(value):
            self.wrong_type(node, key, where, at, f"a whole number of {unit}", f"{key}: {default}")
            return default
        if not low <= value <= high:
            self.report(
                value_pos(node, key, at),
                f"'{key}' of {where} must be between {low} and {high} {unit}, not {value}",
                f"pick a value in {low}..{high}",
            )
            return default
        return int(value)

    def boolean(self, node: dict[Any, Any], key: str, where: str, at: Pos) -> bool:
        if key not in node:
            return False
        if not isinstance(node[key], bool):
            self.wrong_type(node, key, where, at, "true or false", f"{key}: true")
            return False
        return bool(node[key])

    def choice(
        self,
        node: dict[Any, Any],
        key: str,
        where: str,
        at: Pos,
        choices: tuple[str, ...],
        default: str | None,
    ) -> str | None:
        if key not in node:
            return default
        value = node[key]
        if value not in choices:
            guess = _suggest(str(value), choices) if isinstance(value, str) else ""
            self.report(
                value_pos(node, key, at),
                f"'{key}' of {where} must be one of {', '.join(choices)}, not {describe(value)}",
                f"did you mean '{guess}'?" if guess else f"e.g. {key}: {choices[-1]}",
            )
            return default
        return str(value)

    def mapping(
        self, node: dict[Any, Any], key: str, where: str, at: Pos, example: str
    ) -> dict[Any, Any] | None:
        value = node.get(key)
        if value is None and key in node:
            return {}
        if key not in node:
            return None
        if not isinstance(value, dict):
            self.wrong_type(node, key, where, at, "a mapping", example)
            return None
        return value

    def sequence(
        self, node: dict[Any, Any], key: str, where: str, at: Pos, example: str
    ) -> list[Any]:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(node, key, where, at, "a list", example)
            return []
        return value

    # --- the project ------------------------------------------------------------------------

    def load(self) -> Project | None:
        path = self.root / self.file
        try:
            unsaved = self.overlay.get(self.file)
            size = path.stat().st_size if unsaved is None else len(unsaved.encode("utf-8"))
            if size > MAX_FILE_BYTES:
                self.report(
                    (1, 1),
                    f"{self.file} is {size / (1024 * 1024):.1f} MB; a project file may be at most "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                    "a project file holds settings, not data: a real one is a few KB. Keep "
                    "large values (schedule inputs, test events) in other files",
                )
                return None
            text = path.read_text(encoding="utf-8") if unsaved is None else unsaved
        except FileNotFoundError:
            self.report(
                (1, 1),
                f"{self.file} not found in {self.root.name or self.root}",
                "run `tether init NAME` to start a project",
            )
            return None
        except UnicodeDecodeError as exc:
            line = bytes(exc.object[: exc.start]).count(b"\n") + 1
            self.report(
                (line, 1),
                f"{self.file} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                "save the file as UTF-8",
            )
            return None
        except OSError as exc:
            self.report(
                (1, 1),
                f"cannot read {self.file}: {exc.strerror or exc}",
                "check that the file is readable (its permissions, or that it is a file)",
            )
            return None
        try:
            doc = parse(text)
        except YamlSyntaxError as exc:
            self.report(exc.pos, exc.message, exc.hint)
            return None
        if not isinstance(doc, dict):
            self.report(
                (1, 1),
                f"{self.file} must be a mapping of settings, not {describe(doc)}",
                "start with `name: myapp`, then `resources:` and `functions:`",
            )
            return None
        top = (1, 1)
        self.check_keys(doc, TOP_KEYS, "the project file", top)
        name = ""
        if self.require(doc, "name", "the project file", top, "name: myapp"):
            name = self.text(doc, "name", "the project", top, example="name: myapp", required=True)
            self.rule(rules.project_name(name) if name else None, value_pos(doc, "name", top))
        runtime = (
            self.choice(doc, "runtime", "the project", top, rules.RUNTIMES, "python3.12")
            or "python3.12"
        )
        region = self.text(
            doc, "region", "the project", top, example="region: us-east-1", default="us-east-1"
        )
        self.rule(rules.region(region), value_pos(doc, "region", top))
        description = self.text(
            doc, "description", "the project", top, example="description: Photo app"
        )
        resources = self.read_resources(doc)
        functions = self.read_functions(doc, resources, runtime)
        self.check_collisions("resource", doc.get("resources"), list(resources))
        self.check_collisions("function", doc.get("functions"), list(functions))
        self.check_routes(functions)
        self.check_bucket_overlaps(functions)
        project = Project(
            name=name,
            runtime=runtime,
            region=region,
            root=self.root,
            file=self.file,
            resources=resources,
            functions=functions,
            description=description,
            requirements=self.requirements(),
        )
        if not any(p.severity == "error" for p in self.problems):
            # only a valid project has a footprint worth counting
            at = key_pos(doc, "functions", top) if "functions" in doc else top
            self.problems.extend(limits.limit_problems(project, self.loc(at)))
        if not any(p.severity == "error" for p in self.problems):
            self.problems.extend(unused_warnings(project))
        warnings = tuple(sorted(p for p in self.problems if p.severity == "warning"))
        return replace(project, warnings=warnings)

    def rule(self, finding: rules.Finding, pos: Pos) -> bool:
        if finding is None:
            return True
        self.report(pos, *finding)
        return False

    def entity_name(self, kind: str, name: Any, at: Pos) -> bool:
        finding = rules.entity_name(kind, name if isinstance(name, str) else "")
        if finding is not None and not isinstance(name, str):
            # YAML reads `123:` or `true:` as a number or a boolean, not as a name
            finding = (f"invalid {kind} name: {describe(name)}", finding[1])
        return self.rule(finding, at)

    # --- resources -------------------------------------------------------------------------

    def read_resources(self, doc: dict[Any, Any]) -> dict[str, Resource]:
        node = (
            self.mapping(
                doc, "resources", "the project", (1, 1), "resources: {photos: {type: s3.bucket}}"
            )
            or {}
        )
        resources: dict[str, Resource] = {}
        for name, spec in node.items():
            at = key_pos(node, name, (1, 1))
            if not self.entity_name("resource", name, at):
                self.broken.add(str(name))
                continue
            resource = self.read_resource(name, spec, at, node)
            if resource is not None:
                resources[name] = resource
            else:
                self.broken.add(name)
        return resources

    def read_resource(
        self, name: str, spec: Any, at: Pos, parent: dict[Any, Any]
    ) -> Resource | None:
        where = f"resource '{name}'"
        if not isinstance(spec, dict):
            self.report(
                value_pos(parent, name, at),
                f"{where} must be a mapping, not {describe(spec)}",
                f"e.g. {name}: {{type: s3.bucket}}",
            )
            return None
        if not self.require(spec, "type", where, at, f"{name}: {{type: s3.bucket}}"):
            return None
        type_name = spec["type"]
        cls = RESOURCE_TYPES.get(type_name) if isinstance(type_name, str) else None
        if cls is None:
            guess = _suggest(str(type_name), RESOURCE_TYPES)
            self.report(
                value_pos(spec, "type", at),
                f"unknown resource type {type_name!r} for {where}"
                if isinstance(type_name, str)
                else f"'type' of {where} must be a resource type, not {describe(type_name)}",
                (f"did you mean '{guess}'? " if guess else "")
                + f"types: {', '.join(RESOURCE_TYPES)}",
            )
            return None
        external = self.read_external(cls, spec, where, at)
        # a bad 'external' is reported; check the rest as the external resource it was meant to be
        is_external = external is not None or ("external" in spec and cls.may_be_external)
        allowed = COMMON_RESOURCE_KEYS + (
            EXTERNAL_RESOURCE_KEYS.get(cls, ()) if is_external else PROJECT_RESOURCE_KEYS[cls]
        )
        self.check_keys(
            spec, allowed, where, at, lambda key: self.explain_resource_key(cls, key, is_external)
        )
        retain = self.boolean(spec, "retain", where, at)
        if retain and (is_external or cls not in DATA_RESOURCES):
            self.report(
                key_pos(spec, "retain", at),
                f"'retain' does not apply to {where}",
                "retain keeps a removed project bucket, table, queue or topic in the account; "
                "external resources are never deleted anyway",
            )
        if is_external and external is None:
            return None
        location = self.loc(at)
        common: dict[str, Any] = {
            "name": name,
            "location": location,
            "external": external,
            "retain": retain,
        }
        if cls is Bucket:
            return Bucket(**common, versioning=self.boolean(spec, "versioning", where, at))
        if cls is Table:
            return self.read_table(spec, where, at, common)
        if cls is Queue:
            timeout = self.integer(
                spec, "visibility_timeout", where, at, low=0, high=43200, default=30, unit="seconds"
            )
            return Queue(
                **common,
                visibility_timeout=timeout,
                dead_letter_after=self.read_dead_letter(spec, where, at),
            )
        if cls is Schedule:
            expression = ""
            if self.require(spec, "expression", where, at, 'expression: "rate(1 day)"'):
                expression = self.text(
                    spec,
                    "expression",
                    where,
                    at,
                    example='expression: "rate(1 day)"',
                    required=True,
                )
                if expression:
                    self.rule(
                        rules.schedule_expression(expression), value_pos(spec, "expression", at)
                    )
            return Schedule(**common, expression=expression)
        return cls(**common)

    def read_dead_letter(self, spec: dict[Any, Any], where: str, at: Pos) -> int | None:
        example = "dead_letter: {after: 5}"
        node = self.mapping(spec, "dead_letter", where, at, example)
        if node is None:
            return None
        inner = f"'dead_letter' of {where}"
        self.check_keys(node, ("after",), inner, at)
        if "after" not in node:
            self.report(
                value_pos(spec, "dead_letter", at),
                f"{inner} needs 'after': how many receives a message gets before it moves "
                "to the dead-letter queue",
                example,
            )
            return None
        # SQS's RedrivePolicy takes maxReceiveCount from 1 to 1,000
        return self.integer(node, "after", inner, at, low=1, high=1000, default=5, unit="receives")

    def explain_resource_key(
        self, cls: type[Resource], key: str, is_external: bool
    ) -> tuple[str, str] | None:
        if is_external and key in PROJECT_RESOURCE_KEYS[cls]:
            return (
                f"'{key}' cannot be set on an external {cls.type_name}",
                "an external resource is configured where it lives; Tether never changes it. "
                f"Remove '{key}', or remove 'external' to make it a project resource",
            )
        if not is_external and key in EXTERNAL_RESOURCE_KEYS.get(cls, ()):
            return (
                f"'{key}' only applies to an external {cls.type_name}",
                f"remove '{key}', or add `external: <ARN>` to use an existing {cls.type_name}",
            )
        owners = [
            t.type_name for t, keys in PROJECT_RESOURCE_KEYS.items() if key in keys and t is not cls
        ]
        if owners:
            return (
                f"'{key}' is not an option of {cls.type_name}",
                f"'{key}' belongs to {', '.join(owners)}; {cls.type_name} takes: "
                + (", ".join(COMMON_RESOURCE_KEYS + PROJECT_RESOURCE_KEYS[cls])),
            )
        return None

    def read_external(
        self, cls: type[Resource], spec: dict[Any, Any], where: str, at: Pos
    ) -> str | None:
        if "external" not in spec:
            return None
        pos = value_pos(spec, "external", at)
        value = spec["external"]
        if not cls.may_be_external:
            self.report(
                key_pos(spec, "external", at),
                f"{cls.type_name} resources cannot be external",
                f"remove 'external' from {where}; schedules and HTTP APIs always belong to the project",
            )
            return None
        if not isinstance(value, str) or not value:
            self.report(
                pos,
                f"'external' of {where} must be an ARN, not {describe(value)}",
                f"e.g. external: {rules.EXTERNAL_EXAMPLE[cls.type_name]}",
            )
            return None
        if cls is Bucket and not value.startswith("arn:"):
            return f"arn:aws:s3:::{value}" if self.rule(rules.bucket_name(value), pos) else None
        if cls is Queue and (url := _QUEUE_URL.match(value)):
            return f"arn:aws:sqs:{url.group(1)}:{url.group(2)}:{url.group(3)}"
        match = rules.EXTERNAL_ARN[cls.type_name].match(value)
        if match is None:
            self.report(
                pos,
                f"'external' of {where} is not a valid {cls.type_name} ARN: {value!r}",
                f"e.g. external: {rules.EXTERNAL_EXAMPLE[cls.type_name]}",
            )
            return None
        if cls is Bucket and not self.rule(rules.bucket_name(match.group("name")), pos):
            return None
        return value

    def read_table(
        self, spec: dict[Any, Any], where: str, at: Pos, common: dict[str, Any]
    ) -> Table:
        if common["external"] is not None:
            stream_arn = self.text(
                spec, "stream_arn", where, at, example="stream_arn: arn:aws:dynamodb:..."
            )
            if stream_arn and not rules.STREAM_ARN.match(stream_arn):
                self.report(
                    value_pos(spec, "stream_arn", at),
                    f"'stream_arn' of {where} is not a DynamoDB stream ARN: {stream_arn!r}",
                    "copy LatestStreamArn from the table's description, "
                    "e.g. arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000",
                )
                stream_arn = ""
            shape = self.read_key(spec, "key", where, at) if "key" in spec else ()
            return Table(**common, key=shape, stream_arn=stream_arn or None)
        key: tuple[tuple[str, str], ...] = ()
        if self.require(spec, "key", where, at, "key: {id: S}"):
            key = self.read_key(spec, "key", where, at)
        stream = self.choice(spec, "stream", where, at, STREAM_VIEWS, None)
        indexes: list[TableIndex] = []
        node = self.mapping(spec, "indexes", where, at, "indexes: {by_user: {key: {user: S}}}")
        for index_name, index_spec in (node or {}).items():
            index_at = key_pos(node, index_name, at)
            index_where = f"index '{index_name}' of {where}"
            if not isinstance(index_name, str) or not _INDEX_NAME.match(index_name):
                self.report(
                    index_at,
                    f"invalid index name {index_name!r} in {where}",
                    "use 3-255 letters, digits, '_', '-' and '.'",
                )
                continue
            if not isinstance(index_spec, dict):
                self.report(
                    index_at,
                    f"{index_where} must be a mapping with a key",
                    f"e.g. {index_name}: {{key: {{user: S}}}}",
                )
                continue
            self.check_keys(index_spec, ("key",), index_where, index_at)
            if self.require(index_spec, "key", index_where, index_at, "key: {user: S}"):
                indexes.append(
                    TableIndex(index_name, self.read_key(index_spec, "key", index_where, index_at))
                )
        return Table(**common, key=key, stream=stream, indexes=tuple(indexes))

    def read_key(
        self, node: dict[Any, Any], name: str, where: str, at: Pos
    ) -> tuple[tuple[str, str], ...]:
        value = node[name]
        pos = value_pos(node, name, at)
        if not isinstance(value, dict) or not 1 <= len(value) <= 2:
            self.report(
                pos,
                f"'{name}' of {where} must map one or two attribute names to S, N or B",
                "e.g. key: {id: S} or key: {user: S, created: N} (partition key, then sort key)",
            )
            return ()
        key: list[tuple[str, str]] = []
        for attribute, kind in value.items():
            if kind not in KEY_TYPES:
                self.report(
                    value_pos(value, attribute, pos),
                    f"key attribute '{attribute}' of {where} has type {describe(kind)}",
                    "use S (string), N (number) or B (binary)",
                )
                continue
            key.append((str(attribute), str(kind)))
        return tuple(key)

    # --- functions -------------------------------------------------------------------------

    def read_functions(
        self, doc: dict[Any, Any], resources: dict[str, Resource], runtime: str
    ) -> dict[str, Function]:
        node = self.mapping(
            doc,
            "functions",
            "the project",
            (1, 1),
            "functions: {hello: {handler: app/hello.handler}}",
        )
        functions: dict[str, Function] = {}
        for name, spec in (node or {}).items():
            at = key_pos(node, name, (1, 1))
            if not self.entity_name("function", name, at):
                continue
            where = f"function '{name}'"
            if not isinstance(spec, dict):
                self.report(
                    value_pos(node, name, at),
                    f"{where} must be a mapping, not {describe(spec)}",
                    f"e.g. {name}: {{handler: app/{name}.handler}}",
                )
                continue
            function = self.read_function(name, spec, where, at, resources, runtime)
            if function is not None:
                functions[name] = function
        return functions

    def read_function(
        self,
        name: str,
        spec: dict[Any, Any],
        where: str,
        at: Pos,
        resources: dict[str, Resource],
        default_runtime: str,
    ) -> Function | None:
        self.check_keys(spec, FUNCTION_KEYS, where, at)
        handler = ""
        if self.require(spec, "handler", where, at, f"handler: app/{name}.handler"):
            handler = self.text(
                spec, "handler", where, at, example=f"handler: app/{name}.handler", required=True
            )
            if handler:
                self.check_handler(handler, value_pos(spec, "handler", at))
        runtime = (
            self.choice(spec, "runtime", where, at, rules.RUNTIMES, default_runtime)
            or default_runtime
        )
        memory = self.integer(
            spec, "memory", where, at, low=128, high=10240, default=256, unit="MB"
        )
        timeout = self.integer(
            spec, "timeout", where, at, low=1, high=900, default=30, unit="seconds"
        )
        description = self.text(
            spec, "description", where, at, example="description: Resizes photos"
        )
        environment = self.read_environment(spec, where, at)
        triggers = self.read_triggers(spec, where, at, resources, timeout)
        operations = self.read_operations(spec, where, at, resources)
        self.check_environment_shadowing(
            spec, where, at, environment, triggers, operations, resources
        )
        return Function(
            name=name,
            handler=handler,
            runtime=runtime,
            memory=memory,
            timeout=timeout,
            location=self.loc(at),
            environment=environment,
            triggers=triggers,
            operations=operations,
            description=description,
        )

    def check_handler(self, handler: str, pos: Pos) -> None:
        shown = _unsaved_handler_file(self.overlay, handler)
        finding = (
            rules.handler(self.root, handler)
            if shown is None
            else _unsaved_handler(shown, self.overlay[shown], handler)
        )
        if finding is None:
            return
        message, hint, file, line = finding
        if file:
            self.report((line, 1), message, hint, file=file)
        else:
            self.report(pos, message, hint)

    def read_environment(
        self, spec: dict[Any, Any], where: str, at: Pos
    ) -> tuple[tuple[str, str], ...]:
        node = self.mapping(spec, "environment", where, at, "environment: {LOG_LEVEL: info}")
        result: list[tuple[str, str]] = []
        for key, value in (node or {}).items():
            pos = key_pos(node, key, at)
            if not self.rule(rules.env_var_name(str(key)), pos):
                continue
            if isinstance(value, bool):
                value = str(value).lower()
            if not isinstance(value, str | int | float):
                self.report(
                    value_pos(node, key, pos),
                    f"environment variable '{key}' of {where} must be text or a number, not {describe(value)}",
                    f'write {key}: "value"',
                )
                continue
            result.append((str(key), str(value)))
        return tuple(sorted(result))

    def check_environment_shadowing(
        self,
        spec: dict[Any, Any],
        where: str,
        at: Pos,
        environment: tuple[tuple[str, str], ...],
        triggers: tuple[Trigger, ...],
        operations: tuple[Operation, ...],
        resources: dict[str, Resource],
    ) -> None:
        linked = {t.resource for t in triggers} | {o.resource for o in operations}
        injected = {resources[r].env_var: r for r in linked if resources[r].env_var}
        node = spec.get("environment") or {}
        for key, _ in environment:
            if key in injected:
                self.report(
                    key_pos(node, key, at),
                    f"environment variable '{key}' of {where} would hide the one Tether sets for "
                    f"resource '{injected[key]}'",
                    f"remove it; Tether sets {key} to the resource's real name in every stage",
                )

    # --- triggers --------------------------------------------------------------------------

    def resource_ref(
        self, node: dict[Any, Any], where: str, at: Pos, resources: dict[str, Resource], what: str
    ) -> Resource | None:
        if not self.require(node, "resource", where, at, "resource: uploads"):
            return None
        name = node["resource"]
        pos = value_pos(node, "resource", at)
        if not isinstance(name, str):
            self.report(
                pos,
                f"'resource' of {where} must be a resource name, not {describe(name)}",
                "write resource: NAME with a name from resources:",
            )
            return None
        if name in self.broken:
            return None  # its declaration is already reported
        if name not in resources:
            guess = _suggest(name, resources)
            self.report(
                pos,
                f"{what} names resource '{name}', which is not declared",
                (f"did you mean '{guess}'? " if guess else "")
                + f"declare '{name}' under resources:",
            )
            return None
        return resources[name]

    def read_triggers(
        self,
        spec: dict[Any, Any],
        where: str,
        at: Pos,
        resources: dict[str, Resource],
        timeout: int,
    ) -> tuple[Trigger, ...]:
        items = self.sequence(spec, "triggers", where, at, "triggers: [{resource: uploads}]")
        triggers: list[Trigger] = []
        seen: dict[str, Location] = {}
        for index, item in enumerate(items):
            pos = item_pos(spec["triggers"], index, at)
            trigger_where = f"trigger {index + 1} of {where}"
            if not isinstance(item, dict):
                self.report(
                    pos,
                    f"{trigger_where} must be a mapping, not {describe(item)}",
                    "e.g. - {resource: uploads, events: [created]}",
                )
                continue
            resource = self.resource_ref(item, trigger_where, pos, resources, f"{trigger_where}")
            if resource is None:
                continue
            trigger = self.read_trigger(resource, item, trigger_where, pos, timeout)
            if trigger is None:
                continue
            if not isinstance(trigger, BucketTrigger | HttpTrigger) and resource.name in seen:
                self.report(
                    pos,
                    f"{where} has two triggers on '{resource.name}' (first at line {seen[resource.name].line})",
                    "keep one; AWS allows a single subscription or mapping per resource and function",
                )
                continue
            seen[resource.name] = trigger.location
            triggers.append(trigger)
        return tuple(triggers)

    def read_trigger(
        self, resource: Resource, node: dict[Any, Any], where: str, at: Pos, timeout: int
    ) -> Trigger | None:
        cls = TRIGGER_TYPES[type(resource)]
        label = f"{resource.type_name} '{resource.name}'"
        allowed = ("resource", *TRIGGER_KEYS[cls])

        def explain(key: str) -> tuple[str, str] | None:
            owners = [
                RESOURCE_TYPES_BY_TRIGGER[t]
                for t, keys in TRIGGER_KEYS.items()
                if key in keys and t is not cls
            ]
            if not owners:
                return None
            takes = ", ".join(TRIGGER_KEYS[cls]) or "no options"
            return (
                f"a trigger on {label} cannot take '{key}'",
                f"'{key}' is for triggers on {', '.join(owners)}; a {resource.type_name} trigger takes: {takes}",
            )

        self.check_keys(node, allowed, where, at, explain)
        location = self.loc(at)
        if isinstance(resource, Bucket):
            if resource.is_external:
                self.report(
                    value_pos(node, "resource", at),
                    f"{label} is external, so it cannot trigger a function",
                    "a trigger would change the bucket's notification settings, and Tether never "
                    "modifies external resources; subscribe through SNS or SQS, or make it a project bucket",
                )
                return None
            events = self.read_events(node, where, at)
            prefix = self.text(node, "prefix", where, at, example="prefix: incoming/")
            suffix = self.text(node, "suffix", where, at, example="suffix: .jpg")
            return BucketTrigger(
                resource=resource.name,
                location=location,
                events=events,
                prefix=prefix,
                suffix=suffix,
            )
        if isinstance(resource, Topic):
            policy = self.mapping(node, "filter", where, at, "filter: {kind: [order]}")
            return TopicTrigger(
                resource=resource.name,
                location=location,
                filter_policy=plain(policy) if policy else None,
            )
        if isinstance(resource, Queue):
            return self.read_queue_trigger(resource, node, where, at, timeout)
        if isinstance(resource, Table):
            if not resource.has_stream:
                fix = (
                    "stream_arn: <the table's stream ARN>"
                    if resource.is_external
                    else "stream: new_and_old_images"
                )
                self.report(
                    value_pos(node, "resource", at),
                    f"{label} has no stream, so it cannot trigger a function",
                    f"add `{fix}` to resource '{resource.name}'",
                )
                return None
            return StreamTrigger(
                resource=resource.name,
                location=location,
                starting_position=self.choice(
                    node, "starting_position", where, at, STARTING_POSITIONS, "latest"
                )
                or "latest",
                batch_size=self.integer(
                    node, "batch_size", where, at, low=1, high=10000, default=100, unit="records"
                ),
                batch_window=self.integer(
                    node, "batch_window", where, at, low=0, high=300, default=0, unit="seconds"
                ),
            )
        if isinstance(resource, Schedule):
            payload = self.mapping(node, "input", where, at, "input: {report: daily}")
            return ScheduleTrigger(
                resource=resource.name,
                location=location,
                input=plain(payload) if payload is not None else None,
            )
        return self.read_http_trigger(resource, node, where, at, timeout)

    def read_events(self, node: dict[Any, Any], where: str, at: Pos) -> tuple[str, ...]:
        if "events" not in node:
            return ("created",)
        value = node["events"]
        pos = value_pos(node, "events", at)
        if not isinstance(value, list) or not value:
            self.report(
                pos,
                f"'events' of {where} must be a non-empty list, not {describe(value)}",
                "write events: [created] or events: [created, removed]",
            )
            return ("created",)
        events: list[str] = []
        for index, event in enumerate(value):
            if event not in S3_EVENTS:
                guess = _suggest(str(event), S3_EVENTS)
                self.report(
                    item_pos(value, index, pos),
                    f"unknown S3 event {describe(event)} in {where}",
                    (f"did you mean '{guess}'? " if guess else "") + "events are: created, removed",
                )
            elif event not in events:
                events.append(str(event))
        return tuple(events) or ("created",)

    def read_queue_trigger(
        self, queue: Queue, node: dict[Any, Any], where: str, at: Pos, timeout: int
    ) -> QueueTrigger:
        batch_size = self.integer(
            node, "batch_size", where, at, low=1, high=10000, default=10, unit="messages"
        )
        batch_window = self.integer(
            node, "batch_window", where, at, low=0, high=300, default=0, unit="seconds"
        )
        if batch_size > 10 and batch_window == 0:
            self.report(
                value_pos(node, "batch_size", at),
                f"{where}: a batch_size over 10 needs a batch_window",
                "add batch_window: 1 (seconds to gather a batch), or lower batch_size to 10",
            )
        if not queue.is_external and queue.visibility_timeout < timeout:
            self.report(
                value_pos(node, "resource", at),
                f"queue '{queue.name}' has visibility_timeout {queue.visibility_timeout} s, shorter than "
                f"the function's timeout of {timeout} s; AWS rejects this trigger",
                f"set visibility_timeout: {max(timeout * 6, 30)} on queue '{queue.name}' "
                "(AWS advises six times the timeout), or lower the function's timeout",
            )
        after = queue.dead_letter_after
        if after is not None and after < 5:
            self.report(
                value_pos(node, "resource", at),
                f"queue '{queue.name}' moves a message to its dead-letter queue after {after} "
                f"receive{'s' if after > 1 else ''}: a throttled batch counts as a receive, so "
                "a message can move there without having failed",
                "AWS advises dead_letter: {after: 5} or more on a queue that triggers a function",
                severity="warning",
            )
        return QueueTrigger(
            resource=queue.name,
            location=self.loc(at),
            batch_size=batch_size,
            batch_window=batch_window,
        )

    def read_http_trigger(
        self, api: Resource, node: dict[Any, Any], where: str, at: Pos, timeout: int
    ) -> HttpTrigger | None:
        if not self.require(node, "route", where, at, 'route: "GET /orders/{id}"'):
            return None
        route = self.text(
            node, "route", where, at, example='route: "GET /orders/{id}"', required=True
        )
        if not route:
            return None
        try:
            method, path = rules.parse_route(route)
        except rules.RouteError as exc:
            self.report(value_pos(node, "route", at), exc.message, exc.hint)
            return None
        if timeout > HTTP_TIMEOUT_LIMIT:
            self.report(
                value_pos(node, "route", at),
                f"HTTP API '{api.name}' stops waiting after {HTTP_TIMEOUT_LIMIT} s, but the "
                f"function may run for {timeout} s",
                f"lower the function's timeout to {HTTP_TIMEOUT_LIMIT}, or hand long work to a queue",
                severity="warning",
            )
        return HttpTrigger(
            resource=api.name,
            location=self.loc(value_pos(node, "route", at)),
            method=method,
            path=path,
        )

    # --- operations ------------------------------------------------------------------------

    def read_operations(
        self, spec: dict[Any, Any], where: str, at: Pos, resources: dict[str, Resource]
    ) -> tuple[Operation, ...]:
        items = self.sequence(
            spec,
            "operations",
            where,
            at,
            'operations: [{resource: thumbs, actions: ["s3:PutObject"]}]',
        )
        operations: list[Operation] = []
        for index, item in enumerate(items):
            pos = item_pos(spec["operations"], index, at)
            op_where = f"operation {index + 1} of {where}"
            if not isinstance(item, dict):
                self.report(
                    pos,
                    f"{op_where} must be a mapping, not {describe(item)}",
                    '- {resource: thumbs, actions: ["s3:PutObject"]}',
                )
                continue
            self.check_keys(item, OPERATION_KEYS, op_where, pos)
            resource = self.resource_ref(item, op_where, pos, resources, op_where)
            if resource is None:
                continue
            if not resource.scopes:
                self.report(
                    value_pos(item, "resource", pos),
                    f"{resource.type_name} '{resource.name}' cannot be called from code",
                    f"a {resource.type_name} only triggers functions; list it under triggers: instead",
                )
                continue
            actions = self.read_actions(item, resource, op_where, pos)
            if actions:
                operations.append(
                    Operation(resource=resource.name, actions=actions, location=self.loc(pos))
                )
        return tuple(operations)

    def read_actions(
        self, node: dict[Any, Any], resource: Resource, where: str, at: Pos
    ) -> tuple[str, ...]:
        example = f'actions: ["{resource.service}:{_EXAMPLE_ACTION[type(resource)]}"]'
        if not self.require(node, "actions", where, at, example):
            return ()
        value = node["actions"]
        pos = value_pos(node, "actions", at)
        if not isinstance(value, list) or not value:
            self.report(
                pos,
                f"'actions' of {where} must be a non-empty list of IAM actions, not {describe(value)}",
                f"write {example}",
            )
            return ()
        actions: list[str] = []
        for index, action in enumerate(value):
            action_pos = item_pos(value, index, pos)
            checked = self.check_action(action, resource, action_pos)
            if checked and checked not in actions:
                actions.append(checked)
        return tuple(actions)

    def check_action(self, action: Any, resource: Resource, pos: Pos) -> str | None:
        label = f"{resource.type_name} '{resource.name}'"
        match = _ACTION.match(action) if isinstance(action, str) else None
        if match is None:
            self.report(
                pos,
                f"{describe(action)} is not an IAM action",
                f'write service:Action, e.g. "{resource.service}:{_EXAMPLE_ACTION[type(resource)]}"',
            )
            return None
        service, name = match.groups()
        if "*" in name or "?" in name:
            self.report(
                pos,
                f"wildcard action '{action}' is not allowed",
                f"Tether grants least privilege: list each action the code calls, e.g. "
                f"{resource.service}:{_EXAMPLE_ACTION[type(resource)]}",
            )
            return None
        if service != resource.service:
            self.report(
                pos,
                f"'{action}' is not an action on {label}",
                f"operations on a {resource.type_name} use {resource.service}:... actions",
            )
            return None
        known = iam.actions(service)
        if name not in known:
            guess = _suggest(name, known)
            self.report(
                pos,
                f"unknown IAM action '{action}'",
                f"did you mean '{service}:{guess}'?"
                if guess
                else f"see the IAM actions of {service}",
            )
            return None
        scopes = set(known[name]) & resource.scopes
        if isinstance(resource, Table) and not resource.has_stream:
            scopes.discard("stream")
            if not scopes and "stream" in known[name]:
                fix = (
                    "stream_arn: <the table's stream ARN>"
                    if resource.is_external
                    else "stream: new_and_old_images"
                )
                self.report(
                    pos,
                    f"'{action}' reads the stream of {label}, which has no stream",
                    f"add `{fix}` to resource '{resource.name}', or remove the action",
                )
                return None
        if not scopes:
            self.report(
                pos,
                f"'{action}' cannot be limited to {label}",
                'it only works on Resource "*" (or on another kind of resource), which Tether does not grant; '
                "remove it",
            )
            return None
        return str(action)

    # --- cross checks ----------------------------------------------------------------------

    def check_collisions(self, kind: str, node: Any, names: list[str]) -> None:
        seen: dict[str, str] = {}
        for name in names:
            stem = upper_snake(name)
            if stem in seen:
                self.report(
                    key_pos(node, name, (1, 1)),
                    f"{kind} names '{seen[stem]}' and '{name}' collide: both become {stem}",
                    "rename one of them; names that differ only in '-', '_' or case map to the same "
                    "CloudFormation and environment names",
                )
            else:
                seen[stem] = name

    def check_routes(self, functions: dict[str, Function]) -> None:
        served: dict[tuple[str, str], tuple[str, Location, str]] = {}
        for function in functions.values():
            for trigger in function.triggers:
                if not isinstance(trigger, HttpTrigger):
                    continue
                identity = (trigger.resource, rules.route_identity(trigger.method, trigger.path))
                if identity in served:
                    other, where, route = served[identity]
                    self.report(
                        (trigger.location.line, trigger.location.column),
                        f"route '{trigger.route}' on '{trigger.resource}' is already served by function "
                        f"'{other}' ({route}, line {where.line})",
                        "each method and path may have one function; change the path or the method",
                    )
                else:
                    served[identity] = (function.name, trigger.location, trigger.route)

    def check_bucket_overlaps(self, functions: dict[str, Function]) -> None:
        seen: list[tuple[str, BucketTrigger]] = []
        for function in functions.values():
            for trigger in function.triggers:
                if not isinstance(trigger, BucketTrigger):
                    continue
                for other_name, other in seen:
                    if other.resource == trigger.resource and _overlaps(other, trigger):
                        self.report(
                            (trigger.location.line, trigger.location.column),
                            f"this trigger on bucket '{trigger.resource}' overlaps the one of function "
                            f"'{other_name}' (line {other.location.line}); S3 rejects overlapping notifications",
                            "make the prefixes or suffixes disjoint, or the events different",
                        )
                seen.append((function.name, trigger))


def _unsaved_handler_file(overlay: Mapping[str, str], value: str) -> str | None:
    """The file of a well-formed handler value when the overlay holds it, else None."""
    module, dot, function = value.rpartition(".")
    if not overlay or not dot or not module or not function.isidentifier() or value.endswith(".py"):
        return None
    rel = module.replace(".", "/") if "/" not in module else module
    if rel.startswith("/") or ".." in rel.split("/"):
        return None
    return next((c for c in (f"{rel}.py", f"{rel}/__init__.py") if c in overlay), None)


def _unsaved_handler(shown: str, text: str, value: str) -> tuple[str, str, str, int] | None:
    """rules.handler's check, on the unsaved text of the handler's file."""
    return rules.handler_source(text, shown, value.rpartition(".")[2])


def unused_warnings(project: Project) -> list[Problem]:
    """A warning for each resource with no trigger and no operation."""
    warnings = []
    for name in project.unused():
        where = project.resources[name].location
        warnings.append(
            Problem(
                where.file,
                where.line,
                where.column,
                "warning",
                f"resource '{name}' is unused: no trigger and no operation",
                "remove it, or run `tether prune` to remove every unused resource",
            )
        )
    return warnings


def _overlaps(a: BucketTrigger, b: BucketTrigger) -> bool:
    return (
        bool(set(a.events) & set(b.events))
        and (a.prefix.startswith(b.prefix) or b.prefix.startswith(a.prefix))
        and (a.suffix.endswith(b.suffix) or b.suffix.endswith(a.suffix))
    )


RESOURCE_TYPES_BY_TRIGGER: dict[type[Trigger], str] = {
    t: r.type_name for r, t in TRIGGER_TYPES.items()
}
_EXAMPLE_ACTION: dict[type[Resource], str] = {
    Bucket: "PutObject",
    Table: "PutItem",
    Topic: "Publish",
    Queue: "SendMessage",
    Schedule: "",
    HttpApi: "",
}
