"""Route selection as API Gateway HTTP APIs do it: exact > parameter > greedy > $default, an
exact method over ANY, and 404 (no match) for a path served only under other methods."""

from __future__ import annotations

import pytest

from tether.localcloud.http.router_match import RoutePattern, select_route

ROUTES = [
    "GET /pets/dog/1",
    "GET /pets/dog/{id}",
    "GET /pets/{kind}/1",
    "GET /pets/{proxy+}",
    "ANY /{proxy+}",
    "POST /orders",
    "GET /orders/{id}",
    "ANY /orders/{id}",
    "ANY /files/{proxy+}",
    "GET /files/special/{rest+}",
    "GET /",
    "$default",
]


def chosen(method: str, path: str, routes: list[str] = ROUTES) -> str | None:
    found = select_route([(key, key) for key in routes], method, path)
    return None if found is None else found.route_key


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1"),  # literal beats parameter
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),  # a full match beats greedy
        ("GET", "/pets/cat/1", "GET /pets/{kind}/1"),
        ("GET", "/pets/cat/2", "GET /pets/{proxy+}"),  # the longest greedy prefix
        ("GET", "/pets/cat/2/toys", "GET /pets/{proxy+}"),
        ("POST", "/pets/dog/1", "ANY /{proxy+}"),  # other method: greedy ANY takes it
        ("POST", "/orders", "POST /orders"),
        ("GET", "/orders/7", "GET /orders/{id}"),  # exact method beats ANY
        ("DELETE", "/orders/7", "ANY /orders/{id}"),
        ("PUT", "/files/a/b/c.txt", "ANY /files/{proxy+}"),
        ("GET", "/files/special/x", "GET /files/special/{rest+}"),
        ("GET", "/", "GET /"),
        ("POST", "/", "$default"),  # /{proxy+} needs at least one segment
        ("GET", "/anything/else", "ANY /{proxy+}"),
    ],
)
def test_the_most_specific_route_wins(method: str, path: str, route: str) -> None:
    assert chosen(method, path) == route


def test_default_catches_what_nothing_else_takes() -> None:
    routes = ["GET /orders/{id}", "$default"]
    assert chosen("GET", "/nothing", routes) == "$default"
    assert chosen("POST", "/orders/1", routes) == "$default"  # method mismatch


def test_no_route_is_none_and_method_mismatch_is_no_match() -> None:
    routes = ["GET /orders/{id}", "POST /orders"]
    assert chosen("GET", "/missing", routes) is None
    assert chosen("DELETE", "/orders/1", routes) is None  # HTTP APIs: 404, not 405
    assert chosen("GET", "/orders", routes) is None
    assert chosen("HEAD", "/orders/1", routes) is None  # HEAD is not GET


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("/orders/1", True),
        ("/orders/", False),  # a parameter takes a non-empty segment
        ("/orders", False),
        ("/orders/1/", False),  # a trailing slash is another path
        ("/orders/1/items", False),
    ],
)
def test_parameters_take_exactly_one_segment(path: str, matches: bool) -> None:
    assert (chosen("GET", path, ["GET /orders/{id}"]) is not None) is matches


def test_path_parameters_are_extracted_and_decoded() -> None:
    found = select_route(
        [("GET /users/{user}/files/{name}", None)], "GET", "/users/ann%20lee/files/a%2Fb.txt"
    )
    assert found is not None
    assert found.path_parameters == {"user": "ann lee", "name": "a/b.txt"}


def test_greedy_parameters_take_the_rest_of_the_path() -> None:
    found = select_route([("ANY /files/{proxy+}", "files")], "PUT", "/files/a/b%20c/d.txt")
    assert found is not None
    assert (found.value, found.path_parameters) == ("files", {"proxy": "a/b c/d.txt"})
    assert select_route([("ANY /files/{proxy+}", "files")], "PUT", "/files") is None
    assert select_route([("ANY /files/{proxy+}", "files")], "PUT", "/files/") is None


def test_literal_segments_compare_decoded() -> None:
    assert chosen("GET", "/caf%C3%A9", ["GET /café"]) == "GET /café"


def test_default_route_has_no_parameters() -> None:
    found = select_route([("$default", 1)], "PATCH", "/a/b")
    assert found is not None
    assert (found.route_key, found.path_parameters) == ("$default", {})


def test_route_keys_that_are_not_http_routes_are_ignored() -> None:
    assert chosen("GET", "/x", ["$connect", "nonsense", "GET x"]) is None


def test_route_patterns_parse() -> None:
    pattern = RoutePattern.parse("ANY /files/{proxy+}")
    assert pattern is not None
    assert (pattern.method, pattern.segments, pattern.greedy) == ("ANY", ("files",), "proxy")
    root = RoutePattern.parse("GET /")
    assert root is not None and root.segments == ("",) and root.greedy is None
