"""Regenerate src/tether/data/boto3_actions.json: boto3 methods -> the IAM actions they need.

Static analysis (tether.analysis) reads the JSON at run time and never imports boto3. The table
is built from botocore's service models (every API operation of s3, dynamodb, sns and sqs, its
snake_case method name, the parameter that names the bucket, table, topic or queue) and boto3's
resource models (Bucket, Object, Table, Topic, Queue...: their actions, sub-resources,
collections, waiters and attributes), plus the checked-in tables below for what the models do
not say: the operations whose IAM action is not named like the operation (S3 is full of them),
boto3's hand-written helpers (upload_file, batch_writer...), and which identifier of a boto3
resource names the Tether resource.

Every generated action must exist in src/tether/data/iam_actions.json, and every operation must
either have an IAM action of the same name or an entry in ACTION_EXCEPTIONS; the script stops
with a list of what is missing otherwise. Run it after upgrading boto3:

    .venv/bin/python scripts/gen_boto3_actions.py            # writes the data file
    .venv/bin/python scripts/gen_boto3_actions.py --check    # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore
from botocore import xform_name
from botocore.loaders import Loader

SERVICES = ("s3", "dynamodb", "sns", "sqs")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "tether" / "data" / "boto3_actions.json"
IAM = ROOT / "src" / "tether" / "data" / "iam_actions.json"

# The parameters that name the resource a call acts on, in order of preference.
IDENTITY_PARAMS: dict[str, tuple[str, ...]] = {
    "s3": ("Bucket",),
    "dynamodb": ("TableName",),
    "sns": ("TopicArn", "TargetArn"),
    "sqs": ("QueueUrl", "QueueName"),
}
PARAM_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sns", "CreateTopic"): ("Name",),  # a topic's name, not its ARN
}

# API operation -> IAM actions, where the IAM action is not named like the operation. None marks
# an operation Tether cannot grant: its action belongs to another IAM service (s3express,
# s3-object-lambda) or is newer than the IAM reference in iam_actions.json.
UNSUPPORTED = None
ACTION_EXCEPTIONS: dict[str, dict[str, list[str] | None]] = {
    "s3": {
        "CompleteMultipartUpload": ["PutObject"],
        "CopyObject": ["PutObject"],  # + GetObject on CopySource, see SOURCES
        "CreateBucketMetadataConfiguration": ["CreateBucketMetadataTableConfiguration"],
        "CreateMultipartUpload": ["PutObject"],
        "CreateSession": UNSUPPORTED,  # s3express:CreateSession
        "DeleteBucketAnalyticsConfiguration": ["PutAnalyticsConfiguration"],
        "DeleteBucketCors": ["PutBucketCORS"],
        "DeleteBucketEncryption": ["PutEncryptionConfiguration"],
        "DeleteBucketIntelligentTieringConfiguration": ["PutIntelligentTieringConfiguration"],
        "DeleteBucketInventoryConfiguration": ["PutInventoryConfiguration"],
        "DeleteBucketLifecycle": ["PutLifecycleConfiguration"],
        "DeleteBucketMetadataConfiguration": ["DeleteBucketMetadataTableConfiguration"],
        "DeleteBucketMetricsConfiguration": ["PutMetricsConfiguration"],
        "DeleteBucketOwnershipControls": ["PutBucketOwnershipControls"],
        "DeleteBucketReplication": ["PutReplicationConfiguration"],
        "DeleteBucketTagging": ["PutBucketTagging"],
        "DeleteObjectAnnotation": UNSUPPORTED,
        "DeleteObjects": ["DeleteObject"],
        "DeletePublicAccessBlock": ["PutBucketPublicAccessBlock"],
        "GetBucketAccelerateConfiguration": ["GetAccelerateConfiguration"],
        "GetBucketAnalyticsConfiguration": ["GetAnalyticsConfiguration"],
        "GetBucketCors": ["GetBucketCORS"],
        "GetBucketEncryption": ["GetEncryptionConfiguration"],
        "GetBucketIntelligentTieringConfiguration": ["GetIntelligentTieringConfiguration"],
        "GetBucketInventoryConfiguration": ["GetInventoryConfiguration"],
        "GetBucketLifecycle": ["GetLifecycleConfiguration"],
        "GetBucketLifecycleConfiguration": ["GetLifecycleConfiguration"],
        "GetBucketMetadataConfiguration": ["GetBucketMetadataTableConfiguration"],
        "GetBucketMetricsConfiguration": ["GetMetricsConfiguration"],
        "GetBucketNotificationConfiguration": ["GetBucketNotification"],
        "GetBucketReplication": ["GetReplicationConfiguration"],
        "GetObjectAnnotation": UNSUPPORTED,
        "GetObjectLockConfiguration": ["GetBucketObjectLockConfiguration"],
        "GetPublicAccessBlock": ["GetBucketPublicAccessBlock"],
        "HeadBucket": ["ListBucket"],
        "HeadObject": ["GetObject"],
        "ListBucketAnalyticsConfigurations": ["GetAnalyticsConfiguration"],
        "ListBucketIntelligentTieringConfigurations": ["GetIntelligentTieringConfiguration"],
        "ListBucketInventoryConfigurations": ["GetInventoryConfiguration"],
        "ListBucketMetricsConfigurations": ["GetMetricsConfiguration"],
        "ListBuckets": ["ListAllMyBuckets"],
        "ListDirectoryBuckets": UNSUPPORTED,  # s3express:ListAllMyDirectoryBuckets
        "ListMultipartUploads": ["ListBucketMultipartUploads"],
        "ListObjectAnnotations": UNSUPPORTED,
        "ListObjectVersions": ["ListBucketVersions"],
        "ListObjects": ["ListBucket"],
        "ListObjectsV2": ["ListBucket"],
        "ListParts": ["ListMultipartUploadParts"],
        "PutBucketAccelerateConfiguration": ["PutAccelerateConfiguration"],
        "PutBucketAnalyticsConfiguration": ["PutAnalyticsConfiguration"],
        "PutBucketCors": ["PutBucketCORS"],
        "PutBucketEncryption": ["PutEncryptionConfiguration"],
        "PutBucketIntelligentTieringConfiguration": ["PutIntelligentTieringConfiguration"],
        "PutBucketInventoryConfiguration": ["PutInventoryConfiguration"],
        "PutBucketLifecycle": ["PutLifecycleConfiguration"],
        "PutBucketLifecycleConfiguration": ["PutLifecycleConfiguration"],
        "PutBucketMetricsConfiguration": ["PutMetricsConfiguration"],
        "PutBucketNotificationConfiguration": ["PutBucketNotification"],
        "PutBucketReplication": ["PutReplicationConfiguration"],
        "PutObjectAnnotation": UNSUPPORTED,
        "PutObjectLockConfiguration": ["PutBucketObjectLockConfiguration"],
        "PutPublicAccessBlock": ["PutBucketPublicAccessBlock"],
        "RenameObject": UNSUPPORTED,  # directory buckets only (s3express)
        "SelectObjectContent": ["GetObject"],
        "UpdateBucketMetadataAnnotationTableConfiguration": UNSUPPORTED,
        "UploadPart": ["PutObject"],
        "UploadPartCopy": ["PutObject"],  # + GetObject on CopySource
        "WriteGetObjectResponse": UNSUPPORTED,  # s3-object-lambda:WriteGetObjectResponse
    },
    "dynamodb": {
        # PartiQL: the action depends on the statement (PartiQLSelect, PartiQLInsert...).
        "BatchExecuteStatement": UNSUPPORTED,
        "ExecuteStatement": UNSUPPORTED,
        "ExecuteTransaction": UNSUPPORTED,
        # Transactions need the action of each item (see ITEMS); the call itself has none.
        "TransactGetItems": [],
        "TransactWriteItems": [],
        "CancelBulkOperation": UNSUPPORTED,
        "DescribeBulkOperation": UNSUPPORTED,
        "ListBulkOperations": UNSUPPORTED,
        "SearchVectors": UNSUPPORTED,
        "StartBulkPutItems": UNSUPPORTED,
    },
    "sns": {"PublishBatch": ["Publish"]},
    "sqs": {
        "ChangeMessageVisibilityBatch": ["ChangeMessageVisibility"],
        "DeleteMessageBatch": ["DeleteMessage"],
        "SendMessageBatch": ["SendMessage"],
    },
}
UNSUPPORTED_WHY = {
    "s3": "its IAM action is not one of s3's (s3express or s3-object-lambda) or not yet known",
    "dynamodb": "its IAM actions depend on the PartiQL statement, or are not yet known",
}

# Operations that read a second object: the IAM actions granted on the bucket of CopySource.
SOURCES: dict[str, dict[str, tuple[str, list[str]]]] = {
    "s3": {
        "CopyObject": ("CopySource", ["GetObject"]),
        "UploadPartCopy": ("CopySource", ["GetObject"]),
    }
}
# With VersionId, S3 checks the *Version action as well (on the object, or the copy's source).
VERSIONED: dict[str, dict[str, list[str]]] = {
    "s3": {
        "GetObject": ["GetObjectVersion"],
        "HeadObject": ["GetObjectVersion"],
        "DeleteObject": ["DeleteObjectVersion"],
        "DeleteObjects": ["DeleteObjectVersion"],
        "GetObjectAcl": ["GetObjectVersionAcl"],
        "PutObjectAcl": ["PutObjectVersionAcl"],
        "GetObjectTagging": ["GetObjectVersionTagging"],
        "PutObjectTagging": ["PutObjectVersionTagging"],
        "DeleteObjectTagging": ["DeleteObjectVersionTagging"],
        "GetObjectAttributes": ["GetObjectVersionAttributes"],
        "CopyObject": ["GetObjectVersion"],  # a versioned CopySource
        "UploadPartCopy": ["GetObjectVersion"],
    }
}
# DynamoDB calls whose tables are the keys of a mapping parameter.
REQUEST_ITEMS = {"dynamodb": {"BatchGetItem": "RequestItems", "BatchWriteItem": "RequestItems"}}
# DynamoDB transactions: each item's key ("Put", "Update"...) decides its action.
ITEMS: dict[str, dict[str, tuple[str, dict[str, list[str]]]]] = {
    "dynamodb": {
        "TransactGetItems": ("TransactItems", {"Get": ["GetItem"]}),
        "TransactWriteItems": (
            "TransactItems",
            {
                "ConditionCheck": ["ConditionCheckItem"],
                "Delete": ["DeleteItem"],
                "Put": ["PutItem"],
                "Update": ["UpdateItem"],
            },
        ),
    }
}
# The response field that carries the resource a call names by its input parameter.
RESPONSE_IDENTITY = {
    ("sqs", "GetQueueUrl"): "QueueUrl",
    ("sqs", "CreateQueue"): "QueueUrl",
    ("sns", "CreateTopic"): "TopicArn",
    ("dynamodb", "CreateTable"): "TableDescription.TableName",
}

# boto3's hand-written client helpers: name -> (operation whose actions apply, signature).
_TRANSFER = ["ExtraArgs", "Callback", "Config"]
CLIENT_HELPERS: dict[str, dict[str, tuple[str, list[str]]]] = {
    "s3": {
        "upload_file": ("PutObject", ["Filename", "Bucket", "Key", *_TRANSFER]),
        "upload_fileobj": ("PutObject", ["Fileobj", "Bucket", "Key", *_TRANSFER]),
        "download_file": ("GetObject", ["Bucket", "Key", "Filename", *_TRANSFER]),
        "download_fileobj": ("GetObject", ["Bucket", "Key", "Fileobj", *_TRANSFER]),
        "copy": (
            "CopyObject",
            ["CopySource", "Bucket", "Key", "ExtraArgs", "Callback", "SourceClient", "Config"],
        ),
        "generate_presigned_post": (
            "PutObject",
            ["Bucket", "Key", "Fields", "Conditions", "ExpiresIn"],
        ),
    }
}
# boto3's hand-written resource helpers: type -> name -> (client method, signature).
RESOURCE_HELPERS: dict[str, dict[str, dict[str, tuple[str, list[str]]]]] = {
    "s3": {
        "Bucket": {
            "upload_file": ("upload_file", ["Filename", "Key", *_TRANSFER]),
            "upload_fileobj": ("upload_fileobj", ["Fileobj", "Key", *_TRANSFER]),
            "download_file": ("download_file", ["Key", "Filename", *_TRANSFER]),
            "download_fileobj": ("download_fileobj", ["Key", "Fileobj", *_TRANSFER]),
            "copy": (
                "copy",
                ["CopySource", "Key", "ExtraArgs", "Callback", "SourceClient", "Config"],
            ),
        },
        "Object": {
            "upload_file": ("upload_file", ["Filename", *_TRANSFER]),
            "upload_fileobj": ("upload_fileobj", ["Fileobj", *_TRANSFER]),
            "download_file": ("download_file", ["Filename", *_TRANSFER]),
            "download_fileobj": ("download_fileobj", ["Fileobj", *_TRANSFER]),
            "copy": ("copy", ["CopySource", "ExtraArgs", "Callback", "SourceClient", "Config"]),
        },
        "ObjectSummary": {"load": ("head_object", [])},
    },
}
# Table.batch_writer() returns a writer whose put_item/delete_item become BatchWriteItem calls.
BATCH_WRITER = {
    "identifiers": [],
    "identity": None,  # the table of the Table it came from
    "actions": {
        "put_item": {"method": "batch_write_item"},
        "delete_item": {"method": "batch_write_item"},
    },
    "subresources": {},
    "collections": {},
    "load": None,
    "attributes": [],
}

# Which identifier of a boto3 resource names the Tether resource ("*": every other type).
IDENTITY: dict[str, dict[str, str]] = {
    "s3": {"Bucket": "Name", "*": "BucketName"},
    "dynamodb": {"Table": "Name"},
    "sns": {"Topic": "Arn"},
    "sqs": {"Queue": "Url", "Message": "QueueUrl"},
}


class GenerationError(Exception):
    pass


def _loader() -> Loader:
    return Loader(extra_search_paths=[str(Path(boto3.__file__).parent / "data")])


def _iam() -> dict[str, dict[str, list[str]]]:
    data: dict[str, dict[str, list[str]]] = json.loads(IAM.read_text())
    return data


def _identity(service: str, type_name: str) -> str | None:
    table = IDENTITY.get(service, {})
    return table.get(type_name, table.get("*"))


def _client(service: str, loader: Loader, iam: dict[str, list[str]]) -> dict[str, Any]:
    model = loader.load_service_model(service, "service-2")
    operations: dict[str, Any] = model["operations"]
    shapes: dict[str, Any] = model["shapes"]
    exceptions = ACTION_EXCEPTIONS.get(service, {})
    missing: list[str] = []
    methods: dict[str, Any] = {}
    for operation in sorted(operations):
        input_name = operations[operation].get("input", {}).get("shape")
        members = list(shapes[input_name]["members"]) if input_name else []
        candidates = PARAM_OVERRIDES.get((service, operation), IDENTITY_PARAMS[service])
        entry: dict[str, Any] = {
            "operation": operation,
            "params": [p for p in candidates if p in members],
        }
        if operation in exceptions:
            names = exceptions[operation]
            if names is None:
                entry["actions"] = []
                entry["unsupported"] = UNSUPPORTED_WHY[service]
            else:
                entry["actions"] = [f"{service}:{n}" for n in names]
        elif operation in iam:
            entry["actions"] = [f"{service}:{operation}"]
        else:
            missing.append(operation)
            continue
        if (source := SOURCES.get(service, {}).get(operation)) is not None:
            entry["source"] = {
                "param": source[0],
                "actions": [f"{service}:{n}" for n in source[1]],
            }
        if operation in VERSIONED.get(service, {}) and "VersionId" in members:
            entry["versioned"] = [f"{service}:{n}" for n in VERSIONED[service][operation]]
        if operation in VERSIONED.get(service, {}) and "source" in entry:
            entry["source"]["versioned"] = [f"{service}:{n}" for n in VERSIONED[service][operation]]
        if operation in REQUEST_ITEMS.get(service, {}):
            entry["request_items"] = REQUEST_ITEMS[service][operation]
        if (items := ITEMS.get(service, {}).get(operation)) is not None:
            entry["items"] = {
                "param": items[0],
                "keys": {k: [f"{service}:{n}" for n in v] for k, v in items[1].items()},
            }
        if (field := RESPONSE_IDENTITY.get((service, operation))) is not None:
            entry["returns_identity"] = field
        methods[xform_name(operation)] = entry
    if missing:
        raise GenerationError(
            f"{service}: operations with no IAM action of the same name and no entry in "
            f"ACTION_EXCEPTIONS: {', '.join(missing)}"
        )
    for name, (operation, signature) in CLIENT_HELPERS.get(service, {}).items():
        helper = dict(methods[xform_name(operation)])
        helper.update(operation=None, signature=signature)
        methods[name] = helper
    paginators = sorted(
        xform_name(op)
        for op in loader.load_service_model(service, "paginators-1")["pagination"]
        if xform_name(op) in methods
    )
    waiters: dict[str, str] = {}
    try:
        waiter_model = loader.load_service_model(service, "waiters-2")["waiters"]
    except botocore.exceptions.UnknownServiceError:
        waiter_model = {}
    for name, waiter in sorted(waiter_model.items()):
        if xform_name(waiter["operation"]) in methods:
            waiters[xform_name(name)] = xform_name(waiter["operation"])
    return {"methods": methods, "paginators": paginators, "waiters": waiters}


def _inherits(identifiers: list[dict[str, Any]], target: str | None, parent: str | None) -> Any:
    """How a related resource gets its identity: "parent", an input position, or None."""
    if target is None:
        return None
    inputs = [i for i in identifiers if i["source"] == "input"]
    for ident in identifiers:
        if ident["target"] != target:
            continue
        if ident["source"] == "identifier" and parent is not None and ident["name"] == parent:
            return "parent"
        if ident["source"] == "input":
            return inputs.index(ident)
    return None


def _resources(
    service: str, loader: Loader, client: dict[str, Any], model: dict[str, Any]
) -> dict[str, Any]:
    definition = loader.load_service_model(service, "resources-1")
    methods: dict[str, Any] = client["methods"]
    waiters: dict[str, str] = client["waiters"]
    shapes: dict[str, Any] = model["shapes"]

    def action(spec: dict[str, Any], parent: str | None) -> dict[str, Any]:
        operation = spec["request"]["operation"]
        entry: dict[str, Any] = {"method": xform_name(operation)}
        params = spec["request"].get("params", [])
        if any(p["target"].endswith("VersionId") and p["source"] == "identifier" for p in params):
            entry["versioned"] = True
        if "resource" in spec:
            returned = spec["resource"]
            target = _identity(service, returned["type"])
            identity = _inherits(returned["identifiers"], target, parent)
            for ident in returned["identifiers"]:
                if ident["target"] != target or identity is not None:
                    continue
                if ident["source"] == "requestParameter":
                    identity = f"param:{ident['path']}"
                elif ident["source"] == "response":
                    field = RESPONSE_IDENTITY.get((service, operation))
                    param = methods[xform_name(operation)]["params"]
                    if field is not None and param:
                        identity = f"param:{param[0]}"
            entry["returns"] = {
                "type": returned["type"],
                "identity": identity,
                "many": "path" in returned and returned["path"].endswith("[]"),
            }
        return entry

    def collection(spec: dict[str, Any], parent: str | None) -> dict[str, Any]:
        returned = spec["resource"]
        target = _identity(service, returned["type"])
        return {
            "method": xform_name(spec["request"]["operation"]),
            "type": returned["type"],
            "identity": _inherits(returned["identifiers"], target, parent),
        }

    types: dict[str, Any] = {}
    for type_name, spec in sorted(definition["resources"].items()):
        identity = _identity(service, type_name)
        identifiers = [i["name"] for i in spec.get("identifiers", [])]
        entry: dict[str, Any] = {
            "identifiers": [xform_name(i) for i in identifiers],
            "identity": identifiers.index(identity) if identity in identifiers else None,
            "actions": {
                xform_name(k): action(v, identity) for k, v in spec.get("actions", {}).items()
            },
            "subresources": {},
            "collections": {},
            "load": None,
            "attributes": [],
        }
        for name, waiter in spec.get("waiters", {}).items():
            method = waiters.get(xform_name(waiter["waiterName"]))
            if method is not None:
                entry["actions"][f"wait_until_{xform_name(name)}"] = {"method": method}
        for name, has in spec.get("has", {}).items():
            returned = has["resource"]
            target = _identity(service, returned["type"])
            entry["subresources"][name] = {
                "type": returned["type"],
                "identity": _inherits(returned["identifiers"], target, identity),
            }
        for name, many in spec.get("hasMany", {}).items():
            coll = collection(many, identity)
            target_type = definition["resources"][many["resource"]["type"]]
            coll["batch"] = {
                xform_name(k): action(v, _identity(service, many["resource"]["type"]))
                for k, v in target_type.get("batchActions", {}).items()
            }
            entry["collections"][xform_name(name)] = coll
        if "load" in spec:
            entry["load"] = xform_name(spec["load"]["request"]["operation"])
            entry["actions"]["load"] = {"method": entry["load"]}
            entry["actions"]["reload"] = {"method": entry["load"]}
            shape = spec.get("shape")
            if shape:
                entry["attributes"] = sorted(xform_name(m) for m in shapes[shape]["members"])
        for name, (method, signature) in (
            RESOURCE_HELPERS.get(service, {}).get(type_name, {}).items()
        ):
            entry["actions"][name] = {"method": method, "signature": signature}
            if name == "load":
                entry["load"] = method
        types[type_name] = entry
    if service == "dynamodb":
        types["Table"]["actions"]["batch_writer"] = {
            "method": "batch_write_item",
            "returns": {"type": "BatchWriter", "identity": "parent", "many": False},
        }
        types["BatchWriter"] = BATCH_WRITER
    top = definition["service"]
    constructors = {}
    for name, has in top.get("has", {}).items():
        returned = has["resource"]
        target = _identity(service, returned["type"])
        constructors[name] = {
            "type": returned["type"],
            "identity": _inherits(returned["identifiers"], target, None),
        }
    # boto3 also offers every other resource type as a constructor on the service resource.
    for type_name, entry in types.items():
        if type_name not in constructors and entry["identifiers"]:
            constructors[type_name] = {"type": type_name, "identity": entry["identity"]}
    return {
        "types": types,
        "service": {
            "identifiers": [],
            "identity": None,
            "actions": {xform_name(k): action(v, None) for k, v in top.get("actions", {}).items()},
            "subresources": constructors,
            "collections": {
                xform_name(k): collection(v, None) for k, v in top.get("hasMany", {}).items()
            },
            "load": None,
            "attributes": [],
        },
    }


def _actions_of(data: Any) -> list[str]:
    """Every IAM action named anywhere in the generated table, to validate them all."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("actions", "versioned") and isinstance(value, list):
                found.extend(value)
            elif key == "keys" and isinstance(value, dict):
                found.extend(a for names in value.values() for a in names)
            else:
                found.extend(_actions_of(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_actions_of(item))
    return found


def generate() -> dict[str, Any]:
    loader = _loader()
    iam = _iam()
    clients: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    for service in SERVICES:
        clients[service] = _client(service, loader, iam[service])
        model = loader.load_service_model(service, "service-2")
        resources[service] = _resources(service, loader, clients[service], model)
    for service, entry in clients.items():
        for method in entry["methods"].values():
            if method.get("operation") is None and "signature" not in method:
                raise GenerationError(f"{service}: helper without a signature")
    for service_data in resources.values():
        for entry in (*service_data["types"].values(), service_data["service"]):
            for name, act in entry["actions"].items():
                service = next(s for s, d in resources.items() if d is service_data)
                if act["method"] not in clients[service]["methods"]:
                    raise GenerationError(f"{service}: {name} calls unknown {act['method']}")
    data = {
        "about": "boto3 method -> IAM actions; generated by scripts/gen_boto3_actions.py, "
        "do not edit",
        "botocore": botocore.__version__,
        "clients": clients,
        "resources": resources,
    }
    unknown = sorted(
        {
            a
            for a in _actions_of(data)
            if a.partition(":")[2] not in iam.get(a.partition(":")[0], {})
        }
    )
    if unknown:
        raise GenerationError(f"actions missing from iam_actions.json: {', '.join(unknown)}")
    return data


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the table")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    try:
        text = render(generate())
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run scripts/gen_boto3_actions.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    count = sum(len(c["methods"]) for c in json.loads(text)["clients"].values())
    print(f"wrote {count} client methods to {args.out.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
