"""The remote patcher's handler works in a private directory per invocation and leaves nothing
behind, even when the patch fails, so two invocations sharing /tmp never see each other's files.
A process keeps only its last result, in a private folder of its own, so a dev loop's next patch
starts without downloading the artifact again.

The handler is run in-process against a small in-memory S3 (the three calls it makes)."""

from __future__ import annotations

import hashlib
import io
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tether.build.archive import Entry, write_zip
from tether.build.patch import make_delta
from tether.deploy.patcher import handler as patcher
from tether.errors import TetherError


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """Objects in a dict; records the directory of every file the handler downloads to."""

    class exceptions:  # boto3 clients carry their error classes here
        ClientError = ClientError

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.downloads: list[Path] = []

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[Key])}

    def download_file(self, bucket: str, key: str, filename: str) -> None:
        path = Path(filename)
        self.downloads.append(path.parent)
        mode = stat.S_IMODE(path.parent.stat().st_mode)
        assert mode == 0o700, oct(mode)  # private to the invocation
        path.write_bytes(self.objects[key])

    def upload_file(self, filename: str, bucket: str, key: str) -> None:
        self.objects[key] = Path(filename).read_bytes()

    def head_object(self, *, Bucket: str, Key: str) -> None:
        if Key not in self.objects:
            raise ClientError("404")

    def delete_object(self, *, Bucket: str, Key: str) -> None:
        self.objects.pop(Key, None)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeS3:
    fake = FakeS3()
    monkeypatch.setattr(patcher, "_s3", fake)
    monkeypatch.setattr(patcher, "_kept", None)  # a new process
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))
    source = tmp_path / "src"
    source.mkdir()
    (source / "api.py").write_text("X = 1\n")
    written = write_zip([Entry("app/api.py", source / "api.py")], tmp_path / "zips", str)
    fake.objects["code/live.zip"] = written.path.read_bytes()
    return fake


def event(s3: FakeS3, name: str, data: bytes) -> dict[str, Any]:
    s3.objects[f"deltas/{name}.zip"] = make_delta({"app/api.py": data}).entries
    return {"bucket": "b", "source_key": "code/live.zip", "delta_key": f"deltas/{name}.zip"}


def test_each_invocation_gets_its_own_directory_and_removes_it(s3: FakeS3) -> None:
    first = patcher.handler(event(s3, "one", b"X = 2\n"), None)
    second = patcher.handler(event(s3, "two", b"X = 3\n"), None)
    assert first["key"] != second["key"]
    for result in (first, second):
        body = s3.objects[result["key"]]
        assert hashlib.sha256(body).hexdigest() == result["sha256"]
    with zipfile.ZipFile(io.BytesIO(s3.objects[second["key"]])) as archive:
        assert archive.read("app/api.py") == b"X = 3\n"
    one, two = s3.downloads
    assert one != two
    assert one.name.startswith(patcher.SCRATCH_PREFIX)
    assert not one.exists() and not two.exists()
    (kept,) = Path(tempfile.gettempdir()).iterdir()  # only the process's last result is left
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    assert [p.read_bytes() for p in kept.iterdir()] == [s3.objects[second["key"]]]
    assert not [k for k in s3.objects if k.startswith("deltas/")]


def test_patching_the_last_result_again_needs_no_download(s3: FakeS3) -> None:
    first = patcher.handler(event(s3, "one", b"X = 2\n"), None)
    s3.objects["deltas/next.zip"] = make_delta({"app/api.py": b"X = 4\n"}).entries
    again = {"bucket": "b", "source_key": first["key"], "delta_key": "deltas/next.zip"}
    second = patcher.handler(again, None)
    assert len(s3.downloads) == 1  # the first patch's source only
    with zipfile.ZipFile(io.BytesIO(s3.objects[second["key"]])) as archive:
        assert archive.read("app/api.py") == b"X = 4\n"


def test_a_failed_patch_leaves_nothing_behind(s3: FakeS3) -> None:
    s3.objects["deltas/bad.zip"] = b"not a zip"
    with pytest.raises(TetherError):
        patcher.handler(
            {"bucket": "b", "source_key": "code/live.zip", "delta_key": "deltas/bad.zip"}, None
        )
    left = list(Path(tempfile.gettempdir()).iterdir())
    assert [list(p.iterdir()) for p in left] == [[]]  # an empty private folder at most
    assert "deltas/bad.zip" not in s3.objects
