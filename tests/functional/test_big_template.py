"""Templates over CloudFormation's 51,200-byte inline limit deploy through the artifact bucket,
as AWS requires, on both targets. A project of 60 functions passes that size: the local cloud
refuses its template inline, as AWS would, and the deploy succeeds through TemplateURL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.functional.tiny import cloud
from tests.helpers import write_project
from tether import load_project
from tether.cloud import Cloud
from tether.deploy.execute import TEMPLATE_BODY_LIMIT, template_source
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state
from tether.synth import synthesize

FUNCTIONS = 60


def test_a_60_function_template_is_refused_inline_and_deployed_from_the_bucket(
    tmp_path: Path, local_cloud: str
) -> None:
    functions = "".join(
        f"  f{i:02}: {{handler: app/f{i:02}.handler, environment: {{NOTE: function {i}}}}}\n"
        for i in range(FUNCTIONS)
    )
    root = write_project(
        tmp_path / "big",
        f"name: bigtemplate\nregion: us-east-1\nfunctions:\n{functions}",
    )
    template = synthesize(load_project(root), stage="dev", target="local")
    body = json.dumps(template, sort_keys=True, separators=(",", ":"))
    assert len(body.encode()) > TEMPLATE_BODY_LIMIT
    # What the deploy must not do: the local cloud answers as CloudFormation does.
    with pytest.raises(ClientError) as caught:
        cloud(root).client("cloudformation").create_stack(
            StackName="bigtemplate-inline", TemplateBody=body, Capabilities=["CAPABILITY_IAM"]
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].endswith(
        "at 'templateBody' failed to satisfy constraint: Member must have length less than or "
        "equal to 51200"
    )

    result = deploy(load_project(root), stage="dev", target="local")
    assert result.path == "full" and len(result.outputs) >= FUNCTIONS
    state = load_state(root, "dev")
    assert state is not None
    s3 = cloud(root).client("s3")
    key = f"templates/{hashlib.sha256(body.encode()).hexdigest()}.json"
    assert s3.get_object(Bucket=state.artifact_bucket, Key=key)["Body"].read() == body.encode()
    pages = cloud(root).client("lambda").get_paginator("list_functions").paginate()
    functions_deployed = [f for page in pages for f in page["Functions"]]
    assert sum(f["FunctionName"].startswith("bigtemplate-dev-f") for f in functions_deployed) == (
        FUNCTIONS
    )


class RecordingS3:
    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put_object(self, **kwargs: Any) -> None:
        self.puts.append(kwargs)


class RecordingCloud(Cloud):
    """A Cloud of the `aws` target whose S3 only records what it is given."""

    def __init__(self, region: str) -> None:
        super().__init__(target="aws", region=region)
        self.s3 = RecordingS3()

    def client(self, service: str) -> Any:
        assert service == "s3"
        return self.s3


@pytest.mark.parametrize(
    ("region", "url_host"),
    [
        ("eu-west-1", "artifacts.s3.eu-west-1.amazonaws.com"),
        ("cn-north-1", "artifacts.s3.cn-north-1.amazonaws.com.cn"),
    ],
)
def test_on_aws_a_big_template_goes_through_the_bucket_in_the_stacks_region(
    region: str, url_host: str
) -> None:
    template = {"Resources": {"Pad": {"Type": "AWS::SNS::Topic"}}, "Metadata": {"x": "y" * 60_000}}
    aws = RecordingCloud(region)
    source = template_source(aws, template, "artifacts")
    body = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    key = f"templates/{hashlib.sha256(body).hexdigest()}.json"
    assert source == {"TemplateURL": f"https://{url_host}/{key}"}
    assert aws.s3.puts == [{"Bucket": "artifacts", "Key": key, "Body": body}]
    small = {"Resources": {"Pad": {"Type": "AWS::SNS::Topic"}}}
    assert template_source(aws, small, "artifacts") == {
        "TemplateBody": json.dumps(small, sort_keys=True, separators=(",", ":"))
    }
