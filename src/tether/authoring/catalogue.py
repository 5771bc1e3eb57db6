"""The operation catalogue: the boto3 calls a user can add to a handler by dropping a resource on
its code (`tether.authoring.codegen` writes them), with their parameters and the IAM actions
Tether's analysis grants for the code generated.

Pure data plus two look-ups. Each OperationSpec names the boto3 parameters the form asks for,
each with a default that makes the generated code run as is against a real resource: a bucket,
a table whose partition key is `id` (type S), a topic, a queue. The defaults agree with one
another, so the operations work together: put_object then get_object read "example.txt",
put_item then get_item/query find the item with id "example", send_message then receive_message
get a message.

DynamoDB values are written the way the client API takes them (typed attribute values such as
`{"S": "example"}`); codegen writes plain values instead when the module calls the table through
a boto3 `Table` resource.

EVENT_VALUES lists, per trigger kind, useful expressions reading the trigger's event: values to
offer in the parameter form and completions for `event[...]` in the editor.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from tether.authoring.edits import AuthoringError


@dataclass(frozen=True)
class Param:
    """One parameter of an operation's form."""

    name: str  # the boto3 parameter ("Key", "Body", "Item"...) or a helper argument ("SourceKey")
    required: bool  # always in the code (with `default` unless the user gives a value)
    default: str  # a Python expression; for an optional parameter, the value the form proposes
    help: str  # one line for the form


@dataclass(frozen=True)
class OperationSpec:
    """One operation a user can add: a boto3 call (or a short idiom around one) on a resource."""

    id: str  # "s3.put_object": "<service>.<name>", unique
    resource_type: str  # "s3.bucket" | "dynamodb.table" | "sns.topic" | "sqs.queue"
    label: str  # "Put an object"
    actions: tuple[str, ...]  # the IAM actions analysis grants for the generated code
    params: tuple[Param, ...]
    result: str  # the variable the generated code assigns ("body", "url"...), "" if none
    help: str

    @property
    def service(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def method(self) -> str:
        """The client method the generated code calls (presigned URLs: generate_presigned_url)."""
        name = self.id.split(".", 1)[1]
        return "generate_presigned_url" if name.startswith("presigned_") else name

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# The values the defaults share, so that the operations run together against one resource.
EXAMPLE_KEY = '"example.txt"'
EXAMPLE_ITEM_KEY = '{"id": {"S": "example"}}'
EVENT_JSON = "json.dumps(event)"  # codegen uses a constant message where `event` is not in scope

_KEY = Param("Key", True, EXAMPLE_KEY, "the object's key")
_ITEM_KEY = Param(
    "Key", True, EXAMPLE_ITEM_KEY, "the item's key: every key attribute, as typed values"
)
_EXPIRES = Param("ExpiresIn", True, "3600", "seconds the URL stays valid")
_LIMIT = Param("Limit", False, "10", "read at most this many items")

CATALOGUE: tuple[OperationSpec, ...] = (
    # --- S3 ---------------------------------------------------------------------------------
    OperationSpec(
        id="s3.get_object",
        resource_type="s3.bucket",
        label="Get an object",
        actions=("s3:GetObject",),
        params=(_KEY,),
        result="body",
        help="Read an object's content as bytes.",
    ),
    OperationSpec(
        id="s3.put_object",
        resource_type="s3.bucket",
        label="Put an object",
        actions=("s3:PutObject",),
        params=(
            _KEY,
            Param("Body", True, EVENT_JSON, "the content: bytes or text"),
            Param("ContentType", False, '"application/json"', "the object's media type"),
        ),
        result="",
        help="Write an object, replacing any object with the same key.",
    ),
    OperationSpec(
        id="s3.delete_object",
        resource_type="s3.bucket",
        label="Delete an object",
        actions=("s3:DeleteObject",),
        params=(_KEY,),
        result="",
        help="Delete an object (no error if there is none).",
    ),
    OperationSpec(
        id="s3.list_objects_v2",
        resource_type="s3.bucket",
        label="List objects",
        actions=("s3:ListBucket",),
        params=(
            Param("Prefix", False, '""', "only the keys that start with this"),
            Param("MaxKeys", False, "1000", "list at most this many keys (1000 at most)"),
        ),
        result="keys",
        help="The keys of the bucket's objects (the first 1000).",
    ),
    OperationSpec(
        id="s3.copy_object",
        resource_type="s3.bucket",
        label="Copy an object",
        actions=("s3:GetObject", "s3:PutObject"),
        params=(
            Param("SourceKey", True, EXAMPLE_KEY, "the key of the object to copy"),
            Param("Key", True, '"copy-of-example.txt"', "the key of the copy"),
        ),
        result="",
        help="Copy an object to another key of the same bucket.",
    ),
    OperationSpec(
        id="s3.presigned_get",
        resource_type="s3.bucket",
        label="Make a download link (presigned GET URL)",
        actions=("s3:GetObject",),
        params=(_KEY, _EXPIRES),
        result="url",
        help="A URL anyone can GET the object from until it expires.",
    ),
    OperationSpec(
        id="s3.presigned_put",
        resource_type="s3.bucket",
        label="Make an upload link (presigned PUT URL)",
        actions=("s3:PutObject",),
        params=(_KEY, _EXPIRES),
        result="url",
        help="A URL anyone can PUT the object's content to until it expires.",
    ),
    # --- DynamoDB ---------------------------------------------------------------------------
    OperationSpec(
        id="dynamodb.get_item",
        resource_type="dynamodb.table",
        label="Get an item",
        actions=("dynamodb:GetItem",),
        params=(
            _ITEM_KEY,
            Param("ConsistentRead", False, "True", "read the latest write"),
        ),
        result="item",
        help="Read one item by its key (None if there is none).",
    ),
    OperationSpec(
        id="dynamodb.put_item",
        resource_type="dynamodb.table",
        label="Put an item",
        actions=("dynamodb:PutItem",),
        params=(
            Param(
                "Item",
                True,
                '{"id": {"S": "example"}, "message": {"S": "hello"}}',
                "the item: its key attributes and any others, as typed values",
            ),
            Param(
                "ConditionExpression",
                False,
                '"attribute_not_exists(id)"',
                "write only if this holds (here: no item with this key yet)",
            ),
        ),
        result="",
        help="Write an item, replacing any item with the same key.",
    ),
    OperationSpec(
        id="dynamodb.update_item",
        resource_type="dynamodb.table",
        label="Update an item",
        actions=("dynamodb:UpdateItem",),
        params=(
            _ITEM_KEY,
            Param(
                "UpdateExpression",
                True,
                '"SET visits = if_not_exists(visits, :zero) + :one"',
                "what to change",
            ),
            Param(
                "ExpressionAttributeValues",
                True,
                '{":zero": {"N": "0"}, ":one": {"N": "1"}}',
                "the :placeholders' values, as typed values",
            ),
        ),
        result="",
        help="Change some attributes of an item (created if there is none).",
    ),
    OperationSpec(
        id="dynamodb.delete_item",
        resource_type="dynamodb.table",
        label="Delete an item",
        actions=("dynamodb:DeleteItem",),
        params=(_ITEM_KEY,),
        result="",
        help="Delete one item by its key (no error if there is none).",
    ),
    OperationSpec(
        id="dynamodb.query",
        resource_type="dynamodb.table",
        label="Query items",
        actions=("dynamodb:Query",),
        params=(
            Param(
                "KeyConditionExpression",
                True,
                '"id = :id"',
                "the partition key's value (and a condition on the sort key)",
            ),
            Param(
                "ExpressionAttributeValues",
                True,
                '{":id": {"S": "example"}}',
                "the :placeholders' values, as typed values",
            ),
            _LIMIT,
        ),
        result="items",
        help="The items with one partition key (the first page).",
    ),
    OperationSpec(
        id="dynamodb.scan",
        resource_type="dynamodb.table",
        label="Scan the table",
        actions=("dynamodb:Scan",),
        params=(_LIMIT,),
        result="items",
        help="Every item of the table (the first page, 1 MB at most).",
    ),
    OperationSpec(
        id="dynamodb.batch_write_item",
        resource_type="dynamodb.table",
        label="Write items in a batch",
        actions=("dynamodb:BatchWriteItem",),
        params=(
            Param(
                "Requests",
                True,
                '[{"PutRequest": {"Item": {"id": {"S": "example"}}}}]',
                "the table's write requests (PutRequest/DeleteRequest), 25 at most",
            ),
        ),
        result="",
        help="Put and delete up to 25 items in one call.",
    ),
    # --- SNS ---------------------------------------------------------------------------------
    OperationSpec(
        id="sns.publish",
        resource_type="sns.topic",
        label="Publish a message",
        actions=("sns:Publish",),
        params=(
            Param("Message", True, EVENT_JSON, "the message text"),
            Param("Subject", False, '"Hello from Tether"', "the subject of e-mail deliveries"),
        ),
        result="",
        help="Send a message to every subscriber of the topic.",
    ),
    # --- SQS ---------------------------------------------------------------------------------
    OperationSpec(
        id="sqs.send_message",
        resource_type="sqs.queue",
        label="Send a message",
        actions=("sqs:SendMessage",),
        params=(
            Param("MessageBody", True, EVENT_JSON, "the message text"),
            Param("DelaySeconds", False, "0", "hide the message for this many seconds"),
        ),
        result="",
        help="Put a message on the queue.",
    ),
    OperationSpec(
        id="sqs.send_message_batch",
        resource_type="sqs.queue",
        label="Send messages in a batch",
        actions=("sqs:SendMessage",),
        params=(
            Param(
                "Entries",
                True,
                f'[{{"Id": "1", "MessageBody": {EVENT_JSON}}}]',
                "up to 10 messages, each with an Id unique in the batch",
            ),
        ),
        result="",
        help="Put up to 10 messages on the queue in one call.",
    ),
    OperationSpec(
        id="sqs.receive_message",
        resource_type="sqs.queue",
        label="Receive messages",
        actions=("sqs:ReceiveMessage",),
        params=(
            Param("MaxNumberOfMessages", False, "10", "receive at most this many (1 to 10)"),
            Param("WaitTimeSeconds", False, "1", "wait this long for a message (long polling)"),
        ),
        result="messages",
        help="Take messages off the queue (they come back unless deleted).",
    ),
    OperationSpec(
        id="sqs.delete_message",
        resource_type="sqs.queue",
        label="Receive and delete messages",
        actions=("sqs:ReceiveMessage", "sqs:DeleteMessage"),
        params=(Param("MaxNumberOfMessages", True, "1", "receive at most this many (1 to 10)"),),
        result="",
        help="Take messages off the queue and delete each one (a receipt handle comes "
        "with a received message).",
    ),
)

_BY_ID = {spec.id: spec for spec in CATALOGUE}


def operations_for(resource_type: str) -> tuple[OperationSpec, ...]:
    """The operations on a resource type, in catalogue order (() for schedules, HTTP APIs)."""
    return tuple(spec for spec in CATALOGUE if spec.resource_type == resource_type)


def operation(op_id: str) -> OperationSpec:
    """The operation with this id; AuthoringError (field "operation") for an unknown one."""
    spec = _BY_ID.get(op_id)
    if spec is None:
        close = difflib.get_close_matches(op_id, list(_BY_ID), n=5, cutoff=0.5)
        ordered = [*close, *(i for i in _BY_ID if i not in close)]
        raise AuthoringError(
            f"unknown operation {op_id!r}",
            hint="one of: " + ", ".join(ordered),
            field="operation",
        )
    return spec


_S3 = 'event["Records"][0]["s3"]'
_SQS = 'event["Records"][0]'
_SNS = 'event["Records"][0]["Sns"]'
_STREAM = 'event["Records"][0]'

EVENT_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    "s3": (
        (f'{_S3}["object"]["key"]', "the object's key (URL-encoded: unquote_plus it)"),
        (f'{_S3}["bucket"]["name"]', "the bucket's name"),
        (f'{_S3}["object"].get("size", 0)', "the object's size in bytes"),
        ('event["Records"][0]["eventName"]', "what happened (ObjectCreated:Put...)"),
    ),
    "sqs": (
        (f'{_SQS}["body"]', "the message body"),
        (f'{_SQS}["messageId"]', "the message's id"),
        (f'{_SQS}["receiptHandle"]', "the message's receipt handle"),
        (f'{_SQS}["messageAttributes"]', "the message's attributes"),
    ),
    "sns": (
        (f'{_SNS}["Message"]', "the message"),
        (f'{_SNS}["Subject"]', "the subject (None if there is none)"),
        (f'{_SNS}["MessageId"]', "the message's id"),
        (f'{_SNS}["MessageAttributes"]', "the message's attributes"),
    ),
    "dynamodb-stream": (
        (f'{_STREAM}["dynamodb"]["Keys"]', "the changed item's key, as typed values"),
        (f'{_STREAM}["dynamodb"].get("NewImage", {{}})', "the item after the change"),
        (f'{_STREAM}["dynamodb"].get("OldImage", {{}})', "the item before the change"),
        (f'{_STREAM}["eventName"]', "INSERT, MODIFY or REMOVE"),
    ),
    "schedule": (
        ('event.get("time", "")', "when the schedule fired (ISO 8601)"),
        ('event.get("id", "")', "the event's id"),
        ("event", "the schedule's input, if it has one"),
    ),
    "http": (
        ('event.get("body") or ""', "the request body (text; base64 if isBase64Encoded)"),
        ('event["rawPath"]', "the request's path"),
        ('event.get("queryStringParameters") or {}', "the query string's parameters"),
        ('event.get("pathParameters") or {}', "the route's path parameters"),
        ('event["requestContext"]["http"]["method"]', "the HTTP method"),
        ('event.get("headers") or {}', "the request headers (lower-case names)"),
    ),
}
