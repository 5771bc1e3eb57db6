"""DescribeStackEvents pages like AWS's: 100 events a page, newest first, and NextToken leads
through the rest once each; a client that ignores NextToken sees only the newest 100 locally
too."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.helpers import Client, assert_status, unique

QUEUES = 60  # 2 events each, plus the stack's own two: 122, over one page


def test_stack_events_come_100_a_page_newest_first(aws: Client) -> None:
    name = unique("pages")
    template = {
        "Resources": {f"Queue{i}": {"Type": "AWS::SQS::Queue"} for i in range(QUEUES)},
    }
    cfn = aws("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert_status(aws, name, "CREATE_COMPLETE")

    first = cfn.describe_stack_events(StackName=name)
    assert len(first["StackEvents"]) == 100 and "NextToken" in first
    assert first["StackEvents"][0]["ResourceStatus"] == "CREATE_COMPLETE"
    assert first["StackEvents"][0]["LogicalResourceId"] == name  # the newest: the stack's end

    # Events appended between two pages do not shift the next page.
    cfn.delete_stack(StackName=first["StackEvents"][0]["StackId"])
    rest = []
    token = first["NextToken"]
    while token:
        page = cfn.describe_stack_events(
            StackName=first["StackEvents"][0]["StackId"], NextToken=token
        )
        rest += page["StackEvents"]
        token = page.get("NextToken")
    seen = [e["EventId"] for e in first["StackEvents"] + rest]
    assert len(seen) == len(set(seen)) == QUEUES * 2 + 2
    assert rest[-1]["ResourceStatus"] == "CREATE_IN_PROGRESS"  # the oldest: the stack's start
    assert rest[-1]["LogicalResourceId"] == name

    with pytest.raises(ClientError, match="Invalid NextToken"):
        cfn.describe_stack_events(StackName=first["StackEvents"][0]["StackId"], NextToken="x")
