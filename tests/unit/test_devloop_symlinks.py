"""The edit loop and symbolic links leaving the project, created while `tether dev` runs.

A save of `app/evil -> /etc` or `app/key.py -> ~/.ssh/id_rsa` used to crash the loop with a
traceback (the saved path was resolved through the link, then taken relative to the project).
Now it is a change like any other: the build refuses the link, the loop says so with the hint,
keeps watching, and nothing is deployed, so the previous code keeps serving.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import write_project
from tether.devloop import check_syntax, deploy_change, relevant, run, saved_at


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "demo",
        """
        name: demo
        functions:
          hello:
            handler: app/main.handler
        """,
    )


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A private key outside the project (a stand-in for ~/.ssh/id_rsa)."""
    path = tmp_path / "home" / ".ssh" / "id_rsa"
    path.parent.mkdir(parents=True)
    path.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot really\n")
    return path


def test_saved_links_leaving_the_project_are_changes_in_the_project(
    project: Path, secret: Path
) -> None:
    (project / "app" / "evil").symlink_to("/etc")
    (project / "app" / "key.py").symlink_to(secret)
    saved = [str(project / "app" / "evil"), str(project / "app" / "key.py"), "/etc/passwd"]
    assert relevant(project, saved) == ["app/evil", "app/key.py"]
    assert saved_at(project, ["app/evil", "app/key.py", "app/gone.py"]) > 0


def test_the_syntax_check_never_reads_a_file_outside_the_project(
    project: Path, secret: Path
) -> None:
    """The key is not Python; compiling it would report a bogus syntax error (and read it)."""
    (project / "app" / "key.py").symlink_to(secret)
    assert check_syntax(project, ["app/key.py"]) is None


def test_the_syntax_check_reports_null_bytes_instead_of_crashing(project: Path) -> None:
    (project / "app" / "bin.py").write_bytes(b"x = 1\x00\n")
    error = check_syntax(project, ["app/bin.py"])
    assert error is not None and error.startswith("app/bin.py:1: syntax error")


@pytest.mark.parametrize("link", ["dir", "file"])
def test_a_link_leaving_the_project_is_reported_and_nothing_is_deployed(
    project: Path, secret: Path, link: str
) -> None:
    """Refused by the build before any cloud is opened: the previous version keeps serving."""
    if link == "dir":
        (project / "app" / "evil").symlink_to("/etc")
        rel, target = "app/evil", "/etc"
    else:
        (project / "app" / "key.py").symlink_to(secret)
        rel, target = "app/key.py", os.path.realpath(secret)
    outcome = deploy_change(project, [rel], stage="dev", target="local", saved_at=0.0)
    assert not outcome.ok
    first, hint = outcome.line.split("\n")
    assert first.endswith(
        f"deploy failed: {rel} is a symbolic link to {target}, outside the project; "
        "the previous version keeps serving"
    )
    assert hint.startswith("    hint: ") and rel in hint
    assert not (project / ".tether" / "build").exists() or not any(
        (project / ".tether" / "build").glob("*.zip")
    )


def test_the_loop_keeps_going_after_a_refused_save(project: Path, secret: Path) -> None:
    (project / "app" / "evil").symlink_to("/etc")
    (project / "app" / "key.py").symlink_to(secret)
    lines: list[str] = []
    batches = [{str(project / "app" / "evil")}, {str(project / "app" / "key.py")}]
    run(project, stage="dev", target="local", batches=batches, say=lines.append)
    assert len(lines) == 2
    assert all("outside the project; the previous version keeps serving" in line for line in lines)
