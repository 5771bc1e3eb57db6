"""What moto does not implement reaches the client as AWS's error in its protocol's shape, naming
the operation, and is not retried: never an HTML page the SDK cannot parse."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.conftest import Client


@pytest.mark.parametrize(
    ("service", "call", "operation"),
    [
        (
            "cloudformation",
            lambda c: c.detect_stack_drift(StackName="any"),
            "cloudformation DetectStackDrift",
        ),
        (
            "dynamodb",
            lambda c: c.describe_kinesis_streaming_destination(TableName="any"),
            "dynamodb DescribeKinesisStreamingDestination",
        ),
    ],
)
def test_an_operation_moto_lacks_is_aws_not_implemented(
    aws: Client, service: str, call: object, operation: str
) -> None:
    started = time.monotonic()
    with pytest.raises(ClientError) as raised:
        call(aws(service))  # type: ignore[operator]
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["Error"]["Code"] == "NotImplemented"
    assert (
        error["Error"]["Message"]
        == f"the local cloud does not implement {operation}: moto, which emulates {operation.split()[0]}, lacks it"
    )
    assert error["ResponseMetadata"].get("RetryAttempts", 0) == 0  # an SDK does not retry it
    assert time.monotonic() - started < 5
