"""A test case checked against the project before anything runs: the function it invokes, the
bucket, table and queue of each entry (of the right kind), the key attributes of items, the
event it samples, and a world that would not run the function under test by itself.

Every problem names the case file's line and the fix, as `case_file` does for what can be
checked without the project. `tether test` reports them all before any case runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether.errors import OptionError, Problem
from tether.invoke.case_file import suggest
from tether.invoke.case_model import Case, Pos, Sample
from tether.invoke.events import KIND_TYPES, Names, sample_event
from tether.model import Bucket, BucketTrigger, Project, Queue, Resource, Table

_KINDS: dict[type[Resource], str] = {Bucket: "bucket", Table: "table", Queue: "queue"}


def check_case(project: Project, case: Case) -> list[Problem]:
    """Every problem of `case` against `project` (none: it can run)."""
    found = _Checker(project, case)
    found.run()
    return found.problems


def sample_resource(project: Project, case: Case, sample: Sample) -> str | None:
    """The resource a case's sample event comes from: the one named, else the one of that kind
    that triggers the case's function (else `tether events new`'s own choice)."""
    if sample.resource is not None:
        return sample.resource
    wanted = KIND_TYPES[sample.kind.split("-")[0]]
    function = project.functions.get(case.function)
    for trigger in function.triggers if function is not None else ():
        if isinstance(project.resources.get(trigger.resource), wanted):
            return trigger.resource
    return None


def fires_own_trigger(project: Project, case: Case, bucket: str, key: str) -> BucketTrigger | None:
    """The case function's S3 trigger that an object put at `bucket`/`key` would fire."""
    function = project.functions.get(case.function)
    for trigger in function.triggers if function is not None else ():
        if (
            isinstance(trigger, BucketTrigger)
            and trigger.resource == bucket
            and "created" in trigger.events
            and key.startswith(trigger.prefix)
            and key.endswith(trigger.suffix)
        ):
            return trigger
    return None


class _Checker:
    def __init__(self, project: Project, case: Case) -> None:
        self.project = project
        self.case = case
        self.problems: list[Problem] = []

    def problem(self, at: Pos, message: str, hint: str) -> None:
        self.problems.append(Problem(self.case.name, at[0], at[1], "error", message, hint))

    def run(self) -> None:
        case, project = self.case, self.project
        if case.function not in project.functions:
            functions = list(project.functions)
            self.problem(
                case.function_at,
                f"no function '{case.function}' in {project.file}",
                f"{suggest(case.function, functions)}functions: {', '.join(functions) or 'none'}",
            )
        for given_object in case.given.objects:
            self.changed(given_object.bucket, Bucket, given_object.at, "put objects in")
            self.own_trigger(given_object.bucket, given_object.key, given_object.at)
        for given_item in case.given.items:
            table = self.changed(given_item.table, Table, given_item.at, "put items in")
            if table is not None:
                self.key_attributes(table, given_item.item, given_item.at, whole_key=False)
        for message in case.given.messages:
            self.changed(message.queue, Queue, message.at, "send messages to")
        for object_check in case.expect.objects:
            self.resource(object_check.bucket, Bucket, object_check.at)
        for item_check in case.expect.items:
            table = self.resource(item_check.table, Table, item_check.at)
            if table is not None:
                self.key_attributes(table, item_check.key, item_check.at, whole_key=True)
        for message_check in case.expect.messages:
            self.resource(message_check.queue, Queue, message_check.at)
        if case.sample is not None and case.function in project.functions:
            self.sample(case.sample)

    def resource(self, name: str, kind: type[Resource], at: Pos) -> Any:
        noun = _KINDS[kind]
        resource = self.project.resources.get(name)
        same_kind = [r.name for r in self.project.resources.values() if isinstance(r, kind)]
        if resource is None:
            self.problem(
                at,
                f"no {noun} '{name}' in {self.project.file}",
                f"{suggest(name, same_kind)}{noun}s: {', '.join(same_kind) or 'none'}",
            )
            return None
        if not isinstance(resource, kind):
            self.problem(
                at,
                f"'{name}' is a {resource.type_name}, not a {kind.type_name}",
                f"{noun}s: {', '.join(same_kind) or 'none'}",
            )
            return None
        return resource

    def changed(self, name: str, kind: type[Resource], at: Pos, verb: str) -> Any:
        resource = self.resource(name, kind, at)
        if resource is not None and resource.is_external:
            self.problem(
                at,
                f"{_KINDS[kind]} '{name}' is an external resource: Tether never changes it, so a "
                f"case cannot {verb} it",
                f"set the world up in a project {_KINDS[kind]}; a case may still expect "
                f"what the function does to '{name}'",
            )
            return None
        return resource

    def own_trigger(self, bucket: str, key: str, at: Pos) -> None:
        trigger = fires_own_trigger(self.project, self.case, bucket, key)
        if trigger is None:
            return
        pattern = f"{trigger.prefix}*{trigger.suffix}"
        self.problem(
            at,
            f"the object {key} would itself fire {self.case.function} (its trigger on "
            f"{bucket}, {pattern}, {trigger.location}), which would then run twice: once by "
            "the trigger and once by the case",
            f"put it under a key {pattern} does not match (say cases/{key.rsplit('/', 1)[-1]}) "
            "and name that key in the event: the function reads the key the event names",
        )

    def key_attributes(
        self, table: Table, values: Mapping[str, Any], at: Pos, *, whole_key: bool
    ) -> None:
        if not table.key:  # an external table: its key is not declared
            return
        names = [name for name, _ in table.key]
        example = ", ".join(f"{name}: ..." for name in names)
        missing = [name for name in names if name not in values]
        if missing:
            self.problem(
                at,
                f"the {'key' if whole_key else 'item'} lacks {', '.join(missing)}, of table "
                f"{table.name}'s key",
                f"write {{{example}}}",
            )
        if whole_key:
            extra = [name for name in values if name not in names]
            if extra:
                self.problem(
                    at,
                    f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not part of table "
                    f"{table.name}'s key ({', '.join(names)})",
                    "check other attributes with `match:`",
                )
        for name, kind in table.key:
            value = values.get(name)
            if value is None:
                continue
            fits = isinstance(value, str) if kind in {"S", "B"} else _is_number(value)
            if not fits:
                wanted = "a number" if kind == "N" else "text"
                self.problem(
                    at,
                    f"key attribute {name} of table {table.name} is {wanted} ({kind}), not {value!r}",
                    f"write it as {wanted}" + (", quoted" if kind != "N" else ""),
                )

    def sample(self, sample: Sample) -> None:
        try:
            sample_event(
                self.project,
                sample.kind,
                resource=sample_resource(self.project, self.case, sample),
                names=Names(self.project),
                key=sample.key,
                body=sample.body,
                route=sample.route,
            )
        except OptionError as exc:
            message = exc.message.replace("--resource", "resource").replace("--route", "route")
            self.problem(sample.at, f"sample: {message}", exc.hint)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
