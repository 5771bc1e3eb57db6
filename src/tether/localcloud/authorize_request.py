"""What a request to the local cloud does, in IAM's words: the actions it needs, each on the
resource ARN it acts on (`describe(request) -> Call`).

The operation comes from the request as the service reads it: `X-Amz-Target` (JSON protocol:
DynamoDB, SQS, Logs...), the `Action` parameter (query protocol: SNS, SQS, STS...), or the method,
path, query and headers (REST: S3, Lambda), matched against botocore's model of the service (the
routes are built once per service, on first use). Its IAM actions and resource types come from
Tether's own data, not a table of this module's:

- `data/boto3_actions.json` (generated from botocore): the actions of each operation of S3,
  DynamoDB, SNS and SQS, the extra ones of a versioned call (`s3:GetObjectVersion`), of a copy's
  source (`s3:GetObject` on the source of CopyObject / UploadPartCopy), and the per-item actions
  of DynamoDB's transactions;
- `tether.model.iam` (the IAM service reference): the resource types of each action, which pick
  the ARN: a bucket's (`arn:aws:s3:::b`) or an object's (`arn:aws:s3:::b/k`), a table's, its
  index's (`.../table/T/index/I`, Query and Scan with IndexName) or its stream's, a topic's, a
  queue's (from its URL), or `*` for an action with no resource type (ListBuckets, ListQueues).

Batches need an action on each resource they touch: BatchGetItem and BatchWriteItem on every
table of RequestItems, TransactWriteItems the item's action (PutItem, UpdateItem...) on each
item's table, DeleteObjects s3:DeleteObject on every key of its body. Other services: Lambda
(`lambda:InvokeFunction` on the function's ARN, with its qualifier; other operations by name),
CloudWatch Logs (log group and stream ARNs), EventBridge's PutEvents (each entry's event bus),
and any other service by operation name (`states:StartExecution`) on the ARN a parameter named
`...Arn` gives, else `*`. A request whose operation cannot be told needs `<service>:*` on `*`.
`sts:GetCallerIdentity` needs no permission, as on AWS.

Imports botocore (the server has it), not moto.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tether.model import iam

ANY = "*"
# Signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "streams.dynamodb": "dynamodb"}
REST_SERVICES = ("s3", "lambda")  # read from botocore's routes; others name their operation
FREE = {("sts", "GetCallerIdentity")}  # needs no permission, on AWS either
LAMBDA_INVOKE = {"Invoke", "InvokeAsync", "InvokeWithResponseStream"}

ContextValue = str | tuple[str, ...]


@dataclass(frozen=True)
class Request:
    """A signed request, as the authorizer sees it."""

    service: str  # the signing name
    region: str
    account: str  # the caller's (resource ARNs without an account are in it)
    method: str
    path: str  # decoded
    query: str  # raw QUERY_STRING
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Access:
    """One action on one resource (an ARN, or `*`)."""

    action: str
    resource: str


@dataclass(frozen=True)
class Call:
    """What the request needs: every access allowed (none when `free`)."""

    service: str  # IAM prefix
    operation: str | None  # None: the local cloud cannot tell which operation this is
    accesses: tuple[Access, ...]
    context: dict[str, ContextValue] = field(default_factory=dict)  # service condition keys
    free: bool = False


def describe(request: Request) -> Call:
    prefix = IAM_PREFIX.get(request.service, request.service)
    operation, params = _operation(request)
    if operation is None:
        return Call(prefix, None, (Access(f"{prefix}:*", ANY),))
    if (prefix, operation) in FREE:
        return Call(prefix, operation, (), free=True)
    context: dict[str, ContextValue] = {}
    accesses = _accesses(request, prefix, operation, params, context)
    if not accesses:  # an operation whose actions Tether does not know (PartiQL...)
        accesses = [Access(f"{prefix}:*", ANY)]
    return Call(prefix, operation, tuple(dict.fromkeys(accesses)), context)


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# --- which operation, with which parameters ---------------------------------------------------


def _operation(request: Request) -> tuple[str | None, dict[str, Any]]:
    """The operation moto will run, and its parameters. As moto picks it: a REST service's by
    its method, path and query; any other's by an `Action` parameter (a form body's, else the
    query string's), else by `X-Amz-Target`."""
    if request.service in REST_SERVICES:
        return _rest_operation(request)
    form = _form(request)
    target = request.headers.get("x-amz-target")
    action = form.get("Action")
    if action or not target:
        return (action or None), form
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    return target.rpartition(".")[2] or None, body if isinstance(body, dict) else {}


def _form(request: Request) -> dict[str, Any]:
    """Query-protocol parameters, where moto reads them: a form body's, else the query
    string's (first values)."""
    content_type = request.headers.get("content-type", "")
    if request.body and content_type.startswith("application/x-www-form-urlencoded"):
        text = request.body.decode("utf-8", errors="replace")
        found = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if found:
            return found
    return {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}


@dataclass(frozen=True)
class Route:
    """One operation of a REST service, as botocore's model routes it."""

    operation: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]  # member names of the path's groups, in order
    markers: tuple[tuple[str, str | None], ...]  # query parameters it needs (name, value)
    headers: tuple[str, ...]  # headers it needs (lower case)
    query_members: tuple[tuple[str, str], ...]  # (query name, member name)
    header_members: tuple[tuple[str, str], ...]  # (header name, member name)

    def match(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        """The path's match if the request is this operation (its markers' names are known
        to be in the query: `candidates` chose it)."""
        for name, value in self.markers:
            if value is not None and query[name] != value:
                return None
        for name in self.headers:
            if name not in headers:
                return None
        return self.pattern.fullmatch(path)


_ROUTES_LOCK = threading.Lock()


def routes(service: str) -> dict[str, tuple[Route, ...]]:
    """A REST service's routes by HTTP method, the most specific first."""
    with _ROUTES_LOCK:  # built once: a second caller waits rather than builds it again
        return _routes(service)


@cache
def _routes(service: str) -> dict[str, tuple[Route, ...]]:
    import botocore.loaders

    model = botocore.loaders.create_loader().load_service_model(service, "service-2")
    shapes = model["shapes"]
    found: dict[str, list[tuple[tuple[Any, ...], Route]]] = {}
    for name, operation in model["operations"].items():
        http = operation.get("http") or {}
        uri = str(http.get("requestUri", "/"))
        path, _, marker_text = uri.partition("?")
        markers: list[tuple[str, str | None]] = []
        for part in filter(None, marker_text.split("&")):
            key, sep, value = part.partition("=")
            if key != "x-id":
                markers.append((key, value if sep else None))
        labels: list[str] = []

        def label(match: re.Match[str], labels: list[str] = labels) -> str:
            labels.append(match.group(1))
            return "(.+)" if match.group(2) else "([^/]+)"

        pieces = re.split(r"(\{[^}]+\})", path.rstrip("/") or "/")
        regex = "".join(
            re.sub(r"^\{([^}+]+)(\+?)\}$", label, piece)
            if piece.startswith("{")
            else re.escape(piece)
            for piece in pieces
        )
        literal = sum(len(piece) for piece in pieces if not piece.startswith("{"))
        shape = shapes.get((operation.get("input") or {}).get("shape", ""), {})
        required = set(shape.get("required", ()))
        query_members, header_members, headers = [], [], []
        for member, spec in (shape.get("members") or {}).items():
            where, wire = spec.get("location"), spec.get("locationName", member)
            if where == "querystring":
                query_members.append((wire, member))
                if member in required:
                    markers.append((wire, None))
            elif where == "header":
                header_members.append((wire.lower(), member))
                if member in required:
                    headers.append(wire.lower())
        route = Route(
            operation=name,
            pattern=re.compile(regex + "/?", re.DOTALL),
            labels=tuple(labels),
            markers=tuple(markers),
            headers=tuple(headers),
            query_members=tuple(query_members),
            header_members=tuple(header_members),
        )
        rank = (-(len(markers) + len(headers)), -literal, bool(operation.get("deprecated")), name)
        found.setdefault(str(http.get("method", "GET")).upper(), []).append((rank, route))
    return {method: tuple(r for _, r in sorted(items)) for method, items in found.items()}


_CANDIDATES: dict[tuple[str, str, frozenset[str]], tuple[Route, ...]] = {}


def candidates(service: str, method: str, names: frozenset[str]) -> tuple[Route, ...]:
    """The routes of `method` whose query markers are all among `names`, the most specific
    first (remembered per set of names: requests repeat a handful of shapes)."""
    key = (service, method, names)
    found = _CANDIDATES.get(key)
    if found is None:
        found = tuple(
            route
            for route in routes(service).get(method, ())
            if all(name in names for name, _ in route.markers)
        )
        if len(_CANDIDATES) < 4096:
            _CANDIDATES[key] = found
    return found


def _rest_operation(request: Request) -> tuple[str | None, dict[str, Any]]:
    query = (
        {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
        if request.query
        else {}
    )
    method = "GET" if request.method == "HEAD" and request.service != "s3" else request.method
    for route in candidates(request.service, method, frozenset(query)):
        match = route.match(request.path, query, request.headers)
        if match is None:
            continue
        params: dict[str, Any] = dict(zip(route.labels, match.groups(), strict=True))
        for wire, member in route.query_members:
            if wire in query:
                params[member] = query[wire]
        for wire, member in route.header_members:
            if wire in request.headers:
                params[member] = request.headers[wire]
        return route.operation, params
    return None, {}


# --- Tether's data: the actions of an operation -----------------------------------------------


@dataclass(frozen=True)
class Needs:
    """What boto3_actions.json says an operation needs."""

    actions: tuple[str, ...]
    versioned: tuple[str, ...] = ()
    source: tuple[str, ...] = ()  # on the copy's source
    source_versioned: tuple[str, ...] = ()
    request_items: str | None = None
    items: tuple[tuple[str, tuple[str, ...]], ...] = ()
    items_param: str | None = None


@cache
def needs(service: str) -> dict[str, Needs]:
    """Operation name -> what it needs, for a service of boto3_actions.json ({} for others)."""
    text = (resources.files("tether") / "data" / "boto3_actions.json").read_text()
    client = json.loads(text)["clients"].get(service)
    found: dict[str, Needs] = {}
    for raw in (client or {}).get("methods", {}).values():
        operation = raw.get("operation")
        if not operation:
            continue  # a boto3 helper (upload_file...): its requests are other operations
        source = raw.get("source") or {}
        items = raw.get("items") or {}
        found[operation] = Needs(
            actions=tuple(raw.get("actions", ())),
            versioned=tuple(raw.get("versioned", ())),
            source=tuple(source.get("actions", ())),
            source_versioned=tuple(source.get("versioned", ())),
            request_items=raw.get("request_items"),
            items=tuple((k, tuple(v)) for k, v in (items.get("keys") or {}).items()),
            items_param=items.get("param"),
        )
    return found


def _types(action: str) -> tuple[str, ...]:
    return tuple(iam.resource_types(action) or ())


# --- resources, per service -------------------------------------------------------------------


def _accesses(
    request: Request,
    prefix: str,
    operation: str,
    params: dict[str, Any],
    context: dict[str, ContextValue],
) -> list[Access]:
    if prefix == "s3":
        return _s3(request, operation, params, context)
    if prefix == "dynamodb":
        return _dynamodb(request, operation, params)
    if prefix == "sqs":
        return _simple(operation, "sqs", _queue_arn(request, params))
    if prefix == "sns":
        return _simple(operation, "sns", _topic_arn(request, params))
    if prefix == "lambda":
        action = "InvokeFunction" if operation in LAMBDA_INVOKE else operation
        return [Access(f"lambda:{action}", _function_arn(request, params) or ANY)]
    if prefix == "logs":
        return [Access(f"logs:{operation}", _log_arn(request, params) or ANY)]
    if prefix == "events" and operation == "PutEvents":
        return [
            Access("events:PutEvents", _event_bus_arn(request, entry.get("EventBusName")))
            for entry in params.get("Entries") or [{}]
            if isinstance(entry, dict)
        ]
    return [Access(f"{prefix}:{operation}", _some_arn(params) or ANY)]


def _simple(operation: str, service: str, arn: str | None) -> list[Access]:
    need = needs(service).get(operation)
    actions = need.actions if need else (f"{service}:{operation}",)
    return [Access(a, arn if arn and _types(a) else ANY) for a in actions]


def _s3(
    request: Request, operation: str, params: dict[str, Any], context: dict[str, ContextValue]
) -> list[Access]:
    need = needs("s3").get(operation) or Needs((f"s3:{operation}",))
    bucket, key = params.get("Bucket"), params.get("Key")
    versioned = "VersionId" in params
    root = f"arn:{partition(request.region)}:s3:::"
    for name, member in (("s3:prefix", "Prefix"), ("s3:delimiter", "Delimiter")):
        if member in params:
            context[name] = str(params[member])
    if "MaxKeys" in params:
        context["s3:max-keys"] = str(params["MaxKeys"])
    if versioned:
        context["s3:versionid"] = str(params["VersionId"])
    for header in ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-copy-source"):
        if header in request.headers:
            context[f"s3:{header}"] = request.headers[header]

    def arn(action: str, bucket: Any, key: Any) -> str:
        kinds = _types(action)
        if not bucket or not kinds:
            return ANY  # ListAllMyBuckets, or an action the IAM data does not know
        if "object" in kinds and key:
            return f"{root}{bucket}/{key}"
        if "bucket" in kinds:
            return f"{root}{bucket}"
        return f"{root}{bucket}/*" if "object" in kinds else ANY

    if operation == "DeleteObjects":
        return [
            Access(
                "s3:DeleteObjectVersion" if version else "s3:DeleteObject", f"{root}{bucket}/{k}"
            )
            for k, version in _deleted_keys(request.body)
        ] or [Access("s3:DeleteObject", f"{root}{bucket}/*")]
    actions = need.versioned if versioned and need.versioned else need.actions
    found = [Access(action, arn(action, bucket, key)) for action in actions]
    source = params.get("CopySource")
    if source and need.source:
        text, _, version_query = unquote(str(source)).lstrip("/").partition("?")
        source_bucket, _, source_key = text.partition("/")
        from_version = "versionId=" in version_query and need.source_versioned
        for action in need.source_versioned if from_version else need.source:
            found.append(Access(action, arn(action, source_bucket, source_key)))
    return found


def _deleted_keys(body: bytes) -> list[tuple[str, bool]]:
    """(key, versioned) of each object in a DeleteObjects body."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    found = []
    for element in root:
        if element.tag.rpartition("}")[2] != "Object":
            continue
        fields = {child.tag.rpartition("}")[2]: child.text or "" for child in element}
        if "Key" in fields:
            found.append((fields["Key"], "VersionId" in fields))
    return found


def _dynamodb(request: Request, operation: str, params: dict[str, Any]) -> list[Access]:
    def table_arn(name: Any) -> str | None:
        if not isinstance(name, str) or not name:
            return None
        if name.startswith("arn:"):
            return name
        return f"arn:{partition(request.region)}:dynamodb:{request.region}:{request.account}:table/{name}"

    def on(action: str, table: str | None, index: Any = None, stream: Any = None) -> Access:
        kinds = _types(action)
        if "index" in kinds and table and isinstance(index, str) and index:
            return Access(action, f"{table}/index/{index}")
        if "table" in kinds and table:
            return Access(action, table)
        if "stream" in kinds and isinstance(stream, str) and stream:
            return Access(action, stream)
        return Access(action, ANY)

    need = needs("dynamodb").get(operation)
    if need is None:  # DynamoDB Streams (GetRecords...) and what the data does not list
        stream = params.get("StreamArn")
        if stream is None and isinstance(params.get("ShardIterator"), str):
            # moto's shard iterators start with their stream's ARN
            head = params["ShardIterator"].partition("|")[0]
            stream = head if head.startswith("arn:") else None
        return [on(f"dynamodb:{operation}", None, stream=stream)]
    if need.items_param:
        found = []
        for item in params.get(need.items_param) or []:
            for key, actions in need.items:
                entry = item.get(key) if isinstance(item, dict) else None
                if isinstance(entry, dict):
                    found += [on(a, table_arn(entry.get("TableName"))) for a in actions]
        return found
    if need.request_items:
        tables = params.get(need.request_items) or {}
        return [on(a, table_arn(t)) for t in tables for a in need.actions]
    table = table_arn(params.get("TableName"))
    return [on(a, table, params.get("IndexName")) for a in need.actions]


def _queue_arn(request: Request, params: dict[str, Any]) -> str | None:
    region, account = request.region, request.account
    url = params.get("QueueUrl")
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        path = parts.path
        host = parts.hostname or ""
        # sqs.<region>.amazonaws.com, or the legacy <region>.queue.amazonaws.com
        found = re.match(r"^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com", host)
        if found:
            region = found.group(1) or found.group(2)
    elif isinstance(params.get("QueueName"), str):
        account = str(params.get("QueueOwnerAWSAccountId") or account)
        return f"arn:{partition(region)}:sqs:{region}:{account}:{params['QueueName']}"
    else:
        path = request.path  # the query protocol also takes the queue's URL as the path
    segments = [s for s in path.split("/") if s]
    if len(segments) != 2:
        return None
    return f"arn:{partition(region)}:sqs:{region}:{segments[0]}:{segments[1]}"


def _topic_arn(request: Request, params: dict[str, Any]) -> str | None:
    for name in ("TopicArn", "TargetArn", "ResourceArn"):
        value = params.get(name)
        if isinstance(value, str) and value.startswith("arn:"):
            return value
    if isinstance(params.get("Name"), str):  # CreateTopic
        region = request.region
        return f"arn:{partition(region)}:sns:{region}:{request.account}:{params['Name']}"
    return None


def _function_arn(request: Request, params: dict[str, Any]) -> str | None:
    name = params.get("FunctionName")
    if not isinstance(name, str) or not name:
        return None
    region, account = request.region, request.account
    base = f"arn:{partition(region)}:lambda:{region}:"
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:  # account:function:name[:qualifier]
        arn = base + name
    else:
        arn = f"{base}{account}:function:{name}"
    qualifier = params.get("Qualifier")
    if qualifier and arn.count(":") == 6:
        arn += f":{qualifier}"
    return arn


def _log_arn(request: Request, params: dict[str, Any]) -> str | None:
    group = params.get("logGroupName")
    if not isinstance(group, str) or not group:
        return params.get("logGroupArn") if isinstance(params.get("logGroupArn"), str) else None
    arn = (
        f"arn:{partition(request.region)}:logs:{request.region}:{request.account}:log-group:{group}"
    )
    stream = params.get("logStreamName")
    return f"{arn}:log-stream:{stream}" if isinstance(stream, str) and stream else arn


def _event_bus_arn(request: Request, bus: Any) -> str:
    if isinstance(bus, str) and bus.startswith("arn:"):
        return bus
    name = bus if isinstance(bus, str) and bus else "default"
    region = request.region
    return f"arn:{partition(region)}:events:{region}:{request.account}:event-bus/{name}"


def _some_arn(params: Mapping[str, Any]) -> str | None:
    for name, value in params.items():
        if name.lower().endswith("arn") and isinstance(value, str) and value.startswith("arn:"):
            return value
    return None
