"""A saved test case as inert data: the world it sets up, the event, what it expects.

`case_file` reads a case file into these objects (and refuses what it cannot read, with the file
and line); `cases` runs them. Every part keeps the position it was written at (`at`: line and
column in the case file), so a problem found later, against the project or the stage, points
back at the line to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Pos = tuple[int, int]  # 1-based line and column in the case file


class _Nothing:
    """The value of an expectation the case does not make (`result:` absent is not `result: null`)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


# --- the world a case sets up: `given:` ---------------------------------------------------


@dataclass(frozen=True)
class GivenObject:
    """An object put in a bucket before the invoke: inline `body` text, or a project `file`."""

    bucket: str
    key: str
    at: Pos
    body: bytes | None = None
    file: Path | None = None  # absolute; checked to be inside the project when read
    shown_file: str = ""  # the file as the case names it, for messages
    content_type: str | None = None


@dataclass(frozen=True)
class GivenItem:
    """An item put in a table before the invoke (plain values: strings, numbers, lists...)."""

    table: str
    item: Mapping[str, Any]
    at: Pos


@dataclass(frozen=True)
class GivenMessage:
    """A message sent to a queue before the invoke; a mapping or a list is sent as JSON."""

    queue: str
    body: str
    at: Pos


@dataclass(frozen=True)
class World:
    objects: tuple[GivenObject, ...] = ()
    items: tuple[GivenItem, ...] = ()
    messages: tuple[GivenMessage, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.objects or self.items or self.messages)


# --- what a case expects: `expect:` -------------------------------------------------------


@dataclass(frozen=True)
class ObjectCheck:
    bucket: str
    key: str
    at: Pos


@dataclass(frozen=True)
class ItemCheck:
    table: str
    key: Mapping[str, Any]
    at: Pos
    match: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageCheck:
    """A message sent to `queue` while the case ran, whose body contains `match` (a JSON
    subset; a string matches the raw body exactly)."""

    queue: str
    at: Pos
    match: Any = field(default_factory=dict)


@dataclass(frozen=True)
class Expectations:
    error: bool = False  # whether the function must fail
    result: Any = NOTHING  # a JSON subset of the result
    equals: Any = NOTHING  # the whole result
    objects: tuple[ObjectCheck, ...] = ()
    items: tuple[ItemCheck, ...] = ()
    messages: tuple[MessageCheck, ...] = ()
    # None: side effects are checked once, right after the invoke, with downstream consumers
    # paused; seconds: checked until they hold or the time is up, with consumers running.
    eventually: float | None = None


# --- the case -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """`sample:` — the event as `tether events new KIND` makes it, with the stage's names."""

    kind: str
    at: Pos
    resource: str | None = None
    key: str | None = None
    body: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class Case:
    name: str  # events/get-order.test.yaml
    function: str
    event: Any  # the event to send (unused when `sample` makes it at run time)
    expect: Expectations = field(default_factory=Expectations)
    given: World = field(default_factory=World)
    sample: Sample | None = None
    cleanup: bool = False  # remove what the case set up and what it expected to be created
    description: str = ""
    function_at: Pos = (1, 1)
