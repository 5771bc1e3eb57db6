"""A project bigger than nested stacks can hold is the user's error, found at load time.

AWS allows 500 resources and 200 outputs per stack, and a template of at most 1 MB. A project
past one stack's quotas is split into nested stacks by synth (`tests/synth/test_nested_stacks`);
the loader counts what synth will make of the project (`tether.model.limits`), so `tether check`
refuses only what no split can hold (a function bigger than a stack, a root stack over its
quotas); synth checks each template too. These tests keep the loader's counts equal to the
templates synth writes, for every kind of resource and trigger.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.helpers import EXAMPLE, write_project
from tests.synth.big_project import topic_functions
from tests.synth.test_matrix import CASES, case_project, projects
from tether import ProjectError, load_project, synthesize
from tether.model.limits import MAX_OUTPUTS, MAX_RESOURCES, footprint
from tether.synth import quotas, synthesize_stacks


def assert_counts_match(root: Path) -> None:
    project = load_project(root)
    template = synthesize(project, stage="dev")
    used = footprint(project)
    assert used.resource_count == len(template["Resources"]), sorted(template["Resources"])
    assert used.output_count == len(template["Outputs"]), sorted(template["Outputs"])


@pytest.mark.parametrize(
    ("spec", "trigger", "actions"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_loader_counts_what_synth_makes_of_each_kind(
    tmp_path: Path, spec: str, trigger: str | None, actions: list[str] | None
) -> None:
    assert_counts_match(case_project(tmp_path, spec, trigger, actions))


def test_the_loader_counts_shared_permissions_and_integrations(tmp_path: Path) -> None:
    """Two triggers on one bucket share an invoke permission; routes of one function on one API
    share an integration; a dependency layer is one more resource."""
    root = write_project(
        tmp_path,
        """
        name: shared
        resources:
          up: {type: s3.bucket}
          web: {type: http.api}
          admin: {type: http.api}
          nightly: {type: schedule, expression: rate(1 day)}
          orders: {type: dynamodb.table, key: {id: S}, stream: new_image}
          alerts: {type: sns.topic}
          work: {type: sqs.queue, visibility_timeout: 900}
          outside: {type: sns.topic, external: "arn:aws:sns:us-east-1:123456789012:outside"}
        functions:
          one:
            handler: app/one.handler
            triggers:
              - {resource: up, prefix: a/}
              - {resource: up, prefix: b/}
              - {resource: web, route: "GET /a"}
              - {resource: web, route: "POST /a"}
              - {resource: admin, route: "GET /a"}
              - {resource: nightly}
              - {resource: orders}
              - {resource: alerts}
              - {resource: outside}
              - {resource: work}
          two:
            handler: app/two.handler
            triggers: [{resource: web, route: "GET /b"}, {resource: nightly}]
        """,
    )
    (root / "requirements.txt").write_text("requests\n")
    assert_counts_match(root)


def test_the_loader_counts_the_example_project() -> None:
    assert_counts_match(EXAMPLE)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=projects())
def test_the_loader_counts_random_projects(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    assert_counts_match(write_project(tmp_path_factory.mktemp("random"), text))


def test_a_project_over_500_resources_loads_and_is_split(tmp_path: Path) -> None:
    project = load_project(topic_functions(tmp_path, 120))
    assert footprint(project).resource_count == 601 > MAX_RESOURCES
    stacks = synthesize_stacks(project)
    assert stacks.children and all(
        not quotas.template_excess(t) for t in (stacks.root, *stacks.children.values())
    )


def test_a_project_at_500_resources_loads(tmp_path: Path) -> None:
    project = load_project(topic_functions(tmp_path, 99))  # 99 * 5 + 1
    assert footprint(project).resource_count == 496 <= MAX_RESOURCES


def test_a_project_over_200_outputs_in_its_root_is_refused_when_loaded(tmp_path: Path) -> None:
    """101 buckets are only 101 resources, but 202 outputs (a name and an ARN each), and the
    outputs of project resources stay in the root stack."""
    buckets = "".join(f"  b{i:03d}: {{type: s3.bucket}}\n" for i in range(101))
    root = write_project(tmp_path, "name: wide\nresources:\n" + buckets)
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert [p.message for p in errors] == [
        f"the project's resources need 202 CloudFormation outputs in its root stack, more than "
        f"the {MAX_OUTPUTS} AWS allows in one stack"
    ]


def test_synth_checks_its_own_templates_against_the_quotas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exact check on the templates, should the loader's count ever be short: a function
    that fits in no stack alone is named at its line, a root over a quota at the project file,
    each with the numbers."""
    project = load_project(EXAMPLE)
    monkeypatch.setattr(quotas, "MAX_TEMPLATE_BYTES", 1000)
    with pytest.raises(ProjectError) as caught:
        synthesize(project)
    root, *functions = caught.value.problems  # in file order
    assert [p.line for p in functions] == sorted(
        f.location.line for f in project.functions.values()
    )
    for problem, function in zip(functions, project.functions.values(), strict=True):
        assert problem.message.startswith(
            f"function {function.name} with its triggers is more than one CloudFormation stack "
            "holds, and a function deploys in one stack: "
        )
    assert (root.line, root.file) == (1, "tether.yaml")
    assert root.message.startswith("the project's root stack (its project resources")
    assert root.message.endswith("bytes (AWS accepts 1,000)")


def test_the_quotas_are_the_documented_ones() -> None:
    assert (MAX_RESOURCES, MAX_OUTPUTS) == (500, 200)
    assert quotas.MAX_TEMPLATE_BYTES == 1_000_000
