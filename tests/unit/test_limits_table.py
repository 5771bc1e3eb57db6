"""The table of AWS's limits the local cloud enforces: AWS's exact values, one copy of each
number (Tether's own checks use the same), and a test against a real local cloud per limit."""

from __future__ import annotations

import ast
from pathlib import Path

from tether.build import limits as build_limits
from tether.deploy import execute
from tether.invoke import payload
from tether.localcloud import limits
from tether.model import limits as quota
from tether.synth import quotas

# limit -> the test of tests/localcloud/test_limits.py that drives it through boto3
TESTED_BY = {
    "cloudformation.template-body": "test_a_template_body_over_51200_bytes_is_refused_and_the_same_template_from_s3_is_not",
    "cloudformation.template-url": "test_a_template_from_s3_over_1_mb_is_refused",
    "cloudformation.resources": "test_a_template_with_501_resources_is_refused",
    "cloudformation.outputs": "test_a_template_with_201_outputs_is_refused",
    "cloudformation.parameters": "test_a_template_with_201_parameters_is_refused",
    "lambda.function-name": "test_a_function_name_over_64_characters_is_refused",
    "lambda.environment": "test_environment_variables_over_4_kb_are_refused",
    "lambda.zip-upload": "test_a_zip_over_50_mb_sent_directly_is_refused",
    "lambda.unzipped": "test_code_and_layers_over_250_mb_unzipped_are_refused",
    "lambda.invoke-request": "test_a_synchronous_invoke_over_6_mb_is_refused",
    "lambda.invoke-event": "test_a_synchronous_invoke_over_6_mb_is_refused",
    "lambda.invoke-response": "test_a_response_over_6_mb_is_the_function_error_lambda_returns",
    "iam.role-policy": "test_inline_policies_of_a_role_over_10240_characters_are_refused",
    "iam.managed-policy": "test_managed_policies_over_6144_characters_or_11_on_a_role_are_refused",
    "iam.managed-policies-per-role": "test_managed_policies_over_6144_characters_or_11_on_a_role_are_refused",
    "sqs.message": "test_an_sqs_message_over_the_queue_maximum_is_refused_attributes_included",
    "sns.message": "test_an_sns_message_over_256_kb_is_refused_attributes_included",
}


def test_every_limit_has_a_test_against_the_local_cloud() -> None:
    tests = Path(__file__).parent.parent / "localcloud" / "test_limits.py"
    defined = {
        node.name
        for node in ast.walk(ast.parse(tests.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    assert set(TESTED_BY) == {limit.key for limit in limits.LIMITS}
    assert set(TESTED_BY.values()) <= defined


def test_the_values_are_awss() -> None:
    values = {limit.key: limit.value for limit in limits.LIMITS}
    assert values == {
        "cloudformation.template-body": 51_200,
        "cloudformation.template-url": 1_000_000,
        "cloudformation.resources": 500,
        "cloudformation.outputs": 200,
        "cloudformation.parameters": 200,
        "lambda.function-name": 64,
        "lambda.environment": 4_096,
        "lambda.zip-upload": 52_428_800,
        "lambda.unzipped": 262_144_000,
        "lambda.invoke-request": 6_291_456,
        "lambda.invoke-event": 1_048_576,
        "lambda.invoke-response": 6_291_556,
        "iam.role-policy": 10_240,
        "iam.managed-policy": 6_144,
        "iam.managed-policies-per-role": 10,
        "sqs.message": 1_048_576,
        "sns.message": 262_144,
    }
    assert limits.request_limit() == 69_905_067  # "Request must be smaller than 69905067 bytes"
    assert len({limit.key for limit in limits.LIMITS}) == len(limits.LIMITS)


def test_tethers_own_checks_use_the_same_numbers() -> None:
    assert execute.TEMPLATE_BODY_LIMIT == quota.TEMPLATE_BODY_BYTES == limits.TEMPLATE_BODY.value
    assert quotas.MAX_TEMPLATE_BYTES == quota.TEMPLATE_URL_BYTES == limits.TEMPLATE_URL.value
    assert build_limits.UNZIPPED_LIMIT == quota.UNZIPPED_BYTES == limits.UNZIPPED.value
    assert {
        "RequestResponse": limits.INVOKE_REQUEST.value,
        "Event": limits.INVOKE_EVENT.value,
    } == payload.PAYLOAD_LIMITS


def test_sizes_are_measured_as_aws_measures_them() -> None:
    assert limits.base64_size("YWJj") == 3 and limits.base64_size("YWI=") == 2
    assert limits.policy_size('{ "a" : "b c" }') == len('{"a":"bc"}')  # whitespace not counted
    assert quota.lambda_environment_text({"A": "é"}) == '{"A":"é"}'
    assert limits.sqs_message_size("ab", {"n": {"DataType": "String", "StringValue": "v"}}) == 10
    assert limits.sns_message_size("ab", {"n": {"Type": "Binary", "Value": "YWJj"}}) == 12
    assert limits.unzipped_size(b"not a zip") == 0
