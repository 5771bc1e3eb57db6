"""Value rules of tether.yaml: what is accepted, and what the user is told when it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether.model import rules

# --- schedule expressions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 8-18 ? * MON-FRI *)",
        "cron(0 12 1 * ? 2030)",
        "cron(30 9 ? JAN,JUL 2#1 *)",
        "cron(0 0 L * ? *)",
    ],
)
def test_valid_schedule_expressions_are_accepted(expression: str) -> None:
    assert rules.schedule_expression(expression) is None


@pytest.mark.parametrize(
    ("expression", "fixed"),
    [
        ("rate(1 days)", "rate(1 day)"),
        ("rate(1 minutes)", "rate(1 minute)"),
        ("rate(5 minute)", "rate(5 minutes)"),
        ("rate(2 hour)", "rate(2 hours)"),
    ],
)
def test_rate_unit_must_agree_with_count_and_the_hint_gives_the_fix(
    expression: str, fixed: str
) -> None:
    finding = rules.schedule_expression(expression)
    assert finding is not None
    message, hint = finding
    assert "AWS wants the unit to agree with the count" in message
    assert hint == f"write {fixed}"


def test_rate_of_zero_is_rejected() -> None:
    finding = rules.schedule_expression("rate(0 minutes)")
    assert finding is not None
    assert "at least 1" in finding[0]


@pytest.mark.parametrize("expression", ["rate(5 mins)", "rate(five minutes)", "every day", ""])
def test_malformed_schedule_expression_is_rejected_with_examples(expression: str) -> None:
    finding = rules.schedule_expression(expression)
    assert finding is not None
    assert finding[0] == f"invalid schedule expression {expression!r}"
    assert "rate(5 minutes)" in finding[1]


def test_unix_style_five_field_cron_is_rejected() -> None:
    finding = rules.schedule_expression("cron(0 3 * * *)")
    assert finding is not None
    assert "cron takes 6 fields, found 5" in finding[0]
    assert "six fields" in finding[1]


@pytest.mark.parametrize("expression", ["cron(0 3 * * * *)", "cron(0 3 1 * MON *)"])
def test_cron_without_any_question_mark_is_rejected(expression: str) -> None:
    finding = rules.schedule_expression(expression)
    assert finding is not None
    assert "exactly one of day-of-month and day-of-week must be '?'" in finding[0]


def test_cron_with_two_question_marks_is_rejected() -> None:
    finding = rules.schedule_expression("cron(0 3 ? * ? *)")
    assert finding is not None
    assert "exactly one of day-of-month and day-of-week must be '?'" in finding[0]


def test_cron_field_with_bad_characters_names_the_field() -> None:
    finding = rules.schedule_expression("cron(0 3h * * ? *)")
    assert finding is not None
    assert finding[0].startswith("invalid hours field '3h'")


# --- HTTP routes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "parsed"),
    [
        ("GET /orders/{id}", ("GET", "/orders/{id}")),
        ("POST /orders", ("POST", "/orders")),
        ("ANY /files/{proxy+}", ("ANY", "/files/{proxy+}")),
        ("GET /", ("GET", "/")),
        (
            "DELETE /v1/orders/{order_id}/items/{item}",
            ("DELETE", "/v1/orders/{order_id}/items/{item}"),
        ),
        ("$default", ("", "$default")),
    ],
)
def test_valid_routes_split_into_method_and_path(route: str, parsed: tuple[str, str]) -> None:
    assert rules.parse_route(route) == parsed


def test_lower_case_method_is_rejected_with_the_upper_case_route_as_hint() -> None:
    with pytest.raises(rules.RouteError) as caught:
        rules.parse_route("get /orders")
    assert "methods are upper case" in caught.value.message
    assert caught.value.hint == 'write "GET /orders"'


def test_path_without_leading_slash_is_rejected() -> None:
    with pytest.raises(rules.RouteError) as caught:
        rules.parse_route("GET orders")
    assert "the path must start with '/'" in caught.value.message
    assert caught.value.hint == rules.ROUTE_HINT


def test_greedy_parameter_must_be_the_last_segment() -> None:
    with pytest.raises(rules.RouteError) as caught:
        rules.parse_route("ANY /files/{proxy+}/meta")
    assert "a greedy {proxy+} must be the last segment" in caught.value.message


@pytest.mark.parametrize(
    "route", ["FETCH /orders", "GET", "/orders", "GET /orders/{id", "GET /a b", "default"]
)
def test_malformed_routes_are_rejected(route: str) -> None:
    with pytest.raises(rules.RouteError) as caught:
        rules.parse_route(route)
    assert caught.value.message.startswith(f"invalid route {route!r}")
    assert caught.value.hint


def test_route_identity_ignores_parameter_names() -> None:
    """GET /orders/{id} and GET /orders/{key} are the same route to API Gateway."""
    assert rules.route_identity("GET", "/orders/{id}") == rules.route_identity(
        "GET", "/orders/{key}"
    )
    assert rules.route_identity("ANY", "/files/{proxy+}") == rules.route_identity(
        "ANY", "/files/{path+}"
    )


def test_route_identity_keeps_method_path_and_greediness_apart() -> None:
    identity = rules.route_identity
    assert identity("GET", "/orders/{id}") != identity("POST", "/orders/{id}")
    assert identity("GET", "/orders/{id}") != identity("GET", "/items/{id}")
    assert identity("ANY", "/files/{name}") != identity("ANY", "/files/{proxy+}")


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["abc", "acme-archive", "photos.example.com", "a1-b2-c3", "x" * 63]
)
def test_valid_bucket_names_are_accepted(name: str) -> None:
    assert rules.bucket_name(name) is None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ab", "3-63 characters"),
        ("x" * 64, "3-63 characters"),
        ("Acme-Archive", "lowercase letters"),
        ("acme_archive", "lowercase letters"),
        ("-acme", "start and end with a letter or digit"),
        ("acme.", "start and end with a letter or digit"),
        ("acme..archive", "'..'"),
        ("192.168.1.10", "IP address"),
        ("xn--acme", "'xn--'"),
        ("acme-s3alias", "'-s3alias'"),
    ],
)
def test_invalid_bucket_names_say_which_rule_they_break(name: str, why: str) -> None:
    finding = rules.bucket_name(name)
    assert finding is not None
    assert finding[0].startswith(f"invalid bucket name {name!r}")
    assert why in finding[0]


@pytest.mark.parametrize("name", ["LOG_LEVEL", "db2", "Stage", "API_KEY_2"])
def test_valid_environment_variable_names_are_accepted(name: str) -> None:
    assert rules.env_var_name(name) is None


@pytest.mark.parametrize("name", ["_DEBUG", "X", "1ST_RUN", "LOG-LEVEL", "LOG LEVEL", ""])
def test_environment_variable_names_lambda_refuses_are_invalid(name: str) -> None:
    finding = rules.env_var_name(name)
    assert finding is not None
    assert finding[0] == f"invalid environment variable name {name!r}"


@pytest.mark.parametrize(
    "name", ["AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "PATH"]
)
def test_environment_variables_lambda_sets_itself_are_reserved(name: str) -> None:
    finding = rules.env_var_name(name)
    assert finding is not None
    assert finding[0] == f"environment variable {name!r} is reserved by AWS Lambda"


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("photos", True),
        ("my-app2", True),
        ("My_App", False),
        ("2fast", False),
        ("", False),
        ("a" * 31, False),
    ],
)
def test_project_names_are_short_lowercase_words(name: str, valid: bool) -> None:
    assert (rules.project_name(name) is None) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("us-east-1", True),
        ("eu-central-2", True),
        ("us-gov-west-1", True),
        ("us-east", False),
        ("US-EAST-1", False),
        ("mars", False),
    ],
)
def test_regions_are_aws_region_codes(value: str, valid: bool) -> None:
    assert (rules.region(value) is None) is valid


# --- handlers ----------------------------------------------------------------------------


def _project(tmp_path: Path, code: str = "def handler(event, context):\n    return None\n") -> Path:
    (tmp_path / "app").mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text(code)
    return tmp_path


def test_handler_naming_a_defined_function_is_accepted(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert rules.handler(root, "app/main.handler") is None
    assert rules.handler(root, "app.main.handler") is None


def test_handler_written_as_the_py_file_suggests_the_function_form(tmp_path: Path) -> None:
    finding = rules.handler(_project(tmp_path), "app/main.py")
    assert finding is not None
    assert finding[0] == "invalid handler 'app/main.py'"
    assert "app/main.handler" in finding[1]


def test_handler_with_an_absolute_path_is_outside_the_project(tmp_path: Path) -> None:
    """An absolute path to a file that exists is reported, not a crash."""
    root = _project(tmp_path / "project")
    outside = _project(tmp_path / "elsewhere")
    finding = rules.handler(root, f"{outside}/app/main.handler")
    assert finding is not None
    assert "points outside the project" in finding[0]


def test_handler_file_that_does_not_parse_is_blamed_on_its_line(tmp_path: Path) -> None:
    root = _project(tmp_path, "import os\n\ndef handler(event, context)\n    return None\n")
    finding = rules.handler(root, "app/main.handler")
    assert finding is not None
    message, hint, file, line = finding
    assert message.startswith("syntax error in app/main.py")
    assert (file, line) == ("app/main.py", 3)
    assert hint
