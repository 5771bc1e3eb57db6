"""Inserting a catalogue operation into handler code: only insertions, at the right place, and code
that Tether's analysis attributes to the resource with exactly the catalogue's actions — and that
runs (against moto) with the catalogue's defaults."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE, write_project
from tether.authoring.catalogue import CATALOGUE, EVENT_VALUES, OperationSpec, operation
from tether.authoring.catalogue import operations_for as catalogue_for
from tether.authoring.codegen import MAX_LINE, Inserted, insert_operation
from tether.authoring.edits import AuthoringError
from tether.loading import load

RESOURCES = {
    "s3.bucket": ("thumbs", "{type: s3.bucket}", "THUMBS_BUCKET"),
    "dynamodb.table": ("orders", "{type: dynamodb.table, key: {id: S}}", "ORDERS_TABLE"),
    "sns.topic": ("alerts", "{type: sns.topic}", "ALERTS_TOPIC_ARN"),
    "sqs.queue": ("work", "{type: sqs.queue}", "WORK_QUEUE_URL"),
}

HANDLER = '''\
"""Orders: log each request and answer with a summary of it."""

import json
import logging
from datetime import UTC, datetime

LOG = logging.getLogger(__name__)
GREETING = "hello"


def summary(event: dict) -> dict:
    return {"keys": sorted(event), "at": datetime.now(UTC).isoformat()}


def handler(event, context):
    LOG.info("event: %s", json.dumps(event))
    result = summary(event)
    if event.get("verbose"):
        LOG.info("summary: %s", result)
    return {"statusCode": 200, "body": json.dumps(result)}
'''
RESULT_LINE = 17  # `    result = summary(event)`


def project(root: Path, resource_type: str, code: str) -> Path:
    name, declaration, _ = RESOURCES[resource_type]
    yaml_text = (
        f"name: authoring\nresources:\n  {name}: {declaration}\n"
        "functions:\n  fn:\n    handler: app/handler.handler\n"
    )
    return write_project(root, yaml_text, {"app/handler.py": code})


def only_insertions(before: str, after: str) -> None:
    """Every line of `before` is in `after`, unchanged and in order."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    position = 0
    for number, line in enumerate(old, 1):
        unterminated = number == len(old) and not line.endswith(("\n", "\r"))
        while position < len(new) and not (
            new[position] == line or (unterminated and new[position].rstrip("\r\n") == line)
        ):
            position += 1
        assert position < len(new), f"original line missing or changed: {line!r}"
        position += 1
    if before.endswith(("\n", "\r")):
        assert after.endswith(before[-1])


def code_operations(root: Path) -> tuple[list[tuple[str, tuple[str, ...]]], Any]:
    loaded = load(root)
    found = [
        (o.resource, o.actions) for o in loaded.functions["fn"].operations if o.origin == "code"
    ]
    return found, loaded


def granted(found: list[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    actions: list[str] = []
    for _, some in found:
        actions.extend(a for a in some if a not in actions)
    return tuple(actions)


def insert(code: str, line: int, op_id: str, **params: str) -> Inserted:
    spec = operation(op_id)
    env_var = RESOURCES[spec.resource_type][2]
    return insert_operation(code, line, spec, env_var, params, path="app/handler.py")


def check_analysis(tmp_path: Path, spec: OperationSpec, code: str) -> None:
    name = RESOURCES[spec.resource_type][0]
    root = project(tmp_path, spec.resource_type, code)
    found, loaded = code_operations(root)
    assert found, "analysis found no operation in the generated code"
    assert {resource for resource, _ in found} == {name}
    assert sorted(granted(found)) == sorted(spec.actions)
    assert loaded.warnings == ()


# --- every operation --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.id)
def test_each_operation_is_inserted_and_analysed_with_exactly_its_actions(
    tmp_path: Path, spec: OperationSpec
) -> None:
    inserted = insert(HANDLER, RESULT_LINE, spec.id)
    compile(inserted.source, "handler.py", "exec")
    only_insertions(HANDLER, inserted.source)
    new_lines = inserted.source.splitlines()
    assert len(new_lines) == len(HANDLER.splitlines()) + len(inserted.added_lines)
    call = new_lines[inserted.line - 1]
    assert call.startswith("    ") and not call.startswith("     ")
    assert inserted.line in inserted.added_lines
    assert new_lines[inserted.added_lines[-1]] == "    result = summary(event)"
    assert all(len(line) <= MAX_LINE for line in new_lines)
    check_analysis(tmp_path, spec, inserted.source)


@pytest.mark.parametrize(
    "spec", catalogue_for("dynamodb.table"), ids=lambda s: s.id.removeprefix("dynamodb.")
)
def test_a_module_with_a_table_resource_calls_the_table_with_plain_values(
    tmp_path: Path, spec: OperationSpec
) -> None:
    code = HANDLER.replace(
        'GREETING = "hello"\n',
        'GREETING = "hello"\ntable = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])\n',
    ).replace("import logging\n", "import logging\nimport os\n\nimport boto3\n")
    line = code.splitlines().index("    result = summary(event)") + 1
    inserted = insert(code, line, spec.id)
    only_insertions(code, inserted.source)
    added = [inserted.source.splitlines()[n - 1] for n in inserted.added_lines]
    assert all(line.startswith("    ") for line in added), "nothing but the call is added"
    assert "boto3.client" not in inserted.source
    text = "\n".join(added)
    assert "table." in text and "TableName" not in text
    if spec.id != "dynamodb.batch_write_item":  # its requests go to the client under the Table
        assert '{"S":' not in text and '{"N":' not in text
    check_analysis(tmp_path, spec, inserted.source)


def test_the_generated_code_reads_well() -> None:
    put = insert(HANDLER, RESULT_LINE, "s3.put_object")
    assert call_text(put) == (
        '    s3.put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="example.txt", '
        "Body=json.dumps(event))"
    )
    get = insert(HANDLER, RESULT_LINE, "s3.get_object").source
    assert (
        '    body = s3.get_object(Bucket=os.environ["THUMBS_BUCKET"], Key="example.txt")'
        '["Body"].read()\n' in get
    )
    url = insert(HANDLER, RESULT_LINE, "s3.presigned_get").source
    assert (
        "    url = s3.generate_presigned_url(\n"
        '        "get_object",\n'
        '        Params={"Bucket": os.environ["THUMBS_BUCKET"], "Key": "example.txt"},\n'
        "        ExpiresIn=3600,\n"
        "    )\n" in url
    )
    query = insert(HANDLER, RESULT_LINE, "dynamodb.query").source
    assert (
        "    items = dynamodb.query(\n"
        '        TableName=os.environ["ORDERS_TABLE"],\n'
        '        KeyConditionExpression="id = :id",\n'
        '        ExpressionAttributeValues={":id": {"S": "example"}},\n'
        '    )["Items"]\n' in query
    )
    # the module's header: imports in their sections, then the client, before the constants
    assert query.startswith(
        '"""Orders: log each request and answer with a summary of it."""\n\n'
        "import json\nimport logging\nimport os\nfrom datetime import UTC, datetime\n\n"
        'import boto3\n\ndynamodb = boto3.client("dynamodb")\n\nLOG = logging.getLogger'
    )


# --- the defaults run, together ---------------------------------------------------------------

RUNS = {
    "s3.bucket": [
        "s3.put_object",
        "s3.get_object",
        "s3.copy_object",
        "s3.list_objects_v2",
        "s3.presigned_get",
        "s3.presigned_put",
        "s3.delete_object",
    ],
    "dynamodb.table": [
        "dynamodb.put_item",
        "dynamodb.get_item",
        "dynamodb.update_item",
        "dynamodb.query",
        "dynamodb.scan",
        "dynamodb.batch_write_item",
        "dynamodb.delete_item",
    ],
    "sns.topic": ["sns.publish"],
    "sqs.queue": [
        "sqs.send_message",
        "sqs.send_message_batch",
        "sqs.receive_message",
        "sqs.delete_message",
    ],
}


def test_the_catalogue_is_covered_by_the_run_test() -> None:
    assert sorted(i for ids in RUNS.values() for i in ids) == sorted(s.id for s in CATALOGUE)


@pytest.mark.parametrize("resource_type", list(RUNS))
def test_the_defaults_run_against_a_real_resource(
    resource_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every operation of a resource type inserted one after the other in one handler, run
    against moto: put then get, put then query, send then receive..."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    code = "def handler(event, context):\n    return locals()\n"
    for op_id in RUNS[resource_type]:
        code = insert(code, len(code.splitlines()), op_id).source  # before the return
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        if resource_type == "s3.bucket":
            boto3.client("s3").create_bucket(Bucket="thumbs")
            value = "thumbs"
        elif resource_type == "dynamodb.table":
            boto3.client("dynamodb").create_table(
                TableName="orders",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            value = "orders"
        elif resource_type == "sns.topic":
            value = boto3.client("sns").create_topic(Name="alerts")["TopicArn"]
        else:
            value = boto3.client("sqs").create_queue(QueueName="work")["QueueUrl"]
        monkeypatch.setenv(RESOURCES[resource_type][2], value)
        namespace: dict[str, Any] = {"__name__": "handler"}
        exec(compile(code, "handler.py", "exec"), namespace)
        found = namespace["handler"]({"hello": "world"}, None)
    if resource_type == "s3.bucket":
        assert found["body"] == b'{"hello": "world"}'  # get_object reads what put_object wrote
        assert found["keys"] == ["copy-of-example.txt", "example.txt"]
        assert found["url"].startswith("https://") and found["url_2"] != found["url"]
    elif resource_type == "dynamodb.table":
        assert found["item"] == {"id": {"S": "example"}, "message": {"S": "hello"}}
        assert [i["visits"] for i in found["items"]] == [{"N": "1"}]  # query, after the update
        assert len(found["items_2"]) == 1  # scan
    elif resource_type == "sqs.queue":
        assert [m["Body"] for m in found["messages"]] == ['{"hello": "world"}']
        assert found["messages_2"] and "message" in found  # received and deleted


# --- where the code goes ----------------------------------------------------------------------

NESTED = '''\
"""Worker."""

import json


def handler(event, context):
    """Process each record."""
    total = 0
    for record in event["Records"]:
        body = json.loads(record["body"])

        total += len(body)
    if total:
        # log it

        print(total)
    return {"total": total}


class Helper:
    limit = 3

    def run(self, event):
        return event
'''


def lines_of(code: str) -> list[str]:
    return code.splitlines()


def call_text(inserted: Inserted) -> str:
    return lines_of(inserted.source)[inserted.line - 1]


def line_of(code: str, text: str) -> int:
    return lines_of(code).index(text) + 1


@pytest.mark.parametrize(
    ("line", "indent", "before"),
    [
        (11, 8, ""),  # a blank line in a nested block
        (8, 4, "    total = 0"),  # the first statement after the docstring
        (7, 4, "    total = 0"),  # the docstring itself: after it
        (10, 8, '        body = json.loads(record["body"])'),  # first line of a for body
        (14, 8, "        # log it"),  # a comment right after an `if` header
        (15, 8, ""),  # a blank line after a comment in the if body
        (17, 4, '    return {"total": total}'),
        (18, 4, ""),  # the blank line after the function: at the end of its last block
        (24, 8, "        return event"),  # a method's body
    ],
)
def test_the_code_goes_at_the_line_indented_as_its_block(
    line: int, indent: int, before: str
) -> None:
    inserted = insert(NESTED, line, "sqs.send_message")
    only_insertions(NESTED, inserted.source)
    call = call_text(inserted)
    assert call.startswith(" " * indent + "sqs.send_message(")
    assert not call.startswith(" " * (indent + 1))
    assert lines_of(inserted.source)[inserted.line] == before
    if line == 17:  # the line after an `if` body, before `return`: the function's block
        assert lines_of(inserted.source)[inserted.line - 2] == "        print(total)"


def test_a_blank_line_before_a_dedent_goes_to_the_next_statement_of_a_function() -> None:
    code = "def handler(event, context):\n    if event:\n        return 1\n\n    return 2\n"
    inserted = insert(code, 4, "sns.publish")
    assert call_text(inserted).startswith("    sns.publish(")  # not after `return 1`


def test_an_else_line_ends_the_block_before_it() -> None:
    code = "def handler(event, context):\n    if event:\n        x = 1\n    else:\n        x = 2\n"
    inserted = insert(code, 4, "sns.publish")
    assert call_text(inserted).startswith("        sns.publish(")
    assert lines_of(inserted.source)[inserted.line] == "    else:"
    compile(inserted.source, "x", "exec")


def test_module_level_and_past_the_end(tmp_path: Path) -> None:
    at_constant = insert(HANDLER, line_of(HANDLER, 'GREETING = "hello"'), "sns.publish")
    call = call_text(at_constant)
    assert call == 'sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="hello")'
    assert "import json\nimport logging\nimport os\n" in at_constant.source
    assert lines_of(at_constant.source)[at_constant.line] == 'GREETING = "hello"'

    past = insert(HANDLER, 100, "sns.publish")
    only_insertions(HANDLER, past.source)
    assert past.source.endswith(
        '    return {"statusCode": 200, "body": json.dumps(result)}\n\n\n'
        'sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="hello")\n'
    )
    check_analysis(tmp_path, operation("sns.publish"), past.source)


def test_a_file_without_a_final_newline_gets_one_before_the_appended_code() -> None:
    code = "import os\nx = 1"
    inserted = insert(code, 5, "sns.publish")
    assert inserted.source.startswith("import os\n\nimport boto3\n\nsns = ")
    assert inserted.source.endswith(
        'x = 1\nsns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="hello")\n'
    )
    only_insertions(code, inserted.source)


def test_an_empty_module() -> None:
    inserted = insert("", 1, "sqs.send_message")
    assert inserted.source == (
        'import os\n\nimport boto3\n\nsqs = boto3.client("sqs")\n\n'
        'sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody="hello")\n'
    )
    assert inserted.added_lines == tuple(range(1, 8))
    assert inserted.line == 7


def test_where_event_is_not_in_scope_the_message_is_a_constant() -> None:
    line = line_of(
        HANDLER, '    return {"keys": sorted(event), "at": datetime.now(UTC).isoformat()}'
    )
    in_summary = insert(HANDLER, line, "sqs.send_message")  # summary(event) has `event` too
    assert "MessageBody=json.dumps(event)" in call_text(in_summary)
    code = "def helper(record):\n    return record\n"
    in_helper = insert(code, 2, "sqs.send_message")
    assert 'MessageBody="hello"' in in_helper.source
    assert "import json" not in in_helper.source


# --- reuse ------------------------------------------------------------------------------------

REUSE = '''\
"""Resize."""

import os

import boto3

storage = boto3.client("s3")
THUMBS = os.environ.get("THUMBS_BUCKET")


def handler(event, context):
    return None
'''


def test_the_module_clients_constants_and_imports_are_reused(tmp_path: Path) -> None:
    inserted = insert(REUSE, 12, "s3.delete_object")
    assert inserted.added_lines == (12,)
    assert call_text(inserted) == '    storage.delete_object(Bucket=THUMBS, Key="example.txt")'
    check_analysis(tmp_path, operation("s3.delete_object"), inserted.source)


def test_json_is_imported_once_and_a_new_client_joins_the_others() -> None:
    code = REUSE.replace("import os\n", "import json\nimport os\n")
    inserted = insert(code, 13, "sqs.send_message")
    source = inserted.source
    assert source.count("import json") == 1 and source.count("import os") == 1
    assert 'storage = boto3.client("s3")\nsqs = boto3.client("sqs")\nTHUMBS' in source
    assert len(inserted.added_lines) == 2


def test_a_second_insertion_reuses_what_the_first_added(tmp_path: Path) -> None:
    first = insert(HANDLER, RESULT_LINE, "dynamodb.put_item")
    line = line_of(first.source, "    result = summary(event)")
    second = insert(first.source, line, "dynamodb.get_item")
    assert len(second.added_lines) == 4  # the call only, on 4 lines
    assert second.source.count("boto3.client") == 1
    assert second.source.count("import ") == first.source.count("import ")
    root = project(tmp_path, "dynamodb.table", second.source)
    found, _ = code_operations(root)
    assert sorted(granted(found)) == ["dynamodb:GetItem", "dynamodb:PutItem"]


def test_the_client_name_does_not_clash() -> None:
    code = 's3 = "not a client"\n\n\ndef handler(event, context):\n    return s3\n'
    inserted = insert(code, 5, "s3.delete_object")
    assert 's3_client = boto3.client("s3")' in inserted.source
    assert call_text(inserted).startswith("    s3_client.delete_object(")
    shadowed = "import boto3\n\ns3 = boto3.client('s3')\n\n\ndef handler(event, s3):\n    pass\n"
    inserted = insert(shadowed, 7, "s3.delete_object")
    assert call_text(inserted).startswith("    s3_client.delete_object(")


def test_a_constant_hidden_by_a_local_is_not_used() -> None:
    code = REUSE.replace("def handler(event, context):", "def handler(event, THUMBS):")
    inserted = insert(code, 12, "s3.delete_object")
    assert 'Bucket=os.environ["THUMBS_BUCKET"]' in call_text(inserted)


def test_new_variables_never_reuse_a_name_of_the_scope() -> None:
    code = "def handler(event, context):\n    body = 1\n    return body\n"
    inserted = insert(code, 3, "s3.get_object")
    assert call_text(inserted).startswith("    body_2 = s3.get_object(")
    again = insert(inserted.source, inserted.line + 1, "s3.list_objects_v2")
    assert call_text(again).startswith("    response = ")


def test_imports_go_into_their_sections_in_order() -> None:
    code = (
        "from __future__ import annotations\n\nimport json\nimport sys\n\nimport requests\n\n"
        "from app import util\n\n\ndef handler(event, context):\n    pass\n"
    )
    inserted = insert(code, 12, "sns.publish")
    assert inserted.source.startswith(
        "from __future__ import annotations\n\nimport json\nimport os\nimport sys\n\n"
        'import boto3\nimport requests\n\nfrom app import util\n\nsns = boto3.client("sns")\n\n\n'
        "def handler"
    )
    only_insertions(code, inserted.source)


# --- layout -----------------------------------------------------------------------------------


def test_long_lines_are_wrapped_in_the_black_style() -> None:
    long_key = '"' + "k" * 80 + '"'
    inserted = insert(HANDLER, RESULT_LINE, "s3.get_object", Key=long_key)
    call = lines_of(inserted.source)[inserted.line - 1 : inserted.line + 3]
    assert call == [
        "    body = s3.get_object(",
        '        Bucket=os.environ["THUMBS_BUCKET"],',
        f"        Key={long_key},",
        '    )["Body"].read()',
    ]
    deep = insert(
        HANDLER,
        RESULT_LINE,
        "dynamodb.put_item",
        Item='{"id": {"S": "example"}, "note": {"S": "' + "n" * 60 + '"}, "n": {"N": "1"}}',
    )
    lines = lines_of(deep.source)[deep.line - 1 : deep.line + 8]
    assert lines == [
        "    dynamodb.put_item(",
        '        TableName=os.environ["ORDERS_TABLE"],',
        "        Item={",
        '            "id": {"S": "example"},',
        '            "note": {"S": "' + "n" * 60 + '"},',
        '            "n": {"N": "1"},',
        "        },",
        "    )",
        "    result = summary(event)",
    ]


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    code = HANDLER.replace("\n", "\r\n")
    inserted = insert(code, RESULT_LINE, "dynamodb.batch_write_item")
    assert "\n" not in inserted.source.replace("\r\n", "")
    only_insertions(code, inserted.source)
    assert (
        inserted.source.replace("\r\n", "\n")
        == insert(HANDLER, RESULT_LINE, "dynamodb.batch_write_item").source
    )
    check_analysis(tmp_path, operation("dynamodb.batch_write_item"), inserted.source)


def test_tabs_are_kept() -> None:
    code = "def handler(event, context):\n\tif event:\n\t\treturn 1\n"
    inserted = insert(code, 3, "sqs.delete_message")
    body = lines_of(inserted.source)
    assert body[inserted.line - 1].startswith("\t\tmessages = sqs.receive_message(")
    assert "\t\tfor message in messages:" in body
    assert "\t\t\tsqs.delete_message(" in body
    compile(inserted.source, "x", "exec")


def test_optional_parameters_are_included_only_when_given() -> None:
    plain = call_text(insert(HANDLER, RESULT_LINE, "sns.publish"))
    assert "Subject" not in plain
    given = insert(HANDLER, RESULT_LINE, "sns.publish", Subject='"Hi"', Message="GREETING")
    assert call_text(given).endswith('Message=GREETING, Subject="Hi")')
    blank = call_text(insert(HANDLER, RESULT_LINE, "sns.publish", Subject="  "))
    assert blank == plain


# --- refusals ---------------------------------------------------------------------------------


def refusal(code: str, line: int, op_id: str = "sns.publish", **params: str) -> AuthoringError:
    with pytest.raises(AuthoringError) as caught:
        insert(code, line, op_id, **params)
    return caught.value


MULTI = '''\
def handler(event, context):
    value = compute(
        1,
        2,
    )
    text = """
    inside
    """

    @decorator
    def inner():
        pass
    return value
'''


@pytest.mark.parametrize(("line", "start"), [(3, 2), (5, 2), (7, 6), (8, 6), (11, 10)])
def test_a_line_inside_a_statement_is_refused(line: int, start: int) -> None:
    error = refusal(MULTI, line)
    assert error.field == "line"
    assert error.message == f"app/handler.py:{line} is inside a statement"
    assert error.hint == (
        f"drop it on a line between statements (line {start} starts this statement)"
    )


@pytest.mark.parametrize("line", [2, 6, 9, 10, 13])
def test_lines_between_statements_are_accepted(line: int) -> None:
    compile(insert(MULTI, line, "sns.publish").source, "x", "exec")


def test_a_file_with_a_syntax_error_is_refused() -> None:
    error = refusal("import os\n\ndef handler(event, context:\n    pass\n", 4)
    assert "app/handler.py:3" in error.message and "syntax error" in error.message


def test_class_level_is_refused() -> None:
    error = refusal(NESTED, line_of(NESTED, "    limit = 3"))
    assert error.field == "line"
    assert "class Helper" in error.message
    assert refusal(NESTED, line_of(NESTED, "    limit = 3") + 1).field == "line"  # blank


def test_module_level_code_before_the_client_is_refused() -> None:
    error = refusal(REUSE, 3, "s3.delete_object")  # `import os`
    assert error.field == "line"
    assert "drop it after line 7" in error.hint  # the storage client
    error = refusal(HANDLER, 1)  # the docstring: before the imports
    assert "drop it after line" in error.hint


def test_a_line_before_the_first_is_refused() -> None:
    assert refusal(HANDLER, 0).field == "line"


def test_unknown_operations_and_parameters() -> None:
    with pytest.raises(AuthoringError) as caught:
        operation("s3.get_objects")
    assert caught.value.field == "operation"
    assert caught.value.message == "unknown operation 's3.get_objects'"
    assert caught.value.hint.startswith("one of: s3.get_object, ")
    error = refusal(HANDLER, RESULT_LINE, "s3.get_object", Bucket='"x"')
    assert error.field == "Bucket"
    assert error.hint == "one of: Key"
    error = refusal(HANDLER, RESULT_LINE, "s3.get_object", Key="event[")
    assert error.field == "Key"
    assert "not a Python expression" in error.message


# --- the catalogue ----------------------------------------------------------------------------


def test_the_catalogue() -> None:
    ids = [spec.id for spec in CATALOGUE]
    assert len(ids) == len(set(ids))
    for spec in CATALOGUE:
        assert spec.id.split(".")[0] == spec.actions[0].split(":")[0]
        assert spec.resource_type in RESOURCES
        for param in spec.params:
            compile(param.default, param.name, "eval")
            assert param.help
    assert [s.id for s in catalogue_for("sns.topic")] == ["sns.publish"]
    assert catalogue_for("schedule") == ()
    assert set(EVENT_VALUES) == {"s3", "sqs", "sns", "dynamodb-stream", "schedule", "http"}
    for values in EVENT_VALUES.values():
        for expression, label in values:
            compile(expression, label, "eval")
    shared = {p.default for s in catalogue_for("s3.bucket") for p in s.params if p.name == "Key"}
    assert '"example.txt"' in shared


def test_docstring_of_the_module_is_kept_first() -> None:
    source = insert(HANDLER, RESULT_LINE, "sns.publish").source
    assert source.startswith('"""Orders')
    assert textwrap.dedent(source) == source


def test_a_comment_paragraph_stays_together() -> None:
    code = (
        "def handler(event, context):\n"
        "    x = 1\n"
        "    # first line of a comment\n"
        "    # second line of it\n"
        "    return x\n"
    )
    inserted = insert(code, 4, "sns.publish")
    assert lines_of(inserted.source)[inserted.line - 2 : inserted.line + 2] == [
        "    x = 1",
        call_text(inserted),
        "    # first line of a comment",
        "    # second line of it",
    ]


def test_the_photos_example_gains_exactly_the_new_operation() -> None:
    """In a real handler: the module's clients and constants are reused, and analysis (through
    an overlay, as the IDE runs it) finds the new operation next to the others."""
    path = "app/resize.py"
    source = (EXAMPLE / path).read_text()
    line = line_of(source, "        order_id = key.removeprefix(PREFIX).removesuffix(SUFFIX)")
    spec = operation("sqs.receive_message")
    inserted = insert_operation(source, line, spec, "WORK_QUEUE_URL", path=path)
    assert inserted.added_lines == (inserted.line,)
    assert call_text(inserted) == (
        '        messages = sqs.receive_message(QueueUrl=WORK_QUEUE_URL).get("Messages", [])'
    )
    before = load(EXAMPLE).functions["resize"].operations
    after = load(EXAMPLE, overlay={path: inserted.source}).functions["resize"].operations
    old = {(o.resource, o.actions) for o in before}
    new = {(o.resource, o.actions) for o in after}
    assert new - old == {("work", ("sqs:ReceiveMessage",))}
    assert old <= new


def test_an_error_only_the_compiler_finds_is_reported_as_the_files() -> None:
    error = refusal('"""Doc."""\nreturn 1\n', 3)
    assert error.message.startswith("app/handler.py:2: the file has an error")
