"""What Tether does about AWS's limits deploys on the local cloud, which enforces them as AWS
does: a role whose statements outgrow IAM's inline quota gets managed policies (and loses them
when it shrinks again), and long names are cut to what Lambda allows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.functional.tiny import cloud
from tests.helpers import write_project
from tether import load_project
from tether.deploy.execute import DeployFailedError
from tether.deploy.pipeline import deploy
from tether.model.limits import ROLE_POLICY_CHARS, iam_policy_size
from tether.synth import functions, quotas

ACTIONS = json.dumps(
    [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
)
FUNCTION = "a-function-whose-name-is-as-long-as-tether-allows"[:48]


def project(root: Path, tables: int) -> Path:
    resources = "".join(
        f"  t{i:03}: {{type: dynamodb.table, external: "
        f"'arn:aws:dynamodb:us-east-1:123456789012:table/an-external-table-{i:03}'}}\n"
        for i in range(tables)
    )
    operations = "".join(
        f"      - {{resource: t{i:03}, actions: {ACTIONS}}}\n" for i in range(tables)
    )
    return write_project(
        root,
        f"name: a-project-name-of-30-characte\nregion: us-east-1\nresources:\n{resources}"
        f"functions:\n  {FUNCTION}:\n    handler: app/reader.handler\n    operations:\n"
        f"{operations}",
    )


def test_a_role_over_the_inline_quota_deploys_with_managed_policies(
    tmp_path: Path, local_cloud: str
) -> None:
    root = project(tmp_path / "greedy", 60)
    # Kept inline, the statements are refused, as IAM refuses them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(functions, "ROLE_POLICY_CHARS", 10**9)
        patch.setattr(quotas, "ROLE_POLICY_CHARS", 10**9)
        with pytest.raises(DeployFailedError) as caught:
            deploy(load_project(root), stage="inline", target="local")
    assert "Maximum policy size of 10240 bytes exceeded for role" in str(caught.value)

    stage = "a-long-stage-nam"
    result = deploy(load_project(root), stage=stage, target="local")
    assert result.path == "full"
    iam = cloud(root).client("iam")
    lam = cloud(root).client("lambda")
    (function,) = [
        f
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"].startswith("a-project")
    ]
    assert len(function["FunctionName"]) <= 64
    role = function["Role"].rsplit("/", 1)[-1]
    inline = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
    assert iam_policy_size(inline) <= ROLE_POLICY_CHARS
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert len(attached) == 2
    documents = [
        iam.get_policy_version(
            PolicyArn=a["PolicyArn"],
            VersionId=iam.get_policy(PolicyArn=a["PolicyArn"])["Policy"]["DefaultVersionId"],
        )["PolicyVersion"]["Document"]
        for a in attached
    ]
    granted = {
        arn
        for document in [inline, *documents]
        for statement in (json.loads(document) if isinstance(document, str) else document)[
            "Statement"
        ]
        for arn in statement["Resource"]
    }
    assert {
        f"arn:aws:dynamodb:us-east-1:123456789012:table/an-external-table-{i:03}" for i in range(60)
    } <= granted

    # Fewer operations: everything fits inline again, and the managed policies are gone.
    project(root, 5)
    deploy(load_project(root), stage=stage, target="local")
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    arns = {p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}
    assert not arns & {a["PolicyArn"] for a in attached}
