"""The authoring commands as a user types them: --dry-run prints the diff and writes nothing, the
real run writes it and says what follows, undo takes it back, bad input names the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, tether


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    return root


def test_dry_run_then_apply_then_undo(photos: Path) -> None:
    before = (photos / "tether.yaml").read_bytes()
    shown = tether("add", "trigger", "report", "work", "batch_size=5", "--dry-run", cwd=photos)
    assert shown.returncode == 0, shown.stderr
    assert "+    triggers: [{resource: nightly}, {resource: work, batch_size: 5}]" in shown.stdout
    assert (
        "+ permission  report: sqs:ReceiveMessage on sqs.queue work (to poll its trigger)"
        in shown.stdout
    )
    assert "dry run: would add a trigger: work invokes report; nothing written" in shown.stdout
    assert (photos / "tether.yaml").read_bytes() == before

    done = tether("add", "trigger", "report", "work", "batch_size=5", cwd=photos)
    assert done.returncode == 0 and "`tether undo` takes it back" in done.stdout
    assert b"{resource: work, batch_size: 5}" in (photos / "tether.yaml").read_bytes()
    changed = tether("set", "trigger", "report", "work", "batch_size=", cwd=photos)
    assert changed.returncode == 0, changed.stderr
    assert b"{resource: nightly}, {resource: work}]" in (photos / "tether.yaml").read_bytes()

    for _ in range(2):
        undone = tether("undo", cwd=photos)
        assert undone.returncode == 0 and undone.stdout.startswith("done: undo: ")
    assert (photos / "tether.yaml").read_bytes() == before
    nothing = tether("undo", cwd=photos)
    assert nothing.returncode == 1 and "error: nothing to undo" in nothing.stderr


def test_an_operation_is_inserted_before_the_handler_returns(photos: Path) -> None:
    listed = tether("add", "operation", "--list", cwd=photos)
    assert "s3.presigned_get" in listed.stdout and "dynamodb.batch_write_item" in listed.stdout
    done = tether(
        "add",
        "operation",
        "notify",
        "thumbs",
        "s3.put_object",
        "Key='alerts/last.json'",
        cwd=photos,
    )
    assert done.returncode == 0, done.stderr
    assert "+ permission  notify: s3:PutObject on objects in bucket thumbs" in done.stdout
    assert "+ variable    notify: THUMBS_BUCKET" in done.stdout
    code = (photos / "app/notify.py").read_text()
    call = code[code.index("s3.put_object(") :].split(")\n", 1)[0]
    assert "Key='alerts/last.json'" in call and 'os.environ["THUMBS_BUCKET"]' in call
    assert code.index("put_object(") < code.rindex("return")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("add", "resource", "orders", "s3.bucket"), "a resource named 'orders' exists already"),
        (("add", "resource", "x1", "dynamodb.table", "key"), "'key' is not a setting"),
        (
            ("add", "resource", "tick", "schedule", "expression=rate(5 minute)"),
            "hint: write rate(5 minutes)",
        ),
        (
            ("add", "trigger", "report", "web", "route=GET /orders/{x}"),
            "web routes GET /orders/{id} to api already",
        ),
        (("add", "operation", "api", "orders", "s3.put_object"), "is an operation on a s3.bucket"),
        (
            ("add", "operation", "api", "orders", "dynamodb.get_item", "--at", "app/api.py"),
            "is not FILE:LINE",
        ),
        (("set", "function", "api", "memory=lots"), "memory must be a whole number"),
        (("remove", "resource", "orders"), "orders is still used"),
        (("remove", "trigger", "api", "uploads"), "api has no triggers from 'uploads'"),
        (("rename", "resource", "orders", "uploads"), "a resource named 'uploads' exists already"),
    ],
)
def test_bad_input_is_refused_with_the_fix_and_nothing_written(
    photos: Path, args: tuple[str, ...], words: str
) -> None:
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    result = tether(*args, cwd=photos)
    assert result.returncode == 1, result.stdout
    assert words in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert {
        p: p.read_bytes() for p in photos.rglob("*") if p.is_file() and ".tether" not in p.parts
    } == {p: b for p, b in before.items() if ".tether" not in p.parts}
