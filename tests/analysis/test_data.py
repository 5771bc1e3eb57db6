"""The boto3 method -> IAM action data: generated, checked in, valid, and read without boto3."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore
import pytest

from tests.helpers import EXAMPLE, REPO
from tether.analysis import actions
from tether.model import iam

SCRIPT = REPO / "scripts" / "gen_boto3_actions.py"
DATA = REPO / "src" / "tether" / "data" / "boto3_actions.json"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_boto3_actions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def every_action(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("actions", "versioned") and isinstance(value, list):
                yield from value
            elif key == "keys" and isinstance(value, dict):
                yield from (a for names in value.values() for a in names)
            else:
                yield from every_action(value)
    elif isinstance(data, list):
        for item in data:
            yield from every_action(item)


def test_regenerating_gives_the_checked_in_file(tmp_path: Path) -> None:
    recorded = json.loads(DATA.read_text())["botocore"]
    if recorded != botocore.__version__:
        pytest.skip(
            f"data generated from botocore {recorded}, {botocore.__version__} installed: "
            "run scripts/gen_boto3_actions.py and review the diff"
        )
    out = tmp_path / "boto3_actions.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == DATA.read_text()


def test_every_generated_action_is_a_real_iam_action() -> None:
    found = set(every_action(json.loads(DATA.read_text())))
    assert found, "no action in the data"
    unknown = sorted(a for a in found if iam.resource_types(a) is None)
    assert unknown == []
    assert "*" not in "".join(found)


def test_the_script_fails_on_an_operation_without_an_iam_action(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = load_script()
    exceptions = {k: dict(v) for k, v in script.ACTION_EXCEPTIONS.items()}
    del exceptions["s3"]["HeadObject"]
    monkeypatch.setattr(script, "ACTION_EXCEPTIONS", exceptions)
    with pytest.raises(script.GenerationError, match="HeadObject"):
        script.generate()


def test_the_script_fails_on_an_action_iam_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    script = load_script()
    exceptions = {k: dict(v) for k, v in script.ACTION_EXCEPTIONS.items()}
    exceptions["sqs"]["SendMessageBatch"] = ["SendMessages"]
    monkeypatch.setattr(script, "ACTION_EXCEPTIONS", exceptions)
    with pytest.raises(script.GenerationError, match="sqs:SendMessages"):
        script.generate()


@pytest.mark.parametrize(
    ("service", "method", "granted"),
    [
        ("s3", "list_objects_v2", ("s3:ListBucket",)),
        ("s3", "list_objects", ("s3:ListBucket",)),
        ("s3", "head_object", ("s3:GetObject",)),
        ("s3", "head_bucket", ("s3:ListBucket",)),
        ("s3", "copy_object", ("s3:PutObject",)),
        ("s3", "delete_objects", ("s3:DeleteObject",)),
        ("s3", "list_object_versions", ("s3:ListBucketVersions",)),
        ("s3", "get_object_acl", ("s3:GetObjectAcl",)),
        ("s3", "get_bucket_cors", ("s3:GetBucketCORS",)),
        ("s3", "upload_file", ("s3:PutObject",)),
        ("s3", "download_fileobj", ("s3:GetObject",)),
        ("dynamodb", "batch_get_item", ("dynamodb:BatchGetItem",)),
        ("dynamodb", "batch_write_item", ("dynamodb:BatchWriteItem",)),
        ("dynamodb", "query", ("dynamodb:Query",)),
        ("sqs", "send_message_batch", ("sqs:SendMessage",)),
        ("sqs", "delete_message_batch", ("sqs:DeleteMessage",)),
        ("sqs", "change_message_visibility_batch", ("sqs:ChangeMessageVisibility",)),
        ("sns", "publish_batch", ("sns:Publish",)),
    ],
)
def test_known_method_actions(service: str, method: str, granted: tuple[str, ...]) -> None:
    found = actions.method(service, method)
    assert found is not None
    assert found.actions == granted


def test_special_shapes() -> None:
    copy = actions.method("s3", "copy_object")
    assert copy is not None and copy.source is not None
    assert (copy.source.param, copy.source.actions) == ("CopySource", ("s3:GetObject",))
    transact = actions.method("dynamodb", "transact_write_items")
    assert transact is not None and transact.items is not None
    assert transact.items.keys["Put"] == ("dynamodb:PutItem",)
    upload = actions.method("s3", "upload_file")
    assert upload is not None and upload.signature[:3] == ("Filename", "Bucket", "Key")
    get = actions.method("s3", "get_object")
    assert get is not None and get.versioned == ("s3:GetObjectVersion",)
    table = actions.resource_type("dynamodb", "Table")
    assert table is not None and table.actions["batch_writer"].method == "batch_write_item"
    bucket = actions.resource_type("s3", "Bucket")
    assert bucket is not None and bucket.collections["objects"].method == "list_objects"
    assert "list_objects_v2" in actions.paginators("s3")
    assert actions.waiters("s3")["object_exists"] == "head_object"


def test_analysis_imports_neither_boto3_nor_botocore() -> None:
    code = (
        "import sys\n"
        "from tether.analysis import analyse\n"
        "from tether.model import read_project_file\n"
        f"analyse(read_project_file({str(EXAMPLE)!r}))\n"
        "print(','.join(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
