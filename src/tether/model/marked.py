"""Plain mappings and lists that remember where each entry is written in the YAML file.

`tether.model.fastyaml` reads tether.yaml into these instead of ruamel.yaml's commented
containers: they are a `dict` and a `list` to everything that reads the data, and carry the
1-based line and column of every key, value and item for `yamlfile.key_pos`, `value_pos` and
`item_pos`, in the round-trip loader's convention (an alias's value is where its anchor is).
"""

from __future__ import annotations

from typing import Any

Pos = tuple[int, int]


class MarkedMap(dict[Any, Any]):
    """A mapping read from YAML; `marks[key]` is (where the key is, where its value is)."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[Any, tuple[Pos, Pos]] = {}


class MarkedList(list[Any]):
    """A list read from YAML; `marks[index]` is where that item is."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[Pos] = []
