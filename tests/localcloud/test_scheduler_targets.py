"""What an EventBridge target receives: its Input, InputPath, InputTransformer, or the event."""

from __future__ import annotations

import json

from tether.localcloud.scheduler.events_targets import is_lambda, iso_time, target_input

EVENT = {
    "version": "0",
    "id": "e-1",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2024-05-01T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/r"],
    "detail": {"order": {"id": 7}},
}


def test_without_settings_the_target_gets_the_event() -> None:
    assert target_input({"Id": "t", "Arn": "arn"}, EVENT) == EVENT


def test_input_is_parsed_json() -> None:
    target = {"Id": "t", "Arn": "arn", "Input": json.dumps({"job": "nightly"})}
    assert target_input(target, EVENT) == {"job": "nightly"}
    assert target_input({**target, "Input": '"text"'}, EVENT) == "text"


def test_input_path_selects_part_of_the_event() -> None:
    assert target_input({"Id": "t", "Arn": "a", "InputPath": "$.detail.order"}, EVENT) == {"id": 7}
    assert target_input({"Id": "t", "Arn": "a", "InputPath": "$.nothing"}, EVENT) is None


def test_input_transformer_fills_its_template() -> None:
    target = {
        "Id": "t",
        "Arn": "a",
        "InputTransformer": {
            "InputPathsMap": {"order": "$.detail.order.id", "when": "$.time"},
            "InputTemplate": '{"order": <order>, "at": "<when>"}',
        },
    }
    assert target_input(target, EVENT) == {"order": 7, "at": "2024-05-01T10:00:00Z"}


def test_times_and_arns() -> None:
    assert iso_time(0) == "1970-01-01T00:00:00Z"
    assert iso_time("2024-05-01T10:00:00Z") == "2024-05-01T10:00:00Z"
    assert is_lambda("arn:aws:lambda:us-east-1:123456789012:function:f")
    assert not is_lambda("arn:aws:sqs:us-east-1:123456789012:q")
