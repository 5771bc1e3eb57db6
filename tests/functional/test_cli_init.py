"""`tether init` as a new user follows it: the next steps it prints, typed into a shell as
printed, check, deploy and invoke the new project, even when `tether` is not on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_the_printed_next_steps_deploy_and_invoke_the_new_project(
    local_cloud: str, tmp_path: Path
) -> None:
    script = Path(sys.executable).parent / "tether"
    env = {**os.environ, "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    init = subprocess.run(
        [str(script), "init", "typed"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    lines = init.stdout.splitlines()
    steps = [line.strip() for line in lines[lines.index("next steps:") + 1 :]]
    assert [step.split("  #")[0].strip() for step in steps] == [
        "cd typed",
        f"{script} check",
        f"{script} deploy",
        f"{script} invoke hello --event events/get-note.json",
        f"{script} dev",
    ]
    # `dev` runs until Ctrl-C: the steps before it, as printed, comments and all
    typed = subprocess.run(
        ["bash", "-c", "\n".join(["set -e", *steps[:4]])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert typed.returncode == 0, typed.stderr
    assert "deployed typed-dev" in typed.stdout
    assert json.loads(typed.stdout[typed.stdout.rindex("{\n") :])["statusCode"] == 404
