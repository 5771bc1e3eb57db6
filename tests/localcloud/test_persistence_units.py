"""The pieces of the local cloud's persistence, in this process: what the pickler re-creates,
the snapshot file's discipline, and the scheduler taking up its saved next times."""

from __future__ import annotations

import collections
import io
import pickle
import threading
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.localcloud.test_scheduler_ticks import START, World
from tether.localcloud import persistence
from tether.localcloud.persistence import MAGIC, StateRefused


class Holder:
    """An object as moto keeps them: locks, weak maps, a defaultdict with a lambda."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.condition = threading.Condition()
        self.event = threading.Event()
        self.event.set()
        self.semaphore = threading.BoundedSemaphore(3)
        self.thread = threading.Thread(target=lambda: None)
        self.aliases: collections.defaultdict[str, dict[str, int]] = collections.defaultdict(
            lambda: {}
        )
        self.aliases["a"]["b"] = 1
        self.children = [Child("one"), Child("two")]
        self.arns: weakref.WeakValueDictionary[str, Child] = weakref.WeakValueDictionary(
            {c.name: c for c in self.children}
        )


class Child:
    def __init__(self, name: str) -> None:
        self.name = name


def round_trip(value: Any) -> Any:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = persistence._dispatch_table()
    pickler.dump(value)
    return pickle.loads(buffer.getvalue())


def test_what_cannot_be_pickled_is_re_created() -> None:
    holder = Holder()
    holder.lock.acquire()  # a held lock comes back released
    copy = round_trip(holder)
    assert copy.lock.acquire(blocking=False)
    assert copy.rlock.acquire(blocking=False)
    with copy.condition:
        copy.condition.notify_all()
    assert copy.event.is_set()
    assert copy.semaphore.acquire(blocking=False)
    assert copy.thread is None
    assert copy.aliases["a"] == {"b": 1} and copy.aliases["new"] == {}
    assert dict(copy.arns) == {"one": copy.children[0], "two": copy.children[1]}


def test_a_defaultdict_whose_lambda_makes_something_else_is_refused() -> None:
    odd: collections.defaultdict[str, int] = collections.defaultdict(lambda: 7)
    with pytest.raises(pickle.PicklingError, match="factory"):
        round_trip(odd)


def test_moto_backend_dicts_are_saved_by_name_not_copied() -> None:
    from moto.sqs.models import sqs_backends

    assert round_trip({"backends": sqs_backends})["backends"] is sqs_backends
    account = sqs_backends["123456789012"]
    assert round_trip(account) is account


def write(home: Path, header: dict[str, Any], body: bytes) -> Path:
    import hashlib
    import json

    path = persistence.snapshot_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(body).hexdigest()
    path.write_bytes(
        MAGIC
        + json.dumps(header).encode()
        + b"\n"
        + body
        + persistence.END
        + f"{digest} {len(body)}\n".encode()
    )
    return path


def header(**changes: Any) -> dict[str, Any]:
    return {**persistence.versions(), "saved_at": 0.0, "summary": {}, **changes}


def test_a_snapshot_is_checked_before_anything_is_loaded(tmp_path: Path) -> None:
    assert persistence.load(tmp_path) is None  # nothing saved: an empty start
    body = pickle.dumps({"backends": [], "tether": {"x": 1}})
    write(tmp_path, header(), body)
    loaded = persistence.load(tmp_path)
    assert loaded is not None and loaded.tether == {"x": 1} and loaded.backends == []

    path = write(tmp_path, header(moto="4.0.0"), body)
    with pytest.raises(StateRefused, match=r"moto 4\.0\.0 \(this is 5\.") as raised:
        persistence.load(tmp_path)
    assert "--forget" in raised.value.hint

    path.write_bytes(path.read_bytes().replace(b'"moto": "4.0.0"', b'"moto": "x'))
    with pytest.raises(StateRefused, match="damaged"):
        persistence.load(tmp_path)

    good = write(tmp_path, header(), body).read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF  # a damaged byte in the middle
    path.write_bytes(bytes(flipped))
    with pytest.raises(StateRefused, match="checksum"):
        persistence.load(tmp_path)
    path.write_bytes(good[: len(good) - 10])  # torn
    with pytest.raises(StateRefused, match="checksum"):
        persistence.load(tmp_path)

    write(tmp_path, header(), b"not a pickle")
    with pytest.raises(StateRefused, match="cannot be loaded"):
        persistence.load(tmp_path)

    assert persistence.forget(tmp_path) is True
    assert persistence.load(tmp_path) is None and persistence.forget(tmp_path) is False


def test_save_writes_atomically_and_reads_back(tmp_path: Path) -> None:
    saved = persistence.save(tmp_path, {"stream_positions": {"u": 3}})
    assert saved.path == persistence.snapshot_path(tmp_path) and saved.bytes > 0
    assert [p.name for p in saved.path.parent.iterdir()] == [persistence.SNAPSHOT_NAME]
    loaded = persistence.load(tmp_path)
    assert loaded is not None and loaded.tether == {"stream_positions": {"u": 3}}
    assert loaded.header.format == persistence.FORMAT


def test_the_scheduler_takes_up_its_saved_next_times() -> None:
    world = World()
    world.add("daily", "rate(1 day)")
    world.add("hourly", "rate(1 hour)")
    before = world.scheduler()
    world.run(before, 5)
    saved = before.saved()
    assert {ref.name: when for ref, (_, _, when) in saved.items()} == {
        "daily": datetime.fromtimestamp(START, UTC) + timedelta(days=1),
        "hourly": datetime.fromtimestamp(START, UTC) + timedelta(hours=1),
    }

    # The cloud was stopped for two hours: the hourly time passed (not caught up), the daily
    # one did not (kept).
    world.clock.advance(2 * 3600)
    after = world.scheduler()
    after.resume(saved)
    times = {ref.name: after.next_fire(ref) for ref in world.rules}
    assert times["daily"] == datetime.fromtimestamp(START, UTC) + timedelta(days=1)
    assert times["hourly"] == datetime.fromtimestamp(START, UTC) + timedelta(hours=3)
    assert world.run(after, 60) == []  # nothing fires at the restart
