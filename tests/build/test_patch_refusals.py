"""What the zip patcher refuses, with a clear error instead of a corrupt or different artifact:
zips its deterministic writer never produces (ZIP64, encryption, data descriptors, other
methods, comments, unsorted entries, directories, damage), bad entry names and bad deltas."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.build.test_patch import full_build
from tether import TetherError
from tether.build import patch as patch_module
from tether.build import zipindex
from tether.build.patch import Delta, apply_delta, make_delta, patch_zip


def refused(source: Path, match: str, changes: dict[str, bytes | None] | None = None) -> None:
    target = source.with_name("patched.zip")
    with pytest.raises(TetherError, match=match) as caught:
        patch_zip(source, target, {"new.py": b"N\n"} if changes is None else changes)
    assert str(source) in caught.value.message
    assert "build it again in full" in caught.value.hint
    assert not target.exists()


def written_by_zipfile(path: Path, write: Callable[[zipfile.ZipFile], None]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        write(archive)
    return path


def entries(*names: str, text: str = "") -> Callable[[zipfile.ZipFile], None]:
    """Write `names` in this order (a repeated name is written twice)."""

    def write(archive: zipfile.ZipFile) -> None:
        for name in names:
            archive.writestr(name, text)

    return write


def test_limits_match_the_zip_writer() -> None:
    assert zipindex.ZIP64_LIMIT == zipfile.ZIP64_LIMIT
    assert zipindex.MAX_ENTRIES == zipfile.ZIP_FILECOUNT_LIMIT


def test_refuses_a_zip64_archive_with_too_many_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)  # ZIP64 end records from 3 entries
    source = written_by_zipfile(tmp_path / "many.zip", entries("a.py", "b.py", "c.py"))
    refused(source, "ZIP64")


def test_refuses_a_zip64_archive_with_large_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100)  # ZIP64 fields from 100 bytes on
    source = written_by_zipfile(tmp_path / "big.zip", lambda z: z.writestr("a.py", "x" * 500))
    refused(source, "ZIP64")


def test_refuses_a_result_over_the_entry_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = full_build({"a.py": (b"A", False), "b.py": (b"B", False)}, tmp_path)
    monkeypatch.setattr(patch_module, "MAX_ENTRIES", 2)
    refused(source, "3 entries .*65,535")


def test_refuses_a_result_over_2_gib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"a.py": (b"A", False), "b.bin": (os.urandom(400), False)}
    source = full_build(files, tmp_path)
    monkeypatch.setattr(patch_module, "ZIP64_LIMIT", 100)
    refused(source, "ZIP64 .*2 GiB", {"a.py": b"A2"})  # the new entry is small; the zip is not


def test_refuses_a_file_over_2_gib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patch_module, "ZIP64_LIMIT", 100)
    with pytest.raises(TetherError, match=r"huge.bin: 200 bytes needs ZIP64"):
        make_delta({"huge.bin": b"x" * 200})


def test_refuses_encrypted_entries(tmp_path: Path) -> None:
    source = full_build({"a.py": (b"A\n", False)}, tmp_path)
    data = bytearray(source.read_bytes())
    data[6] |= 0x01  # the local header's flags
    central = data.rindex(zipindex.CENTRAL_SIG)
    data[central + 8] |= 0x01  # the central record's flags
    source.write_bytes(bytes(data))
    refused(source, "'a.py' is encrypted")


def test_refuses_data_descriptors(tmp_path: Path) -> None:
    class Unseekable(io.RawIOBase):  # zipfile then writes sizes after the data
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            view = memoryview(b)  # type: ignore[arg-type]
            self.data += view
            return view.nbytes

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.py", "A\n")
    source = tmp_path / "streamed.zip"
    source.write_bytes(bytes(stream.data))
    refused(source, "data descriptor")


def test_refuses_other_compression_methods(tmp_path: Path) -> None:
    source = written_by_zipfile(
        tmp_path / "s.zip", lambda z: z.writestr("a.py", "A", zipfile.ZIP_STORED)
    )
    refused(source, "compression method 0, not deflate")


def test_refuses_archive_comments_and_trailing_data(tmp_path: Path) -> None:
    def commented(archive: zipfile.ZipFile) -> None:
        archive.writestr("a.py", "A")
        archive.comment = b"hello"

    refused(written_by_zipfile(tmp_path / "c.zip", commented), "archive comment")
    source = full_build({"a.py": (b"A", False)}, tmp_path)
    source.write_bytes(source.read_bytes() + b"junk")
    refused(source, "comment or data after its end record")


def test_refuses_unsorted_duplicate_and_directory_entries(tmp_path: Path) -> None:
    unsorted = written_by_zipfile(tmp_path / "u.zip", entries("b.py", "a.py"))
    refused(unsorted, "'a.py' appears out of order")
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = written_by_zipfile(tmp_path / "d.zip", entries("a.py", "a.py"))
    refused(twice, "'a.py' appears twice")
    refused(written_by_zipfile(tmp_path / "f.zip", entries("app/")), "directory entry")


def test_refuses_damaged_zips(tmp_path: Path) -> None:
    source = full_build({"a.py": (b"A\n" * 50, False), "b.py": (b"B\n", False)}, tmp_path)
    good = source.read_bytes()
    source.write_bytes(b"")
    refused(source, "not a zip file")
    source.write_bytes(b"PK" * 100)
    refused(source, "not a zip file")
    broken = bytearray(good)
    broken[14] ^= 0xFF  # the first local header's CRC
    source.write_bytes(bytes(broken))
    refused(source, "local header of 'a.py' does not match its central record")
    source.write_bytes(good[:20] + good[21:])  # one byte lost inside the first entry
    refused(source, "central directory does not end where its end record starts")
    with pytest.raises(TetherError, match="cannot read"):
        patch_zip(tmp_path / "missing.zip", tmp_path / "out.zip", {})


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../escape.py", r"'\.\.' parts"),
        ("/etc/passwd", "relative POSIX path"),
        ("app//x.py", "empty"),
        ("app/", "empty"),
        ("./x.py", r"'\.'"),
        ("nul\x00.py", "NUL"),
        ("cafe\u0301.py", "NFC"),
        ("\udcff.py", "UTF-8"),
    ],
)
def test_refuses_names_the_build_never_makes(name: str, problem: str) -> None:
    with pytest.raises(TetherError, match=problem) as caught:
        make_delta({name: b"x"})
    assert "zip_name" in caught.value.hint


def test_refuses_removing_what_is_not_there(tmp_path: Path) -> None:
    source = full_build({"a.py": (b"A", False)}, tmp_path)
    refused(source, "no entry 'gone.py' to remove", {"gone.py": None})


def test_refuses_a_delta_that_writes_and_removes_a_name(tmp_path: Path) -> None:
    source = full_build({"a.py": (b"A", False)}, tmp_path)
    delta = Delta(make_delta({"a.py": b"A2"}).entries, ("a.py",))
    with pytest.raises(TetherError, match=r"writes and removes 'a.py'") as caught:
        apply_delta(source, tmp_path / "out.zip", delta)
    assert "make_delta" in caught.value.hint
    bad = Delta(b"not a zip", ())
    with pytest.raises(TetherError, match="with this delta: it is not a zip file"):
        apply_delta(source, tmp_path / "out.zip", bad)
