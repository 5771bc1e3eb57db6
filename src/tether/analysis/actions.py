"""boto3 method -> IAM action data: typed, read-only access to data/boto3_actions.json.

The JSON is generated from botocore's and boto3's models by scripts/gen_boto3_actions.py; this
module only reads it (never boto3 itself), once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

MODELED = ("s3", "dynamodb", "sns", "sqs")


@dataclass(frozen=True)
class Source:
    """A second resource a call reads, named by another parameter (S3 CopySource)."""

    param: str
    actions: tuple[str, ...]
    versioned: tuple[str, ...]


@dataclass(frozen=True)
class Items:
    """DynamoDB transactions: the action of each item follows its key (Put, Update...)."""

    param: str
    keys: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Method:
    """One client method: its IAM actions and the parameter(s) naming the resource."""

    service: str
    name: str
    actions: tuple[str, ...]
    params: tuple[str, ...]  # in order of preference: Bucket, TableName, TopicArn, QueueUrl...
    signature: tuple[str, ...] = ()  # positional parameters of boto3's helpers (upload_file)
    source: Source | None = None
    versioned: tuple[str, ...] = ()  # added when the call passes VersionId
    request_items: str | None = None  # tables are the keys of this mapping (batch_get_item)
    items: Items | None = None
    returns_identity: str | None = None  # the response field naming the same resource
    unsupported: str | None = None  # why Tether cannot grant it

    @property
    def label(self) -> str:
        return f"{self.service}.{self.name}"


@dataclass(frozen=True)
class Returned:
    """The boto3 resource an action, sub-resource or collection gives back."""

    type: str
    identity: str | int | None  # "parent", "param:Name", an input position, or None
    many: bool = False


@dataclass(frozen=True)
class Action:
    """A method of a boto3 resource, backed by a client method."""

    method: str
    signature: tuple[str, ...] = ()
    versioned: bool = False
    returns: Returned | None = None


@dataclass(frozen=True)
class Collection:
    method: str  # the client method that lists it
    type: str
    identity: str | int | None
    batch: dict[str, Action]


@dataclass(frozen=True)
class ResourceType:
    """A boto3 resource class (Bucket, Object, Table, Topic, Queue...) or the service resource."""

    service: str
    name: str  # "" for the service resource itself
    identifiers: tuple[str, ...]
    identity: int | None  # the identifier naming the Tether resource
    actions: dict[str, Action]
    subresources: dict[str, Returned]
    collections: dict[str, Collection]
    load: str | None
    attributes: frozenset[str]


@cache
def _data() -> dict[str, Any]:
    text = (resources.files("tether") / "data" / "boto3_actions.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def botocore_version() -> str:
    """The botocore version the data was generated from."""
    return str(_data()["botocore"])


def _returned(raw: dict[str, Any] | None) -> Returned | None:
    if raw is None:
        return None
    return Returned(raw["type"], raw["identity"], bool(raw.get("many", False)))


def _action(raw: dict[str, Any]) -> Action:
    return Action(
        method=raw["method"],
        signature=tuple(raw.get("signature", ())),
        versioned=bool(raw.get("versioned", False)),
        returns=_returned(raw.get("returns")),
    )


@cache
def methods(service: str) -> dict[str, Method]:
    """The client methods of a modeled service, by snake_case name ({} for other services)."""
    client = _data()["clients"].get(service)
    if client is None:
        return {}
    result: dict[str, Method] = {}
    for name, raw in client["methods"].items():
        source = raw.get("source")
        items = raw.get("items")
        result[name] = Method(
            service=service,
            name=name,
            actions=tuple(raw["actions"]),
            params=tuple(raw["params"]),
            signature=tuple(raw.get("signature", ())),
            source=Source(
                source["param"], tuple(source["actions"]), tuple(source.get("versioned", ()))
            )
            if source
            else None,
            versioned=tuple(raw.get("versioned", ())),
            request_items=raw.get("request_items"),
            items=Items(items["param"], {k: tuple(v) for k, v in items["keys"].items()})
            if items
            else None,
            returns_identity=raw.get("returns_identity"),
            unsupported=raw.get("unsupported"),
        )
    return result


def method(service: str, name: str) -> Method | None:
    return methods(service).get(name)


def paginators(service: str) -> frozenset[str]:
    client = _data()["clients"].get(service)
    return frozenset(client["paginators"]) if client else frozenset()


def waiters(service: str) -> dict[str, str]:
    """Waiter name -> the client method it polls."""
    client = _data()["clients"].get(service)
    return dict(client["waiters"]) if client else {}


@cache
def resource_type(service: str, name: str) -> ResourceType | None:
    """A boto3 resource type of a modeled service; name "" is the service resource."""
    service_data = _data()["resources"].get(service)
    if service_data is None:
        return None
    raw = service_data["service"] if name == "" else service_data["types"].get(name)
    if raw is None:
        return None
    return ResourceType(
        service=service,
        name=name,
        identifiers=tuple(raw["identifiers"]),
        identity=raw["identity"],
        actions={k: _action(v) for k, v in raw["actions"].items()},
        subresources={
            k: Returned(v["type"], v["identity"]) for k, v in raw["subresources"].items()
        },
        collections={
            k: Collection(
                method=v["method"],
                type=v["type"],
                identity=v["identity"],
                batch={b: _action(a) for b, a in v.get("batch", {}).items()},
            )
            for k, v in raw["collections"].items()
        },
        load=raw["load"],
        attributes=frozenset(raw["attributes"]),
    )


@cache
def load_attributes() -> frozenset[str]:
    """Every attribute name whose access makes some boto3 resource load itself."""
    names: set[str] = set()
    for service_data in _data()["resources"].values():
        for raw in service_data["types"].values():
            if raw["load"]:
                names.update(raw["attributes"])
    return frozenset(names)


@cache
def client_method_names() -> dict[str, frozenset[str]]:
    """Method name -> the modeled services whose clients have it."""
    found: dict[str, set[str]] = {}
    for service in MODELED:
        for name in methods(service):
            found.setdefault(name, set()).add(service)
    return {k: frozenset(v) for k, v in found.items()}


@cache
def boto_names() -> frozenset[str]:
    """Every name that may be called on a boto3 object of a modeled service: client methods,
    resource actions, sub-resources, collections and their methods, paginate, wait."""
    names: set[str] = {"paginate", "wait", "all", "filter", "limit", "page_size", "pages"}
    names.update({"iterator", "generate_presigned_url", "get_paginator", "get_waiter"})
    for service in MODELED:
        names.update(methods(service))
        service_data = _data()["resources"][service]
        for raw in (*service_data["types"].values(), service_data["service"]):
            names.update(raw["actions"])
            names.update(raw["subresources"])
            for collection in raw["collections"].values():
                names.update(collection.get("batch", {}))
    return frozenset(names)


@cache
def relevant_keywords() -> frozenset[str]:
    """The keyword arguments that can change a call's IAM actions or resource: the others
    (Body=, Item=, Message=...) need not be followed."""
    names = {"CopySource", "VersionId", "IndexName", "ClientMethod", "Params", "**"}
    names.update({"service_name", "operation_name", "waiter_name"})
    for service in MODELED:
        for method in methods(service).values():
            names.update(method.params)
            if method.request_items:
                names.add(method.request_items)
            if method.items is not None:
                names.add(method.items.param)
    return frozenset(names)
