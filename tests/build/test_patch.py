"""Patching a code zip: the result is byte for byte the full rebuild of the same files, valid
for zipfile and `unzip -t`, made without recompressing unchanged entries, and written so an
interrupted patch leaves the old artifact in place."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.build.conftest import ProjectFactory
from tests.helpers import examples
from tether import TetherError
from tether.build import build_code
from tether.build import patch as patch_module
from tether.build.archive import Entry, write_zip
from tether.build.patch import PatchResult, apply_delta, make_delta, patch_zip

Files = dict[str, tuple[bytes, bool]]  # name -> (content, executable)


def full_build(files: Files, folder: Path, name: str = "full.zip") -> Path:
    """The zip `archive.write_zip` makes for `files` (contents staged in a flat folder)."""
    blobs = folder / f"blobs-{name}"
    blobs.mkdir(parents=True)
    entries = []
    for number, (entry, (data, executable)) in enumerate(sorted(files.items())):
        path = blobs / str(number)
        path.write_bytes(data)
        entries.append(Entry(entry, path, executable))
    return write_zip(entries, folder, lambda sha: name).path


def applied(files: Files, changes: Mapping[str, bytes | None], executable: set[str]) -> Files:
    result = dict(files)
    for name, data in changes.items():
        if data is None:
            del result[name]
        else:
            result[name] = (data, name in executable)
    return result


UNZIP = shutil.which("unzip")


def check_valid(path: Path) -> None:
    """zipfile checks every entry's CRC; so does `unzip -t` when installed (see test_unzip)."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        empty = not archive.infolist()
    if UNZIP is not None and not empty:  # unzip -t exits 1 on a zip with no entries
        done = subprocess.run([UNZIP, "-tqq", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def check_result(result: PatchResult, path: Path) -> None:
    data = path.read_bytes()
    assert result.path == path
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


names = st.lists(
    st.sampled_from(["app", "lib", "a", "B", "z_", "é", "naïve.py", "x.py", "ü", "data.bin"]),
    min_size=1,
    max_size=3,
).map("/".join)
contents = st.one_of(
    st.binary(max_size=2_000),
    st.builds(lambda text, times: text.encode() * times, st.text(max_size=30), st.integers(0, 300)),
)
file_sets = st.dictionaries(names, st.tuples(contents, st.booleans()), max_size=12)


@st.composite
def change_sets(draw: st.DrawFn, files: Files) -> tuple[dict[str, bytes | None], set[str]]:
    """Edits, deletions and additions of `files`, and the names written executable."""
    changes: dict[str, bytes | None] = {}
    for name in draw(st.lists(st.sampled_from(sorted(files)), unique=True)) if files else []:
        changes[name] = draw(st.one_of(st.none(), contents))
    for name in draw(st.lists(names, max_size=4)):
        changes.setdefault(name, draw(contents))
    written = sorted(name for name, data in changes.items() if data is not None)
    executable = set(draw(st.lists(st.sampled_from(written), unique=True))) if written else set()
    return changes, executable


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=file_sets, data=st.data())
def test_patches_equal_full_rebuilds_byte_for_byte(files: Files, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        current, path = files, full_build(files, folder, "v0.zip")
        for step in (1, 2):  # a patched zip can be patched again
            changes, executable = data.draw(change_sets(current), label=f"changes {step}")
            target = folder / f"v{step}.zip"
            result = patch_zip(path, target, changes, executable=executable)
            written = {n for n, d in changes.items() if d is not None}
            assert result.changed == tuple(sorted(written & current.keys()))
            assert result.added == tuple(sorted(written - current.keys()))
            current = applied(current, changes, executable)
            expected = full_build(current, folder, f"full{step}.zip")
            assert target.read_bytes() == expected.read_bytes()
            check_result(result, target)
            check_valid(target)
            assert result.removed == tuple(sorted(n for n, d in changes.items() if d is None))
            assert result.bytes_compressed == sum(len(d) for d in changes.values() if d)
            path = target


@pytest.mark.skipif(UNZIP is None, reason="unzip is not installed: zipfile's CRC checks only")
def test_unzip_accepts_a_patched_zip(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": (f"N = {i}\n".encode() * 99, i % 3 == 0) for i in range(30)}
    source = full_build(files, tmp_path)
    changes = {"pkg/m5.py": b"N = 'five'\n", "pkg/m6.py": None, "pkg/zz.py": b"Z\n"}
    patch_zip(source, tmp_path / "p.zip", changes)
    assert UNZIP is not None
    done = subprocess.run([UNZIP, "-t", str(tmp_path / "p.zip")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No errors detected" in done.stdout


def test_reports_what_it_did_and_copies_the_rest(tmp_path: Path) -> None:
    files = {f"app/m{i}.py": (f"X = {i}\n".encode() * 50, False) for i in range(10)}
    source = full_build(files, tmp_path)
    changes = {"app/m3.py": b"X = 'new'\n", "app/m7.py": None, "app/new.py": b"Y = 1\n"}
    result = patch_zip(source, tmp_path / "out" / "patched.zip", changes)
    assert result.changed == ("app/m3.py",)
    assert result.added == ("app/new.py",)
    assert result.removed == ("app/m7.py",)
    assert result.bytes_compressed == len(b"X = 'new'\n") + len(b"Y = 1\n")
    with zipfile.ZipFile(source) as old:
        kept = [i for i in old.infolist() if i.filename not in changes]
        assert result.bytes_copied == sum(30 + len(i.filename) + i.compress_size for i in kept)
    check_result(result, tmp_path / "out" / "patched.zip")


def test_unchanged_entries_are_neither_decompressed_nor_recompressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"lib/m{i:03d}.py": (f"VALUE = {i}\n".encode() * 100, False) for i in range(200)}
    source = full_build(files, tmp_path)
    calls: list[str] = []

    def spy(name: str) -> Callable[..., Any]:
        real = getattr(zlib, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return counted

    for name in ("compressobj", "compress", "decompressobj", "decompress"):
        monkeypatch.setattr(zlib, name, spy(name))
    patch_zip(source, tmp_path / "patched.zip", {"lib/m100.py": b"VALUE = 'edited'\n"})
    assert calls == ["compressobj"]  # one compressor, for the one changed file


def test_executable_bits_follow_the_changes_and_survive_elsewhere(tmp_path: Path) -> None:
    files = {"bin/run.sh": (b"#!/bin/sh\n", True), "bin/tool.sh": (b"#!/bin/sh\n", True)}
    source = full_build(files, tmp_path)
    changes = {"bin/tool.sh": b"#!/bin/sh\necho\n", "bin/new.sh": b"#!/bin/sh\n"}
    patch_zip(source, tmp_path / "p.zip", changes, executable={"bin/new.sh"})
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes == {"bin/new.sh": 0o755, "bin/run.sh": 0o755, "bin/tool.sh": 0o644}


def test_executable_names_must_be_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"app/gone.py"):
        make_delta({"app/gone.py": None}, executable={"app/gone.py"})


def test_removing_everything_and_adding_to_nothing_match_full_builds(tmp_path: Path) -> None:
    files = {"a.py": (b"A\n", False), "b.py": (b"B\n", False)}
    source = full_build(files, tmp_path)
    empty = patch_zip(source, tmp_path / "empty.zip", dict.fromkeys(files))
    assert (tmp_path / "empty.zip").read_bytes() == full_build({}, tmp_path, "e.zip").read_bytes()
    assert empty.size == 22 and empty.bytes_copied == 0
    patch_zip(tmp_path / "empty.zip", tmp_path / "again.zip", {"a.py": b"A\n", "b.py": b"B\n"})
    assert (tmp_path / "again.zip").read_bytes() == source.read_bytes()


def test_patches_a_real_code_artifact_into_the_next_build(make_project: ProjectFactory) -> None:
    project = make_project({"app/util.py": "X = 1\n", "app/old.py": "OLD = 1\n", "é.txt": "é\n"})
    first = build_code(project)
    (project.root / "app/util.py").write_text("X = 2\n")
    (project.root / "app/new.py").write_text("NEW = 1\n")
    (project.root / "app/old.py").unlink()
    second = build_code(project)
    changes = {"app/util.py": b"X = 2\n", "app/new.py": b"NEW = 1\n", "app/old.py": None}
    result = patch_zip(first.path, first.path.with_name("patched.zip"), changes)
    assert result.sha256 == second.sha256
    assert result.path.read_bytes() == second.path.read_bytes()


def test_in_place_patch_replaces_the_source(tmp_path: Path) -> None:
    files = {"a.py": (b"A\n" * 1000, False), "b.py": (b"B\n", False)}
    source = full_build(files, tmp_path)
    with source.open("rb") as reader:  # a reader of the old artifact keeps the old bytes
        result = patch_zip(source, source, {"b.py": b"B2\n"})
        with zipfile.ZipFile(reader) as old:
            assert old.read("b.py") == b"B\n"
    check_result(result, source)
    check_valid(source)


def test_a_delta_applies_to_any_source_with_the_entries(tmp_path: Path) -> None:
    delta = make_delta({"app/x.py": b"X = 1\n", "old.py": None})
    for version in range(2):
        files = {"old.py": (b"", False), f"v{version}.py": (b"V\n", False)}
        source = full_build(files, tmp_path / str(version))
        apply_delta(source, tmp_path / f"{version}.zip", delta)
        expected = {"app/x.py": (b"X = 1\n", False), f"v{version}.py": (b"V\n", False)}
        full = full_build(expected, tmp_path / str(version), "expected.zip")
        assert (tmp_path / f"{version}.zip").read_bytes() == full.read_bytes()


# Crash safety ------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def test_an_interrupted_patch_leaves_the_old_artifact_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"m{i}.py": (os.urandom(5_000), False) for i in range(20)}
    source = full_build(files, tmp_path)
    before = source.read_bytes()

    class Killed(BaseException):
        """The process dying mid-write: nothing catches it."""

    class Interrupted:
        def __init__(self) -> None:
            self.calls = 0

        def update(self, data: object) -> None:
            self.calls += 1
            if self.calls == 2:  # after the first run of entries is written
                raise Killed

    monkeypatch.setattr(hashlib, "sha256", Interrupted)  # as patch.py hashes the output
    with pytest.raises(Killed):
        patch_zip(source, source, {"m10.py": b"changed"})
    assert source.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_a_full_disk_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = full_build({"a.py": (b"A\n", False)}, tmp_path)
    before = source.read_bytes()

    def full_disk(fd: int, size: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(patch_module, "_reserve", full_disk)
    with pytest.raises(TetherError, match=r"cannot write .*No space left on device"):
        patch_zip(source, source, {"a.py": b"A2\n"})
    assert source.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_an_unwritable_target_is_a_clear_error(tmp_path: Path) -> None:
    source = full_build({"a.py": (b"A\n", False)}, tmp_path)
    (tmp_path / "taken.zip").mkdir()
    with pytest.raises(TetherError, match=r"cannot write .*taken\.zip"):
        patch_zip(source, tmp_path / "taken.zip", {"a.py": b"A2\n"})
    assert leftovers(tmp_path) == []


KILLED_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tether.build import patch

    class Slow:
        def __init__(self):
            self.calls = 0
        def update(self, data):
            self.calls += 1
            if self.calls == 2:
                print("writing", flush=True)
                time.sleep(60)

    patch.hashlib.sha256 = Slow
    source = Path(sys.argv[1])
    patch.patch_zip(source, source, {"m10.py": b"changed"})
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_patch_leaves_a_valid_artifact_at_the_target(tmp_path: Path) -> None:
    files = {f"m{i}.py": (os.urandom(50_000), False) for i in range(20)}
    source = full_build(files, tmp_path)
    before = source.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, str(source)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
        assert leftovers(tmp_path)  # the half-written file is a temporary one
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert source.read_bytes() == before
    check_valid(source)
