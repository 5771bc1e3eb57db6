"""The graph: layered, deterministic, no overlapping nodes, external resources flagged, unused
ones apart; and fast enough for 200 functions."""

from __future__ import annotations

import time
from itertools import combinations
from typing import Any

from tests.ide.conftest import Ide
from tether.ide.graph import layout


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def _check_shape(graph: dict[str, Any]) -> None:
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert not [(a["id"], b["id"]) for a, b in combinations(graph["nodes"], 2) if _overlap(a, b)]
    for node in graph["nodes"]:
        assert node["x"] >= 0 and node["x"] + node["w"] <= graph["width"]
        assert node["y"] >= 0 and node["y"] + node["h"] <= graph["height"]
    for edge in graph["edges"]:
        source, target = nodes[edge["from"]], nodes[edge["to"]]
        (x0, y0), (x1, y1) = edge["points"][0], edge["points"][-1]
        assert (
            x0 in (source["x"], source["x"] + source["w"]) and y0 == source["y"] + source["h"] / 2
        )
        assert (
            x1 in (target["x"], target["x"] + target["w"]) and y1 == target["y"] + target["h"] / 2
        )
        for (ax, ay), (bx, by) in zip(edge["points"], edge["points"][1:], strict=False):
            assert ax == bx or ay == by  # orthogonal segments


def test_the_graph_of_photos(ide: Ide) -> None:
    graph = ide.get("/api/graph").json
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert {f"f:{f}" for f in ("resize", "api", "worker", "notify", "report")} <= set(nodes)
    assert {
        f"r:{r}"
        for r in ("uploads", "thumbs", "orders", "alerts", "work", "nightly", "web", "archive")
    } <= set(nodes)
    assert nodes["r:archive"]["external"] is True
    assert not [n for n in graph["nodes"] if n["external"] and n["id"] != "r:archive"]
    assert not [n for n in graph["nodes"] if n["unused"]]
    assert nodes["r:uploads"]["type"] == "s3.bucket" and nodes["f:resize"]["type"] == "function"
    # triggers left of functions, resources operated on right of them
    assert nodes["r:uploads"]["x"] < nodes["f:resize"]["x"] < nodes["r:thumbs"]["x"]
    edges = {e["id"]: e for e in graph["edges"]}
    trigger = next(e for e in graph["edges"] if e["from"] == "r:uploads" and e["to"] == "f:resize")
    assert trigger["kind"] == "trigger" and trigger["source"]["file"] == "tether.yaml"
    put = edges["o:resize>thumbs"]
    assert put["kind"] == "operation" and put["label"] == "s3:PutObject"
    assert put["source"] == {"file": "app/resize.py", "line": 64}
    assert edges["o:report>archive"]["to"] == "r:archive"
    _check_shape(graph)
    assert ide.get("/api/graph").json == graph  # deterministic


def test_unused_resources_sit_apart_in_the_dustbin(ide: Ide, restore: None) -> None:
    yaml_path = ide.root / "tether.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace(
            "  archive:", "  spare: {type: sqs.queue}\n  old: {type: s3.bucket}\n  archive:"
        )
    )
    graph = ide.get("/api/graph").json
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["r:spare"]["unused"] and nodes["r:old"]["unused"]
    lowest = max(n["y"] + n["h"] for n in graph["nodes"] if not n["unused"])
    assert nodes["r:spare"]["y"] > lowest and nodes["r:old"]["y"] > lowest
    assert not [e for e in graph["edges"] if "r:spare" in (e["from"], e["to"])]
    _check_shape(graph)


def test_two_hundred_functions_lay_out_in_well_under_a_second() -> None:
    from bench.ide import big_project

    project = big_project()
    started = time.perf_counter()
    graph = layout(project, project.unused())
    elapsed = time.perf_counter() - started
    assert len([n for n in graph["nodes"] if n["kind"] == "function"]) == 200
    _check_shape(graph)
    assert elapsed < 5  # generous on a shared machine; bench/ide.py reports the real figure
