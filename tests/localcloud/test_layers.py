"""A project with requirements.txt deploys its dependency layer, and a new layer artifact
publishes a new layer version that the functions switch to."""

from __future__ import annotations

import json
from pathlib import Path

import tether
from tests.helpers import write_project
from tests.localcloud.helpers import Client, assert_status, physical_ids, unique

PROJECT = """
name: layered
resources:
  jobs: {type: sqs.queue}
functions:
  work:
    handler: app/work.handler
    triggers: [{resource: jobs}]
"""


def test_the_dependency_layer_is_published_and_replaced(
    aws: Client, artifact: dict[str, str], tmp_path: Path
) -> None:
    cfn, lam, s3 = aws("cloudformation"), aws("lambda"), aws("s3")
    root = write_project(tmp_path / "layered", PROJECT, {"requirements.txt": "requests==2.31.0\n"})
    template = json.dumps(tether.synthesize(tether.load_project(root)))
    for key in ("layer-1.zip", "layer-2.zip"):
        s3.copy_object(
            Bucket=artifact["bucket"],
            Key=key,
            CopySource={"Bucket": artifact["bucket"], "Key": artifact["key"]},
        )

    def parameters(layer_key: str) -> list[dict[str, str]]:
        return [
            {"ParameterKey": "ArtifactBucket", "ParameterValue": artifact["bucket"]},
            {"ParameterKey": "CodeKey", "ParameterValue": artifact["key"]},
            {"ParameterKey": "LayerKey", "ParameterValue": layer_key},
        ]

    name = unique("layered")
    cfn.create_stack(StackName=name, TemplateBody=template, Parameters=parameters("layer-1.zip"))
    assert_status(aws, name, "CREATE_COMPLETE")
    first = physical_ids(aws, name)["DependenciesLayer"]
    assert first.endswith(":layer:layered-dev-dependencies:1")
    config = lam.get_function_configuration(FunctionName="layered-dev-work")
    assert [layer["Arn"] for layer in config["Layers"]] == [first]

    cfn.update_stack(StackName=name, TemplateBody=template, Parameters=parameters("layer-2.zip"))
    assert_status(aws, name, "UPDATE_COMPLETE")
    second = physical_ids(aws, name)["DependenciesLayer"]
    assert second.endswith(":layer:layered-dev-dependencies:2")
    config = lam.get_function_configuration(FunctionName="layered-dev-work")
    assert [layer["Arn"] for layer in config["Layers"]] == [second]
    versions = lam.list_layer_versions(LayerName="layered-dev-dependencies")["LayerVersions"]
    assert [v["LayerVersionArn"] for v in versions] == [second]  # the old version is deleted

    cfn.delete_stack(StackName=name)
