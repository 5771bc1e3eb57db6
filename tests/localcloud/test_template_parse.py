"""Templates are read once per request, JSON as JSON: a JSON template and the same template in
YAML, short forms and all, deploy alike; a 1 MB template is parsed once per CloudFormation call
(counted in a child process running moto in memory with the extensions installed, where the
parser's debug log says each parse); the cache ends with the request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.localcloud.helpers import ACCOUNT, Client, outputs, stack, unique
from tether.localcloud.cloudformation import template_parse

YAML_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: short forms
Parameters:
  Suffix: {Type: String, Default: tail}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-queue"
      VisibilityTimeout: 45
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Join ["-", [!Ref "AWS::StackName", topic]]
Outputs:
  QueueUrl: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  QueueArnFromList: {Value: !GetAtt [Queue, Arn]}
  Named: {Value: !Sub "${Queue.QueueName}-${Suffix}"}
  TopicArn: {Value: !Ref Topic}
"""

JSON_TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "short forms",
    "Parameters": {"Suffix": {"Type": "String", "Default": "tail"}},
    "Resources": {
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "${AWS::StackName}-queue"},
                "VisibilityTimeout": 45,
            },
        },
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "topic"]]}},
        },
    },
    "Outputs": {
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        "QueueArnFromList": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        "Named": {"Value": {"Fn::Sub": "${Queue.QueueName}-${Suffix}"}},
        "TopicArn": {"Value": {"Ref": "Topic"}},
    },
}


def test_yaml_short_forms_read_as_their_long_forms() -> None:
    assert template_parse.parse(YAML_TEMPLATE) == JSON_TEMPLATE
    assert template_parse.parse(json.dumps(JSON_TEMPLATE)) == JSON_TEMPLATE


def test_short_forms_read_as_cloudformation_reads_them() -> None:
    text = (
        "A: !GetAtt Database.Endpoint.Address\n"
        "B: !And [!Condition IsProd, !Equals [!Ref Env, prod]]\n"
        "C: !If [IsProd, !GetAtt [Queue, Arn], !Ref AWS::NoValue]\n"
        "D: !Transform {Name: Macro, Parameters: {Key: !Sub '${A}-b'}}\n"
    )
    assert template_parse.parse(text) == {
        "A": {"Fn::GetAtt": ["Database", "Endpoint.Address"]},
        "B": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": [{"Ref": "Env"}, "prod"]}]},
        "C": {"Fn::If": ["IsProd", {"Fn::GetAtt": ["Queue", "Arn"]}, {"Ref": "AWS::NoValue"}]},
        "D": {"Fn::Transform": {"Name": "Macro", "Parameters": {"Key": {"Fn::Sub": "${A}-b"}}}},
    }


def test_json_is_read_as_json_and_yaml_builds_no_python_objects() -> None:
    # PyYAML reads `1e5` as a string; a JSON template means a number.
    assert template_parse.parse('{"Metadata": {"n": 1e5}}') == {"Metadata": {"n": 100000.0}}
    unsafe = template_parse.parse("Metadata: !!python/object/apply:os.getcwd []\n")
    assert isinstance(unsafe["Metadata"], dict)  # an unknown tag, as moto reads one: not a call


def test_a_text_is_parsed_once_within_a_request_and_again_in_the_next() -> None:
    text = json.dumps(JSON_TEMPLATE)
    assert template_parse.parse(text) is not template_parse.parse(text)  # no request: no cache
    with template_parse.one_parse_per_request():
        first = template_parse.parse(text)
        assert template_parse.parse(text) is first
        assert template_parse.parse(text.replace("tail", "end")) is not first
    with template_parse.one_parse_per_request():
        assert template_parse.parse(text) is not first


def _deploy_and_read(aws: Client, name: str, body: str) -> dict[str, str]:
    aws("cloudformation").create_stack(StackName=name, TemplateBody=body)
    assert stack(aws, name)["StackStatus"] == "CREATE_COMPLETE"
    return {key: value.replace(name, "STACK") for key, value in outputs(aws, name).items()}


def test_a_json_template_and_its_yaml_twin_with_short_forms_both_deploy(aws: Client) -> None:
    from_json = _deploy_and_read(aws, unique("json"), json.dumps(JSON_TEMPLATE))
    yaml_name = unique("yaml")
    from_yaml = _deploy_and_read(aws, yaml_name, YAML_TEMPLATE)
    assert from_yaml == from_json
    assert from_yaml["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:STACK-queue"
    assert from_yaml["QueueArnFromList"] == from_yaml["QueueArn"]
    assert from_yaml["Named"] == "STACK-queue-tail"
    assert from_yaml["TopicArn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:STACK-topic"

    cfn = aws("cloudformation")
    summaries = [
        cfn.get_template_summary(TemplateBody=body)
        for body in (YAML_TEMPLATE, json.dumps(JSON_TEMPLATE))
    ]
    assert [s["ResourceTypes"] for s in summaries] == [["AWS::SQS::Queue", "AWS::SNS::Topic"]] * 2
    assert [s["Parameters"][0]["DefaultValue"] for s in summaries] == ["tail", "tail"]

    # A change set of the YAML stack, in YAML: compared with the live template, then applied.
    updated = YAML_TEMPLATE.replace("VisibilityTimeout: 45", "VisibilityTimeout: 50")
    cfn.create_change_set(
        StackName=yaml_name, ChangeSetName="longer", ChangeSetType="UPDATE", TemplateBody=updated
    )
    cfn.execute_change_set(StackName=yaml_name, ChangeSetName="longer")
    assert stack(aws, yaml_name)["StackStatus"] == "UPDATE_COMPLETE"
    url = outputs(aws, yaml_name)["QueueUrl"]
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "50"


COUNTING = """
import json, logging, sys

import boto3
from moto import mock_aws

from tether.localcloud.extensions import install_all

install_all()
sizes = []


class Count(logging.Handler):
    def emit(self, record):
        sizes.append(record.args[0])  # "parsed a template of %d characters as %s in %.1f ms"


logger = logging.getLogger("tether.localcloud.cloudformation.template_parse")
logger.setLevel(logging.DEBUG)
logger.addHandler(Count())
big, small_yaml = json.load(sys.stdin)
parses = {}


def step(name, call, text):
    sizes.clear()
    result = call()
    parses[name] = sizes.count(len(text))
    return result


with mock_aws():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="big.json", Body=big.encode())
    url = "https://templates.s3.amazonaws.com/big.json"
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    created = step(
        "CreateChangeSet",
        lambda: cfn.create_change_set(
            StackName="big", ChangeSetName="create", ChangeSetType="CREATE", TemplateURL=url
        ),
        big,
    )
    step("ExecuteChangeSet", lambda: cfn.execute_change_set(ChangeSetName=created["Id"]), big)
    step("GetTemplateSummary", lambda: cfn.get_template_summary(TemplateURL=url), big)
    step(
        "CreateStack (YAML)",
        lambda: cfn.create_stack(StackName="small", TemplateBody=small_yaml),
        small_yaml,
    )
    statuses = [
        cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        for name in ("big", "small")
    ]
print(json.dumps({"parses": parses, "statuses": statuses}))
"""


def _big_template() -> str:
    """A template of about 1 MB (CloudFormation's limit for TemplateURL), 400 resources."""
    padding = "x" * 2_400
    resources = {
        f"Queue{i}": {"Type": "AWS::SQS::Queue", "Metadata": {"padding": padding}}
        for i in range(400)
    }
    template = {
        "Resources": resources,
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Queue0", "Arn"]}}},
    }
    return json.dumps(template)


@pytest.mark.cloud  # runs the local cloud's CloudFormation, in memory in a child process
def test_each_cloudformation_call_parses_a_1_mb_template_once(tmp_path: Path) -> None:
    big = _big_template()
    assert 900_000 < len(big) < 1_000_000
    done = subprocess.run(
        [sys.executable, "-c", COUNTING],
        input=json.dumps([big, YAML_TEMPLATE]),
        cwd=REPO,
        env={**os.environ, "TETHER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == ["CREATE_COMPLETE", "CREATE_COMPLETE"]
    assert result["parses"] == {
        "CreateChangeSet": 1,
        "ExecuteChangeSet": 1,
        "GetTemplateSummary": 1,
        "CreateStack (YAML)": 1,
    }
