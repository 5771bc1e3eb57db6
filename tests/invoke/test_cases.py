"""Test-case files: how they are read and how results are matched (no cloud needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether import Project
from tether.errors import ProjectError
from tether.invoke.case_file import MAX_MESSAGE_BYTES
from tether.invoke.case_model import Sample
from tether.invoke.case_refs import check_case
from tether.invoke.cases import find_cases, is_subset, paused_sources


def test_subset_matching_is_recursive_and_strict_on_values() -> None:
    result = {"statusCode": 200, "headers": {"a": "1", "b": "2"}, "items": [{"id": 1, "x": 2}]}
    assert is_subset({"statusCode": 200, "headers": {"a": "1"}}, result)
    assert is_subset({"items": [{"id": 1}]}, result)
    assert not is_subset({"statusCode": 404}, result)
    assert not is_subset({"items": []}, result)
    assert not is_subset({"missing": None}, result)


def test_cases_are_found_with_their_event_files(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "get.json").write_text('{"pathParameters": {"id": "cat"}}')
    (tmp_path / "events" / "get.test.yaml").write_text(
        "function: api\nevent: get.json\nexpect:\n  result: {statusCode: 200}\n"
    )
    (tmp_path / "events" / "inline.test.yaml").write_text(
        "function: worker\nevent: {Records: []}\n"
    )
    cases = find_cases(tmp_path)
    assert [(c.name, c.function) for c in cases] == [
        ("events/get.test.yaml", "api"),
        ("events/inline.test.yaml", "worker"),
    ]
    assert cases[0].event == {"pathParameters": {"id": "cat"}}
    assert [c.name for c in find_cases(tmp_path, "inline")] == ["events/inline.test.yaml"]


def test_a_broken_case_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "bad.test.yaml").write_text(
        "function: api\nevent: missing.json\nexpect:\n  reslt: {}\n"
    )
    with pytest.raises(ProjectError) as error:
        find_cases(tmp_path)
    messages = [(p.file, p.line, p.message) for p in error.value.problems]
    assert ("events/bad.test.yaml", 4, "unknown expectation 'reslt'") in messages
    assert ("events/bad.test.yaml", 2, "event file missing.json not found") in messages


def write_case(root: Path, text: str, name: str = "c.test.yaml") -> Path:
    (root / "events").mkdir(exist_ok=True)
    path = root / "events" / name
    path.write_text(text)
    return path


def problems_of(root: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ProjectError) as error:
        find_cases(root)
    return [(p.line, p.message, p.hint) for p in error.value.problems]


def test_a_case_reads_its_world_sample_expectations_and_cleanup(tmp_path: Path) -> None:
    write_case(tmp_path, "", "cat.jpg")
    write_case(
        tmp_path,
        "function: resize\n"
        "given:\n"
        "  objects:\n"
        "    - {bucket: uploads, key: cases/cat.jpg, file: cat.jpg, content_type: image/jpeg}\n"
        "    - {bucket: uploads, key: notes/a.json, body: {a: 1}}\n"
        "  items: [{table: orders, item: {id: cat, size: 1.5}}]\n"
        "  messages: [{queue: work, body: hello}]\n"
        "sample: {kind: s3-created, key: cases/cat.jpg}\n"
        "expect:\n"
        "  messages: [{queue: work, match: {id: cat}}]\n"
        "  eventually: 500ms\n"
        "cleanup: true\n",
    )
    (case,) = find_cases(tmp_path)
    picture, note = case.given.objects
    assert picture.file == (tmp_path / "events" / "cat.jpg").resolve()
    assert picture.content_type == "image/jpeg" and picture.at == (4, 7)
    assert note.body == b'{"a": 1}' and note.file is None
    assert case.given.items[0].item == {"id": "cat", "size": 1.5}
    assert case.given.messages[0].body == "hello"
    assert case.sample == Sample("s3-created", (8, 1), key="cases/cat.jpg")
    assert case.expect.messages[0].match == {"id": "cat"}
    assert case.expect.eventually == 0.5
    assert case.cleanup is True


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        (
            "given:\n  objects: [{bukcet: uploads, key: a, body: x}]\n",
            3,
            "unknown key 'bukcet'",
            "did you mean 'bucket'?",
        ),
        (
            "given:\n  objects: [{bucket: uploads, key: a}]\n",
            3,
            "a given object needs its content: `body:` (text) or `file:`",
            "file: cat.jpg",
        ),
        (
            "given:\n  objects: [{bucket: uploads, key: a, file: cat.jpg}]\n",
            3,
            "file cat.jpg not found (looked for events/cat.jpg)",
            "relative to the case file's folder, events/",
        ),
        (
            "given:\n  objects: [{bucket: uploads, key: a, file: ../../x.jpg}]\n",
            3,
            "file ../../x.jpg is outside the project",
            "files of its project only",
        ),
        (
            "given:\n  objects: {bucket: uploads}\n",
            3,
            "given objects must be a list",
            "objects: [{bucket",
        ),
        ("given:\n  items: [{table: orders}]\n", 3, "a given item needs `item:`", "item: {id: cat"),
        (
            "given:\n  messages: [{queue: work, body: 12}]\n",
            3,
            "`body` of a given message must be text, or a mapping or list",
            "quote it",
        ),
        ("givn: {}\n", 2, "unknown key 'givn' in a test case", "did you mean 'given'?"),
        ("expect:\n  eventually: soon\n", 3, "eventually must be a duration", "10s"),
        ("expect:\n  eventually: 20m\n", 3, "eventually must be a duration", "10s"),
        ("expect:\n  items: [{table: orders}]\n", 3, "an expected item needs `key:`", "key: {id"),
        ("expect:\n  objects: [{bucket: thumbs}]\n", 3, "an expected object needs `key:`", "key"),
        ("cleanup: yes please\n", 2, "`cleanup` must be true or false", "cleanup: true"),
        ("event: {}\nsample: {kind: sqs}\n", 3, "a test case takes `event:` or `sample:`", ""),
        ("sample: {kind: s3-create}\n", 2, "unknown event kind 's3-create'", "'s3-created'"),
    ],
)
def test_a_broken_world_or_expectation_names_line_and_fix(
    tmp_path: Path, text: str, line: int, message: str, hint: str
) -> None:
    write_case(tmp_path, "function: resize\n" + text)
    found = problems_of(tmp_path)
    assert any(at == line and message in said and hint in fix for at, said, fix in found), found


def test_a_message_over_the_sqs_limit_is_refused(tmp_path: Path) -> None:
    body = "x" * (MAX_MESSAGE_BYTES + 1)
    write_case(tmp_path, f"function: f\ngiven:\n  messages: [{{queue: q, body: {body}}}]\n")
    ((line, message, _),) = problems_of(tmp_path)
    assert line == 3 and "SQS accepts at most 262,144" in message


def references(photos: Project, tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    write_case(tmp_path, text)
    (case,) = find_cases(tmp_path)
    return [(p.line, p.message, p.hint) for p in check_case(photos, case)]


def test_names_are_checked_against_the_project(photos: Project, tmp_path: Path) -> None:
    found = references(
        photos,
        tmp_path,
        "function: resiz\n"
        "given:\n"
        "  objects: [{bucket: uplods, key: a, body: x}]\n"
        "  items: [{table: orders, item: {status: new}}]\n"
        "  messages: [{queue: uploads, body: x}]\n"
        "expect:\n"
        "  objects: [{bucket: archive, key: reports/x.json}]\n"
        "  items: [{table: orders, key: {id: 7, status: x}}]\n",
    )
    assert found == [
        (
            1,
            "no function 'resiz' in tether.yaml",
            "did you mean 'resize'? functions: resize, api, worker, notify, report",
        ),
        (
            3,
            "no bucket 'uplods' in tether.yaml",
            "did you mean 'uploads'? buckets: uploads, thumbs, archive",
        ),
        (4, "the item lacks id, of table orders's key", "write {id: ...}"),
        (5, "'uploads' is a s3.bucket, not a sqs.queue", "queues: work"),
        (
            8,
            "status is not part of table orders's key (id)",
            "check other attributes with `match:`",
        ),
        (8, "key attribute id of table orders is text (S), not 7", "write it as text, quoted"),
    ]


def test_a_world_never_changes_an_external_resource(photos: Project, tmp_path: Path) -> None:
    ((line, message, hint),) = references(
        photos,
        tmp_path,
        "function: report\ngiven:\n  objects: [{bucket: archive, key: a, body: x}]\n",
    )
    assert line == 3
    assert message == (
        "bucket 'archive' is an external resource: Tether never changes it, so a case cannot "
        "put objects in it"
    )
    assert "may still expect what the function does to 'archive'" in hint


def test_an_object_that_would_fire_the_function_itself_is_refused(
    photos: Project, tmp_path: Path
) -> None:
    ((line, message, hint),) = references(
        photos,
        tmp_path,
        "function: resize\n"
        "given:\n"
        "  objects: [{bucket: uploads, key: incoming/cat.jpg, body: x}]\n"
        "  # another function's trigger, or a key outside it, is fine\n"
        "  items: [{table: orders, item: {id: cat}}]\n",
    )
    assert line == 3
    assert message.startswith("the object incoming/cat.jpg would itself fire resize")
    assert "incoming/*.jpg" in message and "run twice" in message
    assert "cases/cat.jpg" in hint
    assert not references(
        photos,
        tmp_path,
        "function: api\ngiven:\n  objects: [{bucket: uploads, key: incoming/cat.jpg, body: x}]\n",
    )


def test_a_sample_from_a_resource_of_the_wrong_kind_is_refused(
    photos: Project, tmp_path: Path
) -> None:
    ((line, message, hint),) = references(
        photos, tmp_path, "function: worker\nsample: {kind: sqs, resource: uploads}\n"
    )
    assert (line, message) == (2, "sample: resource uploads: not a sqs.queue of this project")
    assert "work" in hint


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        # resize writes the work queue and the orders table: their consumers would race
        ("function: resize\n", {"work", "orders"}),
        # with eventually, only the queues of expected and given messages stay paused
        (
            "function: resize\nexpect:\n  eventually: 5s\n  messages: [{queue: work}]\n",
            {"work"},
        ),
        ("function: resize\nexpect: {eventually: 5s}\n", set()),
        # api only reads; its given items are in orders, whose stream notify reads
        ("function: api\n", set()),
        ("function: api\ngiven:\n  items: [{table: orders, item: {id: a}}]\n", {"orders"}),
        ("function: report\n", set()),
    ],
)
def test_the_consumers_paused_are_those_a_case_involves(
    photos: Project, tmp_path: Path, text: str, sources: set[str]
) -> None:
    write_case(tmp_path, text)
    (case,) = find_cases(tmp_path)
    assert paused_sources(photos, case) == sources


def test_the_example_cases_read_and_name_what_the_project_has(photos: Project) -> None:
    cases = find_cases(photos.root)
    assert {case.function for case in cases} == set(photos.functions)
    for case in cases:
        assert check_case(photos, case) == [], case.name


def test_an_empty_case_file_is_refused_not_skipped(tmp_path: Path) -> None:
    write_case(tmp_path, "")
    assert problems_of(tmp_path) == [
        (1, "a test case must be a mapping", "write function:, event: and expect:")
    ]
