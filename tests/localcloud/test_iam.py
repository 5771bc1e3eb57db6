"""IAM for function code, on a real local cloud: a request signed with a function's credentials is
allowed only by its role's policies as they are at that moment, and refused as AWS refuses it;
the home's credentials keep full access.

These tests sign as the function directly (`function_credentials`), as its workers do, so each
call is one request; tests/functional/test_iam.py runs real function code."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.localcloud.helpers import ACCOUNT, REGION, Client, unique
from tether.localcloud import LocalCloud, home_credentials
from tether.localcloud.credentials import function_credentials

CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Fn:
    """A function (and its role) of the local cloud, and boto3 clients signed as it."""

    def __init__(self, cloud: LocalCloud, home: Path, aws: Client, artifact: dict[str, str]):
        self.aws = aws
        self.role = unique("role")
        self.role_arn = aws("iam").create_role(RoleName=self.role, AssumeRolePolicyDocument=TRUST)[
            "Role"
        ]["Arn"]
        self.name = unique("fn")
        aws("lambda").create_function(
            FunctionName=self.name,
            Runtime="python3.12",
            Handler="app/handler.handler",
            Role=self.role_arn,
            Code={"S3Bucket": artifact["bucket"], "S3Key": artifact["key"]},
        )
        self.arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"
        self.keys = keys = function_credentials(home_credentials(home), self.arn)
        self.session = boto3.Session(
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            aws_session_token=keys.session_token,
            region_name=REGION,
        )
        self.endpoint = cloud.endpoint
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint, config=CONFIG
            )
        return self._clients[service]

    def grant(self, name: str, *statements: dict[str, Any]) -> None:
        self.aws("iam").put_role_policy(
            RoleName=self.role, PolicyName=name, PolicyDocument=document(*statements)
        )

    @property
    def session_arn(self) -> str:
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.role}/{self.name}"


@pytest.fixture
def fn(cloud: LocalCloud, cloud_home: Path, aws: Client, artifact: dict[str, str]) -> Fn:
    return Fn(cloud, cloud_home, aws, artifact)


@pytest.fixture
def table(aws: Client) -> Iterator[str]:
    """A table, deleted afterwards (other tests of this cloud expect to see none of theirs)."""
    name = unique("t")
    aws("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    aws("dynamodb").delete_table(TableName=name)


def refusal(call: Callable[[], Any]) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a call that must be refused."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return (
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Code"],
        error["Error"]["Message"],
    )


def not_authorized(fn: Fn, action: str, resource: str) -> str:
    return (
        f"User: {fn.session_arn} is not authorized to perform: {action} on resource: "
        f"{resource} because no identity-based policy allows the {action} action"
    )


def test_a_role_without_the_permission_is_refused_as_aws_refuses_it(
    fn: Fn, aws: Client, table: str
) -> None:
    bucket, queue, topic = (unique(stem) for stem in ("b", "q", "topic"))
    aws("s3").create_bucket(Bucket=bucket)
    queue_url = aws("sqs").create_queue(QueueName=queue)["QueueUrl"]
    topic_arn = aws("sns").create_topic(Name=topic)["TopicArn"]

    status, code, message = refusal(lambda: fn("s3").put_object(Bucket=bucket, Key="k", Body=b"x"))
    assert (status, code) == (403, "AccessDenied")
    assert message == not_authorized(fn, "s3:PutObject", f'"arn:aws:s3:::{bucket}/k"')
    assert aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0  # moto never saw it

    status, code, message = refusal(
        lambda: fn("dynamodb").put_item(TableName=table, Item={"id": {"S": "1"}})
    )
    assert (status, code) == (400, "AccessDeniedException")
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    assert message == not_authorized(fn, "dynamodb:PutItem", table_arn)
    assert aws("dynamodb").scan(TableName=table)["Count"] == 0

    status, code, message = refusal(
        lambda: fn("sqs").send_message(QueueUrl=queue_url, MessageBody="x")
    )
    assert (status, code) == (403, "AccessDenied")
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"
    assert message == not_authorized(fn, "sqs:SendMessage", queue_arn)

    status, code, message = refusal(lambda: fn("sns").publish(TopicArn=topic_arn, Message="x"))
    assert (status, code) == (403, "AuthorizationError")
    assert message == not_authorized(fn, "SNS:Publish", topic_arn)

    status, code, _ = refusal(lambda: fn("lambda").invoke(FunctionName=fn.name))
    assert (status, code) == (403, "AccessDeniedException")


def test_a_granted_action_works_at_once_and_only_on_its_resources(fn: Fn, aws: Client) -> None:
    bucket, other = unique("b"), unique("b")
    for name in (bucket, other):
        aws("s3").create_bucket(Bucket=name)
    fn.grant(
        "objects",
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:Get*"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
        },
    )
    fn("s3").put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    assert fn("s3").get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"hello"
    assert refusal(lambda: fn("s3").put_object(Bucket=other, Key="a.txt", Body=b"x"))[1] == (
        "AccessDenied"
    )
    # listing is an action on the bucket, not on its objects
    assert refusal(lambda: fn("s3").list_objects_v2(Bucket=bucket))[1] == "AccessDenied"
    fn.grant(
        "list", {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
    )
    assert fn("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    # a copy needs to read its source and to write its target
    assert refusal(
        lambda: fn("s3").copy_object(
            Bucket=bucket, Key="b.txt", CopySource={"Bucket": other, "Key": "x"}
        )
    )[2].endswith("because no identity-based policy allows the s3:GetObject action")
    fn("s3").copy_object(Bucket=bucket, Key="b.txt", CopySource={"Bucket": bucket, "Key": "a.txt"})
    # removing the permission takes effect at once too
    aws("iam").delete_role_policy(RoleName=fn.role, PolicyName="objects")
    assert refusal(lambda: fn("s3").get_object(Bucket=bucket, Key="a.txt"))[1] == "AccessDenied"


def test_an_explicit_deny_in_a_managed_policy_wins(fn: Fn, aws: Client) -> None:
    bucket = unique("b")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="keep", Body=b"x")
    fn.grant("all", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    fn("s3").head_object(Bucket=bucket, Key="keep")
    policy = aws("iam").create_policy(
        PolicyName=unique("no-deletes"),
        PolicyDocument=document({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    )["Policy"]["Arn"]
    aws("iam").attach_role_policy(RoleName=fn.role, PolicyArn=policy)
    _, code, message = refusal(lambda: fn("s3").delete_object(Bucket=bucket, Key="keep"))
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in an identity-based policy")
    assert aws("s3").head_object(Bucket=bucket, Key="keep")
    # a new default version of the managed policy is read at once
    aws("iam").create_policy_version(
        PolicyArn=policy,
        PolicyDocument=document({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}),
        SetAsDefault=True,
    )
    fn("s3").delete_object(Bucket=bucket, Key="keep")
    assert refusal(lambda: fn("s3").put_object(Bucket=bucket, Key="k", Body=b""))[1] == (
        "AccessDenied"
    )
    aws("iam").detach_role_policy(RoleName=fn.role, PolicyArn=policy)
    fn("s3").put_object(Bucket=bucket, Key="k", Body=b"")


def test_a_permissions_boundary_caps_what_the_role_allows(fn: Fn, aws: Client, table: str) -> None:
    fn.grant("all", {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    boundary = aws("iam").create_policy(
        PolicyName=unique("reads"),
        PolicyDocument=document(
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": "*"}
        ),
    )["Policy"]["Arn"]
    aws("iam").put_role_permissions_boundary(RoleName=fn.role, PermissionsBoundary=boundary)
    fn("dynamodb").scan(TableName=table)
    _, code, message = refusal(
        lambda: fn("dynamodb").put_item(TableName=table, Item={"id": {"S": "1"}})
    )
    assert code == "AccessDeniedException"
    assert message.endswith("because no permissions boundary allows the dynamodb:PutItem action")


def test_conditions_are_evaluated(fn: Fn, aws: Client) -> None:
    bucket = unique("b")
    aws("s3").create_bucket(Bucket=bucket)
    fn.grant(
        "public-listing",
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {
                "StringLike": {"s3:prefix": "public/*"},
                "ArnEquals": {"lambda:SourceFunctionArn": fn.arn},
            },
        },
    )
    fn("s3").list_objects_v2(Bucket=bucket, Prefix="public/a")
    assert refusal(lambda: fn("s3").list_objects_v2(Bucket=bucket, Prefix="private/"))[1] == (
        "AccessDenied"
    )


def test_the_role_as_deployed_now_decides(fn: Fn, aws: Client) -> None:
    """A function given another role is judged by that role from its next call."""
    queue_url = aws("sqs").create_queue(QueueName=unique("q"))["QueueUrl"]
    other = unique("role")
    other_arn = aws("iam").create_role(RoleName=other, AssumeRolePolicyDocument=TRUST)["Role"][
        "Arn"
    ]
    aws("iam").put_role_policy(
        RoleName=other,
        PolicyName="send",
        PolicyDocument=document({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}),
    )
    assert refusal(lambda: fn("sqs").send_message(QueueUrl=queue_url, MessageBody="x"))[1] == (
        "AccessDenied"
    )
    aws("lambda").update_function_configuration(FunctionName=fn.name, Role=other_arn)
    fn("sqs").send_message(QueueUrl=queue_url, MessageBody="x")
    aws("lambda").delete_function(FunctionName=fn.name)
    # a function that no longer exists has no role: nothing is allowed
    assert refusal(lambda: fn("sqs").send_message(QueueUrl=queue_url, MessageBody="x"))[1] == (
        "AccessDenied"
    )


def test_a_url_a_function_presigned_carries_its_permissions(fn: Fn, aws: Client) -> None:
    bucket = unique("b")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="photo.jpg", Body=b"jpeg")
    url = fn("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "photo.jpg"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
    assert b"<Code>AccessDenied</Code>" in refused.value.read()
    fn.grant("read", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"jpeg"


def test_the_home_credentials_keep_full_access_and_functions_reach_only_aws_apis(
    fn: Fn, aws: Client, cloud: LocalCloud
) -> None:
    bucket = unique("b")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    aws("lambda").list_functions()
    fn("sts").get_caller_identity()  # needs no permission, as on AWS
    fn.grant("all", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    keys = fn.keys
    for path in ("/moto-api/reset", "/_tether/schedules"):
        prepared = AWSRequest(method="POST", url=f"{cloud.endpoint}{path}", data=b"")
        credentials = Credentials(keys.access_key_id, keys.secret_access_key, keys.session_token)
        SigV4Auth(credentials, "sts", REGION).add_auth(prepared)
        request = urllib.request.Request(
            prepared.url, data=b"", method="POST", headers=dict(prepared.headers.items())
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403, path
    assert aws("s3").get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"  # no reset
