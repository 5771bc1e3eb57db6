"""Route selection of an API Gateway HTTP API: which route key answers a method and path.

As API Gateway does: a route whose path matches every segment wins over one with a greedy
`{proxy+}` variable, which wins over `$default`. Among full matches the one with literal
segments furthest to the left wins (`/pets/dog/1` over `/pets/dog/{id}` over `/pets/{a}/1`);
among greedy ones the longest prefix; then an exact method wins over `ANY`. A path that
matches only routes of other methods does not match (HTTP APIs answer 404, not 405), unless
an `ANY` route, a greedy route or `$default` takes it. Literal segments compare with the
percent-decoded request path; parameter values are decoded too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"
T = TypeVar("T")


@dataclass(frozen=True)
class RoutePattern:
    """A parsed route key: `GET /orders/{id}` -> method GET, segments ("orders", "{id}")."""

    key: str
    method: str  # upper case; "ANY" for any; "" for $default
    segments: tuple[str, ...]
    greedy: str | None  # the name of the trailing {name+} variable, if any

    @classmethod
    def parse(cls, key: str) -> RoutePattern | None:
        """None for a key that is not an HTTP API route (e.g. a WebSocket `$connect`)."""
        if key == DEFAULT_ROUTE:
            return cls(key, "", (), None)
        method, _, path = key.strip().partition(" ")
        path = path.strip()
        if not method or not path.startswith("/"):
            return None
        segments = tuple(path[1:].split("/"))
        greedy = None
        last = segments[-1]
        if last.startswith("{") and last.endswith("+}"):
            greedy, segments = last[1:-2], segments[:-1]
        return cls(key, method.upper(), segments, greedy)

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT_ROUTE

    def match(self, method: str, path_segments: tuple[str, ...]) -> dict[str, str] | None:
        """Path parameters if this route takes the request, else None ($default: never)."""
        if self.is_default or self.method not in ("ANY", method):
            return None
        count = len(self.segments)
        if self.greedy is None and len(path_segments) != count:
            return None
        if self.greedy is not None and len(path_segments) <= count:
            return None
        parameters: dict[str, str] = {}
        for pattern, raw in zip(self.segments, path_segments, strict=False):
            value = unquote(raw)
            if _is_variable(pattern):
                if not value:
                    return None
                parameters[pattern[1:-1]] = value
            elif pattern != value:
                return None
        if self.greedy is not None:
            rest = unquote("/".join(path_segments[count:]))
            if not rest:
                return None
            parameters[self.greedy] = rest
        return parameters

    def rank(self) -> tuple[int, int, tuple[int, ...], int]:
        """Smaller is more specific."""
        tier = 2 if self.is_default else 1 if self.greedy is not None else 0
        prefix = -len(self.segments) if self.greedy is not None else 0
        kinds = tuple(1 if _is_variable(segment) else 0 for segment in self.segments)
        return (tier, prefix, kinds, 1 if self.method == "ANY" else 0)


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    """The chosen route, what it carries (e.g. its integration target) and its parameters."""

    route_key: str
    value: T
    path_parameters: dict[str, str]


def split_path(raw_path: str) -> tuple[str, ...]:
    """`/orders/1` -> ("orders", "1"); `/` -> ("",). Segments stay percent-encoded."""
    return tuple(raw_path[1:].split("/")) if raw_path.startswith("/") else (raw_path,)


def select_route(
    routes: Iterable[tuple[str, T]], method: str, raw_path: str
) -> RouteMatch[T] | None:
    """The route that takes `method raw_path` among (route key, value) pairs, or None."""
    segments = split_path(raw_path)
    best: tuple[tuple[int, int, tuple[int, ...], int], RouteMatch[T]] | None = None
    for key, value in routes:
        pattern = _parsed(key)
        if pattern is None:
            continue
        if pattern.is_default:
            found: dict[str, str] | None = {}
        else:
            found = pattern.match(method.upper(), segments)
        if found is None:
            continue
        rank = pattern.rank()
        if best is None or rank < best[0]:
            best = (rank, RouteMatch(key, value, found))
    return None if best is None else best[1]


@functools.lru_cache(maxsize=4096)
def _parsed(key: str) -> RoutePattern | None:
    """Route keys parsed once, not per request and route (a key's meaning never changes)."""
    return RoutePattern.parse(key)


def _is_variable(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")
