"""cfn-lint checked piece by piece finds exactly what it finds on the whole template: the same
problems, at the same lines, with the same messages (those listing every name in the
template included), on generated templates with deliberate errors; only the pieces whose text
changed are linted again; and `tether synth` still fails on a finding."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import tether.synth
from tests.helpers import write_project
from tether import load_project, synthesize
from tether.cli.main import main
from tether.errors import Problem
from tether.synth import lint as lint_module
from tether.synth import lint_runner
from tether.synth.lint import Policy, Stats, lint, lint_many
from tether.synth.lint_pieces import PIECE_TYPES, cut
from tether.synth.template import to_json

REGION = "us-east-1"
# Many pieces from a small template, each with findings linted exactly (not the template whole).
SMALL = Policy(max_piece_resources=6, workers=1, max_exact_pieces=1000)
Template = dict[str, Any]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cfnlintrc
    monkeypatch.setattr(lint_module, "_KEPT", {})


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A project of every resource kind, functions with triggers and operations."""
    root = tmp_path_factory.mktemp("pieces")
    yaml = """\
        name: pieces
        resources:
          photos: {type: s3.bucket}
          jobs: {type: dynamodb.table, key: {id: S}, stream: new_image}
          alerts: {type: sns.topic}
          work: {type: sqs.queue, visibility_timeout: 60}
          nightly: {type: schedule, expression: 'rate(1 day)'}
          api: {type: http.api}
        functions:
          resize: {handler: app/resize.handler, triggers: [{resource: photos, prefix: in/}]}
          record: {handler: app/record.handler, triggers: [{resource: jobs}]}
          notify: {handler: app/notify.handler, triggers: [{resource: alerts}]}
          worker: {handler: app/worker.handler, triggers: [{resource: work}]}
          report: {handler: app/report.handler, triggers: [{resource: nightly}]}
          serve: {handler: app/serve.handler, triggers: [{resource: api, route: 'GET /items'}]}
          writer:
            handler: app/writer.handler
            operations:
              - {resource: jobs, actions: ["dynamodb:PutItem"]}
              - {resource: photos, actions: ["s3:PutObject"]}
          sender:
            handler: app/sender.handler
            operations: [{resource: work, actions: ["sqs:SendMessage"]}]
        """
    return synthesize(load_project(write_project(root, yaml)), stage="dev", target="aws")


def whole(template: Template) -> list[Problem]:
    """What Tether reported before pieces: cfn-lint's API on the whole template, each match
    made a Problem at the line and column cfn-lint gives."""
    from cfnlint import api

    problems = []
    for match in api.lint(to_json(template), config=api.ManualArgs(regions=[REGION])):
        rule = match.rule.id
        where = "/".join(str(part) for part in getattr(match, "path", []) or [])
        problems.append(
            Problem(
                file="template.json",
                line=match.linenumber,
                column=match.columnnumber,
                severity="error" if rule.startswith("E") else "warning",
                message=f"cfn-lint {rule}: {match.message}" + (f" (at {where})" if where else ""),
                hint="Tether generated this template: please report it with your tether.yaml",
            )
        )
    return sorted(problems)


def in_pieces(template: Template, stats: Stats | None = None) -> list[Problem]:
    stats = stats if stats is not None else Stats()
    found = lint_many({"template.json": template}, region=REGION, policy=SMALL, stats=stats)
    assert stats.whole == {}, "the template was not cut in pieces"
    return found["template.json"]


def named(template: Template, kind: str, n: int = 0) -> str:
    return sorted(k for k, r in template["Resources"].items() if r["Type"] == kind)[n]


def function(template: Template, n: int = 0) -> dict[str, Any]:
    resource = template["Resources"][named(template, "AWS::Lambda::Function", n)]
    properties: dict[str, Any] = resource["Properties"]
    return properties


def bad_property(t: Template) -> None:
    function(t)["Bogus"] = 1


def bad_ref(t: Template) -> None:
    function(t)["Environment"] = {"Variables": {"TARGET": {"Ref": "Missing"}}}


def bad_getatt_target(t: Template) -> None:
    function(t)["Role"] = {"Fn::GetAtt": ["MissingRole", "Arn"]}


def bad_getatt_attribute(t: Template) -> None:
    function(t, 1)["Role"] = {"Fn::GetAtt": [named(t, "AWS::IAM::Role"), "Nope"]}


def wrong_type(t: Template) -> None:
    function(t)["Timeout"] = "thirty"
    t["Resources"][named(t, "AWS::SQS::Queue")]["Properties"]["VisibilityTimeout"] = [60]


def too_long_name(t: Template) -> None:
    function(t, 2)["FunctionName"] = "f" * 100
    t["Resources"]["L" + "x" * 300] = copy.deepcopy(t["Resources"][named(t, "AWS::Logs::LogGroup")])


def bad_output(t: Template) -> None:
    t["Outputs"]["Broken"] = {"Value": {"Fn::GetAtt": [named(t, "AWS::SQS::Queue"), "Nope"]}}


def duplicate_names(t: Template) -> None:  # a template-wide rule: unique primary identifiers
    function(t, 1)["FunctionName"] = function(t, 0)["FunctionName"]


def dependency_cycle(t: Template) -> None:  # a template-wide rule: circular dependencies
    first, second = named(t, "AWS::SNS::Topic"), named(t, "AWS::SQS::Queue")
    t["Resources"][first]["DependsOn"] = second
    t["Resources"][second]["DependsOn"] = first


def parameter_default(t: Template) -> None:  # checked where a resource uses the parameter
    t["Parameters"]["Memory"] = {"Type": "Number", "Default": 1}
    t["Parameters"]["Unused"] = {"Type": "String"}
    function(t, 3)["MemorySize"] = {"Ref": "Memory"}


def bad_condition(t: Template) -> None:  # in a section every piece holds
    t["Conditions"] = {"IsProd": {"Fn::Equals": [{"Ref": "Missing"}, "prod"]}}
    t["Resources"][named(t, "AWS::SNS::Topic")]["Condition"] = "IsProd"


def bad_parameters(t: Template) -> None:  # a section pieces hold but leave to the sections
    t["Parameters"]["BadType"] = {"Type": "Strin", "Default": "x"}
    t["Parameters"]["Extra"] = {"Type": "String", "Foo": 1}
    t["Parameters"]["Bad-Name"] = {"Type": "String"}
    t["Parameters"]["P" * 300] = {"Type": "String"}
    # No intrinsic function in a parameter: an object like any other, whatever it names.
    t["Parameters"]["RefDefault"] = {
        "Type": "String",
        "Default": {"Ref": named(t, "AWS::SQS::Queue")},
    }


ERRORS: dict[str, Callable[[Template], None]] = {
    f.__name__: f
    for f in (
        bad_property,
        bad_ref,
        bad_getatt_target,
        bad_getatt_attribute,
        wrong_type,
        too_long_name,
        bad_output,
        duplicate_names,
        dependency_cycle,
        parameter_default,
        bad_condition,
        bad_parameters,
    )
}


def test_a_clean_template_is_cut_in_pieces_and_stays_clean(generated: Template) -> None:
    pieces = cut(generated, max_resources=SMALL.max_piece_resources)
    assert not isinstance(pieces, str)
    assert len(pieces.pieces) >= 5
    owned = [name for piece in pieces.pieces for name in piece.resources]
    assert sorted(owned) == sorted(generated["Resources"])  # each resource in one piece
    assert in_pieces(generated) == whole(generated) == []


@pytest.mark.parametrize("inject", [*ERRORS.values(), None], ids=[*ERRORS, "all"])
def test_pieces_find_what_the_whole_template_has(
    generated: Template, inject: Callable[[Template], None] | None
) -> None:
    broken = copy.deepcopy(generated)
    for each in [inject] if inject else ERRORS.values():
        each(broken)
    expected = whole(broken)
    assert expected, "the injected error is not one cfn-lint finds"
    assert in_pieces(broken) == expected


def test_messages_that_list_every_name_list_the_whole_template(generated: Template) -> None:
    broken = copy.deepcopy(generated)
    bad_ref(broken)
    [problem] = [p for p in in_pieces(broken) if "'Missing' is not one of" in p.message]
    for name in [*broken["Resources"], *broken["Parameters"]]:
        assert repr(name) in problem.message


def test_only_the_pieces_that_changed_are_linted_again(generated: Template) -> None:
    stats = Stats()
    assert in_pieces(generated, stats) == []
    linted = stats.pieces_linted
    assert linted >= 5 and stats.pieces_kept == 0

    stats = Stats()
    assert in_pieces(generated, stats) == []
    assert stats.templates_kept == 1 and stats.pieces_linted == 0  # unchanged: not cut at all

    edited = copy.deepcopy(generated)
    function(edited)["MemorySize"] = 1024
    stats = Stats()
    assert in_pieces(edited, stats) == []
    assert (stats.pieces_linted, stats.pieces_kept) == (1, linted - 1)

    # Others name the table (stubs: Type and Condition): a change to its properties is its own.
    table = named(edited, "AWS::DynamoDB::Table")
    edited["Resources"][table]["Properties"]["BillingMode"] = "PROVISIONED"
    stats = Stats()
    assert in_pieces(edited, stats) == whole(edited) != []
    assert (stats.pieces_linted, stats.pieces_exact) == (1, 1)

    # A template never linted, made of pieces that were: nothing to lint but the template-wide
    # rules (the piece with findings was linted exactly before too).
    only_table = copy.deepcopy(generated)
    only_table["Resources"][table]["Properties"]["BillingMode"] = "PROVISIONED"
    stats = Stats()
    assert in_pieces(only_table, stats) == whole(only_table)
    assert (stats.templates_kept, stats.pieces_linted, stats.pieces_kept) == (0, 0, linted)


def test_worker_processes_find_the_same(generated: Template) -> None:
    broken = copy.deepcopy(generated)
    for each in ERRORS.values():
        each(broken)
    text = to_json(broken)
    policy = Policy(6, workers=2, max_exact_pieces=1000)
    spread = lint_module.check({"t": text}, region=REGION, policy=policy)["t"]
    assert spread == whole(broken)


def test_templates_pieces_cannot_be_sure_of_are_linted_whole(generated: Template) -> None:
    macro = {**copy.deepcopy(generated), "Transform": "AWS::Serverless-2016-10-31"}
    other = copy.deepcopy(generated)
    other["Resources"]["Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "x"}}
    stats = Stats()
    found = lint_many({"macro": macro, "other": other}, region=REGION, policy=SMALL, stats=stats)
    assert set(stats.whole) == {"macro", "other"}
    assert [p.message for p in found["other"]] == [p.message for p in whole(other)]
    assert all(p.file == "other" for p in found["other"])


def test_a_template_with_findings_in_many_pieces_is_linted_whole(generated: Template) -> None:
    """Each piece with findings is linted again with a stub of every resource: past a few, the
    whole template is cheaper to lint, and gives the same."""
    broken = copy.deepcopy(generated)
    for each in ERRORS.values():
        each(broken)
    stats = Stats()
    found = lint_many({"t": broken}, region=REGION, policy=Policy(6, workers=1), stats=stats)
    assert stats.whole == {"t": "many of its pieces have findings"}
    assert [replace(p, file="template.json") for p in found["t"]] == whole(broken)


def test_lint_keeps_its_signature_and_file_name(generated: Template) -> None:
    broken = copy.deepcopy(generated)
    wrong_type(broken)
    problems = lint(broken, region=REGION)
    assert problems == whole(broken)
    assert {p.file for p in problems} == {"template.json"}


def test_json_nodes_are_what_cfn_lint_decodes(generated: Template) -> None:
    from cfnlint.decode.decode import decode_str

    decoded, errors = decode_str(to_json(generated))
    built = lint_runner._nodes(json.loads(to_json(generated)))
    assert errors == [] and built == decoded

    def kinds(value: Any) -> Any:
        if isinstance(value, dict):
            return (type(value).__name__, [kinds(v) for v in value.values()])
        if isinstance(value, list):
            return (type(value).__name__, [kinds(v) for v in value])
        return isinstance(value, str) or type(value).__name__

    assert kinds(built) == kinds(decoded)


def test_every_resource_type_synth_writes_is_one_checked_piece_by_piece() -> None:
    """A type not in PIECE_TYPES makes a template be linted whole: a new one must be checked
    (see lint_pieces) and added."""
    synth = Path(tether.synth.__file__).parent
    written = {
        kind
        for source in synth.glob("*.py")
        if not source.name.startswith("lint")
        for kind in re.findall(r'"(AWS::\w+::\w+)"', source.read_text())
    }
    assert written and written <= PIECE_TYPES, written - PIECE_TYPES


def test_the_template_wide_rules_are_the_known_ones() -> None:
    """The rules run once on the whole template rather than per piece: cfn-lint's `match`
    rules. A cfn-lint upgrade that changes them must be looked at (see lint_pieces)."""
    assert lint_runner.template_rule_ids() == {
        "E1002", "E1029", "E2015", "E2529", "E3004", "E3007", "E3019", "E3022", "E3043",
        "E5001", "W1001", "W1100", "W1101", "W2001", "W2501", "W2533", "W7001", "W8001",
    }  # fmt: skip


def test_the_rules_pieces_leave_to_the_sections_template_are_the_known_ones() -> None:
    """Pieces hold the Parameters section but do not check it: the rules that check it and
    nothing else read that section only (a parameter holds no intrinsic function), and the
    sections template checks it. A cfn-lint upgrade that changes them must be looked at."""
    assert lint_runner.parameters_rule_ids() == {
        "E2001", "E2002", "E2003", "E2010", "E2011", "E2900", "I2003", "I2010", "I2011", "W2002",
    }  # fmt: skip


def test_synth_still_fails_on_a_lint_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tether.synth.synthesize_stacks

    def with_a_bug(*args: Any, **kwargs: Any) -> Any:
        stacks = real(*args, **kwargs)
        function(stacks.root)["Timeout"] = "thirty"
        return stacks

    monkeypatch.setattr(tether.synth, "synthesize_stacks", with_a_bug)
    root = write_project(
        tmp_path / "app",
        "name: app\nfunctions:\n"
        + "".join(f"  fn{i}: {{handler: app/fn{i}.handler}}\n" for i in range(16)),
    )
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exited:
        main(["synth", str(root), "-o", str(out)])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "template.json:" in err
    assert "error: cfn-lint E3012: 'thirty' is not of type 'integer'" in err
    assert "the template did not pass cfn-lint; nothing was written" in err
    assert not out.exists()


def test_a_cfnlintrc_is_obeyed_and_changes_what_is_kept(
    generated: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cfn-lint reads .cfnlintrc in the home and current folders: a result kept without one
    is not taken with one, and the template is linted whole, as cfn-lint's API does."""
    broken = copy.deepcopy(generated)
    wrong_type(broken)
    bad_property(broken)
    monkeypatch.chdir(tmp_path)
    assert any("E3012" in p.message for p in lint(broken, region=REGION))
    (tmp_path / ".cfnlintrc").write_text("ignore_checks: [E3012]\n")
    stats = Stats()
    found = lint_many({"t": broken}, region=REGION, stats=stats)["t"]
    assert stats.templates_kept == 0 and set(stats.whole) == {"t"}
    assert [p.message.split(":")[0] for p in found] == ["cfn-lint E3002"]
