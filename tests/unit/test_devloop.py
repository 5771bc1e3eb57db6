"""The edit loop's checks on a save, before anything is deployed."""

from __future__ import annotations

from pathlib import Path

from tether.devloop import check_syntax, relevant


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
