"""A stored code zip goes only once nothing can need it: no function or layer refers to it, the
snapshot on disk was saved after the last moment anything did (a crash brings that snapshot
back), and it was not stored a moment ago (a function being created with it). The store and
its sweeper in this process, with the functions' references and the snapshot's time given."""

from __future__ import annotations

import time
from pathlib import Path

from tether.localcloud.lambda_.lambda_code import CodeStore
from tether.localcloud.lambda_.lambda_code_sweep import Sweeper


class World:
    """What the sweeper sees: the digests in use, and when the snapshot was last saved."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.saved_at: float | None = None

    def snapshot(self) -> None:
        time.sleep(0.01)
        self.saved_at = time.time()


def stored(store: CodeStore) -> set[str]:
    return set(store.stored())


def test_unused_zips_wait_for_a_snapshot_without_them(tmp_path: Path) -> None:
    store, world = CodeStore(tmp_path), World()
    sweeper = Sweeper(
        store, referenced=lambda: world.used, saved_at=lambda: world.saved_at, grace=0
    )
    old = store.put(b"old zip").sha256
    world.used = {old}
    world.snapshot()
    assert sweeper.sweep().zips == 0

    new = store.put(b"new zip").sha256
    world.used = {new}  # an update: the function runs the new code now
    sweeper.dropped(old)
    swept = sweeper.sweep()
    assert (swept.zips, swept.waiting) == (0, 1)  # the snapshot on disk still has the old code
    assert stored(store) == {old, new}

    world.snapshot()  # saved after the update: a crash would bring back the new code
    assert sweeper.sweep().zips == 1
    assert stored(store) == {new}


def test_nothing_goes_without_a_snapshot_and_a_new_zip_has_its_grace(tmp_path: Path) -> None:
    store, world = CodeStore(tmp_path), World()
    patient = Sweeper(store, referenced=lambda: world.used, saved_at=lambda: world.saved_at)
    orphan = store.put(b"a zip no function refers to yet").sha256

    assert patient.sweep().waiting == 1  # no snapshot at all: nothing can be known
    world.snapshot()
    assert patient.sweep().waiting == 1  # stored just now: its function may be being made
    assert stored(store) == {orphan}

    hasty = Sweeper(store, referenced=lambda: world.used, saved_at=lambda: world.saved_at, grace=0)
    assert hasty.sweep().zips == 1
    assert stored(store) == set()
