"""Old code zips under `.tether/build` go once no stage needs them.

Every full build writes `code-<sha12>.zip` and every quick deploy a patched one, so a day of
edits leaves hundreds. After a deploy records its state, `prune_builds` removes the zips that
no stage's state (`code_path`: the live code, which the next quick deploy patches) and no
interrupted quick deploy's journal names, keeping any written in the last `GRACE` seconds (a
deploy of another stage may be about to record one), and scratch files of patches that
died half-way.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from tether.build.code import BUILD_DIR
from tether.deploy.journal import read_journal
from tether.deploy.state import STATE_DIR, load_state
from tether.errors import TetherError

GRACE = 600.0  # seconds: younger zips are kept whatever the states say


def needed(root: Path) -> set[str]:
    """File names under `.tether/build` that some stage's state or journal needs."""
    names: set[str] = set()
    folder = root / STATE_DIR
    for stage_dir in folder.iterdir() if folder.is_dir() else ():
        if not (stage_dir / "state.json").is_file() and not (stage_dir / "journal.json").is_file():
            continue
        try:
            state = load_state(root, stage_dir.name)
            journal = read_journal(root, stage_dir.name)
        except (TetherError, OSError, ValueError):
            return {"*"}  # a record it cannot read: keep everything
        if state is not None and state.code_path:
            names.add(Path(state.code_path).name)
        if journal is not None:
            if not journal.code_sha256:
                return {"*"}  # a damaged journal: which zip it made live is unknown
            names.add(f"code-{journal.code_sha256[:12]}.zip")
    return names


def prune_builds(root: Path, *, keep: tuple[Path, ...] = (), now: float | None = None) -> int:
    """Remove the code zips (and dead patch scratch files) no stage needs; how many went."""
    build = root.joinpath(*BUILD_DIR)
    if not build.is_dir():
        return 0
    wanted = needed(root) | {path.name for path in keep}
    if "*" in wanted:
        return 0
    cutoff = (time.time() if now is None else now) - GRACE
    removed = 0
    for path in build.iterdir():
        if not (path.name.startswith(("code-", ".patching-")) and path.name.endswith(".zip")):
            continue
        if path.name in wanted:
            continue
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
