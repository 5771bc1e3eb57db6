"""`tether dev` when a symbolic link leaving the project appears while it runs.

The loop must say which link and why it is refused, keep watching, keep the previous code
serving, and never put the outside file into a code zip; once the link is gone, the next save
goes live as usual.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.functional.test_dev import lines_of, wait_for


def test_dev_refuses_a_link_out_of_the_project_and_keeps_serving(
    local_cloud: str, photos_copy: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-MATERIAL\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "tether.cli.main", "dev", "--stage", "devlink"],
        cwd=photos_copy,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        found = lines_of(process)
        seen.append(wait_for(found, "watching"))
        app = photos_copy / "app"

        (app / "evil").symlink_to("/etc")
        line = wait_for(found, "outside the project")
        seen.append(line)
        assert "app/evil is a symbolic link to /etc, outside the project" in line
        assert "the previous version keeps serving" in line
        seen.append(wait_for(found, "hint:"))
        (app / "evil").unlink()

        (app / "key.py").symlink_to(secret)
        line = wait_for(found, "app/key.py is a symbolic link")
        seen.append(line)
        assert f"to {os.path.realpath(secret)}, outside the project" in line
        (app / "key.py").unlink()
        assert process.poll() is None, "tether dev stopped"

        api = app / "api.py"
        api.write_text(api.read_text() + "\n# an edit after the links are gone\n")
        line = wait_for(found, "api live (quick)")
        seen.append(line)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    assert not any("Traceback" in line for line in seen), seen
    for artifact in (photos_copy / ".tether").rglob("*.zip"):
        with zipfile.ZipFile(artifact) as archive:
            names = archive.namelist()
            assert not any(n.startswith(("app/evil", "app/key.py")) for n in names), artifact
            for name in names:
                assert b"SECRET-MATERIAL" not in archive.read(name), (artifact, name)
