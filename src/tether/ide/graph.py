"""The project as a picture: a layered layout of resources and functions, computed here so the
front end only draws it (SVG) and the layout can be tested and measured without a browser.

Three columns, left to right: resources that trigger functions, the functions, the resources
the functions operate on (a resource that both triggers and is operated on stays in the first
column; its operation arrows run backwards). Unused resources sit apart in a row under the
columns (the dustbin), and only when they are known to be unused. Rows are ordered by the
barycentre heuristic (a few sweeps, ties broken by name), so the same project always gives the
same picture and arrows mostly do not cross. Edges are orthogonal polylines that bend in the
corridor between two columns. Pure logic: no web framework here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from tether.model import Project

NodeKind = Literal["function", "resource"]
EdgeKind = Literal["trigger", "operation"]

NODE_W, NODE_H = 160, 44
ROW_GAP, COLUMN_GAP, MARGIN = 24, 190, 20
DUSTBIN_GAP = 60  # between the columns and the dustbin row
SWEEPS = 4

Point = tuple[float, float]


@dataclass
class _Node:
    id: str
    kind: NodeKind
    type: str
    label: str
    column: int  # 0, 1, 2; -1 for the dustbin
    external: bool
    unused: bool
    source: dict[str, Any]
    x: float = 0.0
    y: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "type": self.type,
            "label": self.label,
            "x": self.x,
            "y": self.y,
            "w": NODE_W,
            "h": NODE_H,
            "external": self.external,
            "unused": self.unused,
            "source": self.source,
        }


def layout(project: Project | None, unused: list[str] | None) -> dict[str, Any]:
    """The graph body of the API. `unused` is None while unused resources cannot be known:
    then none is marked, and they stay in the columns."""
    if project is None:
        return {"width": 0, "height": 0, "nodes": [], "edges": []}
    dustbin = set(unused or ())
    triggering = {t.resource for f in project.functions.values() for t in f.triggers}
    nodes: dict[str, _Node] = {}
    for resource in project.resources.values():
        column = -1 if resource.name in dustbin else 0 if resource.name in triggering else 2
        nodes[f"r:{resource.name}"] = _Node(
            id=f"r:{resource.name}",
            kind="resource",
            type=resource.type_name,
            label=resource.name,
            column=column,
            external=resource.is_external,
            unused=resource.name in dustbin,
            source=_where(resource.location.file, resource.location.line),
        )
    for function in project.functions.values():
        nodes[f"f:{function.name}"] = _Node(
            id=f"f:{function.name}",
            kind="function",
            type="function",
            label=function.name,
            column=1,
            external=False,
            unused=False,
            source=_where(function.location.file, function.location.line),
        )
    edges = _edges(project)
    columns = _order(nodes, edges)
    _place(nodes, columns)
    return _body(nodes, columns, edges)


@dataclass
class _Edge:
    id: str
    source_node: str
    target_node: str
    kind: EdgeKind
    label: str
    sources: list[dict[str, Any]]


def _where(file: str, line: int) -> dict[str, Any]:
    return {"file": file, "line": line}


def _edges(project: Project) -> list[_Edge]:
    """One edge per trigger; one per function and resource operated on, with every action and
    every line that needs one (the first line is the one a click opens)."""
    edges: list[_Edge] = []
    for function in project.functions.values():
        fid = f"f:{function.name}"
        for index, trigger in enumerate(function.triggers):
            edges.append(
                _Edge(
                    id=f"t:{trigger.resource}>{function.name}:{index}",
                    source_node=f"r:{trigger.resource}",
                    target_node=fid,
                    kind="trigger",
                    label=trigger.describe(),
                    sources=[_where(trigger.location.file, trigger.location.line)],
                )
            )
        actions: dict[str, list[str]] = defaultdict(list)
        places: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for operation in function.operations:
            for action in operation.actions:
                if action not in actions[operation.resource]:
                    actions[operation.resource].append(action)
            where = _where(operation.location.file, operation.location.line)
            if where not in places[operation.resource]:
                places[operation.resource].append(where)
        for resource, names in actions.items():
            # code lines before tether.yaml lines: the code is what a click should show
            ordered = sorted(
                places[resource], key=lambda w: (w["file"].endswith(".yaml"), w["file"], w["line"])
            )
            edges.append(
                _Edge(
                    id=f"o:{function.name}>{resource}",
                    source_node=fid,
                    target_node=f"r:{resource}",
                    kind="operation",
                    label=", ".join(names),
                    sources=ordered,
                )
            )
    return edges


def _order(nodes: dict[str, _Node], edges: list[_Edge]) -> dict[int, list[str]]:
    """Each column's nodes top to bottom: by name first, then barycentre sweeps."""
    columns: dict[int, list[str]] = defaultdict(list)
    for node in sorted(nodes.values(), key=lambda n: (n.kind, n.label)):
        columns[node.column].append(node.id)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        neighbours[edge.source_node].append(edge.target_node)
        neighbours[edge.target_node].append(edge.source_node)
    for sweep in range(SWEEPS):
        order = (1, 0, 2) if sweep % 2 == 0 else (0, 2, 1)
        for column in order:
            if column not in columns:
                continue
            rank = {
                nid: i for c, ids in columns.items() if c != column for i, nid in enumerate(ids)
            }
            current = {nid: i for i, nid in enumerate(columns[column])}

            def key(
                nid: str, rank: dict[str, int] = rank, current: dict[str, int] = current
            ) -> tuple[float, int]:
                near = [rank[n] for n in neighbours[nid] if n in rank]
                return (sum(near) / len(near) if near else float(current[nid]), current[nid])

            columns[column].sort(key=key)
    return columns


def _place(nodes: dict[str, _Node], columns: dict[int, list[str]]) -> None:
    heights = {c: len(ids) * (NODE_H + ROW_GAP) - ROW_GAP for c, ids in columns.items() if c >= 0}
    tallest = max(heights.values(), default=0)
    for column in (0, 1, 2):
        ids = columns.get(column, [])
        top = MARGIN + (tallest - heights.get(column, 0)) / 2  # centre shorter columns
        for row, nid in enumerate(ids):
            nodes[nid].x = MARGIN + column * (NODE_W + COLUMN_GAP)
            nodes[nid].y = top + row * (NODE_H + ROW_GAP)
    dustbin_top = MARGIN + tallest + (DUSTBIN_GAP if tallest else 0)
    # as many per row as fit in the width of the three columns
    per_row = (3 * NODE_W + 2 * COLUMN_GAP + ROW_GAP) // (NODE_W + ROW_GAP)
    for index, nid in enumerate(columns.get(-1, [])):
        row, place = divmod(index, per_row)
        nodes[nid].x = MARGIN + place * (NODE_W + ROW_GAP)
        nodes[nid].y = dustbin_top + row * (NODE_H + ROW_GAP)


def _route(source: _Node, target: _Node, lane: float) -> list[Point]:
    """From the side of `source` facing `target` to the facing side of `target`, bending in
    the corridor between their columns (`lane` spreads arrows that share a corridor)."""
    sy, ty = source.y + NODE_H / 2, target.y + NODE_H / 2
    if target.x >= source.x:
        start, end = source.x + NODE_W, target.x
    else:
        start, end = source.x, target.x + NODE_W
    middle = (start + end) / 2 + lane
    if sy == ty:
        return [(start, sy), (end, ty)]
    return [(start, sy), (middle, sy), (middle, ty), (end, ty)]


def _body(
    nodes: dict[str, _Node], columns: dict[int, list[str]], edges: list[_Edge]
) -> dict[str, Any]:
    lanes: dict[tuple[float, float], int] = defaultdict(int)
    edge_bodies = []
    for edge in edges:
        source, target = nodes.get(edge.source_node), nodes.get(edge.target_node)
        if source is None or target is None:
            continue
        corridor = (min(source.x, target.x), max(source.x, target.x))
        lane = (lanes[corridor] % 9 - 4) * 6.0  # nine lanes, 6 px apart, around the middle
        lanes[corridor] += 1
        edge_bodies.append(
            {
                "id": edge.id,
                "from": edge.source_node,
                "to": edge.target_node,
                "kind": edge.kind,
                "label": edge.label,
                "points": [[x, y] for x, y in _route(source, target, lane)],
                "source": edge.sources[0],
                "sources": edge.sources,
            }
        )
    width = max((n.x + NODE_W for n in nodes.values()), default=0) + MARGIN
    height = max((n.y + NODE_H for n in nodes.values()), default=0) + MARGIN
    ordered = [nodes[nid] for column in sorted(columns) for nid in columns[column]]
    return {
        "width": width,
        "height": height,
        "nodes": [n.as_json() for n in ordered],
        "edges": edge_bodies,
    }
