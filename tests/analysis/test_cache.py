"""The analysis cache: what an edit re-analyses, what voids a kept result, the disk's safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import write_project
from tether.analysis import AnalysisCache, analyse, for_project
from tether.analysis import cache as cache_module
from tether.analysis.imports import overlaid
from tether.loading import load
from tether.model import Project, read_project_file

YAML = """
name: shop
resources:
  pictures: {type: s3.bucket}
  orders: {type: dynamodb.table, key: {id: S}}
functions:
  upload: {handler: app/upload.handler}
  report: {handler: app/report.handler}
"""
STORE = """
import os
import boto3

s3 = boto3.client("s3")


def save(key):
    s3.put_object(Bucket=os.environ["PICTURES_BUCKET"], Key=key, Body=b"")
"""
UPLOAD = """
from app import store


def handler(event, context):
    store.save(event["key"])
"""
REPORT = """
import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    return table.scan()
"""
DELETE = '\n\ndef drop(key):\n    s3.delete_object(Bucket=os.environ["PICTURES_BUCKET"], Key=key)\n'


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    files = {"app/__init__.py": "", "app/store.py": STORE, "app/upload.py": UPLOAD}
    return write_project(tmp_path / "shop", YAML, {**files, "app/report.py": REPORT})


def _grants(project: Project, cache: AnalysisCache | None = None) -> dict[str, set[str]]:
    analysis = analyse(project, cache=cache)
    return {n: {f"{r}:{a}" for r, a in f.grants()} for n, f in analysis.functions.items()}


def test_an_edit_reanalyses_only_the_functions_whose_code_holds_the_file(shop: Path) -> None:
    project = read_project_file(shop)
    cache = AnalysisCache()
    before = analyse(project, cache=cache)
    (shop / "app" / "store.py").write_text(STORE + DELETE + "\nsave.__doc__ = drop.__name__\n")
    (shop / "app" / "upload.py").write_text(UPLOAD + "\nfrom app.store import drop\n")
    after = analyse(project, cache=cache)
    assert after.functions["report"] is before.functions["report"]  # kept, not analysed
    assert after.functions["upload"].grants() == {
        ("pictures", "s3:PutObject"),
        ("pictures", "s3:DeleteObject"),
    }
    assert after == analyse(project)


def test_a_module_reached_only_as_an_attribute_is_followed_when_edited(shop: Path) -> None:
    """`import app` then `app.store.client()`: app/store.py is not imported by name, yet the
    handler's call gets its client from it; editing it voids the kept result."""
    (shop / "app" / "upload.py").write_text(
        "import os\nimport app\n\n\ndef handler(event, context):\n"
        '    app.store.client().put_object(Bucket=os.environ["PICTURES_BUCKET"], Key="k")\n'
    )
    store = shop / "app" / "store.py"
    store.write_text('import boto3\n\n\ndef client():\n    return boto3.client("s3")\n')
    project = read_project_file(shop)
    cache = AnalysisCache()
    assert _grants(project, cache)["upload"] == {"pictures:s3:PutObject"}
    store.write_text("def client():\n    return None\n")
    assert _grants(project, cache)["upload"] == set()
    assert analyse(project, cache=cache) == analyse(project)


def test_a_file_created_where_an_import_missed_is_followed(shop: Path) -> None:
    (shop / "app" / "upload.py").write_text(UPLOAD + "\nimport extra\n")
    project = read_project_file(shop)
    cache = AnalysisCache()
    assert _grants(project, cache)["upload"] == {"pictures:s3:PutObject"}
    (shop / "extra.py").write_text(STORE.replace("put_object", "delete_object") + "\nsave('k')\n")
    assert _grants(project, cache)["upload"] == {
        "pictures:s3:PutObject",
        "pictures:s3:DeleteObject",
    }


def test_a_change_to_tether_yaml_is_seen(shop: Path) -> None:
    cache = AnalysisCache()
    before = analyse(read_project_file(shop), cache=cache)
    assert not before.problems
    (shop / "tether.yaml").write_text(YAML.replace("pictures", "photos"))
    after = analyse(read_project_file(shop), cache=cache)
    assert after.functions["upload"].grants() == set()
    assert [p.severity for p in after.problems] == ["error"]  # PICTURES_BUCKET is gone


def test_the_disk_cache_serves_a_new_process(shop: Path) -> None:
    project = read_project_file(shop)
    folder = shop / ".tether" / "cache" / "analysis"
    fresh = analyse(project, cache=AnalysisCache(folder))
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".gitignore", "functions.json", "modules.json"]
    assert (folder / ".gitignore").read_text() == "*\n"
    assert analyse(project, cache=AnalysisCache(folder)) == fresh
    # What the disk says is what a new process reports (so nothing was analysed again).
    data = json.loads((folder / "functions.json").read_text())
    for _, entry in data["entries"].values():
        for operation in entry["operations"]:
            operation[1] = ["s3:GetObjectAcl"]
    (folder / "functions.json").write_text(json.dumps(data))
    told = analyse(project, cache=AnalysisCache(folder)).functions["upload"]
    assert told.grants() == {("pictures", "s3:GetObjectAcl")}


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"version": "another analyser", "entries": {}}',
        '{"version": "%s", "entries": {"x": [0, {"name": 1}]}}',
        '{"version": "%s", "entries": []}',
        "[]",
    ],
)
def test_a_damaged_or_foreign_cache_file_is_ignored(shop: Path, damage: str) -> None:
    project = read_project_file(shop)
    folder = shop / "cache"
    fresh = analyse(project, cache=AnalysisCache(folder))
    version = json.loads((folder / "functions.json").read_text())["version"]
    for name in ("functions.json", "modules.json"):
        (folder / name).write_text(damage.replace("%s", version))
    assert analyse(project, cache=AnalysisCache(folder)) == fresh
    assert json.loads((folder / "functions.json").read_text())["version"] == version


def test_a_damaged_entry_is_analysed_again(shop: Path) -> None:
    project = read_project_file(shop)
    folder = shop / "cache"
    fresh = analyse(project, cache=AnalysisCache(folder))
    data = json.loads((folder / "functions.json").read_text())
    for _, entry in data["entries"].values():
        entry["findings"] = [["only", "three", "fields"]]
    (folder / "functions.json").write_text(json.dumps(data))
    assert analyse(project, cache=AnalysisCache(folder)) == fresh


def test_the_disk_cache_keeps_a_bounded_number_of_entries(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "MAX_FUNCTIONS", 3)
    folder = shop / "cache"
    cache = AnalysisCache(folder)
    store = shop / "app" / "store.py"
    for n in range(4):
        store.write_text(STORE + f"\nVERSION = {n}\n")
        analyse(read_project_file(shop), cache=cache)
    entries = json.loads((folder / "functions.json").read_text())["entries"]
    assert len(entries) == 3  # upload four times, report once: the oldest upload went
    project = read_project_file(shop)
    assert analyse(project, cache=AnalysisCache(folder)) == analyse(project)


def test_unsaved_text_is_analysed_but_never_written_to_disk(shop: Path) -> None:
    project = read_project_file(shop)
    folder = shop / "cache"
    cache = AnalysisCache(folder)
    analyse(project, cache=cache)
    written = (folder / "functions.json").read_bytes()
    unsaved = {"app/store.py": STORE.replace("put_object", "delete_object")}
    with overlaid(project.root, unsaved):
        assert _grants(project, cache)["upload"] == {"pictures:s3:DeleteObject"}
    assert (folder / "functions.json").read_bytes() == written
    assert (folder / "modules.json").read_bytes().count(b"delete_object") == 0
    assert _grants(project, cache)["upload"] == {"pictures:s3:PutObject"}


def test_a_read_only_project_is_analysed_without_a_cache_on_disk(shop: Path) -> None:
    (shop / ".tether").write_text("a file where the folder would go")
    project = read_project_file(shop)
    fresh = analyse(project)
    assert analyse(project, cache=AnalysisCache(shop / ".tether" / "cache" / "analysis")) == fresh


def test_load_in_a_long_running_process_sees_each_saved_edit(shop: Path) -> None:
    """The IDE and `tether dev` call `load` after every save: the project's cache in this
    process answers, and an edit between two calls is seen."""
    first = load(shop)
    assert {o.actions for o in first.functions["upload"].operations} == {("s3:PutObject",)}
    assert (shop / ".tether" / "cache" / "analysis" / "functions.json").is_file()
    (shop / "app" / "store.py").write_text(STORE.replace("put_object", "delete_object"))
    second = load(shop)
    assert {o.actions for o in second.functions["upload"].operations} == {("s3:DeleteObject",)}
    assert second.functions["report"] == first.functions["report"]
    assert for_project(shop) is for_project(shop / ".")
