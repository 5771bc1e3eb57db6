"""yamledit: minimal text edits of tether.yaml.

Each edit is checked the way a user sees it: the exact text of the file afterwards (comments,
blank lines, quoting, flow or block style and line endings untouched outside the edited spot).
The property tests run a batch of edits on every project file in the repository and check that
each edit changes only its own lines and that the result reads back as the expected data.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from tether.authoring.edits import AuthoringError
from tether.authoring.yamledit import (
    YamlEditError,
    append,
    remove,
    rename_key,
    render,
    set_value,
)
from tether.model.yamlfile import YamlSyntaxError, parse, plain

REPO = Path(__file__).resolve().parents[2]
PHOTOS = REPO / "examples" / "photos" / "tether.yaml"


def y(text: str) -> str:
    """A YAML snippet written indented in the test, as the file holds it."""
    return textwrap.dedent(text).lstrip("\n")


def data(text: str) -> Any:
    return plain(parse(text))


MERGED = y("""
    defaults: &defaults
      memory: 128
      timeout: 3
    functions:
      a:
        <<: *defaults
        handler: app/a.handler
      b: *defaults
    """)


# --- set_value -------------------------------------------------------------------------------


def test_set_replaces_a_scalar_and_keeps_the_comment_after_it() -> None:
    text = y("""
        name: photos                 # stack name is <name>-<stage>
        runtime: python3.12          # default for every function
        """)
    assert set_value(text, ("runtime",), "python3.13") == y("""
        name: photos                 # stack name is <name>-<stage>
        runtime: python3.13          # default for every function
        """)


def test_set_adds_a_key_after_the_last_line_of_the_mapping_before_the_next_section() -> None:
    text = y("""
        resources:
          uploads: {type: s3.bucket}
          orders:
            type: dynamodb.table
            key: {id: S}                 # partition key

        # the code
        functions: {}
        """)
    assert set_value(text, ("resources", "thumbs"), {"type": "s3.bucket"}) == y("""
        resources:
          uploads: {type: s3.bucket}
          orders:
            type: dynamodb.table
            key: {id: S}                 # partition key
          thumbs: {type: s3.bucket}

        # the code
        functions: {}
        """)


def test_a_new_mapping_among_block_mappings_is_written_in_block_style() -> None:
    text = y("""
        functions:
          resize:
            handler: app/resize.handler
        """)
    assert set_value(
        text, ("functions", "api"), {"handler": "app/api.handler", "memory": 256}
    ) == y("""
        functions:
          resize:
            handler: app/resize.handler
          api:
            handler: app/api.handler
            memory: 256
        """)


def test_set_adds_a_key_to_a_nested_block_mapping() -> None:
    text = y("""
        functions:
          resize:
            handler: app/resize.handler
            timeout: 30
          api:
            handler: app/api.handler
        """)
    assert set_value(text, ("functions", "resize", "memory"), 512) == y("""
        functions:
          resize:
            handler: app/resize.handler
            timeout: 30
            memory: 512
          api:
            handler: app/api.handler
        """)


def test_set_adds_a_key_to_a_flow_mapping_on_its_line() -> None:
    text = "functions:\n  f:\n    environment: {LOG_LEVEL: info}   # verbose\n"
    result = set_value(text, ("functions", "f", "environment", "TABLE"), "orders")
    assert (
        result
        == "functions:\n  f:\n    environment: {LOG_LEVEL: info, TABLE: orders}   # verbose\n"
    )


def test_set_changes_a_value_inside_a_flow_mapping() -> None:
    text = "resources:\n  work: {type: sqs.queue, visibility_timeout: 60}\n"
    assert set_value(text, ("resources", "work", "visibility_timeout"), 120) == (
        "resources:\n  work: {type: sqs.queue, visibility_timeout: 120}\n"
    )


def test_set_fills_an_empty_flow_mapping() -> None:
    text = "name: x\nresources: {}\n"
    assert set_value(text, ("resources", "uploads"), {"type": "s3.bucket"}) == (
        "name: x\nresources: {uploads: {type: s3.bucket}}\n"
    )


def test_set_under_a_key_with_no_value_makes_a_block() -> None:
    text = y("""
        resources:
        functions:
          f:
            environment:   # none yet
            handler: app/f.handler
        """)
    with_resource = set_value(text, ("resources", "uploads"), {"type": "s3.bucket"})
    assert with_resource == y("""
        resources:
          uploads: {type: s3.bucket}
        functions:
          f:
            environment:   # none yet
            handler: app/f.handler
        """)
    assert set_value(text, ("functions", "f", "environment", "LOG_LEVEL"), "debug") == y("""
        resources:
        functions:
          f:
            environment:   # none yet
              LOG_LEVEL: debug
            handler: app/f.handler
        """)


def test_set_under_an_explicit_null_replaces_it() -> None:
    assert (
        set_value("env: ~   # later\nb: 1\n", ("env", "X"), 1) == "env:   # later\n  X: 1\nb: 1\n"
    )


def test_set_creates_missing_intermediate_keys() -> None:
    text = y("""
        functions:
          api:
            handler: app/api.handler
            triggers: [{resource: web, route: "GET /orders/{id}"}]
          report:
            handler: app/report.handler
        """)
    assert set_value(text, ("functions", "api", "environment", "LOG_LEVEL"), "info") == y("""
        functions:
          api:
            handler: app/api.handler
            triggers: [{resource: web, route: "GET /orders/{id}"}]
            environment: {LOG_LEVEL: info}
          report:
            handler: app/report.handler
        """)


def test_set_writes_a_new_list_in_a_block_mapping_as_a_block_list() -> None:
    text = "functions:\n  f:\n    handler: h\n  g: {handler: h}\n"
    assert set_value(text, ("functions", "f", "layers"), ["pillow", "numpy"]) == (
        "functions:\n  f:\n    handler: h\n    layers:\n      - pillow\n      - numpy\n"
        "  g: {handler: h}\n"
    )
    assert set_value(text, ("functions", "g", "layers"), ["pillow"]) == (
        "functions:\n  f:\n    handler: h\n  g: {handler: h, layers: [pillow]}\n"
    )
    assert set_value(text, ("functions", "f", "handler"), ["a", "b"]) == (
        "functions:\n  f:\n    handler: [a, b]\n  g: {handler: h}\n"
    )


def test_set_writes_a_long_mapping_as_a_block_with_the_files_indentation() -> None:
    text = "resources:\n    uploads: {type: s3.bucket}\nfunctions:\n    f:\n        handler: h\n"
    table = {
        "type": "dynamodb.table",
        "key": {"id": "S", "created": "N"},
        "stream": "new_and_old_images",
        "indexes": {"by_user": {"key": {"user": "S"}}},
    }
    assert set_value(text, ("resources", "orders"), table) == y("""
        resources:
            uploads: {type: s3.bucket}
            orders:
                type: dynamodb.table
                key: {id: S, created: "N"}
                stream: new_and_old_images
                indexes: {by_user: {key: {user: S}}}
        functions:
            f:
                handler: h
        """)


def test_set_replaces_a_block_mapping_keeping_block_style() -> None:
    text = "orders:   # the table\n  type: dynamodb.table\n  key: {id: S}\nnext: 1\n"
    assert set_value(text, ("orders",), {"type": "sqs.queue"}) == (
        "orders:   # the table\n  type: sqs.queue\nnext: 1\n"
    )
    assert set_value(text, ("orders",), "gone") == "orders: gone   # the table\nnext: 1\n"


def test_set_replaces_a_block_scalar_and_a_multi_line_string() -> None:
    assert set_value("a: |\n  one\n  two\n\nb: 1\n", ("a",), "x") == "a: x\n\nb: 1\n"
    assert set_value('a: "one\n  two"  # c\nb: 1\n', ("a",), 2) == "a: 2  # c\nb: 1\n"


def test_set_adds_a_top_level_key() -> None:
    text = "name: photos\nfunctions:\n  f:\n    handler: h\n# end of file\n"
    assert set_value(text, ("description",), "Photo uploads") == (
        "name: photos\nfunctions:\n  f:\n    handler: h\ndescription: Photo uploads\n# end of file\n"
    )


def test_set_finds_quoted_keys_and_quotes_new_values_when_needed() -> None:
    text = 'resources:\n  "uploads": {type: s3.bucket}\n'
    assert set_value(text, ("resources", "uploads", "prefix"), "in: box") == (
        'resources:\n  "uploads": {type: s3.bucket, prefix: "in: box"}\n'
    )


def test_set_replaces_a_list_item() -> None:
    text = "triggers:\n  - {resource: uploads}\n  - {resource: work}  # queue\n"
    assert set_value(text, ("triggers", 1), {"resource": "alerts"}) == (
        "triggers:\n  - {resource: uploads}\n  - {resource: alerts}  # queue\n"
    )


def test_set_keeps_crlf_line_endings() -> None:
    text = "name: x\r\nfunctions:\r\n  f:\r\n    handler: h  # main\r\n"
    result = set_value(text, ("functions", "f", "memory"), 256)
    assert (
        result == "name: x\r\nfunctions:\r\n  f:\r\n    handler: h  # main\r\n    memory: 256\r\n"
    )
    big = {"k" * 30: "v" * 30, "l" * 30: "w" * 30}
    block = set_value(text, ("functions", "g"), big)
    assert block.endswith(
        "  g:\r\n    "
        + "k" * 30
        + ": "
        + "v" * 30
        + "\r\n    "
        + "l" * 30
        + ": "
        + "w" * 30
        + "\r\n"
    )
    assert re.search(r"(?<!\r)\n", block) is None


def test_set_keeps_a_missing_final_line_break() -> None:
    text = "name: x\nfunctions:\n  f:\n    handler: h"
    assert set_value(text, ("functions", "f", "memory"), 256) == (
        "name: x\nfunctions:\n  f:\n    handler: h\n    memory: 256"
    )
    assert set_value(text, ("functions", "f", "handler"), "app/f.handler") == (
        "name: x\nfunctions:\n  f:\n    handler: app/f.handler"
    )


def test_set_an_inherited_key_adds_an_override() -> None:
    result = set_value(MERGED, ("functions", "a", "memory"), 512)
    assert result == MERGED.replace(
        "handler: app/a.handler\n", "handler: app/a.handler\n    memory: 512\n"
    )
    assert data(result)["functions"]["a"]["memory"] == 512
    assert data(result)["defaults"]["memory"] == 128


def test_set_the_anchor_itself_is_allowed() -> None:
    result = set_value(MERGED, ("defaults", "memory"), 256)
    assert result == MERGED.replace("memory: 128", "memory: 256")


def test_set_through_an_alias_is_refused_naming_the_anchor() -> None:
    with pytest.raises(YamlEditError) as caught:
        set_value(MERGED, ("functions", "b", "memory"), 256)
    assert caught.value.message == (
        "`functions.b` at line 8 is an alias of &defaults at line 1: edit the anchor, or write "
        "the value out"
    )
    assert caught.value.field is None


def test_set_inside_an_inherited_mapping_is_refused() -> None:
    text = "base: &base\n  environment: {A: 1}\nf:\n  <<: *base\n  handler: h\n"
    with pytest.raises(YamlEditError, match=r"`f.environment` is inherited from &base at line 1"):
        set_value(text, ("f", "environment", "B"), 2)


def test_set_replacing_a_value_that_holds_a_used_anchor_is_refused() -> None:
    with pytest.raises(YamlEditError, match=r"holds the anchor &defaults that line 6 repeats"):
        set_value(MERGED, ("defaults",), {"memory": 1})


def test_set_replaces_an_alias_with_a_written_out_value() -> None:
    result = set_value(MERGED, ("functions", "b"), {"handler": "app/b.handler"})
    assert result == MERGED.replace("b: *defaults", "b: {handler: app/b.handler}")


# --- remove ----------------------------------------------------------------------------------

SECTIONS = y("""
    resources:
      # where pictures arrive
      uploads: {type: s3.bucket}
      thumbs: {type: s3.bucket}   # resized

      orders:
        type: dynamodb.table
        # key: {id: N}
        key: {id: S}
        # stream: keys_only

      alerts: {type: sns.topic}

    functions: {}
    """)


def test_remove_takes_the_comment_above_along() -> None:
    assert remove(SECTIONS, ("resources", "uploads")) == SECTIONS.replace(
        "  # where pictures arrive\n  uploads: {type: s3.bucket}\n", ""
    )


def test_remove_a_multi_line_entry_between_blank_lines() -> None:
    assert remove(SECTIONS, ("resources", "orders")) == y("""
        resources:
          # where pictures arrive
          uploads: {type: s3.bucket}
          thumbs: {type: s3.bucket}   # resized

          alerts: {type: sns.topic}

        functions: {}
        """)


def test_remove_the_last_entry_of_a_section() -> None:
    assert remove(SECTIONS, ("resources", "alerts")) == y("""
        resources:
          # where pictures arrive
          uploads: {type: s3.bucket}
          thumbs: {type: s3.bucket}   # resized

          orders:
            type: dynamodb.table
            # key: {id: N}
            key: {id: S}
            # stream: keys_only

        functions: {}
        """)


def test_remove_a_key_inside_a_nested_mapping() -> None:
    assert remove(SECTIONS, ("resources", "orders", "key")) == SECTIONS.replace(
        "    # key: {id: N}\n    key: {id: S}\n", ""
    )


def test_remove_the_only_key_leaves_an_empty_mapping() -> None:
    text = "resources:   # all of them\n  uploads: {type: s3.bucket}\nfunctions: {}\n"
    assert (
        remove(text, ("resources", "uploads")) == "resources: {}   # all of them\nfunctions: {}\n"
    )


def test_remove_the_only_item_leaves_an_empty_list() -> None:
    text = y("""
        functions:
          resize:
            triggers:
              - {resource: uploads, events: [created]}
            operations: []
        """)
    assert remove(text, ("functions", "resize", "triggers", 0)) == y("""
        functions:
          resize:
            triggers: []
            operations: []
        """)


def test_remove_items_of_a_block_list() -> None:
    text = "t:\n  - {resource: a}\n  # the queue\n  - {resource: b}\n  - {resource: c}\nx: 1\n"
    assert remove(text, ("t", 1)) == "t:\n  - {resource: a}\n  - {resource: c}\nx: 1\n"
    assert (
        remove(text, ("t", -1)) == "t:\n  - {resource: a}\n  # the queue\n  - {resource: b}\nx: 1\n"
    )


def test_remove_from_flow_collections() -> None:
    text = "t: [{resource: a}, {resource: b}, {resource: c}]\nenv: {A: 1, B: 2}\n"
    assert remove(text, ("t", 0)) == "t: [{resource: b}, {resource: c}]\nenv: {A: 1, B: 2}\n"
    assert remove(text, ("t", 1)) == "t: [{resource: a}, {resource: c}]\nenv: {A: 1, B: 2}\n"
    assert remove(text, ("t", 2)) == "t: [{resource: a}, {resource: b}]\nenv: {A: 1, B: 2}\n"
    assert (
        remove(text, ("env", "B"))
        == "t: [{resource: a}, {resource: b}, {resource: c}]\nenv: {A: 1}\n"
    )
    assert remove("t: [{resource: a}]  # one\n", ("t", 0)) == "t: []  # one\n"
    assert remove("env: { A: 1 }\n", ("env", "A")) == "env: {}\n"


def test_remove_from_a_flow_mapping_over_several_lines() -> None:
    text = "env: {\n  A: 1,   # first\n  B: 2    # second\n}\n"
    assert remove(text, ("env", "A")) == "env: {\n  B: 2    # second\n}\n"
    assert remove(text, ("env", "B")) == "env: {\n  A: 1   # first\n}\n"


def test_remove_the_first_key_of_a_mapping_written_on_a_dash_line() -> None:
    text = "l:\n- a: 1\n  b: 2\n- c: 3\n"
    assert remove(text, ("l", 0, "a")) == "l:\n- b: 2\n- c: 3\n"
    assert remove(text, ("l", 0, "b")) == "l:\n- a: 1\n- c: 3\n"
    assert remove(text, ("l", 1, "c")) == "l:\n- a: 1\n  b: 2\n- {}\n"


def test_remove_the_last_line_of_a_file_without_a_final_line_break() -> None:
    assert remove("a: 1\nb:\n  c: 2\n  d: 3", ("b", "d")) == "a: 1\nb:\n  c: 2"
    assert remove("a: 1\n\nb: 2", ("b",)) == "a: 1"


def test_remove_keeps_crlf() -> None:
    text = "a: 1\r\n# about b\r\nb:\r\n  c: 2\r\nd: 3\r\n"
    assert remove(text, ("b",)) == "a: 1\r\nd: 3\r\n"
    assert remove(text, ("b", "c")) == "a: 1\r\n# about b\r\nb: {}\r\nd: 3\r\n"


def test_remove_the_only_top_level_key() -> None:
    assert remove("# a project\n\nname: x\n", ("name",)) == "# a project\n{}\n"
    assert remove("# the name\nname: x\n", ("name",)) == "{}\n"


def test_remove_an_override_lets_the_inherited_value_show_again() -> None:
    text = MERGED.replace("handler: app/a.handler\n", "handler: app/a.handler\n    memory: 512\n")
    assert remove(text, ("functions", "a", "memory")) == MERGED
    assert data(MERGED)["functions"]["a"]["memory"] == 128


def test_remove_an_inherited_key_is_refused() -> None:
    with pytest.raises(YamlEditError) as caught:
        remove(MERGED, ("functions", "a", "memory"))
    assert caught.value.message.startswith(
        "`functions.a.memory` is inherited from &defaults at line 1 (merged with "
        "`<<: *defaults` at line 6)"
    )
    assert "override" in caught.value.hint


def test_remove_an_anchor_in_use_is_refused() -> None:
    with pytest.raises(YamlEditError, match=r"holds the anchor &defaults .* removing it"):
        remove(MERGED, ("defaults",))


def test_remove_a_missing_key_says_where_it_looked() -> None:
    text = "name: x\nfunctions:\n  resize:\n    handler: h\n    memory: 512\n"
    with pytest.raises(YamlEditError) as caught:
        remove(text, ("functions", "resize", "timeout"))
    assert caught.value.message == (
        "`functions.resize.timeout` is not in the file: `functions.resize` (line 3) has no key "
        "`timeout`"
    )
    assert caught.value.hint == "its keys are: handler, memory"
    with pytest.raises(YamlEditError, match=r"the list at line 1 has 1 item"):
        remove("t: [a]\n", ("t", 3))


# --- append ----------------------------------------------------------------------------------


def test_append_to_a_block_list_after_its_last_item() -> None:
    text = y("""
        functions:
          resize:
            triggers:
              - resource: uploads
                events: [created]   # new pictures

            operations: []
        """)
    assert append(
        text, ("functions", "resize", "triggers"), {"resource": "work", "batch_size": 10}
    ) == y("""
        functions:
          resize:
            triggers:
              - resource: uploads
                events: [created]   # new pictures
              - {resource: work, batch_size: 10}

            operations: []
        """)


def test_append_to_an_indentless_list() -> None:
    text = "t:\n- {resource: a}\nx: 1\n"
    assert append(text, ("t",), {"resource": "b"}) == "t:\n- {resource: a}\n- {resource: b}\nx: 1\n"


def test_append_to_flow_lists() -> None:
    text = "t: [{resource: web}]   # the api\nu: []\n"
    assert append(text, ("t",), {"resource": "work"}) == (
        "t: [{resource: web}, {resource: work}]   # the api\nu: []\n"
    )
    assert (
        append(text, ("u",), "s3:GetObject")
        == 't: [{resource: web}]   # the api\nu: ["s3:GetObject"]\n'
    )


def test_append_to_a_flow_list_over_several_lines_keeps_its_trailing_comma() -> None:
    text = "t: [\n  a,\n  b,\n]\n"
    assert append(text, ("t",), "c") == "t: [\n  a,\n  b,\n  c,\n]\n"
    text = "t: [\n  a,\n  b   # last\n]\n"
    assert append(text, ("t",), "c") == "t: [\n  a,\n  b,   # last\n  c\n]\n"


def test_append_creates_a_missing_list_as_a_block() -> None:
    text = "functions:\n  api:\n    handler: app/api.handler\n  report:\n    handler: h\n"
    assert append(
        text, ("functions", "api", "triggers"), {"resource": "web", "route": "GET /{id}"}
    ) == (
        "functions:\n  api:\n    handler: app/api.handler\n    triggers:\n"
        '      - {resource: web, route: "GET /{id}"}\n  report:\n    handler: h\n'
    )


def test_append_creates_a_missing_list_inline_in_a_flow_mapping() -> None:
    text = "functions:\n  api: {handler: app/api.handler}\n"
    assert append(text, ("functions", "api", "triggers"), {"resource": "web"}) == (
        "functions:\n  api: {handler: app/api.handler, triggers: [{resource: web}]}\n"
    )


def test_append_to_a_key_with_no_value_makes_a_block_list() -> None:
    text = "f:\n  triggers:\n  handler: h\n"
    assert append(text, ("f", "triggers"), {"resource": "a"}) == (
        "f:\n  triggers:\n    - {resource: a}\n  handler: h\n"
    )


def test_append_uses_the_list_indentation_of_the_file() -> None:
    text = "f:\n  operations:\n  - {resource: a}\ng:\n  handler: h\n"
    assert append(text, ("g", "triggers"), {"resource": "b"}) == (
        "f:\n  operations:\n  - {resource: a}\ng:\n  handler: h\n  triggers:\n  - {resource: b}\n"
    )


def test_append_keeps_crlf() -> None:
    text = "t:\r\n  - a\r\n"
    assert append(text, ("t",), "b") == "t:\r\n  - a\r\n  - b\r\n"


def test_append_to_a_mapping_or_an_alias_is_refused() -> None:
    with pytest.raises(YamlEditError, match=r"`functions.a` at line 6 is a mapping, not a list"):
        append(MERGED, ("functions", "a"), 1)
    with pytest.raises(YamlEditError, match=r"is an alias of &l at line 1"):
        append("base: &l [a]\nother: *l\n", ("other",), "b")
    with pytest.raises(YamlEditError, match=r"`f.triggers` is inherited from &b"):
        append("b: &b\n  triggers: [x]\nf:\n  <<: *b\n", ("f", "triggers"), "y")


# --- rename_key ------------------------------------------------------------------------------


def test_rename_changes_only_the_key() -> None:
    text = "resources:\n  uploads: {type: s3.bucket}   # incoming\n  orders:\n    type: t\n"
    assert rename_key(text, ("resources", "uploads"), "photos") == (
        "resources:\n  photos: {type: s3.bucket}   # incoming\n  orders:\n    type: t\n"
    )
    assert rename_key(text, ("resources", "orders"), "sales") == (
        "resources:\n  uploads: {type: s3.bucket}   # incoming\n  sales:\n    type: t\n"
    )


def test_rename_in_a_flow_mapping_and_keeps_quotes() -> None:
    text = "env: {'OLD': 1, \"B\": 2}\n"
    assert rename_key(text, ("env", "OLD"), "NEW") == "env: {'NEW': 1, \"B\": 2}\n"
    assert rename_key(text, ("env", "B"), "it's") == "env: {'OLD': 1, \"it's\": 2}\n"
    assert rename_key("a: 1\n", ("a",), "true") == '"true": 1\n'


def test_rename_onto_an_existing_key_is_refused() -> None:
    with pytest.raises(YamlEditError, match=r"`resources.b` already exists at line 3"):
        rename_key("resources:\n  a: 1\n  b: 2\n", ("resources", "a"), "b")


def test_rename_an_inherited_key_is_refused() -> None:
    with pytest.raises(YamlEditError, match=r"inherited from &defaults"):
        rename_key(MERGED, ("functions", "a", "timeout"), "limit")


# --- errors ----------------------------------------------------------------------------------


def test_errors_are_authoring_errors_without_a_field() -> None:
    with pytest.raises(YamlEditError) as caught:
        set_value("a: [1, 2\nb: 3\n", ("a",), 1)
    assert isinstance(caught.value, AuthoringError)
    assert caught.value.field is None
    assert caught.value.message.startswith("YAML syntax error")
    assert "(line 2)" in caught.value.message


@pytest.mark.parametrize("text", ["", "# nothing\n", "- a\n- b\n", "just text\n"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    with pytest.raises(YamlEditError, match="does not hold a mapping"):
        set_value(text, ("name",), "x")


def test_wrong_kinds_and_empty_paths_are_refused() -> None:
    with pytest.raises(YamlEditError, match=r"`name` at line 1 is the value 'x', not a mapping"):
        set_value("name: x\n", ("name", "sub"), 1)
    with pytest.raises(YamlEditError, match=r"is a mapping, not a list"):
        set_value("a: {b: 1}\n", ("a", 0), 1)
    with pytest.raises(YamlEditError, match="empty path"):
        remove("a: 1\n", ())
    with pytest.raises(YamlEditError, match="no key to rename"):
        rename_key("a: [1]\n", ("a", 0), "b")


# --- render ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("s3.bucket", "s3.bucket"),
        ("incoming/", "incoming/"),
        (".jpg", ".jpg"),
        ("rate(1 day)", "rate(1 day)"),
        ("-x", "-x"),
        ("ünïcode", "ünïcode"),
        ("", '""'),
        ("512", '"512"'),
        ("1.5", '"1.5"'),
        ("true", '"true"'),
        ("yes", '"yes"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("2024-01-01", '"2024-01-01"'),
        ("a: b", '"a: b"'),
        ("s3:PutObject", '"s3:PutObject"'),
        ("a #b", '"a #b"'),
        ("GET /orders/{id}", '"GET /orders/{id}"'),
        ("{x", '"{x"'),
        ("[x", '"[x"'),
        ("*x", '"*x"'),
        ("&x", '"&x"'),
        ("!x", '"!x"'),
        ("%x", '"%x"'),
        ("@x", '"@x"'),
        ("`x", '"`x"'),
        ("- x", '"- x"'),
        (" padded", '" padded"'),
        ('say "hi"\n', '"say \\"hi\\"\\n"'),
        ("line\u2028break", '"line\\u2028break"'),
        (512, "512"),
        (-3, "-3"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ([], "[]"),
        ({}, "{}"),
        (["created", "removed"], "[created, removed]"),
        ({"type": "s3.bucket", "key": {"id": "S"}}, "{type: s3.bucket, key: {id: S}}"),
        (
            {"resource": "thumbs", "actions": ["s3:PutObject"]},
            '{resource: thumbs, actions: ["s3:PutObject"]}',
        ),
    ],
)
def test_render(value: object, written: str) -> None:
    assert render(value) == written


def test_render_block() -> None:
    assert render({"type": "dynamodb.table", "key": {"id": "S"}}, flow=False) == (
        "type: dynamodb.table\nkey: {id: S}"
    )
    assert render(["a", {"b": 1}], flow=False) == "- a\n- {b: 1}"
    assert render("plain", flow=False) == "plain"


_SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_VALUES)
def test_rendered_values_read_back_as_themselves(value: Any) -> None:
    assert data(f"k: {render(value)}\n")["k"] == _as_read(value)


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.text(min_size=1, max_size=8), value=_VALUES)
def test_set_value_reads_back_in_block_and_flow_mappings(key: str, value: Any) -> None:
    for text in ("a:\n  first: 1\nb: 2\n", "a: {first: 1}\nb: 2\n"):
        result = set_value(text, ("a", key), value)
        expected = (
            {"first": 1, key: _as_read(value)} if key != "first" else {"first": _as_read(value)}
        )
        assert data(result) == {"a": expected, "b": 2}
        assert result.endswith("b: 2\n")


def _as_read(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _as_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_read(v) for v in value]
    return value


# --- properties on the repository's project files --------------------------------------------

Edit = tuple[str, tuple[str | int, ...], Any]  # (operation, path, value or new name)


def _apply_text(text: str, edit: Edit) -> str:
    operation, path, argument = edit
    if operation == "set":
        return set_value(text, path, argument)
    if operation == "append":
        return append(text, path, argument)
    if operation == "remove":
        return remove(text, path)
    return rename_key(text, path, argument)


def _apply_data(document: Any, edit: Edit) -> None:
    operation, path, argument = edit
    *parents, last = path
    node = document
    for part in parents:
        if isinstance(node, dict) and node.get(part) is None:
            node[part] = {}
        node = node[part]
    if operation == "set":
        node[last] = argument
    elif operation == "append":
        node[last] = [*(node.get(last) or []), argument]
    elif operation == "remove":
        del node[last]
    else:
        items = list(node.items())
        node.clear()
        node.update((argument if key == last else key, value) for key, value in items)


def _batch(document: dict[str, Any], *, renames: int = 1) -> list[Edit]:
    """The edits an author makes: add a resource; add a trigger, memory and a variable to each
    function and remove each trigger it had; rename the first `renames` resources."""
    edits: list[Edit] = []
    resources = document.get("resources")
    if resources is None or isinstance(resources, dict):
        edits.append(
            ("set", ("resources", "added"), {"type": "sqs.queue", "visibility_timeout": 60})
        )
    functions = document.get("functions")
    functions = functions if isinstance(functions, dict) else {}
    for name, function in functions.items():
        if not isinstance(function, dict):
            continue
        triggers = function.get("triggers")
        if triggers is None or isinstance(triggers, list):
            trigger = {"resource": "added", "batch_size": 10}
            edits.append(("append", ("functions", name, "triggers"), trigger))
            edits += [("remove", ("functions", name, "triggers", 0), None)] * len(triggers or [])
        edits.append(("set", ("functions", name, "memory"), 1024))
        environment = function.get("environment")
        if environment is None or isinstance(environment, dict):
            edits.append(("set", ("functions", name, "environment", "ADDED_VAR"), "on"))
    for name in list(resources or {})[:renames]:
        edits.append(("rename", ("resources", name), f"{name}_renamed"))
    return edits


def _span(text: str, path: tuple[str | int, ...]) -> range:
    """Lines (0-based) of the entry at `path` found from the text alone, by indentation: its
    key line, the comment lines right above it, and the lines after it indented deeper. A
    list index or a flow collection ends the search: the parent's span is returned."""
    rows = text.splitlines()
    start, stop, indent = 0, len(rows), -1
    for part in path:
        if not isinstance(part, str):
            break
        found = None
        for row in range(start if indent < 0 else start + 1, stop):
            line = rows[row]
            depth = len(line) - len(line.lstrip())
            key = re.match(r"""\s*(['"]?)(.+?)\1\s*:(\s|$)""", line)
            if (
                depth > indent
                and key
                and key.group(2) == part
                and not line.lstrip().startswith("#")
            ):
                found = row, depth
                break
        if found is None:
            break
        start, indent = found
        while start > 0 and rows[start - 1].lstrip().startswith("#"):
            start -= 1
        stop = next(
            (
                row
                for row in range(found[0] + 1, stop)
                if rows[row].strip() and len(rows[row]) - len(rows[row].lstrip()) <= indent
            ),
            stop,
        )
    return range(start, stop)


def _assert_local(before: str, after: str, edit: Edit, *, existed: bool) -> None:
    """Only lines of the edited entry changed; every other line is byte for byte the same
    (`existed`: the edit replaced a value rather than added one)."""
    operation, path, _ = edit
    container = path if operation == "append" else path[:-1]
    allowed = _span(before, container)
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    hunks = [
        op
        for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    assert 1 <= len(hunks) <= 2, (edit, hunks)
    for _, i1, i2, _, _ in hunks:
        assert allowed.start <= i1 and i2 <= allowed.stop, (edit, allowed, hunks, after)
    if operation == "rename" or (operation == "set" and existed):
        assert len(hunks) == 1 and hunks[0][2] - hunks[0][1] == 1, (edit, hunks)


def _exists(node: Any, path: tuple[str | int, ...]) -> bool:
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@functools.cache
def _project_files() -> list[Path]:
    """The project files of the repository other than the photos example, one per distinct
    layout (the analysis corpus repeats one layout a hundred times): those that hold a
    mapping and no anchors (the broken corpus has files that are not YAML)."""
    layouts: dict[frozenset[str], list[Path]] = {}
    for file in sorted(REPO.rglob("tether.yaml")):
        parts = file.relative_to(REPO).parts
        if file == PHOTOS or any(p.startswith(".") or p == "node_modules" for p in parts):
            continue
        text = _read(file)
        if not re.search(r"[&*]\w", re.sub(r"#.*|\"[^\"]*\"", "", text)):
            layouts.setdefault(_layout(text), []).append(file)
    return [file for files in layouts.values() if (file := _first_mapping(files))]


def _first_mapping(files: list[Path]) -> Path | None:
    for file in files:
        try:
            if isinstance(data(_read(file)), dict):
                return file
        except YamlSyntaxError:
            continue
    return None


def _read(file: Path) -> str:
    text = file.read_text(encoding="utf-8")
    if "data" in file.parts and "new_project" in file.parts:
        text = text.format(name="starter")  # the `tether new` template fills in the name
    return text


def _layout(text: str) -> frozenset[str]:
    """What an edit depends on, line by line: indentation, key or item, the value's style,
    comments; and whether the file ends with a line break."""
    kinds = {f"final-newline:{text.endswith(chr(10))}"}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            kinds.add("blank" if not stripped else "comment")
            continue
        item = stripped.startswith("- ")
        rest = stripped[2:] if item else stripped.partition(":")[2].strip()
        comment = "#" if " #" in stripped else ""
        kinds.add(f"{len(line) - len(line.lstrip())}{'-' if item else ':'}{_style(rest)}{comment}")
    return frozenset(kinds)


def _style(value: str) -> str:
    if not value or value.startswith("#"):
        return "none"
    return {"{": "map", "[": "seq"}.get(value[0], "scalar")


def _run_batch(text: str, *, renames: int = 1) -> None:
    expected = data(text)
    edits = _batch(expected, renames=renames)
    assert edits
    for edit in edits:
        edited = _apply_text(text, edit)
        _assert_local(text, edited, edit, existed=_exists(expected, edit[1]))
        _apply_data(expected, edit)
        text = edited
    assert json.dumps(data(text)) == json.dumps(expected)  # the same data, in the same order


def test_a_batch_of_edits_on_the_photos_example() -> None:
    _run_batch(PHOTOS.read_text(encoding="utf-8"))


def test_the_photos_example_after_edits_reads_as_written_by_hand() -> None:
    text = PHOTOS.read_text(encoding="utf-8")
    text = append(text, ("functions", "api", "triggers"), {"resource": "work", "batch_size": 10})
    text = set_value(text, ("functions", "resize", "environment", "THUMBS"), "thumbs")
    text = remove(text, ("functions", "resize", "triggers", 0))
    text = set_value(text, ("resources", "archive", "retain"), True)
    diff = [
        line
        for line in difflib.unified_diff(
            PHOTOS.read_text().splitlines(), text.splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert diff == [
        '-  archive: {type: s3.bucket, external: "arn:aws:s3:::acme-archive"}   # never created or deleted',
        '+  archive: {type: s3.bucket, external: "arn:aws:s3:::acme-archive", retain: true}   # never created or deleted',
        "-    environment: {LOG_LEVEL: info}",
        "-    triggers:",
        "-      - {resource: uploads, events: [created], prefix: incoming/, suffix: .jpg}",
        "+    environment: {LOG_LEVEL: info, THUMBS: thumbs}",
        "+    triggers: []",
        '-    triggers: [{resource: web, route: "GET /orders/{id}"}]',
        '+    triggers: [{resource: web, route: "GET /orders/{id}"}, {resource: work, batch_size: 10}]',
    ]


def test_the_repository_has_project_files_of_several_layouts() -> None:
    files = _project_files()
    assert len(files) >= 10
    assert any("new_project" in file.parts for file in files)


@pytest.mark.parametrize(
    "file", _project_files(), ids=lambda file: str(file.relative_to(REPO).parent)
)
def test_a_batch_of_edits_on_each_project_file(file: Path) -> None:
    _run_batch(_read(file))


def test_a_batch_of_edits_on_a_crlf_file() -> None:
    text = PHOTOS.read_text(encoding="utf-8").replace("\n", "\r\n")
    expected = data(text)
    for edit in _batch(expected)[:4]:
        text = _apply_text(text, edit)
        _apply_data(expected, edit)
    assert json.dumps(data(text)) == json.dumps(expected)
    assert re.search(r"(?<!\r)\n", text) is None
