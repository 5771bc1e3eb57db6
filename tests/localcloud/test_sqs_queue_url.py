"""A queue's URL from a stack (what outputs and function variables carry) leads to the local
cloud: a client that takes the URL's host as its endpoint reaches the queue."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from tests.helpers import local_session
from tests.localcloud.conftest import Client
from tests.localcloud.helpers import REGION, unique
from tether.localcloud.process import LocalCloud


def test_a_stack_queue_url_names_the_local_cloud_and_works_as_an_endpoint(
    aws: Client, cloud: LocalCloud, cloud_home: Path
) -> None:
    stack = unique("queue-url")
    template = {
        "Resources": {"Jobs": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"JobsUrl": {"Value": {"Ref": "Jobs"}}},
    }
    cfn = aws("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    url = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "JobsUrl")
    assert url.startswith(cloud.endpoint + "/"), url
    assert "amazonaws.com" not in url

    parts = urlsplit(url)
    sqs = local_session(cloud_home, REGION).client(
        "sqs", endpoint_url=f"{parts.scheme}://{parts.netloc}"
    )
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in received] == ["hello"]
    cfn.delete_stack(StackName=stack)
