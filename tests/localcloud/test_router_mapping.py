"""The payload 2.0 event built from a request, and the HTTP response made of a Lambda result."""

from __future__ import annotations

import base64
import json

import pytest

from tether.localcloud.http.router_event import (
    HttpRequest,
    Target,
    build_event,
    is_text,
    request_time,
)
from tether.localcloud.http.router_response import MalformedResponse, from_lambda

# --- the event ------------------------------------------------------------------------------


def request(**changes: object) -> HttpRequest:
    fields: dict[str, object] = {
        "method": "GET",
        "raw_path": "/orders/42",
        "raw_query": "",
        "headers": (("Host", "127.0.0.1:4600"), ("User-Agent", "curl/8.0")),
    }
    fields.update(changes)
    return HttpRequest(**fields)  # type: ignore[arg-type]


TARGET = Target(api_id="abc123", account_id="123456789012", route_key="GET /orders/{id}")


def test_event_has_the_shape_of_payload_2_0() -> None:
    event = build_event(
        request(source_ip="127.0.0.9"),
        Target(
            api_id="abc123",
            account_id="123456789012",
            route_key="GET /orders/{id}",
            path_parameters={"id": "42"},
        ),
        request_id="req-1",
        now=1_700_000_000.25,
    )
    assert event == {
        "version": "2.0",
        "routeKey": "GET /orders/{id}",
        "rawPath": "/orders/42",
        "rawQueryString": "",
        "headers": {"host": "127.0.0.1:4600", "user-agent": "curl/8.0"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "127.0.0.1:4600",
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": "/orders/42",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.9",
                "userAgent": "curl/8.0",
            },
            "requestId": "req-1",
            "routeKey": "GET /orders/{id}",
            "stage": "$default",
            "time": "14/Nov/2023:22:13:20 +0000",
            "timeEpoch": 1_700_000_000_250,
        },
        "pathParameters": {"id": "42"},
        "isBase64Encoded": False,
    }


def test_headers_are_lower_case_and_repeated_ones_joined() -> None:
    event = build_event(
        request(headers=(("X-Tag", "a"), ("x-tag", "b"), ("Accept", "text/html"))), TARGET
    )
    assert event["headers"] == {"x-tag": "a,b", "accept": "text/html"}


def test_cookies_move_from_the_header_to_a_list() -> None:
    event = build_event(request(headers=(("Cookie", "a=1; b=2"), ("Cookie", "c=3"))), TARGET)
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_query_parameters_are_decoded_and_repeated_ones_joined() -> None:
    event = build_event(request(raw_query="a=1&b=x%20y&a=2&empty="), TARGET)
    assert event["rawQueryString"] == "a=1&b=x%20y&a=2&empty="
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "empty": ""}


def test_stage_variables_when_the_stage_has_some() -> None:
    target = Target("abc", "1", "$default", stage="prod", stage_variables={"env": "p"})
    event = build_event(request(), target)
    assert event["stageVariables"] == {"env": "p"}
    assert event["requestContext"]["stage"] == "prod"
    assert "stageVariables" not in build_event(request(), TARGET)


def test_text_bodies_stay_text() -> None:
    headers = (("Content-Type", "application/json; charset=utf-8"),)
    event = build_event(request(method="POST", headers=headers, body=b'{"a": 1}'), TARGET)
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)


def test_binary_bodies_are_base64() -> None:
    data = bytes(range(256))
    headers = (("Content-Type", "application/octet-stream"),)
    event = build_event(request(method="PUT", headers=headers, body=data), TARGET)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_text_that_is_not_utf8_is_base64() -> None:
    headers = (("Content-Type", "text/plain"),)
    event = build_event(request(method="POST", headers=headers, body=b"\xff\xfe"), TARGET)
    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)


def test_no_body_no_body_key() -> None:
    event = build_event(request(), TARGET)
    assert "body" not in event
    assert event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event and "cookies" not in event


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("text/plain", True),
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("application/vnd.api+json", True),
        ("application/xml", True),
        ("image/svg+xml", True),
        ("application/javascript", True),
        ("application/octet-stream", False),
        ("image/png", False),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
        (None, False),
    ],
)
def test_what_counts_as_text(content_type: str | None, text: bool) -> None:
    assert is_text(content_type) is text


def test_request_time_is_in_api_gateways_format() -> None:
    assert request_time(0) == "01/Jan/1970:00:00:00 +0000"


# --- the response ---------------------------------------------------------------------------


def result(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_response_object_sets_status_headers_and_body() -> None:
    response = from_lambda(
        result(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-Count": 3, "X-Flag": True},
                "body": "made",
            }
        )
    )
    assert response.status == 201
    assert response.headers == (
        ("Content-Type", "text/plain"),
        ("X-Count", "3"),
        ("X-Flag", "true"),
    )
    assert response.body == b"made"


def test_cookies_become_set_cookie_headers() -> None:
    response = from_lambda(result({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"]}))
    assert [v for k, v in response.headers if k == "set-cookie"] == ["a=1; Path=/", "b=2"]
    assert response.body == b""


def test_base64_bodies_are_decoded() -> None:
    data = bytes(range(256))
    response = from_lambda(
        result(
            {
                "statusCode": 200,
                "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(data).decode(),
                "isBase64Encoded": True,
            }
        )
    )
    assert response.body == data


@pytest.mark.parametrize(
    "value",
    ["hello", {"message": "no status code"}, [1, 2], 42, None, True],
)
def test_any_other_json_is_a_200_with_that_json_as_body(value: object) -> None:
    payload = result(value)
    response = from_lambda(payload)
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.body == payload


def test_a_string_status_code_is_accepted() -> None:
    assert from_lambda(result({"statusCode": "204"})).status == 204


def test_multi_value_headers_are_ignored_in_format_2_0() -> None:
    response = from_lambda(result({"statusCode": 200, "multiValueHeaders": {"x-a": ["1", "2"]}}))
    assert response.headers == ()


def test_line_breaks_cannot_inject_headers() -> None:
    response = from_lambda(result({"statusCode": 200, "headers": {"x-a": "1\r\nx-b: 2"}}))
    assert response.headers == (("x-a", "1  x-b: 2"),)


@pytest.mark.parametrize(
    "value",
    [
        {"statusCode": "ok"},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_responses_api_gateway_cannot_read_are_refused(value: object) -> None:
    with pytest.raises(MalformedResponse):
        from_lambda(result(value))


def test_a_function_error_is_refused() -> None:
    with pytest.raises(MalformedResponse):
        from_lambda(result({"errorMessage": "boom"}), "Unhandled")


def test_a_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(MalformedResponse):
        from_lambda(b"not json")
