"""The cursor the read stage moves through tether.yaml with, and the problem list it reports into.

A `Node` is one mapping of the file (the project, a resource, a function, a trigger...) with its
position and the words messages call it by ("resource 'photos'"). Its typed getters return the
value under a key, or a default after reporting why the value cannot be used, pinned to the
key's line and column with a hint. The readers of resources, functions, triggers and operations
ask the cursor and never repeat that bookkeeping.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tether.errors import Problem, Severity
from tether.model import rules
from tether.model.project import Location
from tether.model.yamlfile import Pos, describe, item_pos, key_pos, value_pos

TOP: Pos = (1, 1)  # where a problem of the whole file is shown

# Says what is wrong with an unknown key when it is known elsewhere: (message, hint), or None.
Explain = Callable[[str], tuple[str, str] | None]


def suggest(word: str, choices: Iterable[str]) -> str:
    """The choice that `word` most likely misspells (any case), or ''."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else ""


@dataclass
class Problems:
    """Every problem found in one read of a project, in the order found."""

    file: str  # the project file, where a problem is unless it names another file
    found: list[Problem] = field(default_factory=list)

    def report(
        self,
        pos: Pos,
        message: str,
        hint: str = "",
        *,
        file: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.found.append(Problem(file or self.file, pos[0], pos[1], severity, message, hint))

    def rule(self, finding: rules.Finding, pos: Pos) -> bool:
        """Report a value rule's finding at `pos`; True when there is none."""
        if finding is None:
            return True
        self.report(pos, *finding)
        return False

    def location(self, pos: Pos) -> Location:
        return Location(self.file, pos[0], pos[1])

    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.found)


@dataclass(frozen=True, slots=True)
class Node:
    """One mapping of tether.yaml: its entries, its position, and what messages call it."""

    data: dict[Any, Any]
    where: str  # e.g. "resource 'photos'", as in "'type' of resource 'photos' is missing"
    at: Pos  # shown when a key has no position of its own, and for a missing key
    problems: Problems

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def pos_of(self, key: Any) -> Pos:
        """Where `key` is written."""
        return key_pos(self.data, key, self.at)

    def value_pos(self, key: Any) -> Pos:
        """Where the value of `key` is written (its key, when the value is empty)."""
        return value_pos(self.data, key, self.at)

    def location(self) -> Location:
        """Where this mapping is, for the model object read from it."""
        return self.problems.location(self.at)

    def report(self, pos: Pos, message: str, hint: str, *, severity: Severity = "error") -> None:
        self.problems.report(pos, message, hint, severity=severity)

    # --- shape -----------------------------------------------------------------------------

    def check_keys(self, allowed: Iterable[str], explain: Explain | None = None) -> None:
        """Report each key not in `allowed`: as `explain` says, or with the likeliest intended."""
        allowed = tuple(allowed)
        for key in self.data:
            if key in allowed:
                continue
            pos = self.pos_of(key)
            known = explain(str(key)) if explain is not None else None
            if known is not None:
                self.report(pos, *known)
                continue
            guess = suggest(str(key), allowed)
            hint = f"did you mean '{guess}'? " if guess else ""
            self.report(
                pos,
                f"unknown key '{key}' in {self.where}",
                hint + f"valid keys: {', '.join(allowed)}",
            )

    def require(self, key: str, example: str) -> bool:
        """Whether `key` is there; report it missing, with an example, when not."""
        if key in self.data:
            return True
        self.report(self.at, f"{self.where} is missing '{key}'", f"add it, e.g. {example}")
        return False

    def check_name(self, kind: str, key: Any) -> bool:
        """Whether `key` is a valid name for a `kind` (resource, function); report it when not."""
        finding = rules.entity_name(kind, key if isinstance(key, str) else "")
        if finding is not None and not isinstance(key, str):
            # YAML reads `123:` or `true:` as a number or a boolean, not as a name
            finding = (f"invalid {kind} name: {describe(key)}", finding[1])
        return self.problems.rule(finding, self.pos_of(key))

    def wrong_type(self, key: str, expected: str, example: str) -> None:
        self.report(
            self.value_pos(key),
            f"'{key}' of {self.where} must be {expected}, not {describe(self.data[key])}",
            f"write it as {example}",
        )

    # --- scalars ---------------------------------------------------------------------------

    def text(self, key: str, *, example: str, default: str = "", required: bool = False) -> str:
        """The text under `key`; empty text is an error when `required` or there is a default."""
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, str):
            self.wrong_type(key, "text", example)
            return default
        if not value and (default or required):
            self.report(
                self.value_pos(key), f"'{key}' of {self.where} is empty", f"write it as {example}"
            )
            return default
        return str(value)

    def integer(self, key: str, *, low: int, high: int, default: int, unit: str) -> int:
        """The whole number under `key`, in low..high `unit`."""
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong_type(key, f"a whole number of {unit}", f"{key}: {default}")
            return default
        if not low <= value <= high:
            self.report(
                self.value_pos(key),
                f"'{key}' of {self.where} must be between {low} and {high} {unit}, not {value}",
                f"pick a value in {low}..{high}",
            )
            return default
        return int(value)

    def boolean(self, key: str) -> bool:
        """The true or false under `key`; false when absent."""
        if key not in self.data:
            return False
        if not isinstance(self.data[key], bool):
            self.wrong_type(key, "true or false", f"{key}: true")
            return False
        return bool(self.data[key])

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        """One of `choices` under `key`."""
        if key not in self.data:
            return default
        value = self.data[key]
        if value not in choices:
            guess = suggest(str(value), choices) if isinstance(value, str) else ""
            self.report(
                self.value_pos(key),
                f"'{key}' of {self.where} must be one of {', '.join(choices)}, not {describe(value)}",
                f"did you mean '{guess}'?" if guess else f"e.g. {key}: {choices[-1]}",
            )
            return default
        return str(value)

    # --- nested mappings and lists ---------------------------------------------------------

    def mapping(self, key: str, example: str) -> Node | None:
        """The mapping under `key` as a cursor called "'key' of <where>" (empty when the value is
        null); None when absent or not a mapping."""
        if key not in self.data:
            return None
        value = self.data[key]
        if value is None:
            value = {}
        elif not isinstance(value, dict):
            self.wrong_type(key, "a mapping", example)
            return None
        return Node(value, f"'{key}' of {self.where}", self.at, self.problems)

    def entries(self) -> Iterator[tuple[Any, Any, Pos]]:
        """Each key with its value and its position."""
        for key, value in self.data.items():
            yield key, value, self.pos_of(key)

    def entry(self, key: Any, where: str, hint: str) -> Node | None:
        """The mapping under `key` as a cursor called `where`, at the key; None when the value is
        not a mapping (reported)."""
        return self._as_node(self.data[key], where, self.pos_of(key), self.value_pos(key), hint)

    def items(self, key: str, noun: str, *, example: str, hint: str) -> Iterator[Node]:
        """Each item of the list under `key` as a cursor called "<noun> <n> of <where>". A value
        that is not a list, or an item that is not a mapping, is reported and skipped."""
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.wrong_type(key, "a list", example)
            return
        for index, item in enumerate(value):
            pos = item_pos(value, index, self.at)
            node = self._as_node(item, f"{noun} {index + 1} of {self.where}", pos, pos, hint)
            if node is not None:
                yield node

    def _as_node(self, value: Any, where: str, at: Pos, shown: Pos, hint: str) -> Node | None:
        if isinstance(value, dict):
            return Node(value, where, at, self.problems)
        self.report(shown, f"{where} must be a mapping, not {describe(value)}", hint)
        return None
