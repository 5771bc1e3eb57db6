"""The example app: analysis finds exactly the operations its handlers perform."""

from __future__ import annotations

import pytest

from tests.helpers import EXAMPLE
from tether.analysis import Analysis, analyse
from tether.model import read_project_file

EXPECTED = {
    "resize": {
        ("uploads", "s3:GetObject"),  # the bucket comes from the S3 event: the trigger's
        ("thumbs", "s3:PutObject"),
        ("orders", "dynamodb:PutItem"),
        ("work", "sqs:SendMessage"),
    },
    "api": {("orders", "dynamodb:GetItem")},
    "worker": {("orders", "dynamodb:UpdateItem")},
    "notify": {("alerts", "sns:Publish")},
    "report": {
        ("thumbs", "s3:ListBucket"),  # a list_objects_v2 paginator
        ("orders", "dynamodb:Scan"),  # scan(**kwargs), kwargs grown in a loop
        ("archive", "s3:PutObject"),  # the external bucket by its literal name
    },
}


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyse(read_project_file(EXAMPLE))


def test_each_function_gets_exactly_the_operations_of_its_code(analysis: Analysis) -> None:
    found = {name: f.grants() for name, f in analysis.functions.items()}
    assert found == EXPECTED


def test_the_example_has_no_analysis_problem(analysis: Analysis) -> None:
    assert [p.format() for p in analysis.problems] == []


def test_operations_point_at_the_calls(analysis: Analysis) -> None:
    resize = {(o.resource, o.location.line) for o in analysis.functions["resize"].operations}
    source = (EXAMPLE / "app" / "resize.py").read_text().splitlines()
    for resource, line in resize:
        assert (
            "s3." in source[line - 1]
            or "dynamodb." in source[line - 1]
            or "sqs." in source[line - 1]
        ), (resource, source[line - 1])
    assert all(o.origin == "code" for f in analysis.functions.values() for o in f.operations)


def test_closures_hold_each_handler_file(analysis: Analysis) -> None:
    assert {name: sorted(f.closure) for name, f in analysis.functions.items()} == {
        name: [f"app/{name}.py"] for name in EXPECTED
    }
