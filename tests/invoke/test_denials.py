"""A call the function's role refused, read back from the error as AWS words it: which project
line made it, on which of the project's resources, and what to declare."""

from __future__ import annotations

from typing import Any

from tether import Project
from tether.invoke.denials import denials, payload_text
from tether.invoke.target import Deployed

OUTPUTS = {
    "ThumbsBucketArn": "arn:aws:s3:::photos-dev-thumbs-123456789012-us-east-1",
    "OrdersTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/photos-dev-OrdersTable-X",
    "AlertsTopicArn": "arn:aws:sns:us-east-1:123456789012:photos-dev-AlertsTopic-X",
}
SESSION = "arn:aws:sts::123456789012:assumed-role/photos-dev-ResizeRole-X/photos-dev-resize"
CODE = "/home/me/.tether/local/code/" + "ab" * 32


def deployed(photos: Project) -> Deployed:
    cloud: Any = None  # reading an error needs no cloud
    return Deployed(project=photos, stage="dev", cloud=cloud, outputs=OUTPUTS)


def error(action: str, resource: str, line: int = 40) -> dict[str, Any]:
    return {
        "errorMessage": f"An error occurred (AccessDenied) when calling the X operation: User: "
        f"{SESSION} is not authorized to perform: {action} on resource: {resource} because no "
        f"identity-based policy allows the {action} action",
        "errorType": "ClientError",
        "stackTrace": [
            f'  File "{CODE}/app/resize.py", line {line}, in handler\n    s3.put_object(...)\n',
            '  File "/site-packages/botocore/client.py", line 1094, in _make_api_call\n'
            "    raise error_class(parsed_response, operation_name)\n",
        ],
    }


def test_a_refusal_names_the_line_the_resource_and_the_operation_to_declare(
    photos: Project,
) -> None:
    payload = error("dynamodb:Query", f"{OUTPUTS['OrdersTableArn']}/index/by-day", line=52)
    (denial,) = denials(deployed(photos), "resize", payload_text(payload))
    assert (denial.action, denial.resource, denial.where) == (
        "dynamodb:Query",
        "orders",
        "app/resize.py:52",
    )
    assert denial.hint("tether.yaml") == (
        "app/resize.py:52: resize may not dynamodb:Query on "
        f"{OUTPUTS['OrdersTableArn']}/index/by-day: declare "
        "`operations: [{resource: orders, actions: [dynamodb:Query]}]` under resize in "
        "tether.yaml, or make the call visible to the analysis"
    )


def test_sns_and_s3_word_their_refusals_their_own_way(photos: Project) -> None:
    text = payload_text(error("SNS:Publish", OUTPUTS["AlertsTopicArn"]))
    (denial,) = denials(deployed(photos), "resize", text)
    assert (denial.action, denial.resource) == ("sns:Publish", "alerts")
    text = payload_text(error("s3:GetObject", '"arn:aws:s3:::acme-archive/2024/a.jpg"'))
    (denial,) = denials(deployed(photos), "resize", text)
    assert (denial.arn, denial.resource) == ("arn:aws:s3:::acme-archive/2024/a.jpg", "archive")


def test_a_resource_outside_the_project_is_to_be_added_first(photos: Project) -> None:
    text = payload_text(error("s3:GetObject", '"arn:aws:s3:::someone-elses/a.jpg"'))
    (denial,) = denials(deployed(photos), "resize", text)
    assert denial.resource is None
    hint = denial.hint("tether.yaml")
    assert "which is not one of the project's resources" in hint
    assert '`external: "arn:aws:s3:::someone-elses"`' in hint


def test_a_declared_operation_still_refused_means_an_older_deploy(photos: Project) -> None:
    # resize declares s3:PutObject on thumbs in examples/photos/tether.yaml
    text = payload_text(error("s3:PutObject", f'"{OUTPUTS["ThumbsBucketArn"]}/thumbs/a.jpg"'))
    (denial,) = denials(deployed(photos), "resize", text)
    assert denial.declared
    assert "deploy again" in denial.hint("tether.yaml")


def test_a_logged_traceback_is_read_too_and_other_failures_are_not(photos: Project) -> None:
    payload = error("dynamodb:PutItem", OUTPUTS["OrdersTableArn"], line=61)
    logged = "[ERROR] ClientError: " + payload_text(payload).replace("\n", "\r")
    (denial,) = denials(deployed(photos), "resize", logged)
    assert denial.where == "app/resize.py:61"
    assert denials(deployed(photos), "resize", "[ERROR] KeyError: 'Records'") == []
