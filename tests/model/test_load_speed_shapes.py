"""The fast YAML reader changes nothing a user sees: same project, same problems, same places.

`read_project_file` reads tether.yaml through libyaml (`tether.model.fastyaml`) and hands what
libyaml cannot reproduce to ruamel's round-trip reader. Every project file in the repository,
and generated ones (project-shaped, or any mapping written in any YAML style, broken or not),
must load to the same Project or fail with the same problems (message, hint, file, line,
column) either way; and every key, value and item read must sit where the round-trip reader
puts it, since that is where a problem about it is shown. Project files as people write them
must take the fast path, or the speed is lost without a test noticing.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from tether.errors import ProjectError
from tether.model import Project, fastyaml, read_project_file
from tether.model.fastyaml import HandOver, read_fast
from tether.model.yamlfile import (
    MAX_ALIAS_CHARACTERS,
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    YamlSyntaxError,
    describe,
    item_pos,
    key_pos,
    parse,
    value_pos,
)

REPO = Path(__file__).resolve().parents[2]
PROJECT_FILES = sorted(
    [
        *REPO.glob("tests/model/corpus/broken/*/tether.yaml"),
        *REPO.glob("tests/analysis/corpus/*/tether.yaml"),
        REPO / "examples" / "photos" / "tether.yaml",
    ]
)
NOWHERE = (0, 0)

Outcome = Project | list[Any]  # the project, or the problems that refused it


def outcome(root: Path, reader: fastyaml.YamlReader, text: str | None = None) -> Outcome:
    overlay = {"tether.yaml": text} if text is not None else None
    try:
        return read_project_file(root, overlay=overlay, yaml_reader=reader)
    except ProjectError as exc:
        return list(exc.problems)


def assert_loads_the_same(root: Path, text: str | None = None) -> None:
    fast, round_trip = outcome(root, "fast", text), outcome(root, "round-trip", text)
    assert fast == round_trip


def shown(value: Any) -> tuple[str, str, str, str]:
    """What a message can show of a scalar: its kind, repr, str and description."""
    kinds = (bool, int, float, str, type(None))
    kind = next(k.__name__ for k in kinds if isinstance(value, k))
    return kind, repr(value), str(value), describe(value)


def assert_same_document(fast: Any, round_trip: Any, path: str = "") -> None:
    """The same entries in the same order, each key, value and item at the same position."""
    if isinstance(round_trip, dict):
        assert isinstance(fast, dict), path
        assert [shown(k) for k in fast] == [shown(k) for k in round_trip], path
        for key in round_trip:
            where = f"{path}.{key}"
            assert key_pos(fast, key, NOWHERE) == key_pos(round_trip, key, NOWHERE), where
            assert value_pos(fast, key, NOWHERE) == value_pos(round_trip, key, NOWHERE), where
            assert_same_document(fast[key], round_trip[key], where)
    elif isinstance(round_trip, list):
        assert isinstance(fast, list) and len(fast) == len(round_trip), path
        for index, item in enumerate(round_trip):
            where = f"{path}[{index}]"
            assert item_pos(fast, index, NOWHERE) == item_pos(round_trip, index, NOWHERE), where
            assert_same_document(fast[index], item, where)
    else:
        assert shown(fast) == shown(round_trip), path


def assert_reads_the_same(text: str) -> None:
    """The fast reader reads `text` as `parse` does, or hands it over; never differently."""
    try:
        round_trip = parse(text)
    except YamlSyntaxError:
        with pytest.raises(HandOver):
            read_fast(text)  # what ruamel refuses, libyaml must not read
        return
    try:
        fast = read_fast(text)
    except HandOver:
        return
    assert_same_document(fast, round_trip)


# --- every project file in the repository ------------------------------------------------


@pytest.mark.parametrize("file", PROJECT_FILES, ids=lambda p: str(p.parent.relative_to(REPO)))
def test_each_project_file_in_the_repo_loads_the_same_with_either_reader(file: Path) -> None:
    assert_reads_the_same(file.read_text(encoding="utf-8"))
    assert_loads_the_same(file.parent)


def test_the_corpora_are_found() -> None:
    assert len(PROJECT_FILES) >= 150


# --- generated YAML --------------------------------------------------------------------------

TRICKY = [
    "yes", "no", "on", "off", "y", "n", "true", "True", "FALSE", "null", "Null", "~", "",
    "0", "-0", "+7", "017", "0o17", "0x1F", "0b11", "1_000", "12:30", "1.5", "1.", ".5", "-.5",
    "1e3", "1E-3", ".inf", "-.Inf", ".nan", "2024-01-01", "2024-13-45", "<<", "=", "- x",
    "a: b", "a #b", "a#b", "#x", "&x", "*x", "!x", "|", ">", "%x", "@x", "`x", "'x", '"x',
    "[x]", "{x}", "x,y", "?", "? x", "x:", "GET /a/{id}", "s3:PutObject", "rate(1 day)",
    "app/main.handler", "é", "日本", "😀", "a\tb", "a\\b", "a\x07b", "line\nbreak", " lead",
    "trail ", "9" * 60,
]  # fmt: skip
ESCAPES = ["\\n", "\\t", "\\x41", "\\u00e9", "\\U0001F600", "\\\\", '\\"', "\\/", "\\_", "\\N"]
KEYS = ["name", "runtime", "region", "resources", "functions", "type", "handler", "memory"]

scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=string.ascii_letters + string.digits + " -_./:#'\"", max_size=10),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
keys = st.one_of(st.sampled_from(KEYS + TRICKY[:30]), scalars)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.tuples(keys, inner), max_size=4),  # a mapping; keys may repeat
    ),
    max_leaves=25,
)


class Writer:
    """Writes a generated document as YAML, making each stylistic choice at random: block or
    flow, plain, quoted or literal scalars, comments, blank lines, anchors and aliases, CRLF.
    The text may be broken YAML; both readers must then refuse it alike."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.anchors: list[str] = []

    def document(self, doc: Any) -> str:
        if isinstance(doc, str):
            text = self.scalar(doc, 0) + "\n"
        else:
            text = "\n".join(self.block(doc, 0)) + "\n"
        if self.rng.random() < 0.1:
            text = "---\n" + text
        if self.rng.random() < 0.15:
            text = text.replace("\n", "\r\n")
        return text

    def scalar(self, value: str, indent: int) -> str:
        choice = self.rng.random()
        if choice < 0.55:
            return value
        if choice < 0.7:
            return "'" + value.replace("'", "''") + "'"
        if choice < 0.9:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            return '"' + escaped + self.rng.choice(["", *ESCAPES]) + '"'
        head = self.rng.choice(["|", ">", "|-", ">+", "|2"])
        lines = value.split("\n") or [""]
        return head + "".join("\n" + " " * (indent + 2) + line for line in lines)

    def flow(self, doc: Any) -> str:
        if isinstance(doc, str):
            return self.scalar(doc, 0)
        if isinstance(doc, list) and (not doc or not isinstance(doc[0], tuple)):
            return "[" + ", ".join(self.flow(item) for item in doc) + "]"
        pairs = (f"{self.scalar(k, 0)}: {self.flow(v)}" for k, v in doc)
        return "{" + ", ".join(pairs) + "}"

    def value(self, doc: Any, indent: int) -> list[str]:
        """The text after `key:` or `-`: on the same line, or lines below."""
        anchor = ""
        if not isinstance(doc, str) and self.rng.random() < 0.15:
            self.anchors.append(f"a{len(self.anchors)}")
            anchor = f" &{self.anchors[-1]}"
        elif self.anchors and self.rng.random() < 0.05:
            return [" *" + self.rng.choice(self.anchors)]
        comment = self.rng.choice(["", "", "", "  # note"])
        if isinstance(doc, str) or not doc or self.rng.random() < 0.3:
            text = self.scalar(doc, indent) if isinstance(doc, str) else self.flow(doc)
            return [f"{anchor} {text}{comment}"]
        step = self.rng.choice([2, 2, 4])
        return [anchor + comment, *self.block(doc, indent + step)]

    def block(self, doc: Any, indent: int) -> list[str]:
        lines: list[str] = []
        pad = " " * indent
        is_list = isinstance(doc, list) and not (doc and isinstance(doc[0], tuple))
        for entry in doc:
            head, value = (
                ("-", entry) if is_list else (f"{self.scalar(entry[0], indent)}:", entry[1])
            )
            first, *rest = self.value(value, indent)
            lines.append(pad + head + first)
            lines += rest
            if self.rng.random() < 0.1:
                lines.append(self.rng.choice(["", pad + "# comment"]))
        return lines or [pad + "{}"]


@settings(max_examples=examples(300), deadline=None)
@given(doc=documents, rng=st.randoms(use_true_random=False))
def test_any_yaml_reads_the_same_with_either_reader(doc: Any, rng: random.Random) -> None:
    assert_reads_the_same(Writer(rng).document(doc))


resource_specs = st.fixed_dictionaries(
    {"type": st.sampled_from(["s3.bucket", "sqs.queue", "sns.topic", "http.api", "s3.buckt"])},
    optional={
        "visibility_timeout": st.sampled_from(["60", "0x3C", "yes", "-5", "60.0"]),
        "versioning": st.sampled_from(["true", "yes", "on", "~"]),
        "retain": st.sampled_from(["true", "false", "1"]),
    },
)
function_specs = st.fixed_dictionaries(
    {"handler": st.sampled_from(["app/main.handler", "app/nope.handler", "", "main"])},
    optional={
        "memory": st.sampled_from(["512", "017", "1_024", "100000", "lots", "2024-01-01"]),
        "timeout": st.sampled_from(["30", "900", "0", "1e3", "~"]),
        "runtime": st.sampled_from(["python3.12", "python2.7"]),
        "environment": st.sampled_from(["{LOG_LEVEL: info}", "{A: yes, B: 1.50}", "[x]"]),
        "triggers": st.sampled_from(["[{resource: jobs}]", "[{resource: web, route: 'GET /'}]"]),
        "operations": st.sampled_from(['[{resource: files, actions: ["s3:PutObject"]}]']),
        "unknown": st.just("1"),
    },
)
projects = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["demo", "Demo!", "yes", "~", "123"]),
        "resources": st.dictionaries(
            st.sampled_from(["files", "jobs", "web", "alerts", "Files", "1"]), resource_specs
        ),
        "functions": st.dictionaries(
            st.sampled_from(["hello", "worker", "hello_", "2"]), function_specs, min_size=1
        ),
    },
    optional={"region": st.sampled_from(["eu-west-1", "mars-1", "null"])},
)


def project_text(project: dict[str, Any], rng: random.Random) -> str:
    lines = [f"name: {project['name']}"]
    if "region" in project:
        lines.append(f"region: {project['region']}")
    for part in ("resources", "functions"):
        lines.append(f"{part}:")
        for name, spec in project[part].items():
            settings_ = [f"{key}: {value}" for key, value in spec.items()]
            if rng.random() < 0.5:
                lines.append(f"  {name}: {{{', '.join(settings_)}}}")
            else:
                lines.append(f"  {name}:")
                lines += [f"    {setting}" for setting in settings_]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    (root / "app").mkdir()
    (root / "app" / "main.py").write_text("def handler(event, context):\n    return event\n")
    return root


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=projects, rng=st.randoms(use_true_random=False))
def test_generated_projects_report_the_same_problems_at_the_same_lines(
    project_root: Path, project: dict[str, Any], rng: random.Random
) -> None:
    text = project_text(project, rng)
    assert_reads_the_same(text)
    assert_loads_the_same(project_root, text)


# --- the shapes that keep it fast, and the ones handed over -------------------------------


def generated_project(functions: int) -> str:
    """A large project as people write it: block mappings, flow lists, comments, anchors."""
    lines = ["# generated", "name: big", "region: eu-west-1", "resources:"]
    lines += [f"  queue{i}: {{type: sqs.queue, visibility_timeout: 60}}" for i in range(20)]
    lines += ["functions:"]
    for f in range(functions):
        lines += [
            f"  fn{f}:   # function {f}",
            "    handler: app/main.handler",
            f"    description: 'Function {f}: it''s quoted'",
            "    memory: 512",
            "    environment: &env {LOG_LEVEL: info}" if f == 0 else "    environment: *env",
            f"    triggers: [{{resource: queue{f % 20}, batch_size: 10}}]",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param((REPO / "examples" / "photos" / "tether.yaml").read_text(), id="photos"),
        pytest.param(generated_project(200), id="200-functions"),
        pytest.param(generated_project(3).replace("\n", "\r\n"), id="crlf"),
    ],
)
def test_project_files_as_people_write_them_take_the_fast_path(text: str) -> None:
    """A hand-over reads at the round-trip reader's speed, ten times slower."""
    fast = read_fast(text)
    assert_same_document(fast, parse(text))


def test_an_alias_is_shown_where_its_anchor_is(project_root: Path) -> None:
    """Like the round-trip reader: a problem in an aliased mapping is reported at the anchor."""
    text = (
        "name: demo\nfunctions:\n  a:\n    handler: app/main.handler\n"
        "    environment: &env {lower-case: x}\n"
        "  b:\n    handler: app/main.handler\n    environment: *env\n"
    )
    problems = outcome(project_root, "fast", text)
    assert isinstance(problems, list)
    assert [(p.line, p.column) for p in problems] == [(5, 24), (5, 24)]
    assert_loads_the_same(project_root, text)


HANDED_OVER = {
    "repeated-key": "a: 1\na: 2\n",
    "merge-key": "base: &b {memory: 512}\nother:\n  <<: *b\n",  # ruamel merges breadth-first
    "tag": "a: !!str 1\n",
    "yaml-1.1": "%YAML 1.1\n---\na: yes\n",  # where yes is true
    "anchored-scalar": "a: &x 1\nb: *x\n",  # ruamel gives it a type of its own
    "ruamel-types": "a: 2024-01-01\nb: 0x1F\nc: 017\nd: 1_000\ne: .inf\nf: =\n",
    "comment-after-bar": "a: |#\n  x\n",  # libyaml takes it, ruamel does not
    "tab": "a:\tb\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "alias-inside-itself": "a: &x [1, *x]\n",
    "too-deep": "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "near-too-deep": "[" * (fastyaml.DEPTH_LIMIT + 1) + "]" * (fastyaml.DEPTH_LIMIT + 1),
    "near-alias-bomb": "a: &a ["
    + ", ".join(["x"] * 300)
    + "]\n"
    + "".join(f"k{i}: *a\n" for i in range(100)),
    "near-long-alias": "s: &s " + "x" * 100_000 + "\n" + "".join(f"k{i}: *s\n" for i in range(8)),
}


@pytest.mark.parametrize("text", list(HANDED_OVER.values()), ids=list(HANDED_OVER))
def test_what_only_the_round_trip_reader_reads_exactly_is_handed_to_it(text: str) -> None:
    with pytest.raises(HandOver):
        read_fast(text)
    assert_reads_the_same(text)


def test_the_fast_reader_gives_up_well_before_the_round_trip_reader_refuses() -> None:
    """Whatever `parse` refuses for depth or aliases, `read_fast` hands over, so the message
    and position are the round-trip reader's."""
    assert fastyaml.LibyamlLoader is not None, "PyYAML without libyaml: every load is slow"
    assert fastyaml.DEPTH_LIMIT < MAX_DEPTH
    assert fastyaml.ALIAS_VALUES_LIMIT < MAX_ALIAS_VALUES
    assert fastyaml.ALIAS_CHARACTERS_LIMIT * 2 <= MAX_ALIAS_CHARACTERS


def test_the_library_internals_relied_on_exist() -> None:
    """The fast reader reads libyaml's events through PyYAML's C parser and resolves plain
    scalars with ruamel's table; an upgrade that changes either must fail here, by name."""
    from ruamel.yaml.reader import Reader
    from ruamel.yaml.resolver import implicit_resolvers
    from yaml import CBaseLoader
    from yaml.events import ScalarEvent

    parser = CBaseLoader("a: &x [b, 'c']\nd: *x\n")
    events = []
    while (event := parser.get_event()) is not None:
        events.append(event)
    parser.dispose()
    names = [type(e).__name__ for e in events]
    assert names[:4] == [
        "StreamStartEvent",
        "DocumentStartEvent",
        "MappingStartEvent",
        "ScalarEvent",
    ]
    scalars_ = [e for e in events if isinstance(e, ScalarEvent)]
    assert [(e.value, e.style, e.tag, e.anchor) for e in scalars_] == [
        ("a", "", None, None),
        ("b", "", None, None),
        ("c", "'", None, None),
        ("d", "", None, None),
    ]
    sequence = events[4]
    assert (sequence.anchor, sequence.start_mark.line, sequence.start_mark.column) == ("x", 0, 3)
    assert (events[1].version, events[1].tags) == (None, None)
    assert [e.anchor for e in events if type(e).__name__ == "AliasEvent"] == ["x"]
    assert all(len(entry) == 4 for entry in implicit_resolvers)
    assert any((1, 2) in versions for versions, *_ in implicit_resolvers)
    assert Reader.NON_PRINTABLE.search("a\x07") is not None
