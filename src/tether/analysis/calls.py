"""boto3 semantics: what clients, resources, collections, paginators and waiters give back, and
which IAM actions on which named resource each call needs.

Two halves, both driven by the generated data (actions.py): value rules used while reading code
(`getattr`, `call`, `iterate`: `s3.Bucket(name)` is a Bucket of `name`, `table.batch_writer()`
a writer on the same table...), and `requests`, which turns one concrete call, attribute read or
loop into `Request`s: the service, IAM actions, and the value naming the resource (resolved to
a Tether resource by names.py). Nothing here looks at the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from tether.analysis import actions
from tether.analysis.actions import MODELED, Action, ResourceType, Returned
from tether.analysis.values import (
    NONE,
    UNKNOWN,
    Client,
    Coll,
    Concat,
    Const,
    Dict,
    Meta,
    Method,
    Paginator,
    Res,
    Seq,
    Union,
    Unknown,
    Value,
    Waiter,
    concat,
    join,
    options,
)

NOUNS = {"s3": "bucket", "dynamodb": "table", "sns": "topic", "sqs": "queue"}
# Parameters that aim a call at something other than a resource when no resource parameter is
# passed: what the call then does, for the warning (an SMS involves no topic).
UNMANAGED_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "sns.publish": (("PhoneNumber", "sends an SMS to a phone number"),),
}
# boto3 resource types that are no kind of resource Tether manages: what their actions act on.
UNMANAGED_TYPES: dict[str, dict[str, str]] = {
    "sns": {
        "PlatformEndpoint": "acts on a mobile push endpoint",
        "PlatformApplication": "acts on a mobile push application",
    },
}
NOT_API = frozenset(
    {"get_paginator", "get_waiter", "can_paginate", "close", "meta", "exceptions", "waiter_names"}
)
LISTING = frozenset({"all", "filter", "limit", "page_size"})
BOTO_TYPES = (Client, Res, Coll, Paginator, Waiter, Meta)


@dataclass(frozen=True)
class Request:
    """What one call needs: `actions` of `service` on the resource `identity` names.

    `identity` is None when the call names no resource (s3.list_buckets); `problem` is set for
    calls that cannot be granted at all: "unmodeled" (a service Tether does not manage),
    "unsupported" (no IAM action Tether can grant), "unmanaged" (a call aimed at something that
    is not a resource, such as an SMS: `detail` says what it does), "unknown-method",
    "unknown-service".
    """

    service: str
    label: str  # s3.put_object, Bucket.upload_file
    actions: tuple[str, ...]
    identity: Value | None
    param: str = ""  # the parameter naming the resource, as the user wrote it
    index: Value | None = None  # DynamoDB IndexName
    problem: str = ""
    detail: str = ""


def is_boto(value: Value) -> bool:
    return isinstance(value, BOTO_TYPES)


def factory(kind: str, service: Value) -> Value:
    """boto3.client(service) / boto3.resource(service)."""
    if isinstance(service, Union):
        return join(*(factory(kind, o) for o in service.options))
    if kind == "client":
        return Client(service)
    return Res(service, "", UNKNOWN)


def _service(value: Value) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def _type(res: Res) -> ResourceType | None:
    service = _service(res.service)
    return actions.resource_type(service, res.type) if service else None


def _arg(
    name: str,
    signature: tuple[str, ...],
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
) -> Value | None:
    """The value of parameter `name`: by keyword, by position (helpers), or via **kwargs."""
    for key, value in kwargs:
        if key == name:
            return value
    if name in signature:
        position = signature.index(name)
        if position < len(args):
            return args[position]
    for key, value in kwargs:
        if key != "**":
            continue
        found: list[Value] = []
        for option in options(value):
            if isinstance(option, Dict):
                inner = [v for k, v in option.items if k == Const(name)]
                if inner:
                    found.append(inner[-1])
                elif option.open:
                    found.append(Unknown("it is passed in **kwargs analysis cannot read"))
            else:
                found.append(Unknown("it is passed in **kwargs analysis cannot read"))
        return join(*found) if found else None
    return None


def _identity_from(
    returned: Returned,
    parent: Value,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    identifiers: tuple[str, ...] = (),
) -> Value:
    identity = returned.identity
    if identity == "parent":
        return parent
    if isinstance(identity, str) and identity.startswith("param:"):
        found = _arg(identity[6:], (), args, kwargs)
        return found if found is not None else UNKNOWN
    if isinstance(identity, int):
        if identity < len(args):
            return args[identity]
        if identifiers and identity < len(identifiers):
            found = _arg(identifiers[identity], (), (), kwargs)
            if found is not None:
                return found
    return Unknown("boto3 finds it at run time")


# --- values ----------------------------------------------------------------------------------


def getattr(base: Value, name: str) -> Value | None:
    """`base.name` for boto3 objects; None when `base` is not one."""
    if isinstance(base, Meta):
        if name == "client":
            return Client(base.of.service) if isinstance(base.of, Client | Res) else UNKNOWN
        return UNKNOWN
    if isinstance(base, Client):
        if name == "meta":
            return Meta(base)
        if name in ("exceptions", "waiter_names"):
            return UNKNOWN
        return Method(base, name)
    if isinstance(base, Res):
        if name == "meta":
            return Meta(base)
        kind = _type(base)
        if kind is not None:
            if name in kind.collections:
                return Coll(base.service, base.type, name, base.ident)
            if name in kind.identifiers:
                position = kind.identifiers.index(name)
                return base.ident if position == kind.identity else UNKNOWN
            if name in kind.attributes and name not in kind.actions:
                return UNKNOWN
        return Method(base, name)
    if isinstance(base, Coll | Paginator | Waiter):
        return Method(base, name)
    return None


def loads(base: Value, name: str) -> bool:
    """Reading `base.name` makes a boto3 resource load itself (obj.content_length)."""
    if not isinstance(base, Res):
        return False
    kind = _type(base)
    return kind is not None and kind.load is not None and name in kind.attributes


def enter(value: Value) -> Value:
    """The value `with value as x` binds."""
    if isinstance(value, Res | Client):
        return value
    return UNKNOWN


def iterate(base: Value) -> Value | None:
    if isinstance(base, Res) and base.many:
        return Res(base.service, base.type, base.ident)
    if isinstance(base, Coll):
        return _element(base)
    return None


def _collection(coll: Coll) -> actions.Collection | None:
    service = _service(coll.service)
    owner = actions.resource_type(service, coll.owner) if service else None
    return owner.collections.get(coll.name) if owner else None


def _element(coll: Coll) -> Value:
    spec = _collection(coll)
    if spec is None:
        return UNKNOWN
    ident = coll.ident if spec.identity == "parent" else Unknown("boto3 lists it at run time")
    return Res(coll.service, spec.type, ident)


def call(
    recv: Value, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> Value | None:
    """What `recv.name(*args, **kwargs)` gives back; None when `recv` is not a boto3 object."""
    if isinstance(recv, Client):
        service = _service(recv.service)
        if name == "get_paginator":
            return Paginator(
                recv.service, _arg("operation_name", ("operation_name",), args, kwargs) or UNKNOWN
            )
        if name == "get_waiter":
            return Waiter(
                recv.service, _arg("waiter_name", ("waiter_name",), args, kwargs) or UNKNOWN
            )
        method = actions.method(service, name) if service else None
        if method is not None and method.returns_identity and method.params:
            named = _arg(method.params[0], method.signature, args, kwargs)
            if named is not None:
                return Dict(((Const(method.returns_identity), named),), open=True)
        return Unknown("a response")
    if isinstance(recv, Res):
        kind = _type(recv)
        if kind is None:
            return UNKNOWN
        if name in kind.subresources:
            returned = kind.subresources[name]
            ident = _identity_from(returned, recv.ident, args, kwargs, _identifiers(recv, returned))
            return Res(recv.service, returned.type, ident)
        action = kind.actions.get(name)
        if action is not None and action.returns is not None:
            ident = _identity_from(action.returns, recv.ident, args, kwargs)
            return Res(recv.service, action.returns.type, ident, action.returns.many)
        return Unknown("a response")
    if isinstance(recv, Coll):
        if name in LISTING:
            return Coll(recv.service, recv.owner, recv.name, recv.ident, listed=True)
        if name in ("pages", "iterator"):
            return Seq((Seq((_element(recv),)),)) if name == "pages" else Seq((_element(recv),))
        return Unknown("a response")
    if isinstance(recv, Paginator | Waiter):
        return NONE if isinstance(recv, Waiter) else Unknown("pages of a response")
    return None


def _identifiers(recv: Res, returned: Returned) -> tuple[str, ...]:
    service = _service(recv.service)
    kind = actions.resource_type(service, returned.type) if service else None
    return kind.identifiers if kind else ()


# --- requests ----------------------------------------------------------------------------------


def requests(
    kind: str,
    func: Value,
    args: tuple[Value, ...] = (),
    kwargs: tuple[tuple[str, Value], ...] = (),
    name: str = "",
) -> list[Request]:
    """The IAM needs of one concrete site: a call of `func`, or reading/iterating `func`."""
    found: list[Request] = []
    for option in options(func):
        if kind == "call" and isinstance(option, Method):
            found.extend(_call_requests(option.recv, option.name, args, kwargs))
        elif kind == "attr" and isinstance(option, Res) and loads(option, name):
            found.extend(_resource_action(option, "load", Action(_type_load(option)), (), ()))
        elif kind == "iter" and isinstance(option, Coll) and not option.listed:
            found.extend(_listing(option))
    return found


def _type_load(res: Res) -> str:
    kind = _type(res)
    return kind.load if kind is not None and kind.load else ""


def _call_requests(
    recv: Value, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> list[Request]:
    if isinstance(recv, Client):
        return _client_call(recv.service, name, args, kwargs)
    if isinstance(recv, Paginator) and name == "paginate":
        paged = _service_method_name(recv.method)
        if paged is None:
            shown = _service(recv.service) or "?"
            return [_unresolved_method(shown, "get_paginator", "the paginator's name is computed")]
        return _client_call(recv.service, paged, (), kwargs, via="get_paginator")
    if isinstance(recv, Waiter) and name == "wait":
        service = _service(recv.service)
        waiter = _service_method_name(recv.name)
        polled = actions.waiters(service).get(waiter) if service and waiter else None
        if polled is None:
            return [_unresolved_method(service or "?", "get_waiter", "the waiter is unknown")]
        return _client_call(recv.service, polled, (), kwargs, via="get_waiter")
    if isinstance(recv, Res):
        return _resource_call(recv, name, args, kwargs)
    if isinstance(recv, Coll):
        return _collection_call(recv, name, args, kwargs)
    return []


def _service_method_name(value: Value) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def _unresolved_method(service: str, label: str, why: str) -> Request:
    return Request(service, f"{service}.{label}", (), None, problem="unknown-method", detail=why)


def _client_call(
    service_value: Value,
    name: str,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    via: str = "",
) -> list[Request]:
    service = _service(service_value)
    if name in NOT_API:
        return []
    if service is None:
        return [
            Request(
                "?",
                f"<client>.{name}",
                (),
                None,
                problem="unknown-service",
                detail="the client's service is computed at run time",
            )
        ]
    if service not in MODELED:
        if name == "generate_presigned_url":
            return []
        return [Request(service, f"{service}.{name}", (), None, problem="unmodeled")]
    if name == "generate_presigned_url":
        return _presigned(service_value, service, args, kwargs)
    method = actions.method(service, name)
    if method is None:
        return [Request(service, f"{service}.{name}", (), None, problem="unknown-method")]
    if via == "get_paginator" and name not in actions.paginators(service):
        return [Request(service, f"{service}.{name}", (), None, problem="unknown-method")]
    return _method_requests(method, args, kwargs, None)


def _presigned(
    service_value: Value,
    service: str,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
) -> list[Request]:
    signature = ("ClientMethod", "Params", "ExpiresIn", "HttpMethod")
    client_method = _arg("ClientMethod", signature, args, kwargs)
    params = _arg("Params", signature, args, kwargs)
    name = _service_method_name(client_method) if client_method is not None else None
    if name is None:
        return [
            _unresolved_method(
                service, "generate_presigned_url", "the presigned method is computed"
            )
        ]
    inner: tuple[tuple[str, Value], ...] = ()
    if isinstance(params, Dict):
        inner = tuple(
            (str(k.value), v)
            for k, v in params.items
            if isinstance(k, Const) and isinstance(k.value, str)
        )
        if params.open:
            inner = (*inner, ("**", UNKNOWN))
    elif params is not None:
        inner = (("**", params),)
    return _client_call(service_value, name, (), inner)


def _method_requests(
    method: actions.Method,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    identity: Value | None,
    *,
    label: str = "",
    versioned_only: bool = False,
) -> list[Request]:
    """Requests of a client method; `identity` given when a boto3 resource supplies it."""
    service = method.service
    label = label or method.label
    if method.unsupported:
        return [Request(service, label, (), None, problem="unsupported", detail=method.unsupported)]
    found: list[Request] = []
    param = ""
    if identity is None and (method.request_items or method.items):
        param = method.request_items or "TransactItems"
    elif identity is None and method.params:
        for candidate in method.params:
            value = _arg(candidate, method.signature, args, kwargs)
            if value is not None:
                identity, param = value, candidate
                break
        if identity is None:
            for other, what in UNMANAGED_TARGETS.get(method.label, ()):
                if _arg(other, method.signature, args, kwargs) is not None:
                    return [
                        Request(
                            service,
                            label,
                            method.actions,
                            None,
                            other,
                            problem="unmanaged",
                            detail=what,
                        )
                    ]
            identity = Unknown(f"the call passes no {method.params[0]}=")
            param = method.params[0]
    versioned = _arg("VersionId", method.signature, args, kwargs) is not None
    granted = method.actions
    if versioned_only and method.versioned:
        granted = method.versioned
    elif versioned and method.versioned:
        granted = (*granted, *method.versioned)
    index = _arg("IndexName", (), args, kwargs) if service == "dynamodb" else None
    if method.request_items and param:
        found.extend(_request_items(method, args, kwargs, label))
    elif method.items is not None and param:
        found.extend(_transact_items(method, args, kwargs, label))
    elif granted or not method.params:
        found.append(Request(service, label, granted, identity, param, index))
    if method.source is not None:
        source = _arg(method.source.param, method.signature, args, kwargs)
        if source is not None:
            bucket, source_versioned = _copy_source(source)
            granted_source = method.source.actions
            if source_versioned:
                granted_source = (*granted_source, *method.source.versioned)
            found.append(Request(service, label, granted_source, bucket, method.source.param))
    return found


def _copy_source(value: Value) -> tuple[Value, bool]:
    """The bucket of an S3 CopySource (a dict or "bucket/key"), and whether it is versioned."""
    if isinstance(value, Union):
        pairs = [_copy_source(o) for o in value.options]
        return join(*(p[0] for p in pairs)), any(p[1] for p in pairs)
    if isinstance(value, Dict):
        bucket: Value = Unknown("the copy source has no Bucket")
        versioned = False
        for key, item in value.items:
            if key == Const("Bucket"):
                bucket = item
            if key == Const("VersionId"):
                versioned = True
        return bucket, versioned
    parts = value.parts if isinstance(value, Concat) else (value,)
    head: list[Value] = []
    for part in parts:
        if isinstance(part, Const) and isinstance(part.value, str) and "/" in part.value:
            before = (
                part.value.lstrip("/").split("/", 1)[0] if not head else part.value.split("/", 1)[0]
            )
            head.append(Const(before))
            rest = "".join(str(p.value) for p in parts if isinstance(p, Const))
            return concat(tuple(head)), "versionId=" in rest
        head.append(part)
    return Unknown("the copy source is computed at run time"), False


def _request_items(
    method: actions.Method,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    label: str,
) -> list[Request]:
    assert method.request_items is not None
    items = _arg(method.request_items, method.signature, args, kwargs)
    tables = [k for k, _ in items.items] if isinstance(items, Dict) else []
    if not tables or (isinstance(items, Dict) and items.open):
        why = f"the tables are the keys of {method.request_items}=, which analysis cannot read"
        tables = [*tables, Unknown(why)]
    return [
        Request(method.service, label, method.actions, table, method.request_items)
        for table in tables
    ]


def _transact_items(
    method: actions.Method,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
    label: str,
) -> list[Request]:
    assert method.items is not None
    spec = method.items
    value = _arg(spec.param, method.signature, args, kwargs)
    found: list[Request] = []
    readable = isinstance(value, Seq) and bool(value.items)
    if isinstance(value, Seq):
        for item in value.items:
            entries = options(item)
            for entry in entries:
                if not isinstance(entry, Dict) or entry.open:
                    readable = False
                    continue
                for key, body in entry.items:
                    if not (isinstance(key, Const) and isinstance(key.value, str)):
                        readable = False
                        continue
                    granted = spec.keys.get(key.value)
                    if granted is None:
                        continue
                    table = _dict_value(body, "TableName")
                    found.append(Request(method.service, label, granted, table, "TableName"))
    if not readable:
        every = tuple(sorted({a for names in spec.keys.values() for a in names}))
        why = f"its items come from {spec.param}=, which analysis cannot read item by item"
        found.append(Request(method.service, label, every, Unknown(why), "TableName"))
    return found


def _dict_value(value: Value, key: str) -> Value:
    if isinstance(value, Dict):
        for k, v in value.items:
            if k == Const(key):
                return v
    return Unknown(f"the item's {key} is computed at run time")


def _resource_call(
    res: Res, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> list[Request]:
    service = _service(res.service)
    if service is None:
        return [
            Request(
                "?",
                f"<resource>.{name}",
                (),
                None,
                problem="unknown-service",
                detail="the resource's service is computed at run time",
            )
        ]
    if service not in MODELED:
        return [Request(service, f"{service}.{name}", (), None, problem="unmodeled")]
    kind = actions.resource_type(service, res.type)
    if kind is None or name in kind.subresources or name in kind.collections:
        return []
    action = kind.actions.get(name)
    if action is None:
        owner = res.type or f"{service} resource"
        return [Request(service, f"{owner}.{name}", (), None, problem="unknown-method")]
    return _resource_action(res, name, action, args, kwargs)


def _resource_action(
    res: Res,
    name: str,
    action: Action,
    args: tuple[Value, ...],
    kwargs: tuple[tuple[str, Value], ...],
) -> list[Request]:
    service = _service(res.service)
    if service is None or not action.method:
        return []
    method = actions.method(service, action.method)
    if method is None:
        return []
    owner = res.type or service
    label = f"{owner}.{name}"
    unmanaged = UNMANAGED_TYPES.get(service, {}).get(res.type)
    if unmanaged is not None:
        return [
            Request(service, label, method.actions, None, problem="unmanaged", detail=unmanaged)
        ]
    if res.type == "":
        # Service resource actions name their resource by parameter, like client calls.
        return _method_requests(method, args, kwargs, None, label=label)
    kind = actions.resource_type(service, res.type)
    identity = (
        res.ident
        if kind is not None and (kind.identity is not None or res.type == "BatchWriter")
        else Unknown("boto3 finds it at run time")
    )
    signature = action.signature
    shaped = actions.Method(
        service=method.service,
        name=method.name,
        actions=method.actions,
        params=method.params,
        signature=signature,
        source=method.source,
        versioned=method.versioned,
        request_items=method.request_items,
        items=method.items,
        unsupported=method.unsupported,
    )
    return _method_requests(
        shaped, args, kwargs, identity, label=label, versioned_only=action.versioned
    )


def _listing(coll: Coll) -> list[Request]:
    spec = _collection(coll)
    service = _service(coll.service)
    if spec is None or service is None:
        return []
    method = actions.method(service, spec.method)
    if method is None:
        return []
    owner = coll.owner or service
    identity = coll.ident if coll.owner else None
    label = f"{owner}.{coll.name}"
    if identity is None:
        return [Request(service, label, method.actions, None)]
    return _method_requests(method, (), (), identity, label=label)


def _collection_call(
    coll: Coll, name: str, args: tuple[Value, ...], kwargs: tuple[tuple[str, Value], ...]
) -> list[Request]:
    spec = _collection(coll)
    service = _service(coll.service)
    if spec is None or service is None:
        return []
    if name in LISTING or name in ("pages", "iterator"):
        return [] if coll.listed else _listing(coll)
    action = spec.batch.get(name)
    if action is None:
        return [
            Request(service, f"{coll.owner}.{coll.name}.{name}", (), None, problem="unknown-method")
        ]
    method = actions.method(service, action.method)
    if method is None:
        return []
    label = f"{coll.owner}.{coll.name}.{name}"
    requests_ = _method_requests(
        method, args, kwargs, coll.ident, label=label, versioned_only=action.versioned
    )
    return [*(_listing(coll) if not coll.listed else []), *requests_]
