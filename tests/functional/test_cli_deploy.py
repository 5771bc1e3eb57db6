"""Deploy commands as a user runs them: plan, deploy, outputs, resources, prune, destroy, and
the errors of the aws target when the cloud cannot be reached or no credentials exist."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import tether


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = tether(*args, cwd=cwd, env=env)
    return result.returncode, result.stdout, result.stderr


def test_plan_deploy_outputs_destroy_round_trip(local_cloud: str, photos_copy: Path) -> None:
    code, out, err = run("plan", "--stage", "cli", cwd=photos_copy)
    assert code == 0, err
    assert "stack photos-cli on local: create" in out
    assert "+ add      bucket uploads" in out
    assert "function resize" in out and "s3:PutObject on objects in bucket thumbs" in out

    code, out, err = run("deploy", "--stage", "cli", "--yes", cwd=photos_copy)
    assert code == 0, err
    assert "deployed photos-cli" in out
    assert "CREATE_COMPLETE" in out
    assert "UploadsBucketName" in out

    code, out, err = run("deploy", "--stage", "cli", cwd=photos_copy)
    assert code == 0, err
    assert "stack photos-cli: no changes (0 bytes uploaded" in out

    code, out, _ = run("outputs", "--stage", "cli", "--json", cwd=photos_copy)
    outputs = json.loads(out)
    assert outputs["UploadsBucketName"].startswith("photos-cli-uploads-")

    code, out, _ = run("resources", "--stage", "cli", cwd=photos_copy)
    assert code == 0
    assert "uploads" in out and outputs["UploadsBucketName"] in out

    code, out, err = run("destroy", "--stage", "cli", cwd=photos_copy)
    assert code == 1
    assert "destroy needs confirmation" in err and "--yes" in err

    code, out, err = run("destroy", "--stage", "cli", "--yes", cwd=photos_copy)
    assert code == 0, err
    assert "destroyed stack photos-cli" in out
    code, _, err = run("outputs", "--stage", "cli", cwd=photos_copy)
    assert code == 1 and "is not deployed" in err


def test_prune_removes_unused_resources_keeping_comments(photos_copy: Path) -> None:
    path = photos_copy / "tether.yaml"
    original = path.read_text()
    path.write_text(
        original.replace(
            "resources:\n", "resources:\n  spare: {type: sqs.queue}   # left over\n", 1
        )
    )
    code, out, _ = run("resources", "--unused", cwd=photos_copy)
    assert code == 0 and out.startswith("spare")
    code, out, err = run("prune", cwd=photos_copy)
    assert code == 0, err
    assert "removed spare from tether.yaml" in out
    assert path.read_text() == original


def test_unreachable_aws_endpoint_is_a_clear_error(photos_copy: Path) -> None:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_MAX_ATTEMPTS": "1",
    }
    code, _, err = run("deploy", "--target", "aws", "--yes", cwd=photos_copy, env=env)
    assert code == 1
    assert "cannot reach AWS (us-east-1)" in err
    assert "Traceback" not in err


def test_missing_aws_credentials_is_a_clear_error(photos_copy: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    code, _, err = run("plan", "--target", "aws", cwd=photos_copy, env=env)
    assert code == 1
    assert "no usable AWS credentials" in err
    assert "Traceback" not in err


def test_build_verbose_lists_what_was_left_out_and_why(photos_copy: Path) -> None:
    (photos_copy / ".env").write_text("SECRET=1\n")
    (photos_copy / "tests").mkdir()
    (photos_copy / "tests" / "test_api.py").write_text("def test(): pass\n")
    code, out, err = run("build", "--verbose", cwd=photos_copy)
    assert code == 0, err
    excluded = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert {".env", "tests/", "tether.yaml", "events/"} <= set(excluded)
    assert "app/resize.py" not in excluded


def test_local_status_json_names_endpoint_and_pid(local_cloud: str, photos_copy: Path) -> None:
    code, out, _ = run("local", "status", "--json", cwd=photos_copy)
    assert code == 0
    status = json.loads(out)
    assert status["endpoint"] == local_cloud
    assert isinstance(status["pid"], int)
