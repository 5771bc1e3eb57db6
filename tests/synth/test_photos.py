"""The example app's template: golden files, byte-for-byte determinism, the wiring users rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import EXAMPLE, REPO
from tether import Project, synthesize
from tether.synth import to_json
from tether.synth.lint import lint

GOLDEN = REPO / "tests" / "golden"
CASES = [("dev", "local"), ("prod", "aws")]


@pytest.mark.parametrize(("stage", "target"), CASES)
def test_template_matches_golden_file(photos: Project, stage: str, target: str) -> None:
    """A change in what Tether deploys shows up as a reviewed diff of the golden template.
    Regenerate with UPDATE_GOLDEN=1 after checking the diff."""
    text = to_json(synthesize(photos, stage=stage, target=target))
    golden = GOLDEN / f"photos-{stage}-{target}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), f"template differs from {golden.name}"


@pytest.mark.parametrize(("stage", "target"), CASES)
def test_template_passes_cfn_lint(photos: Project, stage: str, target: str) -> None:
    problems = lint(synthesize(photos, stage=stage, target=target), region=photos.region)
    assert problems == [], "\n".join(p.format() for p in problems)


def test_same_project_gives_identical_bytes_across_processes() -> None:
    """Hash randomisation differs per process; the template must not."""
    code = (
        "import sys, tether; from tether.synth import to_json;"
        f"sys.stdout.write(to_json(tether.synthesize(tether.load_project({str(EXAMPLE)!r}))))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_stack_holds_every_project_resource_and_no_external_one(photos: Project) -> None:
    resources = synthesize(photos)["Resources"]
    types = {lid: r["Type"] for lid, r in resources.items()}
    assert types["UploadsBucket"] == types["ThumbsBucket"] == "AWS::S3::Bucket"
    assert types["OrdersTable"] == "AWS::DynamoDB::Table"
    assert types["AlertsTopic"] == "AWS::SNS::Topic"
    assert types["WorkQueue"] == "AWS::SQS::Queue"
    assert types["NightlySchedule"] == "AWS::Events::Rule"
    assert types["WebHttpApi"] == "AWS::ApiGatewayV2::Api"
    assert "ArchiveBucket" not in resources
    assert "acme-archive" in json.dumps(resources["ReportRole"])


def test_functions_get_their_settings_and_resource_variables(photos: Project) -> None:
    resources = synthesize(photos, stage="dev")["Resources"]
    resize = resources["ResizeFunction"]["Properties"]
    assert resize["FunctionName"] == "photos-dev-resize"
    assert resize["Handler"] == "app/resize.handler"
    assert (resize["MemorySize"], resize["Timeout"], resize["Runtime"]) == (512, 30, "python3.12")
    variables = resize["Environment"]["Variables"]
    assert variables["LOG_LEVEL"] == "info"
    assert variables["THUMBS_BUCKET"] == {
        "Fn::Sub": "photos-dev-thumbs-${AWS::AccountId}-${AWS::Region}"
    }
    assert variables["ORDERS_TABLE"] == {"Ref": "OrdersTable"}
    assert variables["WORK_QUEUE_URL"] == {"Ref": "WorkQueue"}
    notify = resources["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert notify["ALERTS_TOPIC_ARN"] == {"Ref": "AlertsTopic"}
    api = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api["WEB_URL"] == {"Fn::GetAtt": ["WebHttpApi", "ApiEndpoint"]}
    report = resources["ReportFunction"]["Properties"]["Environment"]["Variables"]
    assert report["ARCHIVE_BUCKET"] == "acme-archive"


def test_triggers_are_wired(photos: Project) -> None:
    resources = synthesize(photos)["Resources"]
    notification = resources["UploadsBucket"]["Properties"]["NotificationConfiguration"]
    (config,) = notification["LambdaConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*"
    assert config["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": "incoming/"},
        {"Name": "suffix", "Value": ".jpg"},
    ]
    assert resources["UploadsBucket"]["DependsOn"] == ["ResizeFunctionUploadsBucketPermission"]
    mapping = resources["WorkerFunctionWorkQueueMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    assert mapping["BatchSize"] == 10
    stream = resources["NotifyFunctionOrdersTableStream"]["Properties"]
    assert stream["EventSourceArn"] == {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}
    assert stream["StartingPosition"] == "LATEST"
    rule = resources["NightlySchedule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 day)"
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["ReportFunction", "Arn"]}
    route = resources["WebHttpApiGetOrdersIdRoute"]["Properties"]
    assert route["RouteKey"] == "GET /orders/{id}"
    integration = resources["WebHttpApiApiFunctionIntegration"]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0"


def test_outputs_name_every_function_and_project_resource(photos: Project) -> None:
    outputs = synthesize(photos)["Outputs"]
    for function in ("Resize", "Api", "Worker", "Notify", "Report"):
        assert f"{function}FunctionArn" in outputs
    for name in (
        "UploadsBucketName",
        "ThumbsBucketArn",
        "OrdersTableName",
        "OrdersTableStreamArn",
        "AlertsTopicArn",
        "WorkQueueUrl",
        "WorkQueueArn",
        "NightlyScheduleArn",
    ):
        assert name in outputs
    assert outputs["WebHttpApiUrl"]["Value"] == {"Fn::GetAtt": ["WebHttpApi", "ApiEndpoint"]}
    assert not any(name.startswith("Archive") for name in outputs)


def test_project_resources_are_tagged_with_project_and_stage(photos: Project) -> None:
    resources = synthesize(photos, stage="qa")["Resources"]
    for lid in (
        "UploadsBucket",
        "OrdersTable",
        "AlertsTopic",
        "WorkQueue",
        "ResizeFunction",
        "ResizeRole",
    ):
        tags = {t["Key"]: t["Value"] for t in resources[lid]["Properties"]["Tags"]}
        assert tags == {"tether:project": "photos", "tether:stage": "qa"}, lid
    assert resources["WebHttpApi"]["Properties"]["Tags"] == {
        "tether:project": "photos",
        "tether:stage": "qa",
    }
