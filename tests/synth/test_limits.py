"""Before anything deploys, Tether avoids or reports what Lambda and IAM would refuse when
CloudFormation creates a function: names over 64 characters (avoided: synth shortens them),
environments over 4 KB (reported, with the function and the way out), inline role policies over
10,240 characters (avoided: the overflow moves into managed policies; reported when even those
cannot hold it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_project
from tether import ProjectError, load_project, synthesize
from tether.model.limits import (
    ENVIRONMENT_BYTES,
    MANAGED_POLICY_CHARS,
    ROLE_POLICY_CHARS,
    iam_policy_size,
    lambda_environment_text,
)
from tether.synth import functions, quotas
from tether.synth.resolved import Resolver


def external_tables(count: int) -> str:
    return "".join(
        f"  t{i:03}: {{type: dynamodb.table, external: "
        f"'arn:aws:dynamodb:us-east-1:123456789012:table/an-external-table-{i:03}'}}\n"
        for i in range(count)
    )


ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]


def reads(count: int) -> str:
    return "".join(
        f"      - {{resource: t{i:03}, actions: {json.dumps(ACTIONS)}}}\n" for i in range(count)
    )


def greedy_project(root: Path, tables: int, *, name: str = "greedy") -> Path:
    """One function using `tables` external tables: a statement of ~300 characters each."""
    return write_project(
        root,
        f"name: {name}\nresources:\n{external_tables(tables)}"
        f"functions:\n  reader:\n    handler: app/reader.handler\n    operations:\n"
        f"{reads(tables)}",
    )


def synthesize_unsplit(project: Any) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(functions, "ROLE_POLICY_CHARS", 10**9)
        patch.setattr(quotas, "ROLE_POLICY_CHARS", 10**9)
        return synthesize(project)


def resolved_size(template: dict[str, Any], document: Any) -> int:
    resolver = Resolver(template["Resources"], "greedy-dev", "us-east-1")
    return iam_policy_size(resolver.resolve(document))


def test_function_names_are_cut_to_64_characters_and_stay_distinct(tmp_path: Path) -> None:
    long = "a-function-name-that-is-long-enough-to-matter-x"
    root = write_project(
        tmp_path,
        f"""
        name: a-project-name-of-30-characte
        functions:
          {long}1: {{handler: app/one.handler}}
          {long}2: {{handler: app/two.handler}}
        """,
    )
    template = synthesize(load_project(root), stage="a-long-stage-nam")
    names = [
        r["Properties"]["FunctionName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert len(names) == len(set(names)) == 2
    assert all(len(name) <= 64 for name in names), names
    assert all(name.startswith("a-project-name-of-30-characte-a-long-stage-nam-") for name in names)


def test_an_environment_over_4_kb_is_reported_with_the_function_and_the_fix(
    tmp_path: Path,
) -> None:
    root = write_project(
        tmp_path,
        f"""
        name: envs
        functions:
          small: {{handler: app/small.handler, environment: {{NOTE: hi}}}}
          big:
            handler: app/big.handler
            environment:
              BLOB: "{"x" * 4100}"
              NOTE: hi
        """,
    )
    project = load_project(root)
    with pytest.raises(ProjectError) as caught:
        synthesize(project)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("tether.yaml", project.functions["big"].location.line)
    assert "the environment variables of function big take 4,123 bytes" in problem.message
    assert "more than the 4,096 (4 KB) Lambda allows" in problem.message
    assert "the largest: BLOB (4,100 bytes), NOTE (2 bytes)" in problem.message
    assert "S3 or SSM Parameter Store" in problem.hint


def test_the_names_tether_injects_count_towards_the_4_kb(tmp_path: Path) -> None:
    """A queue URL is resolved only on deploy: its length is estimated, on the long side."""
    spec = """
        name: injected
        resources:
          work: {{type: sqs.queue}}
        functions:
          sender:
            handler: app/sender.handler
            environment: {{BLOB: "{blob}"}}
            operations: [{{resource: work, actions: ["sqs:SendMessage"]}}]
        """
    blob = "x" * (ENVIRONMENT_BYTES - len('{"BLOB":""}') - 40)
    root = write_project(tmp_path, spec.format(blob=blob))
    with pytest.raises(ProjectError) as caught:
        synthesize(load_project(root))
    (problem,) = caught.value.problems
    assert "function sender" in problem.message and "WORK_QUEUE_URL" in problem.message
    # Without the queue the variable alone fits.
    root = write_project(
        tmp_path / "alone",
        spec.format(blob=blob).replace(
            '            operations: [{resource: work, actions: ["sqs:SendMessage"]}]\n', ""
        ),
    )
    template = synthesize(load_project(root))
    variables = template["Resources"]["SenderFunction"]["Properties"]["Environment"]["Variables"]
    assert len(lambda_environment_text(variables)) <= ENVIRONMENT_BYTES


def test_a_role_that_fits_keeps_one_inline_policy(tmp_path: Path) -> None:
    template = synthesize(load_project(greedy_project(tmp_path, 10)))
    types = [r["Type"] for r in template["Resources"].values()]
    assert "AWS::IAM::ManagedPolicy" not in types
    assert template["Resources"]["ReaderFunction"]["DependsOn"] == ["ReaderLogGroup"]


def test_statements_over_the_inline_quota_move_into_managed_policies(tmp_path: Path) -> None:
    project = load_project(greedy_project(tmp_path, 60))
    template = synthesize(project)
    resources = template["Resources"]
    role = resources["ReaderRole"]["Properties"]
    (inline,) = role["Policies"]
    assert inline["PolicyName"] == "least-privilege"
    assert resolved_size(template, inline["PolicyDocument"]) <= ROLE_POLICY_CHARS
    policies = sorted(lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::ManagedPolicy")
    assert policies == ["ReaderRolePolicy1", "ReaderRolePolicy2"]
    statements = list(inline["PolicyDocument"]["Statement"])
    for lid in policies:
        policy = resources[lid]
        assert policy["Properties"]["Roles"] == [{"Ref": "ReaderRole"}]
        assert (
            resolved_size(template, policy["Properties"]["PolicyDocument"]) <= MANAGED_POLICY_CHARS
        )
        assert policy["Metadata"]["tether"] == {"function": "reader", "part": "policy"}
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    # Nothing is lost or repeated, and the function waits for its policies.
    whole = synthesize_unsplit(project)["Resources"]["ReaderRole"]["Properties"]["Policies"]
    (everything,) = [p["PolicyDocument"]["Statement"] for p in whole]
    assert sorted(statements, key=json.dumps) == sorted(everything, key=json.dumps)
    assert len(statements) == 61  # its logs, and one statement per table
    assert resources["ReaderFunction"]["DependsOn"] == ["ReaderLogGroup", *policies]
    # Plans still see every grant on the role.
    grants = resources["ReaderRole"]["Metadata"]["tether"]["grants"]
    assert "dynamodb:UpdateItem on table t059" in grants
    assert json.dumps(template)  # plain JSON, as deploys send it


def test_a_role_no_split_can_hold_is_reported_before_deploying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten managed policies hold some 60,000 characters more; past them the user must act.
    (The quota is lowered here so that the project stays small.)"""
    monkeypatch.setattr(quotas, "MANAGED_POLICIES_PER_ROLE", 1)
    project = load_project(greedy_project(tmp_path, 60))
    with pytest.raises(ProjectError) as caught:
        synthesize(project)
    (problem,) = caught.value.problems
    assert problem.line == project.functions["reader"].location.line
    assert problem.message.startswith("function reader needs about ")
    assert "more than one role can hold: 10,240 inline and 1 managed policies of 6,144" in (
        problem.message
    )
    assert "split the work of function reader between several functions" in problem.hint


def test_the_estimate_of_a_reference_errs_long(tmp_path: Path) -> None:
    """A generated name is `<stack>-<logical id>-<13 characters>`, as CloudFormation makes it."""
    template = {
        "Resources": {
            "WorkQueue": {"Type": "AWS::SQS::Queue"},
            "OrdersTable": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    resolver = Resolver(template["Resources"], "shop-prod", "eu-west-1")
    assert resolver.resolve({"Ref": "WorkQueue"}) == (
        "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-prod-WorkQueue-ABCDEFGHIJKLM"
    )
    assert resolver.resolve({"Fn::GetAtt": ["OrdersTable", "StreamArn"]}) == (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-prod-OrdersTable-ABCDEFGHIJKLM"
        "/stream/2025-01-01T00:00:00.000"
    )
    assert resolver.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::AccountId}/*"}) == (
        "arn:aws:s3:::b-123456789012/*"
    )
