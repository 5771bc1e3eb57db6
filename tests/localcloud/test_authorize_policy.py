"""The IAM policy evaluator the local cloud authorises function calls with: Allow and Deny,
Action/NotAction and Resource/NotResource with wildcards, conditions, policy variables."""

from __future__ import annotations

from typing import Any

import pytest

from tether.localcloud.authorize_policy import (
    Policy,
    PolicyError,
    arn_match,
    evaluate,
    glob_match,
    parse,
)

OBJECT = "arn:aws:s3:::photos/incoming/cat.jpg"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def policy(*statements: dict[str, Any]) -> Policy:
    return parse({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_allowed_is_an_implicit_deny() -> None:
    assert evaluate([], "s3:GetObject", OBJECT) == "implicit"
    assert evaluate([policy()], "s3:GetObject", OBJECT) == "implicit"


def test_an_allow_names_the_action_and_the_resource() -> None:
    granted = policy(allow(["s3:GetObject"], ["arn:aws:s3:::photos/*"]))
    assert evaluate([granted], "s3:GetObject", OBJECT) == "allow"
    assert evaluate([granted], "s3:PutObject", OBJECT) == "implicit"
    assert evaluate([granted], "s3:GetObject", "arn:aws:s3:::other/cat.jpg") == "implicit"
    # the bucket itself is not one of its objects
    assert evaluate([granted], "s3:GetObject", "arn:aws:s3:::photos") == "implicit"


def test_actions_match_case_insensitively_with_wildcards() -> None:
    granted = policy(allow("S3:get*", "*"), allow("dynamodb:?etItem", TABLE))
    assert evaluate([granted], "s3:GetObject", OBJECT) == "allow"
    assert evaluate([granted], "s3:GetObjectVersion", OBJECT) == "allow"
    assert evaluate([granted], "s3:PutObject", OBJECT) == "implicit"
    assert evaluate([granted], "dynamodb:GetItem", TABLE) == "allow"
    assert evaluate([granted], "dynamodb:BatchGetItem", TABLE) == "implicit"
    assert evaluate([policy(allow("*", "*"))], "sqs:SendMessage", "anything") == "allow"


def test_resources_match_case_sensitively_and_part_by_part() -> None:
    assert arn_match("arn:aws:s3:::photos/*", OBJECT)
    assert not arn_match("arn:aws:s3:::Photos/*", OBJECT)
    assert arn_match("arn:aws:dynamodb:*:*:table/orders", TABLE)
    assert arn_match("arn:aws:dynamodb:us-east-?:123456789012:table/*", TABLE)
    assert arn_match("arn:aws:*:*:*:table/orders", TABLE)
    assert not arn_match("arn:aws:s3:*:*:*", TABLE)  # each part on its own
    assert arn_match(f"{TABLE}/index/*", f"{TABLE}/index/by-day")
    assert not arn_match(TABLE, f"{TABLE}/index/by-day")
    assert glob_match("a*c", "abbbc") and not glob_match("a?c", "abbc")


def test_an_explicit_deny_wins_wherever_it_is() -> None:
    granted = policy(allow("s3:*", "*"))
    refused = policy(deny("s3:DeleteObject", "arn:aws:s3:::photos/*"))
    for order in ([granted, refused], [refused, granted]):
        assert evaluate(order, "s3:DeleteObject", OBJECT) == "deny"
        assert evaluate(order, "s3:GetObject", OBJECT) == "allow"
    assert evaluate([refused], "s3:DeleteObject", OBJECT) == "deny"


def test_not_action_and_not_resource() -> None:
    everything_but_deletes = policy(
        {"Effect": "Allow", "NotAction": ["s3:Delete*"], "Resource": "*"}
    )
    assert evaluate([everything_but_deletes], "s3:GetObject", OBJECT) == "allow"
    assert evaluate([everything_but_deletes], "s3:DeleteObject", OBJECT) == "implicit"
    all_but_secrets = policy(
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secrets/*"}
    )
    assert evaluate([all_but_secrets], "s3:GetObject", OBJECT) == "allow"
    assert evaluate([all_but_secrets], "s3:GetObject", "arn:aws:s3:::secrets/k") == "implicit"
    deny_outside = policy(
        allow("s3:*", "*"),
        {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::photos/*"]},
    )
    assert evaluate([deny_outside], "s3:GetObject", OBJECT) == "allow"
    assert evaluate([deny_outside], "s3:GetObject", "arn:aws:s3:::other/k") == "deny"


def test_string_and_arn_conditions() -> None:
    granted = policy(
        allow(
            "s3:ListBucket",
            "arn:aws:s3:::photos",
            Condition={"StringLike": {"s3:prefix": ["incoming/*", "thumbs/*"]}},
        )
    )
    assert evaluate([granted], "s3:ListBucket", "arn:aws:s3:::photos", {"s3:prefix": "incoming/a"})
    assert (
        evaluate([granted], "s3:ListBucket", "arn:aws:s3:::photos", {"s3:prefix": "private/"})
        == "implicit"
    )
    # a key missing from the request fails the condition
    assert evaluate([granted], "s3:ListBucket", "arn:aws:s3:::photos", {}) == "implicit"
    by_function = policy(
        allow(
            "sqs:SendMessage",
            "*",
            Condition={
                "ArnLike": {"lambda:SourceFunctionArn": "arn:aws:lambda:*:*:function:app-*"}
            },
        )
    )
    caller = {"lambda:sourcefunctionarn": "arn:aws:lambda:us-east-1:1:function:app-resize"}
    assert evaluate([by_function], "sqs:SendMessage", "q", caller) == "allow"
    other = {"lambda:sourcefunctionarn": "arn:aws:lambda:us-east-1:1:function:tool"}
    assert evaluate([by_function], "sqs:SendMessage", "q", other) == "implicit"


def test_negated_operators_if_exists_and_null() -> None:
    region_lock = policy(
        allow("s3:*", "*"),
        deny("*", "*", Condition={"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}),
    )
    assert evaluate([region_lock], "s3:GetObject", OBJECT, {"aws:requestedregion": "us-east-1"})
    assert (
        evaluate([region_lock], "s3:GetObject", OBJECT, {"aws:requestedregion": "eu-west-1"})
        == "deny"
    )
    # a negated operator holds when the key is missing
    assert evaluate([region_lock], "s3:GetObject", OBJECT, {}) == "deny"
    if_exists = policy(
        allow("s3:ListBucket", "*", Condition={"StringLikeIfExists": {"s3:prefix": "pub/*"}})
    )
    assert evaluate([if_exists], "s3:ListBucket", "arn:aws:s3:::b", {}) == "allow"
    assert evaluate([if_exists], "s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "x"}) == (
        "implicit"
    )
    needs_prefix = policy(allow("s3:ListBucket", "*", Condition={"Null": {"s3:prefix": "false"}}))
    assert evaluate([needs_prefix], "s3:ListBucket", "b", {"s3:prefix": ""}) == "allow"
    assert evaluate([needs_prefix], "s3:ListBucket", "b", {}) == "implicit"


def test_numeric_date_bool_and_ip_conditions() -> None:
    def decide(condition: dict[str, Any], context: dict[str, Any]) -> str:
        return evaluate([policy(allow("s3:*", "*", Condition=condition))], "s3:X", "r", context)

    assert decide({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}) == (
        "allow"
    )
    assert decide({"NumericLessThan": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}) == "implicit"
    window = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    assert decide(window, {"aws:currenttime": "2024-05-02T10:11:12Z"}) == "allow"
    assert decide(window, {"aws:currenttime": "2019-05-02T10:11:12Z"}) == "implicit"
    assert decide({"Bool": {"aws:SecureTransport": False}}, {"aws:securetransport": "false"}) == (
        "allow"
    )
    assert decide({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": "127.0.0.1"})
    assert decide(
        {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": "10.1.2.3"}
    ) == ("implicit")


def test_set_operators() -> None:
    def decide(condition: dict[str, Any], tags: tuple[str, ...]) -> str:
        context = {"aws:tagkeys": tags}
        return evaluate([policy(allow("s3:*", "*", Condition=condition))], "s3:X", "r", context)

    only = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    assert decide(only, ("team",)) == "allow"
    assert decide(only, ("team", "owner")) == "implicit"
    assert decide(only, ()) == "allow"  # vacuously true, as on AWS
    some = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}
    assert decide(some, ("team", "owner")) == "allow"
    assert decide(some, ()) == "implicit"


def test_policy_variables_in_resources() -> None:
    own = policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))
    assert evaluate([own], "s3:GetObject", "arn:aws:s3:::home/ana/a", {"aws:username": "ana"})
    assert evaluate([own], "s3:GetObject", "arn:aws:s3:::home/bob/a", {"aws:username": "ana"}) == (
        "implicit"
    )
    assert evaluate([own], "s3:GetObject", "arn:aws:s3:::home/ana/a", {}) == "implicit"
    literal = policy(allow("s3:GetObject", "arn:aws:s3:::b/${*}"))
    assert evaluate([literal], "s3:GetObject", "arn:aws:s3:::b/*") == "allow"
    assert evaluate([literal], "s3:GetObject", "arn:aws:s3:::b/x") == "implicit"


def test_an_unknown_condition_operator_never_matches() -> None:
    odd = policy(allow("s3:*", "*", Condition={"StringSounds": {"s3:prefix": "a"}}))
    assert evaluate([odd], "s3:GetObject", OBJECT, {"s3:prefix": "a"}) == "implicit"


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "{}",
        {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]},
    ],
)
def test_what_is_not_a_policy_is_refused(document: Any) -> None:
    with pytest.raises(PolicyError):
        parse(document)


def test_a_single_statement_and_json_text() -> None:
    text = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
    assert evaluate([parse(text)], "s3:GetObject", OBJECT) == "allow"
