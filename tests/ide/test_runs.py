"""The step-2 endpoints' refusals that need no cloud, and the traceback mapping of an invoke
error to the project's files."""

from __future__ import annotations

from pathlib import Path

from tests.ide.conftest import Ide
from tether.ide.runs import trace

SHA = "ab" * 32


def test_trace_keeps_the_frames_in_the_project(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "api.py").write_text("x\n")
    payload = {
        "errorType": "KeyError",
        "stackTrace": [
            f'  File "/home/u/.tether/local/code/{SHA}/app/api.py", line 7, in handler\n'
            "    return table[key]\n",
            f'  File "/home/u/.tether/local/layers/{SHA}/python/lib/x.py", line 3, in get\n'
            "    raise KeyError(key)\n",
            '  File "/var/task/app/api.py", line 9, in other\n    pass\n',
            f'  File "/home/u/.tether/local/code/{SHA}/app/gone.py", line 1, in f\n    x\n',
        ],
    }
    assert trace(tmp_path, payload) == [
        {"file": "app/api.py", "line": 7, "text": "return table[key]", "function": "handler"},
        {"file": "app/api.py", "line": 9, "text": "pass", "function": "other"},
    ]
    syntax = {"stackTrace": [f'  File "/x/local/code/{SHA}/app/api.py" Line 2\n    def (:\n']}
    assert trace(tmp_path, syntax) == [{"file": "app/api.py", "line": 2, "text": "def (:"}]
    assert trace(tmp_path, {"errorMessage": "Task timed out"}) == []
    assert trace(tmp_path, "not a payload") == []


def test_bad_requests_are_refused_before_any_work(ide: Ide) -> None:
    bad_mode = ide.request("POST", "/api/deploy", {"mode": "fast"})
    assert bad_mode.status == 400 and bad_mode.json["error"] == "invalid"
    bad_delete = ide.request("POST", "/api/deploy", {"delete": "uploads"})
    assert bad_delete.status == 400
    assert ide.request("POST", "/api/dev", {"enabled": "yes"}).status == 400
    assert ide.get("/api/logs?function=api&since=forever").status == 400
    kind = ide.get("/api/events/new?kind=carrier-pigeon")
    assert kind.status == 400 and "unknown event kind" in kind.json["message"]


def test_a_project_with_errors_cannot_be_planned_or_deployed(ide: Ide, restore: None) -> None:
    yaml = ide.root / "tether.yaml"
    yaml.write_text(yaml.read_text().replace("handler: app/api.handler", "handler: 42"))
    for path in ("/api/plan", "/api/deploy"):
        reply = ide.request("POST", path, {})
        assert reply.status == 422, path
        assert reply.json["error"] == "project" and reply.json["problems"]
