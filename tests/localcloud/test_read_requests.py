"""Requests that only read do not make the local cloud save its state again: a deploy that
changes nothing (DescribeStacks, GetTemplate, ListStackResources, ListFunctions...) leaves no
snapshot behind it for the next command to wait on; every request that may change something
still counts, whatever its protocol."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from tether.localcloud.server import counting_changes

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def counted(environ: dict[str, Any]) -> bool:
    """Whether the request ran inside `changing()` (the snapshotter's count of changes)."""
    changes: list[int] = []

    @contextlib.contextmanager
    def changing() -> Iterator[None]:
        changes.append(1)
        yield

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return [b"ok"]

    answer = counting_changes(app, changing)({"REQUEST_METHOD": "POST", **environ}, None)
    assert list(answer) == [b"ok"]
    return bool(changes)


def form(body: str) -> dict[str, Any]:
    return {"CONTENT_TYPE": FORM, "wsgi.input": io.BytesIO(body.encode())}


@pytest.mark.parametrize(
    "environ",
    [
        form("Action=DescribeStacks&Version=2010-05-15&StackName=app-dev"),
        form("Version=2010-05-15&Action=GetTemplate&StackName=app-dev"),
        form("Action=ListStackResources&StackName=app-dev"),
        {"QUERY_STRING": "Action=GetQueueUrl&QueueName=work"},
        {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.DescribeTable"},
        {"HTTP_X_AMZ_TARGET": "Logs_20140328.GetLogEvents"},
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/2015-03-31/functions/"},
    ],
)
def test_a_request_that_only_reads_is_not_counted_as_a_change(environ: dict[str, Any]) -> None:
    assert not counted(environ)


@pytest.mark.parametrize(
    "environ",
    [
        form("Action=UpdateStack&StackName=app-dev&TemplateBody=%7B%22Action%3DListX%22%7D"),
        form("Version=2010-05-15&Action=ExecuteChangeSet&ChangeSetName=c"),
        form("StackName=app-dev&NextAction=ListThings"),  # no Action of its own
        {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"},
        {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.BatchGetItem"},
        {"PATH_INFO": "/2015-03-31/functions/f/code"},  # REST: a POST or PUT changes
        {"CONTENT_TYPE": "application/json", "wsgi.input": io.BytesIO(b"Action=ListStacks")},
    ],
)
def test_a_request_that_may_change_something_is_counted(environ: dict[str, Any]) -> None:
    assert counted(environ)
