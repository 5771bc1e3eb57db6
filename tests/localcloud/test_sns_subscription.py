"""AWS::SNS::Subscription resources become real subscriptions, with their filter policy."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import tether
from tests.helpers import write_project
from tests.localcloud.helpers import Client, assert_status, body, physical_ids, unique

PROJECT = """
name: subs
resources:
  alerts: {type: sns.topic}
functions:
  notify:
    handler: app/notify.handler
    triggers: [{resource: alerts, filter: {kind: [order]}}]
"""


def parameters(artifact: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"ParameterKey": "ArtifactBucket", "ParameterValue": artifact["bucket"]},
        {"ParameterKey": "CodeKey", "ParameterValue": artifact["key"]},
    ]


def subscription_of(template: dict[str, Any]) -> str:
    [logical_id] = [
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::SNS::Subscription"
    ]
    return logical_id


def test_a_synthesised_sns_trigger_subscribes_with_its_filter_policy(
    aws: Client, artifact: dict[str, str], tmp_path: Path
) -> None:
    cfn, sns = aws("cloudformation"), aws("sns")
    template = tether.synthesize(tether.load_project(write_project(tmp_path / "subs", PROJECT)))
    name = unique("subs")
    logical_id = subscription_of(template)

    stack_id = cfn.create_stack(
        StackName=name, TemplateBody=json.dumps(template), Parameters=parameters(artifact)
    )["StackId"]
    assert_status(aws, name, "CREATE_COMPLETE")
    ids = physical_ids(aws, name)
    topic_arn, subscription_arn = ids["AlertsTopic"], ids[logical_id]
    [listed] = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert listed["SubscriptionArn"] == subscription_arn
    assert listed["Protocol"] == "lambda"
    assert listed["Endpoint"].endswith(":function:subs-dev-notify")
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["order"]}

    # Update the filter policy: same subscription, new policy.
    changed = copy.deepcopy(template)
    changed["Resources"][logical_id]["Properties"]["FilterPolicy"] = {"kind": ["refund"]}
    cfn.update_stack(
        StackName=name, TemplateBody=json.dumps(changed), Parameters=parameters(artifact)
    )
    assert_status(aws, name, "UPDATE_COMPLETE")
    assert physical_ids(aws, name)[logical_id] == subscription_arn
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["refund"]}

    # Remove it: the subscription then takes every message.
    del changed["Resources"][logical_id]["Properties"]["FilterPolicy"]
    cfn.update_stack(
        StackName=name, TemplateBody=json.dumps(changed), Parameters=parameters(artifact)
    )
    assert_status(aws, name, "UPDATE_COMPLETE")
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    assert "FilterPolicy" not in attributes

    cfn.delete_stack(StackName=name)
    assert_status(aws, stack_id, "DELETE_COMPLETE")
    remaining = [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    assert subscription_arn not in remaining


def test_the_filter_policy_decides_which_messages_reach_a_queue(aws: Client) -> None:
    cfn, sns, sqs = aws("cloudformation"), aws("sns"), aws("sqs")
    name = unique("filtered")
    template = body(
        {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Inbox": {"Type": "AWS::SQS::Queue"},
            "Sub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["Inbox", "Arn"]},
                    "RawMessageDelivery": True,
                    "FilterPolicy": {"kind": ["order"]},
                },
            },
        }
    )
    cfn.create_stack(StackName=name, TemplateBody=template)
    assert_status(aws, name, "CREATE_COMPLETE")
    ids = physical_ids(aws, name)

    for kind in ("order", "spam"):
        sns.publish(
            TopicArn=ids["Topic"],
            Message=f"a {kind}",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    received = sqs.receive_message(QueueUrl=ids["Inbox"], MaxNumberOfMessages=10)
    assert [m["Body"] for m in received.get("Messages", [])] == ["a order"]
    cfn.delete_stack(StackName=name)
