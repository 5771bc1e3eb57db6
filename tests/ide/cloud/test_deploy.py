"""Plan and deploy from the IDE against a real local cloud: the plan as data, progress over the
WebSocket, a deploy the cloud rejects, a deploy stopped to protect data, the local cloud's
status, and deploy on save."""

from __future__ import annotations

from typing import Any

from tests.helpers import local_session
from tests.ide.cloud.conftest import CloudIde

MISSING_QUEUE = "arn:aws:sqs:us-east-1:123456789012:no-such-queue"


def test_plan_lists_the_changes_then_nothing_once_deployed(cloud_ide: CloudIde) -> None:
    plan = cloud_ide.request("POST", "/api/plan", {}).json
    assert plan["stack"] == f"photos-{cloud_ide.stage}"
    assert plan["noop"] is False and plan["path"] == "full"
    added = {(c["action"], c["owner"]) for c in plan["changes"]}
    assert ("add", "bucket uploads") in added
    assert ("add", "function api") in added
    grants = next(p for p in plan["permissions"] if p["function"] == "resize")
    assert any(g.startswith("s3:PutObject") for g in grants["added"])
    put = next(s for g, s in grants["sources"].items() if g.startswith("s3:PutObject"))
    assert {"file": "app/resize.py", "line": 64} in put  # the s3.put_object call
    assert plan["risks"] == [] and plan["blocked"] == []

    cloud_ide.deployed()
    again = cloud_ide.request("POST", "/api/plan", {}).json
    assert again["noop"] is True and again["path"] == "none" and again["changes"] == []


def test_a_deploy_streams_its_progress_and_ends_with_the_outputs(cloud_ide: CloudIde) -> None:
    with cloud_ide.events() as events:
        reply = cloud_ide.request("POST", "/api/deploy", {"mode": "auto"})
        assert reply.status == 202
        op = reply.json["op"]
        busy = cloud_ide.request("POST", "/api/deploy", {})
        assert busy.status == 409 and busy.json["error"] == "busy"
        messages = events.operation(op)
        plan = events.until(lambda m: m["type"] == "plan")
    assert messages[0] == {
        "type": "deploy",
        "op": op,
        "event": "started",
        "stack": f"photos-{cloud_ide.stage}",
        "stage": cloud_ide.stage,
    }
    resources = [m for m in messages if m["event"] == "resource"]
    assert any(
        m["owner"] == "bucket uploads" and m["status"] == "CREATE_COMPLETE" for m in resources
    )
    assert all({"logical_id", "resource_type", "reason", "timestamp"} <= set(m) for m in resources)
    done = messages[-1]
    assert done["event"] == "done" and done["path"] == "full"
    assert done["reason"] == "first deploy of the stage"
    assert done["outputs"]["WebHttpApiUrl"].startswith("http://127.0.0.1:")
    assert done["uploaded_bytes"] >= 0 and done["seconds"] > 0
    assert plan["path"] == "none"  # the status line follows the deploy


def test_a_deploy_the_cloud_rejects_names_the_failing_resource(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    cloud_ide.edit(
        "tether.yaml",
        "  alerts: {type: sns.topic}\n",
        f"  alerts: {{type: sns.topic}}\n  legacy: {{type: sqs.queue, external: '{MISSING_QUEUE}'}}\n",
    )
    cloud_ide.edit(
        "tether.yaml",
        'triggers: [{resource: web, route: "GET /orders/{id}"}]',
        'triggers: [{resource: web, route: "GET /orders/{id}"}, {resource: legacy}]',
    )
    messages = cloud_ide.deploy()
    failed = messages[-1]
    assert failed["event"] == "failed"
    assert "trigger legacy -> api: ResourceNotFoundException" in failed["message"]
    assert "previous version is still running" in failed["hint"]
    assert any(
        m["event"] == "resource"
        and m["owner"] == "trigger legacy -> api"
        and m["status"].endswith("_FAILED")
        for m in messages
    )


def test_a_deploy_that_would_lose_data_is_blocked_until_the_user_chooses(
    cloud_ide: CloudIde,
) -> None:
    cloud_ide.edit(
        "tether.yaml",
        "  alerts: {type: sns.topic}\n",
        "  alerts: {type: sns.topic}\n  spare: {type: s3.bucket}\n",
    )
    bucket = cloud_ide.deployed()["outputs"]["SpareBucketName"]
    local_session().client("s3", endpoint_url=_endpoint()).put_object(
        Bucket=bucket, Key="keep.txt", Body=b"data"
    )
    cloud_ide.edit("tether.yaml", "  spare: {type: s3.bucket}\n", "")
    plan = cloud_ide.request("POST", "/api/plan", {}).json
    assert plan["blocked"] == ["spare"]
    (risk,) = plan["risks"]
    assert risk["resource"] == "spare" and risk["decision"] == "blocked"
    assert risk["action"] == "remove" and risk["physical_id"] == bucket

    failed = cloud_ide.deploy()[-1]
    assert failed["event"] == "failed" and failed["error"] == "data_loss"
    assert failed["blocked"] == ["spare"]
    assert "--delete spare" in failed["hint"]

    chosen = cloud_ide.request("POST", "/api/plan", {"delete": ["spare"]}).json
    assert chosen["blocked"] == [] and chosen["risks"][0]["decision"] == "delete"
    done = cloud_ide.deploy({"delete": ["spare"]})[-1]
    assert done["event"] == "done", done
    assert "SpareBucketName" not in done["outputs"]


def _endpoint() -> str:
    from tether.localcloud import status

    cloud = status()
    assert cloud is not None
    return cloud.endpoint


def test_the_local_cloud_status_and_the_target(cloud_ide: CloudIde, local_cloud: str) -> None:
    status = cloud_ide.get("/api/local").json
    assert status["running"] is True and status["endpoint"] == local_cloud
    assert (status["target"], status["stage"]) == ("local", cloud_ide.stage)
    started = cloud_ide.request("POST", "/api/local/start").json
    assert started == status  # already running: the same cloud
    info = cloud_ide.request("POST", "/api/target", {"target": "local", "stage": "other"}).json
    assert (info["stage"], info["target"]) == ("other", "local")
    assert cloud_ide.get("/api/local").json["stage"] == "other"
    bad = cloud_ide.request("POST", "/api/target", {"target": "mars", "stage": "x"})
    assert bad.status == 400 and bad.json["error"] == "invalid"


def test_deploy_on_save_makes_a_saved_edit_live(cloud_ide: CloudIde) -> None:
    cloud_ide.deployed()
    cloud_ide.wait_for_watcher()
    assert cloud_ide.request("POST", "/api/dev", {"enabled": True}).json == {"enabled": True}
    read = cloud_ide.get("/api/file?path=app/api.py").json
    edited = read["content"].replace("not found", "is nowhere")
    with cloud_ide.events() as events:
        saved = cloud_ide.request(
            "PUT",
            "/api/file",
            {"path": "app/api.py", "content": edited, "version": read["version"]},
        )
        assert saved.status == 200
        messages = events.operation(None)
    done: dict[str, Any] = messages[-1]
    assert done["event"] == "done", done
    assert done["path"] == "quick" and done["functions"] == ["api"]
    assert 0 < done["ms_from_save"] < 30_000
    answer = cloud_ide.request(
        "POST", "/api/invoke", {"function": "api", "event": {"pathParameters": {"id": "x"}}}
    ).json
    assert "is nowhere" in answer["result"]["body"]
    assert cloud_ide.request("POST", "/api/dev", {"enabled": False}).json == {"enabled": False}
