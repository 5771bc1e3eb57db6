"""A project past one CloudFormation stack's quotas is split into a root stack and nested stacks,
each within every quota; a project within them keeps its one template (cfn-lint on the split:
`test_nested_stacks_lint`).

The 200-function project (`big_project`) needs over 900 resources: its data and shared
resources stay in the root, each function with its trigger wiring goes whole into one nested
stack, and the split flattens back to exactly the one template synth would otherwise write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import write_project
from tests.synth.big_project import topic_functions, write_big_project
from tether import ProjectError, load_project
from tether.model import Project
from tether.synth import Stacks, one_template, synthesize, synthesize_stacks
from tether.synth.nesting import NESTED_STACK, flatten, owner_function, template_key
from tether.synth.quotas import template_excess

DATA_TYPES = {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic"}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Stacks]:
    project = load_project(write_big_project(tmp_path_factory.mktemp("big")))
    return project, synthesize_stacks(project, stage="dev", target="aws")


def templates(stacks: Stacks) -> dict[str, dict[str, Any]]:
    return {"root": stacks.root, **stacks.children}


def test_200_functions_split_into_a_root_and_nested_stacks_each_within_every_quota(
    big: tuple[Project, Stacks],
) -> None:
    project, stacks = big
    assert len(one_template(project)["Resources"]) > 900  # nearly twice what a stack holds
    assert len(stacks.children) >= 3
    for name, template in templates(stacks).items():
        assert template_excess(template) == [], name
    root = stacks.root["Resources"]
    # What holds data, the shared API and the schedules stay in the root; functions do not.
    assert {b["Type"] for b in root.values()} >= DATA_TYPES | {"AWS::ApiGatewayV2::Api"}
    assert not any(owner_function(body) for body in root.values())
    nested = {lid: body for lid, body in root.items() if body["Type"] == NESTED_STACK}
    assert set(nested) == set(stacks.children)
    for lid, body in nested.items():
        url = body["Properties"]["TemplateURL"]["Fn::Sub"]
        assert url.endswith(template_key(stacks.children[lid]))
        assert set(body["Properties"]["Parameters"]) == set(stacks.children[lid]["Parameters"])
    # Every function is whole in exactly one nested stack, its ARN an output there.
    placed = stacks.functions_by_stack()
    assert sorted(placed) == sorted(project.functions)
    assert "" not in placed.values()
    for function in project.functions.values():
        child = stacks.children[placed[function.name]]
        assert f"{function.logical_id}Arn" in child["Outputs"]
        assert function.logical_id in child["Resources"]
    # Outputs of project resources stay in the root: invoke and the IDE read them there.
    assert "JobsTableName" in stacks.root["Outputs"]


def test_the_split_flattens_back_to_the_one_template(big: tuple[Project, Stacks]) -> None:
    project, stacks = big
    assert flatten(stacks.root, stacks.children) == one_template(project, stage="dev", target="aws")


def test_no_nested_stack_reads_the_root_but_through_its_parameters(
    big: tuple[Project, Stacks],
) -> None:
    """And the root never waits for a nested stack's output: a bucket notification or a
    schedule target names a function by its ARN, so there is no cycle."""
    _, stacks = big
    text = str(stacks.root)
    assert "Outputs." not in text
    bucket = stacks.root["Resources"]["UploadsBucket"]
    assert set(bucket["DependsOn"]) <= set(stacks.children)
    config = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]
    assert config["Function"]["Fn::Sub"].startswith("arn:${AWS::Partition}:lambda:")


def test_adding_a_function_rewrites_only_its_own_nested_stack(
    tmp_path: Path, big: tuple[Project, Stacks]
) -> None:
    _, before = big
    root = write_big_project(tmp_path / "grown", 201)
    after = synthesize_stacks(load_project(root), stage="dev", target="aws")
    changed = [lid for lid in after.children if after.children[lid] != before.children.get(lid)]
    assert changed == [after.functions_by_stack()["fn200"]]


def test_a_project_just_under_the_limit_keeps_its_one_template(tmp_path: Path) -> None:
    project = load_project(topic_functions(tmp_path, 99))
    stacks = synthesize_stacks(project)
    assert len(stacks.root["Resources"]) == 496 and stacks.children == {}
    assert stacks.root == one_template(project) == synthesize(project)


def test_a_project_just_over_the_limit_splits(tmp_path: Path) -> None:
    project = load_project(topic_functions(tmp_path, 100))
    stacks = synthesize_stacks(project)
    assert len(one_template(project)["Resources"]) == 501
    assert len(stacks.children) >= 1
    assert all(template_excess(t) == [] for t in templates(stacks).values())
    assert flatten(stacks.root, stacks.children) == one_template(project)


def test_a_function_bigger_than_a_stack_is_refused_at_the_function(tmp_path: Path) -> None:
    """Each HTTP route is a route and its permission: 250 routes are 504 resources with the
    function's own, and a function deploys in one stack."""
    routes = ", ".join(f'{{resource: web, route: "GET /r{i}"}}' for i in range(250))
    root = write_project(
        tmp_path,
        "name: wide\nresources:\n  web: {type: http.api}\nfunctions:\n"
        f"  hub:\n    handler: app/main.handler\n    triggers: [{routes}]\n",
    )
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("tether.yaml", 5)  # the function's key
    assert problem.message.startswith(
        "function hub needs 504 CloudFormation resources with its triggers, more than the 500"
    )
    assert "split the triggers of function hub" in problem.hint
