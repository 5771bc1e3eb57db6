"""Counted nouns in Tether's messages: `count(1, "function")` is "1 function", never
"1 functions". Every message that shows a number of things says it through `count`.

This module is a leaf: it imports nothing, so any layer (build, deploy, CLI, IDE) may use it.
"""

from __future__ import annotations


def count(n: int, noun: str, plural: str = "") -> str:
    """`n` and the noun, singular for exactly one; `plural` for nouns that do not just take an
    "s" ("entry", "entries")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
