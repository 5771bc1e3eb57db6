"""A project bigger than one CloudFormation stack allows is the user's error, found at load time.

AWS allows 500 resources and 200 outputs per stack, and a template of at most 1 MB. The loader
counts what synth will make of the project (`tether.model.limits`), so `tether check` refuses a
project over a quota; synth checks its template too. These tests keep the loader's counts equal
to the templates synth writes, for every kind of resource and trigger.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.helpers import EXAMPLE, write_project
from tests.synth.test_matrix import CASES, case_project, projects
from tether import ProjectError, load_project, synthesize
from tether.model import limits
from tether.model.limits import MAX_OUTPUTS, MAX_RESOURCES, footprint
from tether.synth import quotas


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


def many_functions(root: Path, count: int) -> Path:
    """`count` functions, each triggered by one topic: 5 resources each (log group, role,
    function, subscription, permission), plus the topic."""
    lines = ["name: big", "resources:", "  alerts: {type: sns.topic}", "functions:"]
    for i in range(count):
        lines += [
            f"  fn{i:03d}:",
            "    handler: app/main.handler",
            "    triggers: [{resource: alerts}]",
        ]
    return write_project(root, "\n".join(lines) + "\n")


def test_a_project_over_500_resources_is_refused_when_loaded(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as caught:
        load_project(many_functions(tmp_path, 120))
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("tether.yaml", 4)  # the `functions:` key
    assert problem.message == (
        "the project needs 601 CloudFormation resources, more than the 500 AWS allows in one stack"
    )
    assert "split the functions into several projects" in problem.hint
    assert "120 functions take 360 (3 each: log group, role, function)" in problem.hint
    assert "their 120 triggers 240" in problem.hint
    assert "the largest: function fn000 (5)" in problem.hint


def test_a_project_at_500_resources_loads(tmp_path: Path) -> None:
    project = load_project(many_functions(tmp_path, 99))  # 99 * 5 + 1
    assert footprint(project).resource_count == 496 <= MAX_RESOURCES


def test_a_project_over_200_outputs_is_refused_when_loaded(tmp_path: Path) -> None:
    """101 buckets are only 101 resources, but 202 outputs (a name and an ARN each)."""
    buckets = "".join(f"  b{i:03d}: {{type: s3.bucket}}\n" for i in range(101))
    root = write_project(tmp_path, "name: wide\nresources:\n" + buckets)
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert [p.message for p in errors] == [
        f"the project needs 202 CloudFormation outputs, more than the {MAX_OUTPUTS} AWS allows "
        "in one stack"
    ]


def test_synth_checks_its_own_template_against_the_quotas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exact check on the template, should the loader's count ever be short."""
    project = load_project(EXAMPLE)
    template = synthesize(project)
    monkeypatch.setattr(limits, "MAX_RESOURCES", 10)
    monkeypatch.setattr(quotas, "MAX_TEMPLATE_BYTES", 1000)
    with pytest.raises(ProjectError) as caught:
        synthesize(project)
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        f"the project needs {len(template['Resources'])} CloudFormation resources, more than "
        "the 10 AWS allows in one stack",
        f"the project's CloudFormation template is {quotas.template_bytes(template):,} bytes, "
        "more than the 1,000 AWS accepts for one stack",
    ]


def test_the_quotas_are_the_documented_ones() -> None:
    assert (MAX_RESOURCES, MAX_OUTPUTS) == (500, 200)
    assert quotas.MAX_TEMPLATE_BYTES == 1_000_000
