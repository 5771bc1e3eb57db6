"""Where the local cloud keeps its files: TETHER_HOME (default ~/.tether).

A leaf module (it imports nothing of the local cloud), so that both the process manager
(`process`) and what runs inside the server (the Lambda runtime's credentials and workers,
`lambda_.lambda_runtime`) can ask for the home without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = "state"  # under <home>/local: the saved state (`persistence`), code zips, S3 bodies


def tether_home() -> Path:
    return Path(os.environ.get("TETHER_HOME") or Path.home() / ".tether")


def state_dir(home: Path) -> Path:
    """Where the local cloud of `home` keeps what survives a restart."""
    return home / "local" / STATE_DIR
