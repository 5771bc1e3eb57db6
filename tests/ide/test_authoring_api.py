"""The authoring endpoints: the catalogue the forms are drawn from, previews that write nothing,
applies that write and are re-checked like a save, undo, field-named errors, schedules and
existing resources of a stopped local cloud."""

from __future__ import annotations

import json
import time

from websockets.sync.client import connect

from tests.ide.conftest import Ide
from tests.ide.test_events import _until


def test_the_catalogue_has_every_kind_with_forms_and_operations(ide: Ide) -> None:
    catalogue = ide.get("/api/authoring/catalogue").json
    kinds = {k["type"]: k for k in catalogue["kinds"]}
    assert set(kinds) == {
        "s3.bucket",
        "dynamodb.table",
        "sns.topic",
        "sqs.queue",
        "schedule",
        "http.api",
    }
    bucket = kinds["s3.bucket"]
    assert bucket["may_be_external"] and bucket["icon"] == "S3"
    put = next(op for op in bucket["operations"] if op["id"] == "s3.put_object")
    assert put["actions"] == ["s3:PutObject"] and any(p["name"] == "Key" for p in put["params"])
    assert [f["name"] for f in kinds["sqs.queue"]["trigger"]["settings"]] == [
        "batch_size",
        "batch_window",
    ]
    assert kinds["http.api"]["trigger"]["settings"][0]["name"] == "route"
    assert kinds["schedule"]["operations"] == [] and not kinds["schedule"]["may_be_external"]
    assert catalogue["event_values"]["s3"] and {
        f["name"] for f in catalogue["function_settings"]
    } >= {"memory", "timeout"}


def test_a_preview_writes_nothing_and_an_apply_is_rechecked_like_a_save(
    ide: Ide, restore: None
) -> None:
    ide.wait_for_watcher()
    before = (ide.root / "app/worker.py").read_bytes()
    lines = before.decode().splitlines()
    inside = next(n for n, text in enumerate(lines, 1) if text.startswith("def handler(")) + 1
    body = {
        "action": "add_operation",
        "function": None,
        "resource": "alerts",
        "operation": "sns.publish",
        "file": "app/worker.py",
        "line": inside,
        "params": {},
    }
    preview = ide.request("POST", "/api/authoring/preview", body)
    assert preview.status == 200, preview.json
    assert preview.json["permissions"] == ["worker: sns:Publish on topic alerts"]
    assert preview.json["environment"] == ["worker: ALERTS_TOPIC_ARN"]
    assert "+++ b/app/worker.py" in preview.json["diff"]
    assert (ide.root / "app/worker.py").read_bytes() == before

    headers = {"X-Tether-Token": ide.token}
    with connect(ide.ws_url(), additional_headers=headers, origin=f"http://{ide.host}") as ws:  # type: ignore[arg-type]
        time.sleep(0.1)
        applied = ide.request("POST", "/api/authoring/apply", body)
        assert applied.status == 200 and applied.json["applied"] is True
        assert applied.json["where"]["file"] == "app/worker.py"
        files = _until(ws, lambda m: m["type"] == "files")
        assert files["changed"] == ["app/worker.py"]  # written once, its temporary file unseen
        project = _until(ws, lambda m: m["type"] == "project")
        worker = project["functions"]["worker"]
        assert any(op["resource"] == "alerts" for op in worker["operations"]), worker
        assert (ide.root / "app/worker.py").read_bytes() != before

        undone = ide.request("POST", "/api/authoring/undo")
        assert undone.status == 200 and undone.json["title"].startswith("undo: add sns.publish")
        assert (ide.root / "app/worker.py").read_bytes() == before
        project = _until(ws, lambda m: m["type"] == "project")
        assert not any(
            op["resource"] == "alerts" for op in project["functions"]["worker"]["operations"]
        )
    again = ide.request("POST", "/api/authoring/undo")
    assert again.status == 409 and again.json["message"] == "nothing to undo"


def test_an_invalid_action_names_the_field(ide: Ide, restore: None) -> None:
    clash = ide.request(
        "POST",
        "/api/authoring/preview",
        {
            "action": "add_trigger",
            "function": "report",
            "resource": "web",
            "settings": {"route": "GET /orders/{x}"},
        },
    )
    assert clash.status == 422
    assert clash.json["error"] == "invalid" and clash.json["field"] == "route"
    assert "routes GET /orders/{id} to api already" in clash.json["message"]
    unknown = ide.request("POST", "/api/authoring/preview", {"action": "paint_it_red"})
    assert unknown.status == 400 and "add_resource" in unknown.json["message"]
    missing = ide.request(
        "POST", "/api/authoring/apply", {"action": "remove_trigger", "function": "worker"}
    )
    assert missing.status == 400 and '"index"' in missing.json["message"]


def test_schedules_are_checked_and_their_next_fire_times_shown(ide: Ide) -> None:
    good = ide.get("/api/authoring/schedule?expression=cron(0%203%20*%20*%20%3F%20*)").json
    assert good["valid"] and len(good["next"]) == 3
    assert all(t.endswith("T03:00:00+00:00") for t in good["next"])
    bad = ide.get("/api/authoring/schedule?expression=rate(5%20minute)").json
    assert (
        not bad["valid"]
        and "unit to agree" in bad["message"]
        and bad["hint"] == "write rate(5 minutes)"
    )


def test_existing_resources_need_the_target_running(
    ide: Ide, monkeypatch: object, tmp_path: object
) -> None:
    import os

    previous = os.environ.get("TETHER_HOME")
    os.environ["TETHER_HOME"] = str(tmp_path)  # a home with no local cloud in it
    try:
        answer = ide.get("/api/authoring/existing?type=s3.bucket")
    finally:
        if previous is None:
            os.environ.pop("TETHER_HOME", None)
        else:
            os.environ["TETHER_HOME"] = previous
    assert answer.status == 422
    assert "local cloud is not running" in answer.json["message"]
    assert "tether local start" in answer.json["hint"]
    assert json.dumps(answer.json)
