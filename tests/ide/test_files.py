"""The file API: list, read, save, create, rename, delete, all confined to the project, with
atomic conditional saves."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests.ide.conftest import Ide


def test_the_listing_is_sorted_and_hides_state_and_caches(ide: Ide, restore: None) -> None:
    (ide.root / ".tether" / "dev").mkdir(parents=True)
    (ide.root / ".tether" / "dev" / "state.json").write_text("{}")
    (ide.root / "app" / "__pycache__").mkdir(exist_ok=True)
    (ide.root / ".git").mkdir(exist_ok=True)
    files = ide.get("/api/files").json["files"]
    paths = [f["path"] for f in files]
    assert paths == sorted(paths)
    assert {"tether.yaml", "app", "app/resize.py"} <= set(paths)
    assert not [p for p in paths if p.split("/")[0] in {".tether", ".git"} or "__pycache__" in p]
    entry = next(f for f in files if f["path"] == "app/resize.py")
    assert entry == {
        "path": "app/resize.py",
        "kind": "file",
        "size": (ide.root / "app/resize.py").stat().st_size,
    }
    assert next(f for f in files if f["path"] == "app")["kind"] == "dir"


def test_a_file_is_read_with_its_version(ide: Ide) -> None:
    body = ide.get("/api/file?path=app/api.py").json
    data = (ide.root / "app" / "api.py").read_bytes()
    assert body["content"] == data.decode()
    assert body["version"] == hashlib.sha256(data).hexdigest()
    missing = ide.get("/api/file?path=app/nope.py")
    assert missing.status == 404 and missing.json["error"] == "not_found"


def test_a_binary_file_comes_without_content(ide: Ide, restore: None) -> None:
    (ide.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    body = ide.get("/api/file?path=logo.png").json
    assert body["binary"] is True and "content" not in body


def test_a_save_replaces_the_file_and_keeps_its_mode(ide: Ide, restore: None) -> None:
    path = ide.root / "app" / "worker.py"
    path.chmod(0o750)
    read = ide.get("/api/file?path=app/worker.py").json
    text = read["content"] + "# edited\n"
    saved = ide.request(
        "PUT", "/api/file", {"path": "app/worker.py", "content": text, "version": read["version"]}
    )
    assert saved.status == 200
    assert path.read_text() == text
    assert saved.json == {
        "path": "app/worker.py",
        "version": hashlib.sha256(text.encode()).hexdigest(),
    }
    assert path.stat().st_mode & 0o777 == 0o750
    assert not [p for p in path.parent.iterdir() if "tether-save" in p.name]


def test_a_save_over_a_file_changed_on_disk_is_refused(ide: Ide, restore: None) -> None:
    path = ide.root / "app" / "notify.py"
    read = ide.get("/api/file?path=app/notify.py").json
    path.write_text(read["content"] + "# changed by another editor\n")
    on_disk = path.read_bytes()
    reply = ide.request(
        "PUT",
        "/api/file",
        {"path": "app/notify.py", "content": "mine\n", "version": read["version"]},
    )
    assert reply.status == 409
    assert reply.json["error"] == "conflict"
    assert "changed on disk" in reply.json["message"]
    assert path.read_bytes() == on_disk


def test_create_refuses_an_existing_file(ide: Ide, restore: None) -> None:
    created = ide.request(
        "PUT", "/api/file", {"path": "app/lib/new.py", "content": "X = 1\n", "version": None}
    )
    assert created.status == 200
    assert (ide.root / "app" / "lib" / "new.py").read_text() == "X = 1\n"
    again = ide.request("PUT", "/api/file", {"path": "app/lib/new.py", "content": "X = 2\n"})
    assert again.status == 409
    assert (ide.root / "app" / "lib" / "new.py").read_text() == "X = 1\n"


def test_rename_and_delete(ide: Ide, restore: None) -> None:
    (ide.root / "notes.txt").write_text("hello\n")
    moved = ide.request("POST", "/api/file/rename", {"from": "notes.txt", "to": "docs/notes.md"})
    assert moved.status == 200 and moved.json == {"path": "docs/notes.md"}
    assert (ide.root / "docs" / "notes.md").read_text() == "hello\n"
    assert not (ide.root / "notes.txt").exists()
    taken = ide.request("POST", "/api/file/rename", {"from": "docs/notes.md", "to": "tether.yaml"})
    assert taken.status == 409
    deleted = ide.request("DELETE", "/api/file?path=docs/notes.md")
    assert deleted.json == {"deleted": "docs/notes.md"}
    assert not (ide.root / "docs" / "notes.md").exists()
    assert ide.request("DELETE", "/api/file?path=docs/notes.md").status == 404


ESCAPES = [
    "../outside.txt",
    "app/../../outside.txt",
    "/etc/passwd",
    "link-out/secret.txt",
    "app/\x00.py",
]


@pytest.fixture
def outside(ide: Ide, restore: None) -> None:
    target = ide.root.parent / "outside"
    target.mkdir(exist_ok=True)
    (target / "secret.txt").write_text("s3cr3t-content\n")
    (ide.root.parent / "outside.txt").write_text("outside\n")
    link = ide.root / "link-out"
    if not link.is_symlink():
        os.symlink(target, link)


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_that_leave_the_project_are_refused(ide: Ide, outside: None, path: str) -> None:
    from urllib.parse import quote

    read = ide.get(f"/api/file?path={quote(path)}")
    assert read.status in {400, 403}
    assert read.json["error"] in {"outside_project", "invalid"}
    assert "s3cr3t-content" not in read.body.decode()
    write = ide.request("PUT", "/api/file", {"path": path, "content": "pwned\n", "version": None})
    assert write.status in {400, 403}
    assert ide.request("DELETE", f"/api/file?path={quote(path)}").status in {400, 403}
    rename = ide.request("POST", "/api/file/rename", {"from": "tether.yaml", "to": path})
    assert rename.status in {400, 403}
    assert (ide.root / "tether.yaml").exists()
    assert (ide.root.parent / "outside" / "secret.txt").read_text() == "s3cr3t-content\n"
    assert (ide.root.parent / "outside.txt").read_text() == "outside\n"


@pytest.mark.parametrize(
    "path", [".tether/dev/state.json", ".git/config", "./.git/hooks/pre-commit"]
)
def test_state_and_repository_are_never_written(ide: Ide, restore: None, path: str) -> None:
    reply = ide.request("PUT", "/api/file", {"path": path, "content": "x", "version": None})
    assert reply.status == 403
    assert not (ide.root / path).exists()


def test_bad_requests_get_a_clear_error(ide: Ide) -> None:
    reply = ide.request("PUT", "/api/file", {"path": "a.py", "content": 3})
    assert reply.status == 400 and reply.json["error"] == "invalid"
    raw = ide.request("POST", "/api/check", None, headers={"Content-Type": "application/json"})
    assert raw.status == 400
    assert ide.get("/api/file").status == 400
