"""Old code zips under `.tether/build` go once no stage needs them.

Every full build writes `code-<sha12>.zip` and every quick deploy a patched one (as big as the
code: 50 MB a save, for a project with big dependencies in its code), so a day of edits leaves
hundreds. After a deploy records its state, `prune_builds` removes the zips that no stage's
state (`code_path`: the live code, which the next quick deploy patches) and no interrupted
quick deploy's journal names, but the `KEEP_RECENT` newest of those written in the last `GRACE`
seconds (a deploy of another stage may be about to record one: it built its zip a moment ago),
and scratch files of zips and patches that died half-way (older than `GRACE`). So after any
number of saves the folder holds the zips the stages run, the current build, and at most
`KEEP_RECENT` more.

The same goes for the artifact bucket of the local cloud, after each deploy there: each quick
deploy puts the new zip whole (`code/<sha256>.zip`), and the local cloud keeps every object and
saves it in every snapshot of its state. `prune_artifacts` removes the code zips there that nothing can need any
more: no function of the cloud runs that code (a quick deploy patches from the live code), no
stack's parameters name the key (a stack's update or rollback reads it), no journal of an
interrupted quick deploy names it, and it is older than `ARTIFACT_GRACE` seconds (another
deploy may have just put it and not yet made it live). It does nothing while any stack is in
an operation (its rollback may need any key), and nothing on AWS: there, old artifacts stay
(a stack's previous template may be rolled back to), as before. Quick deploys prune in passing
(`prune_artifacts_in_passing`): at most once an `ARTIFACT_GRACE`, not on every save.
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from tether.build.code import BUILD_DIR
from tether.cloud import Cloud
from tether.deploy.journal import read_journal
from tether.deploy.state import STATE_DIR, load_state
from tether.errors import TetherError

GRACE = 600.0  # seconds: of younger zips, the newest are kept whatever the states say...
KEEP_RECENT = 3  # ...this many (so up to 4 stages deploying at once keep their new zips)
ARTIFACT_GRACE = 30.0  # seconds: a younger code zip in the bucket stays
PRUNED_MARKER = "artifacts-pruned"  # under .tether: when the quick path last pruned the bucket
SCRATCH = (".patching-", ".tmp-")  # a patch or a zip being written (archive.write_zip)
CODE_PREFIX = "code/"
_CODE_KEY = re.compile(r"^code/([0-9a-f]{64})\.zip$")


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
    """Remove the code zips (and dead scratch files) no stage needs; how many went."""
    build = root.joinpath(*BUILD_DIR)
    if not build.is_dir():
        return 0
    wanted = needed(root) | {path.name for path in keep}
    if "*" in wanted:
        return 0
    cutoff = (time.time() if now is None else now) - GRACE
    young: list[tuple[float, Path]] = []
    doomed: list[Path] = []
    for path in build.iterdir():
        if not (path.name.startswith((*SCRATCH, "code-")) and path.name.endswith(".zip")):
            continue
        if path.name in wanted:
            continue
        try:
            written = path.stat().st_mtime
        except OSError:
            continue
        if written < cutoff:
            doomed.append(path)
        elif path.name.startswith("code-"):
            young.append((written, path))
        # else: a patch or zip being written by a deploy under way
    young.sort(reverse=True)
    doomed += [path for _, path in young[KEEP_RECENT:]]
    removed = 0
    for path in doomed:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def journaled_keys(root: Path) -> set[str]:
    """The code keys of this project's interrupted quick deploys ("*": a journal it cannot
    read, so any key may be one)."""
    keys: set[str] = set()
    folder = root / STATE_DIR
    for stage_dir in folder.iterdir() if folder.is_dir() else ():
        if not (stage_dir / "journal.json").is_file():
            continue
        try:
            journal = read_journal(root, stage_dir.name)
        except (TetherError, OSError, ValueError):
            return {"*"}
        if journal is not None:
            keys.add(journal.code_key)
    return keys


def prune_artifacts(
    cloud: Cloud, bucket: str, *, root: Path | None = None, now: float | None = None
) -> int:
    """On the local cloud: remove the code zips of `bucket` nothing needs (see the module
    docstring; `root`: the project whose journals to honour); how many went."""
    if cloud.target != "local" or not bucket:
        return 0
    keep = journaled_keys(root) if root is not None else set()
    if "*" in keep:
        return 0
    with cloud.guard():
        stacks = _stacks(cloud)
        if stacks is None:
            return 0
        keep |= stacks
        running = _running_code(cloud)
        cutoff = (time.time() if now is None else now) - ARTIFACT_GRACE
        doomed = []
        s3 = cloud.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=CODE_PREFIX):
            for item in page.get("Contents") or ():
                key = str(item["Key"])
                named = _CODE_KEY.match(key)
                if named is None or key in keep or named.group(1) in running:
                    continue
                if _timestamp(item["LastModified"]) >= cutoff:
                    continue
                doomed.append(key)
        for key in doomed:
            s3.delete_object(Bucket=bucket, Key=key)
    return len(doomed)


def prune_artifacts_in_passing(
    cloud: Cloud, bucket: str, *, root: Path, now: float | None = None
) -> int:
    """`prune_artifacts`, at most once an `ARTIFACT_GRACE` for the project (the time of the
    last one is kept in `.tether/artifacts-pruned`): a zip younger than that stays anyway, so
    the saves of an edit loop, seconds apart, would each pay three listings of the cloud, on
    the way to their new code's first answer, to remove at most one zip a little sooner."""
    now = time.time() if now is None else now
    marker = root / STATE_DIR / PRUNED_MARKER
    with contextlib.suppress(OSError, ValueError):
        if 0 <= now - float(marker.read_text()) < ARTIFACT_GRACE:
            return 0
    pruned = prune_artifacts(cloud, bucket, root=root, now=now)
    with contextlib.suppress(OSError):
        marker.write_text(repr(now))
    return pruned


def _stacks(cloud: Cloud) -> set[str] | None:
    """Every parameter value of every stack (keys among them), or None while a stack is in
    an operation."""
    values: set[str] = set()
    cfn = cloud.client("cloudformation")
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page.get("Stacks") or ():
            status = str(stack.get("StackStatus", ""))
            if status.endswith("_IN_PROGRESS"):
                return None
            if status == "DELETE_COMPLETE":
                continue
            values.update(str(p.get("ParameterValue", "")) for p in stack.get("Parameters") or ())
    return values


def _running_code(cloud: Cloud) -> set[str]:
    """The sha256 (hex) of the code every function version of the cloud runs."""
    found: set[str] = set()
    lam = cloud.client("lambda")
    for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
        for function in page.get("Functions") or ():
            digest = function.get("CodeSha256")
            if digest:
                found.add(base64.b64decode(digest).hex())
    return found


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)
