"""Every resource type, project and external, with every trigger and operation it supports,
synthesises a template that cfn-lint passes, and random valid projects do too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import write_project
from tether import load_project, synthesize
from tether.model import RESOURCE_TYPES, TRIGGER_TYPES
from tether.synth import FAMILIES
from tether.synth.lint import lint

ACCOUNT = "123456789012"
# (id, resource spec, trigger options or None, actions for an operation or None)
CASES: list[tuple[str, str, str | None, list[str] | None]] = [
    (
        "bucket",
        "{type: s3.bucket}",
        "{events: [created, removed], prefix: in/, suffix: .png}",
        ["s3:GetObject", "s3:ListBucket", "s3:DeleteObject"],
    ),
    (
        "bucket-versioned-retained",
        "{type: s3.bucket, versioning: true, retain: true}",
        "{}",
        ["s3:PutObject"],
    ),
    (
        "bucket-external-arn",
        "{type: s3.bucket, external: 'arn:aws:s3:::other-bucket'}",
        None,
        ["s3:GetObject", "s3:ListBucket"],
    ),
    (
        "bucket-external-name",
        "{type: s3.bucket, external: other.bucket.name}",
        None,
        ["s3:PutObject"],
    ),
    (
        "table",
        "{type: dynamodb.table, key: {pk: S, sk: N}, stream: keys_only}",
        "{starting_position: trim_horizon, batch_size: 500, batch_window: 5}",
        ["dynamodb:Query", "dynamodb:PutItem"],
    ),
    (
        "table-indexes",
        "{type: dynamodb.table, key: {id: S}, indexes: {by_user: {key: {user: S, at: N}}}}",
        None,
        ["dynamodb:Query", "dynamodb:GetItem"],
    ),
    (
        "table-external",
        f"{{type: dynamodb.table, external: 'arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/legacy', stream_arn: 'arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/legacy/stream/2024-01-01T00:00:00.000'}}",
        "{}",
        ["dynamodb:GetItem", "dynamodb:Query"],
    ),
    ("topic", "{type: sns.topic}", "{filter: {kind: [order, refund]}}", ["sns:Publish"]),
    (
        "topic-external",
        f"{{type: sns.topic, external: 'arn:aws:sns:us-east-1:{ACCOUNT}:events'}}",
        "{}",
        ["sns:Publish"],
    ),
    (
        "queue",
        "{type: sqs.queue, visibility_timeout: 180}",
        "{batch_size: 100, batch_window: 2}",
        ["sqs:SendMessage"],
    ),
    (
        "queue-dead-letter",
        "{type: sqs.queue, visibility_timeout: 180, dead_letter: {after: 5}, retain: true}",
        "{batch_size: 10}",
        ["sqs:SendMessage"],
    ),
    (
        "queue-external-url",
        f"{{type: sqs.queue, external: 'https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs'}}",
        "{}",
        ["sqs:SendMessage", "sqs:GetQueueUrl"],
    ),
    (
        "schedule-rate",
        "{type: schedule, expression: 'rate(5 minutes)'}",
        "{input: {report: daily}}",
        None,
    ),
    ("schedule-cron", "{type: schedule, expression: 'cron(0 3 ? * MON-FRI *)'}", "{}", None),
    ("http-route", "{type: http.api}", "{route: 'POST /items/{id}/tags'}", None),
    ("http-greedy", "{type: http.api}", "{route: 'ANY /files/{proxy+}'}", None),
    ("http-default", "{type: http.api}", "{route: $default}", None),
    ("http-root", "{type: http.api}", "{route: 'GET /'}", None),
]


def case_project(root: Path, spec: str, trigger: str | None, actions: list[str] | None) -> Path:
    lines = [
        "name: matrix",
        "resources:",
        f"  thing: {spec}",
        "functions:",
        "  fn:",
        "    handler: app/fn.handler",
    ]
    if trigger is not None:
        options = trigger[1:-1]
        lines.append(f"    triggers: [{{resource: thing{', ' + options if options else ''}}}]")
    if actions:
        lines.append(f"    operations: [{{resource: thing, actions: {json.dumps(actions)}}}]")
    return write_project(root, "\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("spec", "trigger", "actions"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_resource_kind_synthesises_lint_clean(
    tmp_path: Path, spec: str, trigger: str | None, actions: list[str] | None
) -> None:
    project = load_project(case_project(tmp_path, spec, trigger, actions))
    template = synthesize(project, stage="test")
    problems = lint(template, region="us-east-1")
    assert problems == [], "\n".join(p.format() for p in problems)
    assert_least_privilege(template)


def test_every_resource_type_has_a_synth_family_and_a_trigger_kind() -> None:
    assert set(FAMILIES) == set(RESOURCE_TYPES.values()) == set(TRIGGER_TYPES)
    tested = {spec.split("type: ")[1].split(",")[0].split("}")[0] for _, spec, _, _ in CASES}
    assert tested == set(RESOURCE_TYPES)


def assert_least_privilege(template: dict[str, Any]) -> None:
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"]["Policies"]:
                for statement in policy["PolicyDocument"]["Statement"]:
                    assert all("*" not in a for a in statement["Action"]), statement
                    assert "*" not in statement["Resource"], statement
        if resource["Type"] == "AWS::Lambda::Permission":
            assert resource["Properties"]["SourceArn"]


# --- random valid projects ---------------------------------------------------------------

RESOURCE_SPECS = {
    "bucket": ("{type: s3.bucket}", "{prefix: a/}", ["s3:GetObject"]),
    "table": (
        "{type: dynamodb.table, key: {id: S}, stream: new_image}",
        "{}",
        ["dynamodb:PutItem"],
    ),
    "topic": ("{type: sns.topic}", "{}", ["sns:Publish"]),
    "queue": ("{type: sqs.queue, visibility_timeout: 900}", "{}", ["sqs:SendMessage"]),
    "schedule": ("{type: schedule, expression: 'rate(1 hour)'}", "{}", None),
    "api": ("{type: http.api}", None, None),
}


@st.composite
def projects(draw: st.DrawFn) -> str:
    kinds = draw(st.lists(st.sampled_from(sorted(RESOURCE_SPECS)), min_size=1, max_size=6))
    lines = ["name: random", "resources:"]
    names = [f"{kind}{i}" for i, kind in enumerate(kinds)]
    for name, kind in zip(names, kinds, strict=True):
        lines.append(f"  {name}: {RESOURCE_SPECS[kind][0]}")
    lines.append("functions:")
    for f in range(draw(st.integers(1, 4))):
        lines += [f"  fn{f}:", f"    handler: app/fn{f}.handler"]
        triggers, operations = [], []
        for name, kind in zip(names, kinds, strict=True):
            _, trigger, actions = RESOURCE_SPECS[kind]
            if draw(st.booleans()):
                if kind == "api":
                    triggers.append(f"{{resource: {name}, route: 'GET /f{f}'}}")
                elif kind == "bucket":
                    triggers.append(f"{{resource: {name}, prefix: f{f}/}}")
                elif trigger is not None:
                    triggers.append(f"{{resource: {name}}}")
            if actions and draw(st.booleans()):
                operations.append(f"{{resource: {name}, actions: {json.dumps(actions)}}}")
        if triggers:
            lines.append(f"    triggers: [{', '.join(triggers)}]")
        if operations:
            lines.append(f"    operations: [{', '.join(operations)}]")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=projects())
def test_random_valid_projects_synthesise_lint_clean(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    root = write_project(tmp_path_factory.mktemp("random"), text)
    template = synthesize(load_project(root), stage="dev")
    problems = lint(template, region="us-east-1")
    assert problems == [], text + "\n" + "\n".join(p.format() for p in problems)
    assert_least_privilege(template)
