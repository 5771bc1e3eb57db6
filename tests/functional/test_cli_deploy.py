"""Deploy commands as a user runs them: plan, deploy, outputs, resources, prune, destroy, and
the errors of the aws target when the cloud cannot be reached or no credentials exist."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import local_session, tether, write_project


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


def test_plan_and_deploy_show_the_calls_that_get_no_permission(
    local_cloud: str, tmp_path: Path
) -> None:
    """Seen before the function runs, not first as AccessDenied at run time."""
    root = write_project(
        tmp_path / "labels",
        """
        name: labels
        functions:
          tag:
            handler: app/tag.handler
        """,
        {
            "app/tag.py": "import boto3\n\nrek = boto3.client('rekognition')\n\n\n"
            "def handler(event, context):\n    return rek.detect_labels(Image={})\n"
        },
    )
    code, out, err = run("plan", "--stage", "cli", cwd=root)
    assert code == 0, err
    assert "stack labels-cli on local: create" in out
    (warning,) = [line for line in err.splitlines() if ": warning: " in line]
    assert warning.startswith("app/tag.py:7: warning: rekognition.detect_labels: ")
    assert "gets none (fix: " in warning

    code, out, err = run("deploy", "--stage", "cli", "--yes", cwd=root)
    assert code == 0, err
    assert "deployed labels-cli" in out
    assert err.rstrip("\n").endswith(warning)
    code, out, err = run("deploy", "--stage", "cli", "--yes", cwd=root)
    assert "stack labels-cli: no changes (0 bytes uploaded" in out
    assert warning in err.splitlines()


def test_destroy_says_what_it_deletes_by_name(local_cloud: str, photos_copy: Path) -> None:
    path = photos_copy / "tether.yaml"
    path.write_text(
        path.read_text().replace(
            "  alerts: {type: sns.topic}\n",
            "  alerts: {type: sns.topic}\n  kept: {type: s3.bucket, retain: true}\n",
        )
    )
    code, out, err = run("deploy", "--stage", "gone", "--yes", cwd=photos_copy)
    assert code == 0, err
    outputs = json.loads(run("outputs", "--stage", "gone", "--json", cwd=photos_copy)[1])
    uploads, thumbs, kept = (outputs[f"{name}BucketName"] for name in ("Uploads", "Thumbs", "Kept"))
    local_session().client("s3", endpoint_url=local_cloud).put_object(
        Bucket=uploads, Key="cat.jpg", Body=b"cat"
    )

    code, out, err = run("destroy", "--stage", "gone", "--yes", cwd=photos_copy)
    assert code == 1
    assert err.startswith(
        "error: stopped: destroying stack photos-gone would delete data; nothing was deleted\n"
        f"  - s3.bucket uploads ({uploads}) holds objects\n"
        "    hint: choose for each: really delete it (--delete uploads), "
    )

    code, out, err = run(
        "destroy", "--stage", "gone", "--yes", "--delete", "uploads", cwd=photos_copy
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:3] == [
        "destroying stack photos-gone on local deletes:",
        "  functions api, notify, report, resize, worker (with their roles, log groups and "
        "triggers)",
        "  resources alerts, nightly, web",
    ]
    assert (
        f"  - s3.bucket uploads ({uploads}): holds objects: deleted with its data "
        "(--delete uploads)"
    ) in lines
    assert f"  - s3.bucket thumbs ({thumbs}): empty" in lines
    assert any(line.startswith("  - dynamodb.table orders (") for line in lines)
    assert any(line.startswith("  - sqs.queue work (") for line in lines)
    assert lines[lines.index("kept in the account:") + 1] == (
        f"  s3.bucket kept ({kept}): retain: true"
    )
    assert "destroyed stack photos-gone" in out
