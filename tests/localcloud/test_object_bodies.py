"""S3 objects in the local cloud's snapshot, in this process: their bodies go to the store (once,
streamed) and not into the pickle, come back byte for byte with every version and field, a
failed snapshot leaves the previous one whole, and bodies nothing refers to go."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.s3.models import FakeKey, get_canned_acl, s3_backends

from tether.localcloud import persistence
from tether.localcloud.persistence import MAGIC, StateRefused
from tether.localcloud.s3 import object_bodies
from tether.localcloud.s3.object_bodies import BodyStore, SnapshotBodies, StoredBody

BIG = 6_000_000  # over moto's 5 MB: moto keeps it in a temporary file
MEDIUM = 100_000  # in moto's memory, over INLINE: in the store too
REGION = "us-east-1"


@pytest.fixture
def s3(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An S3 backend of an account of this test only, removed afterwards."""
    account = str(100000000000 + abs(hash(request.node.nodeid)) % 10**11)
    backend = s3_backends[account]["aws"]
    try:
        yield backend
    finally:
        for bucket in list(backend.buckets.values()):
            for versions in list(dict.values(bucket.keys)):
                for version in versions:
                    getattr(version, "dispose", lambda: None)()
            s3_backends.bucket_accounts.pop(bucket.name, None)
        dict.pop(s3_backends, account, None)


def body(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def fill(s3: Any, name: str) -> dict[str, bytes]:
    """A versioned bucket: big, medium and small objects, two versions of one, a delete
    marker, metadata, tags, an ACL; what each key's latest version holds."""
    s3.create_bucket(name, REGION)
    s3.put_bucket_versioning(name, "Enabled")
    latest = {"big": body(BIG, 1), "medium": body(MEDIUM, 2), "small": b"tiny"}
    s3.put_object(name, "big", body(BIG, 0))  # the older version
    for key, data in latest.items():
        made = s3.put_object(name, key, data, storage="STANDARD")
        made.set_metadata({"Content-Type": "text/plain", "x-amz-meta-kind": key})
        made.set_acl(get_canned_acl("public-read"))
        s3.tagger.tag_resource(made.arn, [{"Key": "kind", "Value": key}])
        made.etag  # noqa: B018 (moto computes it on first use, as a PUT's answer does)
    s3.put_object(name, "gone", body(MEDIUM, 3))
    s3.delete_object(name, "gone")  # a delete marker over a version
    return latest


def versions(s3: Any, name: str) -> list[tuple[Any, ...]]:
    bucket = s3.buckets[name]
    found = []
    for key, listed in sorted(dict.items(bucket.keys)):
        for version in listed:
            if isinstance(version, FakeKey):
                found.append(
                    (
                        key,
                        version.version_id,
                        version.etag,
                        version.size,
                        version.last_modified,
                        dict(version.metadata),
                        version.value,
                        grants(version.acl),
                    )
                )
            else:
                found.append((key, version.version_id, "delete marker"))
    return found


def grants(acl: Any) -> list[tuple[Any, ...]]:
    return [
        (grant.permissions, [(grantee.uri, grantee.id) for grantee in grant.grantees])
        for grant in (acl.grants if acl is not None else [])
    ]


def loaded_s3(loaded: persistence.Loaded, account: str) -> Any:
    for backends, accounts in loaded.backends:
        if backends is s3_backends:
            return accounts[account]["aws"]
    raise AssertionError("no S3 in the snapshot")


def object_bodies_in(home: Path) -> list[str]:
    folder = home / "local" / "state" / object_bodies.OBJECTS_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_objects_come_back_byte_for_byte_with_every_version(tmp_path: Path, s3: Any) -> None:
    latest = fill(s3, "kept-versions")
    before = versions(s3, "kept-versions")
    saved = persistence.save(tmp_path)

    assert saved.bytes < BIG // 4  # the bodies are not in it
    # two big versions, two medium ones (`gone` too); `small` stays in the pickle
    assert len(object_bodies_in(tmp_path)) == 4
    loaded = persistence.load(tmp_path)
    assert loaded is not None
    again = loaded_s3(loaded, s3.account_id)
    assert versions(again, "kept-versions") == before  # bodies, ETags, fields, delete marker
    keys = again.buckets["kept-versions"].keys
    for key, data in latest.items():
        assert keys[key].value == data
        tags = again.tagger.get_tag_dict_for_resource(keys[key].arn)
        assert tags == {"kind": key}
    # a restored body is read from the store when asked, not copied into memory at load
    assert isinstance(keys["big"]._value_buffer, StoredBody)


def test_a_snapshot_does_not_hold_the_bodies_in_memory(tmp_path: Path, s3: Any) -> None:
    s3.create_bucket("kept-big", REGION)
    for n in range(3):
        s3.put_object("kept-big", f"big/{n}", body(BIG, n)).etag  # noqa: B018
    bucket = s3.buckets["kept-big"]

    def peak(dispatch_table: dict[type, Any]) -> int:
        with (tmp_path / "pickle.bin").open("wb") as out:
            tracemalloc.start()
            try:
                pickler = pickle.Pickler(out, protocol=5)
                pickler.dispatch_table = dispatch_table
                pickler.dump(bucket)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    in_pickle = peak(persistence._dispatch_table())  # as moto pickles a key: its bytes in it
    in_store = peak(persistence._dispatch_table(SnapshotBodies(BodyStore(tmp_path), set())))
    assert in_pickle > 3 * BIG  # (what this measures: every body at once)
    assert in_store < BIG // 2  # a chunk at a time
    assert len(object_bodies_in(tmp_path)) == 3


def test_bodies_are_written_once_and_go_when_no_snapshot_refers_to_them(
    tmp_path: Path, s3: Any
) -> None:
    s3.create_bucket("kept-once", REGION)
    for n in range(2):
        s3.put_object("kept-once", f"big/{n}", body(BIG, n)).etag  # noqa: B018
    store = BodyStore(tmp_path)
    store.folder.mkdir(parents=True)
    leftover = store.folder / ".interrupted.tmp"  # a body a crash cut short
    leftover.write_bytes(b"half")
    unused = store.folder / ("0" * 64)  # a body the state of that crash no longer had
    unused.write_bytes(b"old")
    persistence.save(tmp_path, bodies=store)
    first = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in store.folder.iterdir()}
    assert len(first) == 2 and not leftover.exists() and not unused.exists()

    persistence.save(tmp_path, bodies=store)  # nothing new: nothing written again
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in store.folder.iterdir()} == first

    s3.delete_object("kept-once", "big/0")
    s3.put_object("kept-once", "big/1", body(BIG, 1))  # a new key, the same bytes
    persistence.save(tmp_path, bodies=store)
    assert len(object_bodies_in(tmp_path)) == 1  # big/0's body went
    loaded = persistence.load(tmp_path)
    assert loaded is not None
    assert loaded_s3(loaded, s3.account_id).buckets["kept-once"].keys["big/1"].value == body(BIG, 1)


def test_a_failed_snapshot_leaves_the_previous_one_whole(tmp_path: Path, s3: Any) -> None:
    s3.create_bucket("kept-whole", REGION)
    s3.put_object("kept-whole", "first", body(BIG, 1)).etag  # noqa: B018
    store = BodyStore(tmp_path)
    persistence.save(tmp_path, bodies=store)
    good = persistence.snapshot_path(tmp_path).read_bytes()

    s3.put_object("kept-whole", "second", body(BIG, 2)).etag  # noqa: B018
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        persistence.save(tmp_path, {"unsaveable": threading.local()}, bodies=store)
    assert persistence.snapshot_path(tmp_path).read_bytes() == good
    loaded = persistence.load(tmp_path)
    assert loaded is not None
    keys = loaded_s3(loaded, s3.account_id).buckets["kept-whole"].keys
    assert list(keys) == ["first"] and keys["first"].value == body(BIG, 1)

    persistence.save(tmp_path, bodies=store)  # the next one has both
    loaded = persistence.load(tmp_path)
    assert loaded is not None
    keys = loaded_s3(loaded, s3.account_id).buckets["kept-whole"].keys
    assert keys["second"].value == body(BIG, 2)

    # a body only a failed snapshot wrote goes with the next one that does not need it
    s3.put_object("kept-whole", "third", body(BIG, 3)).etag  # noqa: B018
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        persistence.save(tmp_path, {"unsaveable": threading.local()}, bodies=store)
    assert len(object_bodies_in(tmp_path)) == 3
    s3.delete_object("kept-whole", "third")
    persistence.save(tmp_path, bodies=store)
    digests = sorted(hashlib.sha256(body(BIG, n)).hexdigest() for n in (1, 2))
    assert object_bodies_in(tmp_path) == digests


def test_a_snapshot_whose_body_is_missing_is_refused(tmp_path: Path, s3: Any) -> None:
    s3.create_bucket("kept-missing", REGION)
    s3.put_object("kept-missing", "big", body(BIG, 1)).etag  # noqa: B018
    persistence.save(tmp_path)
    (tmp_path / "local" / "state" / "objects" / object_bodies_in(tmp_path)[0]).unlink()
    with pytest.raises(StateRefused, match=r"s3://kept-missing/big.*missing") as refused:
        persistence.load(tmp_path)
    assert "--forget" in refused.value.hint


def test_a_snapshot_with_the_bodies_in_the_pickle_still_loads(tmp_path: Path, s3: Any) -> None:
    """Format 1, written before the store: moto's own pickling of its keys."""
    s3.create_bucket("kept-old", REGION)
    s3.put_object("kept-old", "big", body(BIG, 1)).etag  # noqa: B018
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.dispatch_table = persistence._dispatch_table()
    pickler.dump({"backends": persistence._backends(), "tether": {}})
    header = {**persistence.versions(), "format": 1, "saved_at": 0.0, "summary": {}}
    write_snapshot(tmp_path, header, out.getvalue())
    loaded = persistence.load(tmp_path)
    assert loaded is not None
    assert loaded_s3(loaded, s3.account_id).buckets["kept-old"].keys["big"].value == body(BIG, 1)


def write_snapshot(home: Path, header: dict[str, Any], pickled: bytes) -> None:
    import json

    path = persistence.snapshot_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    end = persistence.END + f"{hashlib.sha256(pickled).hexdigest()} {len(pickled)}\n".encode()
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + pickled + end)


def test_a_restored_body_reads_as_moto_s_buffer_and_a_write_makes_it_a_copy(
    tmp_path: Path,
) -> None:
    data = body(MEDIUM, 7)
    path = tmp_path / "body"
    path.write_bytes(data)
    ref = object_bodies.BodyRef("0" * 64, len(data))
    stored = StoredBody(path, ref, max_size=1024)
    assert stored.read(10) == data[:10] and stored.tell() == 10
    stored.seek(0)
    assert stored.read() == data
    stored.seek(-5, os.SEEK_END)
    assert stored.read() == data[-5:]

    key = FakeKey("k", b"", "123456789012", REGION)
    key._value_buffer = stored
    assert key.value == data and key.etag == f'"{hashlib.md5(data).hexdigest()}"'
    key.value = b"new"  # moto never does, but a write must not touch the stored body
    assert key.value == b"new" and stored.ref is None and path.read_bytes() == data
    key.dispose()
    assert stored.closed
    with pytest.raises(ValueError):
        stored.read()
