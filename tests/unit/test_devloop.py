"""The edit loop's checks on a save, before anything is deployed, and what it tells the user
around a deploy: the words of the start line, the warnings and the HTTP API URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_project
from tether.deploy.pipeline import DeployResult
from tether.devloop import Shown, check_syntax, deployed_words, relevant
from tether.loading import load


def test_only_files_that_can_matter_are_considered(tmp_path: Path) -> None:
    saved = [
        str(tmp_path / "app" / "api.py"),
        str(tmp_path / ".tether" / "dev" / "state.json"),
        str(tmp_path / "app" / "__pycache__" / "api.cpython-311.pyc"),
        str(tmp_path / ".git" / "index"),
        str(tmp_path / "tether.yaml"),
    ]
    assert relevant(tmp_path, saved) == ["app/api.py", "tether.yaml"]


def test_a_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ok.py").write_text("x = 1\n")
    (tmp_path / "app" / "bad.py").write_text("x = 1\ndef broken(:\n")
    assert check_syntax(tmp_path, ["app/ok.py"]) is None
    error = check_syntax(tmp_path, ["app/ok.py", "app/bad.py"])
    assert error is not None and error.startswith("app/bad.py:2: syntax error")


EDITOR_FILES = [
    "app/.api.py.swp",  # vim's swap file, and the next ones when it is taken
    "app/.api.py.swo",
    "app/.api.py.swx",
    "app/4913",  # vim's probe: may this folder be written?
    "app/api.py~",  # backups
    "tether.yaml~",
    "app/sedAbC123",  # GNU sed -i writes here, then renames over the file
    "app/.#api.py",  # Emacs: lock file, auto-save file
    "app/#api.py#",
    "app/api.py___jb_tmp___",  # JetBrains' safe write
    "app/api.py___jb_old___",
    "app/upload.tmp",
]


def test_files_editors_write_while_saving_are_not_changes(tmp_path: Path) -> None:
    saved = [str(tmp_path / rel) for rel in EDITOR_FILES]
    assert relevant(tmp_path, saved) == []


@pytest.mark.parametrize(
    "rel", ["app/sedan.py", "app/sed.py", "app/tmp_files.py", "app/swap.py", "app/4913.json"]
)
def test_project_files_that_look_like_editor_files_are_still_changes(
    tmp_path: Path, rel: str
) -> None:
    assert relevant(tmp_path, [str(tmp_path / rel), str(tmp_path / "app/.api.py.swp")]) == [rel]


def result(path: str, seconds: float, reason: str = "", functions: tuple[str, ...] = ()) -> Any:
    return DeployResult(
        plan=None,
        outputs={},
        uploaded_bytes=0,
        seconds=seconds,
        path=path,
        reason=reason,
        functions=functions,
    )


def test_the_start_line_says_what_the_deploy_did_in_words() -> None:
    assert (
        deployed_words(result("none", 0.71))
        == "up to date: nothing changed since the last deploy (0.7 s)"
    )
    assert (
        deployed_words(result("full", 1.84, "first deploy of the stage"))
        == "deployed (first deploy of the stage) in 1.8 s"
    )
    assert (
        deployed_words(result("quick", 0.3, "only code changed: 1 file", ("api",)))
        == "deployed the code of api (quick path; only code changed: 1 file) in 0.3 s"
    )


PROJECT = """
    name: shop
    resources:
      web: {type: http.api}
    functions:
      api:
        handler: app/api.handler
        triggers: [{resource: web, route: "GET /orders"}]
    """
REKOGNITION = (
    "import boto3\n\nrek = boto3.client('rekognition')\n\n\n"
    "def handler(event, context):\n    return rek.detect_labels(Image={})\n"
)


def test_warnings_and_urls_are_shown_at_the_start_then_only_when_they_change(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path, PROJECT, {"app/api.py": REKOGNITION})
    outputs = {"WebHttpApiUrl": "http://127.0.0.1:4600", "ApiFunctionArn": "arn:..."}
    shown = Shown()
    warning, url = shown.news(load(root), outputs)
    assert warning.startswith("app/api.py:7: warning: rekognition.detect_labels: ")
    assert "this call gets none (fix: " in warning and warning.endswith("outside Tether)")
    assert url == "http api web: http://127.0.0.1:4600"
    assert shown.news(load(root), outputs) == []  # a save that changed neither

    (root / "app" / "api.py").write_text("def handler(event, context):\n    return {}\n")
    assert shown.news(load(root), outputs) == ["warnings changed: none now"]

    (root / "tether.yaml").write_text(
        (root / "tether.yaml").read_text().replace("web:", "admin: {type: http.api}\n  web:")
    )
    grown = {**outputs, "AdminHttpApiUrl": "http://127.0.0.1:4601"}
    assert shown.news(load(root), grown) == [
        "warnings changed: 1 warning now",
        "tether.yaml:3: warning: resource 'admin' is unused: no trigger and no operation "
        "(fix: remove it, or run `tether prune` to remove every unused resource)",
        "http api admin: http://127.0.0.1:4601",
        "http api web: http://127.0.0.1:4600",
    ]
