"""The `tether` command as a user runs it: exit codes, output, project discovery, no tracebacks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.helpers import EXAMPLE, tether, write_project


def test_check_summarises_the_example(tmp_path: Path) -> None:
    result = tether("check", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "project photos" in result.stdout
    assert "<- uploads: s3 created incoming/*.jpg" in result.stdout
    assert "archive  s3.bucket, external arn:aws:s3:::acme-archive; used by report" in result.stdout


def test_check_json_has_the_documented_shape() -> None:
    result = tether("check", "--json", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"functions", "resources", "unused", "problems"}
    resize = report["functions"]["resize"]
    assert resize["triggers"][0]["resource"] == "uploads"
    assert {
        "resource": "thumbs",
        "action": "s3:PutObject",
        "source": "tether.yaml:29",
        "origin": "declared",
    } in resize["operations"]
    assert {
        "resource": "uploads",
        "action": "s3:GetObject",
        "source": "app/resize.py:58",
        "origin": "code",
    } in resize["operations"]
    assert report["resources"]["archive"]["external"] == "arn:aws:s3:::acme-archive"
    assert report["resources"]["orders"]["used_by"] == [
        "api",
        "notify",
        "report",
        "resize",
        "worker",
    ]
    assert report["unused"] == []
    assert report["problems"] == []


def test_check_reports_every_problem_with_position_and_exits_1(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: shop
        resources:
          orders: {type: dynamodb.table, key: {id: S}}
        functions:
          api:
            handler: app/api.handler
            memroy: 512
            operations: [{resource: order, actions: ["dynamodb:GetItem"]}]
        """,
    )
    result = tether("check", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "tether.yaml:7:5: error: unknown key 'memroy' in function 'api'" in result.stderr
    assert "hint: did you mean 'memory'?" in result.stderr
    assert (
        "tether.yaml:8:29: error: operation 1 of function 'api' names resource 'order'"
        in result.stderr
    )
    assert "2 errors; nothing was changed" in result.stderr
    report = json.loads(tether("check", "--json", str(tmp_path)).stdout)
    assert [(p["line"], p["severity"]) for p in report["problems"]] == [(7, "error"), (8, "error")]


def test_unused_resources_are_listed(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: shop
        resources:
          orders: {type: dynamodb.table, key: {id: S}}
          leftovers: {type: s3.bucket}
        functions:
          api:
            handler: app/api.handler
            operations: [{resource: orders, actions: ["dynamodb:GetItem"]}]
        """,
    )
    result = tether("check", "--json", str(tmp_path))
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["unused"] == ["leftovers"]
    assert (
        report["problems"][0]["message"]
        == "resource 'leftovers' is unused: no trigger and no operation"
    )
    assert "unused resources: leftovers" in tether("check", str(tmp_path)).stdout


def test_project_is_found_from_a_subdirectory_or_with_project_option(tmp_path: Path) -> None:
    nested = EXAMPLE / "app"
    assert tether("check", cwd=nested).returncode == 0
    assert tether("graph", "-p", str(EXAMPLE), cwd=tmp_path).returncode == 0
    missing = tether("check", cwd=tmp_path)
    assert missing.returncode == 1
    assert "no tether.yaml here or in any parent directory" in missing.stderr
    assert "tether init" in missing.stderr


def test_synth_writes_a_lint_clean_template_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out" / "template.json"
    result = tether("synth", str(EXAMPLE), "--stage", "prod", "--target", "aws", "-o", str(out))
    assert result.returncode == 0, result.stderr
    template = json.loads(out.read_text())
    assert (
        template["Resources"]["ResizeFunction"]["Properties"]["FunctionName"]
        == "photos-prod-resize"
    )
    assert template["Metadata"]["tether"] == {"project": "photos", "stage": "prod", "target": "aws"}


def test_synth_summary_and_stdout(tmp_path: Path) -> None:
    summary = tether("synth", str(EXAMPLE), "--summary")
    assert summary.returncode == 0, summary.stderr
    assert "stack photos-dev (target local, region us-east-1): 30 resources" in summary.stdout
    assert "cfn-lint clean" in summary.stdout
    template = json.loads(tether("synth", str(EXAMPLE), "--no-lint").stdout)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"


def test_bad_options_are_usage_errors_with_exit_2() -> None:
    stage = tether("synth", str(EXAMPLE), "--stage", "Prod!")
    assert stage.returncode == 2
    assert "invalid stage name 'Prod!'" in stage.stderr
    target = tether("synth", str(EXAMPLE), "--target", "azure")
    assert target.returncode == 2
    assert "Traceback" not in target.stderr
    assert tether("no-such-command").returncode == 2


def test_graph_text_and_dot() -> None:
    text = tether("graph", str(EXAMPLE)).stdout
    assert "uploads --[s3 created incoming/*.jpg]--> resize" in text
    assert "report ==[s3:PutObject]==> archive" in text
    dot = tether("graph", str(EXAMPLE), "--format", "dot").stdout
    assert dot.startswith('digraph "photos" {')
    assert '"r:uploads" -> "f:resize"' in dot
    assert '"f:report" -> "r:archive" [label="s3:PutObject", style=dashed];' in dot


def test_init_creates_a_project_that_checks_and_synthesises(tmp_path: Path) -> None:
    result = tether("init", "notes-app", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "notes-app"
    assert (project / ".gitignore").read_text().startswith(".tether/")
    assert tether("check", cwd=project).returncode == 0
    synth = tether("synth", "--summary", cwd=project)
    assert synth.returncode == 0, synth.stderr
    assert "stack notes-app-dev" in synth.stdout
    again = tether("init", "notes-app", cwd=tmp_path)
    assert again.returncode == 2
    assert "exists and is not empty" in again.stderr


def test_init_names_python_m_when_run_that_way_and_plain_tether_when_on_path(
    tmp_path: Path,
) -> None:
    hidden = tether("init", "one", cwd=tmp_path, env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert f"  {sys.executable} -m tether.cli.main check " in hidden.stdout
    on_path = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    shown = tether("init", "two", cwd=tmp_path, env=on_path)
    assert "not on your PATH" not in shown.stdout
    assert "\n  tether check " in shown.stdout


def test_init_refuses_a_project_inside_another_one(tmp_path: Path) -> None:
    assert tether("init", "outer", cwd=tmp_path).returncode == 0
    inner = tether("init", "inner", cwd=tmp_path / "outer" / "app")
    assert inner.returncode == 2
    assert inner.stderr.startswith(
        f"error: inner is inside another project ({tmp_path / 'outer' / 'tether.yaml'}): the new "
        "project's files would go into that project's code zip\n"
    )
    assert f"hint: create it outside {tmp_path / 'outer'} (e.g. `cd {tmp_path} && " in inner.stderr
    assert not (tmp_path / "outer" / "app" / "inner").exists()


def test_check_prints_each_warning_on_one_line_with_its_fix(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: shop
        resources:
          spare: {type: sqs.queue}
        functions:
          api:
            handler: app/api.handler
        """,
        {
            "app/api.py": "import boto3\n\n\ndef handler(event, context):\n"
            "    boto3.client('rekognition').detect_labels(Image={})\n"
        },
    )
    result = tether("check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rekognition, unused = result.stderr.splitlines()
    assert rekognition.startswith("app/api.py:5: warning: ")
    assert "rekognition" in rekognition and "gets none (fix: " in rekognition
    assert unused == (
        "tether.yaml:3: warning: resource 'spare' is unused: no trigger and no operation "
        "(fix: remove it, or run `tether prune` to remove every unused resource)"
    )
    assert "project shop (python3.12, us-east-1): 1 function, 1 resource" in result.stdout
    assert "  spare  sqs.queue, project; unused  $SPARE_QUEUE_URL" in result.stdout


def test_counts_of_one_read_in_the_singular(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        name: shop
        functions:
          api:
            handler: app/api.handler
            memroy: 512
        """,
    )
    check = tether("check", str(tmp_path))
    assert check.stderr.endswith("\n1 error; nothing was changed\n")
    (tmp_path / "tether.yaml").write_text(
        (tmp_path / "tether.yaml").read_text().replace("memroy", "memory")
    )
    assert "project shop (python3.12, us-east-1): 1 function, 0 resources" in (
        tether("check", str(tmp_path)).stdout
    )
    summary = tether("synth", str(tmp_path), "--summary", "--no-lint").stdout
    assert "stack shop-dev (target local, region us-east-1): 3 resources, 1 output" in summary


def test_init_rejects_a_name_that_cannot_be_a_project(tmp_path: Path) -> None:
    result = tether("init", "My_App", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid project name 'My_App'" in result.stderr
    assert not (tmp_path / "My_App").exists()


def test_help_lists_every_command() -> None:
    result = tether("--help")
    assert result.returncode == 0
    for command in ("init", "check", "synth", "graph"):
        assert command in result.stdout


def test_a_case_naming_a_missing_function_is_reported_before_any_cloud(tmp_path: Path) -> None:
    """`tether test` checks the cases against tether.yaml first: no local cloud is started or
    needed to say a case names a function the project does not have."""
    import shutil

    root = tmp_path / "photos"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tether", "__pycache__"))
    (root / "events" / "bad.test.yaml").write_text("function: nobody\nevent: {}\n")
    home = tmp_path / "home"
    result = tether("test", "-p", str(root), "bad", env={**os.environ, "TETHER_HOME": str(home)})
    assert result.returncode == 1
    assert "events/bad.test.yaml:1:11: error: no function 'nobody' in tether.yaml" in result.stderr
    assert "functions: resize, api, worker, notify, report" in result.stderr
    assert "not running" not in result.stderr + result.stdout
    assert not (home / "local" / "state").exists()  # no local cloud was started
