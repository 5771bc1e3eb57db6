"""The project as the IDE shows it: the check report with markers, checks of unsaved text,
permissions, the plan status line and pruning; all from the services the CLI uses."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.ide.conftest import Ide
from tether.deploy.changes import snapshot
from tether.deploy.plan import template_hash
from tether.deploy.state import StageState, save_state, save_template
from tether.loading import load
from tether.synth import synthesize


def test_info_names_the_project_stage_and_target(ide: Ide) -> None:
    info = ide.get("/api/info").json
    assert info["project"] == "photos"
    assert info["root"] == str(ide.root.resolve())
    assert (info["stage"], info["target"]) == ("dev", "local")
    assert info["version"]


def test_the_project_is_the_check_report_with_summary_and_markers(ide: Ide) -> None:
    body = ide.get("/api/project").json
    cli = subprocess.run(
        [sys.executable, "-m", "tether.cli.main", "check", str(ide.root), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(cli.stdout)
    for key in ("functions", "resources", "unused", "problems"):
        assert body[key] == report[key]
    assert body["summary"] == {"functions": 5, "resources": 8, "errors": 0, "warnings": 0}
    assert body["unused_withheld"] is None
    marker = next(m for m in body["markers"] if m["file"] == "app/resize.py" and m["line"] == 64)
    assert marker["kind"] == "operation"
    assert (marker["resource"], marker["actions"], marker["function"]) == (
        "thumbs",
        ["s3:PutObject"],
        "resize",
    )
    # declared operations live in tether.yaml: they are not code markers
    assert not [m for m in body["markers"] if m["file"] == "tether.yaml"]


def test_unsaved_text_is_checked_without_touching_the_file(ide: Ide) -> None:
    path = ide.root / "app" / "worker.py"
    before = path.read_bytes()
    lines = before.decode().splitlines()
    lines.insert(19, "def broken(:")
    body = ide.request(
        "POST", "/api/check", {"unsaved": {"app/worker.py": "\n".join(lines) + "\n"}}
    ).json
    errors = [p for p in body["problems"] if p["severity"] == "error"]
    assert [(p["file"], p["line"]) for p in errors] == [("app/worker.py", 20)]
    assert body["summary"]["errors"] == 1
    assert path.read_bytes() == before
    # and the same check with the text on disk is clean again
    assert ide.request("POST", "/api/check", {"unsaved": {}}).json["summary"]["errors"] == 0


def test_unsaved_tether_yaml_and_new_code_are_checked_together(ide: Ide) -> None:
    yaml_text = (
        (ide.root / "tether.yaml")
        .read_text()
        .replace("  archive:", "  events: {type: sns.topic}\n  archive:")
    )
    yaml_text += "  audit:\n    handler: app/audit.handler\n"
    code = (
        "import os\nimport boto3\n\nsns = boto3.client('sns')\n\n\n"
        "def handler(event, context):\n"
        "    sns.publish(TopicArn=os.environ['EVENTS_TOPIC_ARN'], Message='x')\n"
    )
    body = ide.request(
        "POST", "/api/check", {"unsaved": {"tether.yaml": yaml_text, "app/audit.py": code}}
    ).json
    assert body["summary"]["errors"] == 0, body["problems"]
    assert [o["action"] for o in body["functions"]["audit"]["operations"]] == ["sns:Publish"]
    assert any(m["file"] == "app/audit.py" and m["line"] == 8 for m in body["markers"])
    assert not (ide.root / "app" / "audit.py").exists()


def test_unsaved_paths_are_confined_too(ide: Ide) -> None:
    reply = ide.request("POST", "/api/check", {"unsaved": {"../x.py": "x = 1\n"}})
    assert reply.status == 403
    assert ide.request("POST", "/api/check", {"unsaved": ["x"]}).status == 400


def test_permissions_list_each_statement_with_its_lines(ide: Ide) -> None:
    body = ide.get("/api/permissions?function=resize").json
    assert body["function"] == "resize"
    put = next(s for s in body["statements"] if "s3:PutObject" in s["actions"])
    assert put["resources"] and put["sid"]
    assert {"file": "app/resize.py", "line": 64} in [
        {"file": s["file"], "line": s["line"]} for s in put["sources"]
    ]
    missing = ide.get("/api/permissions?function=nope")
    assert missing.status == 404 and missing.json["error"] == "not_found"


def test_the_plan_summary_of_a_stage_never_deployed(ide: Ide) -> None:
    body = ide.get("/api/plan/summary").json
    assert body["path"] == "full"
    assert "not been deployed" in body["reason"]
    assert body["changes"] > 0 and body["permissions_added"] > 0 and body["data_at_risk"] == 0
    assert body["text"].endswith("· full path")


def _record_deploy(ide: Ide) -> None:
    """A state as a deploy of the files as they are now would record it."""
    project = load(ide.root)
    files = snapshot(project)
    save_state(
        ide.root,
        StageState(
            stage="dev",
            target="local",
            region=project.region,
            stack=project.stack_name("dev"),
            code_path=".tether/build/code.zip",
            template_sha256=template_hash(synthesize(project, stage="dev", target="local")),
            files={p: r.as_json() for p, r in files.code.items()},
            project_file_sha256=files.project_file,
            requirements_sha256=files.requirements,
        ),
    )


def test_the_plan_summary_follows_the_quick_path_decision(ide: Ide, restore: None) -> None:
    _record_deploy(ide)
    assert ide.get("/api/plan/summary").json["path"] == "none"
    worker = ide.root / "app" / "worker.py"
    worker.write_text(worker.read_text() + "\n# a comment\n")
    quick = ide.get("/api/plan/summary").json
    assert (quick["path"], quick["changes"], quick["permissions_added"]) == ("quick", 1, 0)
    assert quick["text"] == "1 change · +0 permissions · 0 data at risk · quick path"
    yaml_path = ide.root / "tether.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("memory: 512", "memory: 1024"))
    full = ide.get("/api/plan/summary").json
    assert full["path"] == "full"
    assert full["changes"] is None and "unknown" in full["text"]
    # A deploy keeps the template it deployed: then the changes are counted.
    yaml_path.write_text(yaml_path.read_text().replace("memory: 1024", "memory: 512"))
    save_template(ide.root, "dev", synthesize(load(ide.root), stage="dev", target="local"))
    yaml_path.write_text(yaml_path.read_text().replace("memory: 512", "memory: 1024"))
    counted = ide.get("/api/plan/summary").json
    assert (counted["path"], counted["changes"]) == ("full", 1)
    assert counted["text"] == "1 change · +0 permissions · 0 data at risk · full path"


def test_prune_removes_unused_resources(ide: Ide, restore: None) -> None:
    yaml_path = ide.root / "tether.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace("  archive:", "  spare: {type: sqs.queue}\n  archive:")
    )
    assert ide.get("/api/project").json["unused"] == ["spare"]
    assert ide.request("POST", "/api/prune").json == {"removed": ["spare"]}
    assert "spare" not in yaml_path.read_text()


def test_nothing_is_unused_or_pruned_while_a_file_cannot_be_analysed(
    ide: Ide, restore: None
) -> None:
    yaml_path = ide.root / "tether.yaml"
    yaml_path.write_text(
        yaml_path.read_text().replace("  archive:", "  spare: {type: sqs.queue}\n  archive:")
    )
    (ide.root / "app" / "helpers.py").write_text("def broken(:\n")
    report = ide.root / "app" / "report.py"
    report.write_text("from app import helpers  # noqa\n" + report.read_text())
    body = ide.get("/api/project").json
    assert body["unused"] == []
    assert "app/helpers.py" in body["unused_withheld"]
    graph = ide.get("/api/graph").json
    assert graph["nodes"] and not [n for n in graph["nodes"] if n["unused"]]
    refused = ide.request("POST", "/api/prune")
    assert refused.status == 422 and refused.json["error"] == "project"
    assert "spare" in yaml_path.read_text()


def test_a_project_with_errors_is_reported_not_raised(ide: Ide, restore: None) -> None:
    (ide.root / "tether.yaml").write_text("name: photos\nfunctions: [\n")
    body = ide.get("/api/project").json
    assert body["summary"]["errors"] >= 1 and body["functions"] == {}
    assert body["problems"][0]["file"] == "tether.yaml"
    assert ide.get("/api/graph").json["nodes"] == []
    assert ide.get("/api/plan/summary").json["path"] == "unknown"
    denied = ide.get("/api/permissions?function=resize")
    assert denied.status == 422 and denied.json["problems"]
