"""The local cloud cannot be driven by web pages or other programs: a foreign Host, a web page's
Origin, a CORS preflight, an unsigned or wrongly signed request, an expired presigned URL and an
oversized body are all refused, and nothing is done; its own credentials work everywhere (boto3,
presigned URLs with plain urllib, `eval "$(tether local env)"` in bash)."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.helpers import local_session
from tests.localcloud.helpers import REGION, Client, free_port, unique
from tether.localcloud import LocalCloud, client, home_credentials, process
from tether.localcloud.credentials import LocalCredentials, function_credentials
from tether.localcloud.http.router import ApiRef, _ApiServer

CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
TEMPLATE = json.dumps(
    {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}}}
)

Answer = tuple[int, dict[str, str], bytes]


def netloc(cloud: LocalCloud) -> str:
    return f"127.0.0.1:{cloud.port}"


def signed(
    keys: LocalCredentials,
    method: str,
    url: str,
    *,
    body: bytes = b"",
    service: str = "s3",
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a request to `url` signed with `keys`, as boto3 would sign it."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(
        Credentials(keys.access_key_id, keys.secret_access_key, keys.session_token),
        service,
        REGION,
    ).add_auth(request)
    return dict(request.headers.items())


def send(
    cloud: LocalCloud,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
) -> Answer:
    """One request over a plain connection to the cloud, with exactly these headers (Host
    included, when given)."""
    connection = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def no_cors(headers: dict[str, str]) -> bool:
    return not any(name.startswith("access-control-") for name in headers)


def bucket_exists(aws: Client, bucket: str) -> bool:
    try:
        aws("s3").head_bucket(Bucket=bucket)
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        return False
    return True


def stack_exists(aws: Client, name: str) -> bool:
    try:
        aws("cloudformation").describe_stacks(StackName=name)
    except ClientError as error:
        assert "does not exist" in str(error)
        return False
    return True


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    code: str = caught.value.response["Error"]["Code"]
    return code


@pytest.fixture(scope="module")
def keys(cloud: LocalCloud, cloud_home: Path) -> LocalCredentials:
    return home_credentials(cloud_home)


# --- web pages ---------------------------------------------------------------------------------


def test_a_web_pages_cross_origin_requests_are_refused_and_do_nothing(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    bucket, stack_name = unique("evil-bucket"), unique("evil-stack")
    origin = {"Origin": "http://evil.example"}
    # What a page can send with fetch(): no signature (a form post to CloudFormation)...
    form = f"Action=CreateStack&Version=2010-05-15&StackName={stack_name}".encode()
    status, headers, body = send(
        cloud,
        "POST",
        "/",
        {**origin, "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    assert status == 403 and no_cors(headers)
    assert b"<Code>AccessDenied</Code>" in body and b"web pages" in body
    # ...and even a correctly signed request is refused once it carries a foreign Origin.
    url = f"http://{netloc(cloud)}/{bucket}"
    status, headers, _ = send(cloud, "PUT", f"/{bucket}", {**signed(keys, "PUT", url), **origin})
    assert status == 403 and no_cors(headers)
    cfn = f"http://{netloc(cloud)}/"
    create = (
        f"Action=CreateStack&Version=2010-05-15&StackName={stack_name}&TemplateBody="
        + urllib.parse.quote(TEMPLATE, safe="")
    ).encode()
    cfn_headers = signed(
        keys,
        "POST",
        cfn,
        body=create,
        service="cloudformation",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    status, headers, body = send(cloud, "POST", "/", {**cfn_headers, **origin}, create)
    assert status == 403 and no_cors(headers), body
    assert not bucket_exists(aws, bucket)
    assert not stack_exists(aws, stack_name)
    # Without the Origin, the same signed request goes through (it was refused for the page).
    status, _, body = send(cloud, "POST", "/", cfn_headers, create)
    assert status == 200, body
    assert stack_exists(aws, stack_name)


def test_preflights_are_refused_and_no_answer_carries_cors_headers(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client, cloud_home: Path
) -> None:
    bucket = unique("preflight")
    preflight = {
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,x-amz-date",
    }
    status, headers, _ = send(cloud, "OPTIONS", f"/{bucket}", preflight)
    assert status == 403 and no_cors(headers)
    status, headers, _ = send(cloud, "OPTIONS", f"/{bucket}", {})
    assert status == 403 and no_cors(headers)

    # An allowed origin (the IDE's, listed in the home's file) passes, signed, and still gets
    # no CORS headers (moto would add them for the bucket's CORS rules); the file is read
    # again when it changes.
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    url = f"http://{netloc(cloud)}/{bucket}"
    ide = {"Origin": "http://127.0.0.1:9"}
    allowed = cloud_home / "local" / "allowed-origins"
    allowed.write_text("# the IDE\nhttp://127.0.0.1:9\n")
    try:
        status, answer, body = send(cloud, "GET", f"/{bucket}", {**signed(keys, "GET", url), **ide})
        assert status == 200, body
        assert no_cors(answer)
        status, _, _ = send(cloud, "OPTIONS", f"/{bucket}", ide)
        assert status == 403
        status, _, _ = send(cloud, "GET", f"/{bucket}", ide)  # unsigned
        assert status == 403
    finally:
        allowed.unlink()
    status, _, _ = send(cloud, "GET", f"/{bucket}", {**signed(keys, "GET", url), **ide})
    assert status == 403


def test_a_foreign_host_is_refused_and_does_nothing(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    bucket = unique("rebound")
    for host in (
        f"evil.example:{cloud.port}",  # a page's own name, resolved to 127.0.0.1 (rebinding)
        "attacker.com",
        f"127.0.0.1:{free_port()}",  # loopback, but not this server's port
        f"localhost.evil.example:{cloud.port}",
        "",
    ):
        url = f"http://{host or netloc(cloud)}/{bucket}"
        headers = {**signed(keys, "PUT", url), "Host": host}
        status, answer, body = send(cloud, "PUT", f"/{bucket}", headers)
        assert status == 403 and no_cors(answer), host
        assert b"<Code>AccessDenied</Code>" in body, host
        status, _, _ = send(cloud, "GET", "/_tether/health", {"Host": host})
        assert status == 403, host
    assert not bucket_exists(aws, bucket)
    for host in (f"localhost:{cloud.port}", f"127.0.0.1:{cloud.port}"):
        status, _, body = send(cloud, "GET", "/_tether/health", {"Host": host})
        assert status == 200 and json.loads(body)["pid"] == cloud.pid
    url = f"http://localhost:{cloud.port}/{bucket}"
    headers = {**signed(keys, "PUT", url), "Host": f"localhost:{cloud.port}"}
    status, _, body = send(cloud, "PUT", f"/{bucket}", headers)
    assert status == 200, body
    assert bucket_exists(aws, bucket)


# --- signatures --------------------------------------------------------------------------------


def test_unsigned_requests_are_refused_and_do_nothing(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    anonymous = boto3.Session(region_name=REGION)
    config = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    s3 = anonymous.client("s3", endpoint_url=cloud.endpoint, config=config)
    sqs = anonymous.client("sqs", endpoint_url=cloud.endpoint, config=config)
    cfn = anonymous.client("cloudformation", endpoint_url=cloud.endpoint, config=config)
    bucket, queue, stack_name = unique("anon"), unique("anon"), unique("anon")
    assert error_code(lambda: s3.create_bucket(Bucket=bucket)) == "AccessDenied"
    assert error_code(lambda: sqs.create_queue(QueueName=queue)) == (
        "MissingAuthenticationTokenException"
    )
    assert error_code(lambda: cfn.create_stack(StackName=stack_name, TemplateBody=TEMPLATE)) == (
        "MissingAuthenticationToken"
    )
    assert not bucket_exists(aws, bucket)
    assert queue not in str(aws("sqs").list_queues().get("QueueUrls", []))
    assert not stack_exists(aws, stack_name)
    # moto's own control API (reset, ...) is no exception.
    status, _, _ = send(cloud, "POST", "/moto-api/reset", {})
    assert status == 403
    assert aws("s3").list_buckets()["Buckets"]  # nothing was reset
    # Nor is firing a schedule: it runs code.
    status, _, _ = send(cloud, "GET", "/_tether/schedules", {})
    assert status == 403
    status, _, _ = send(cloud, "POST", "/_tether/schedules/any/fire", {})
    assert status == 403
    status, body = client.request(cloud.endpoint, "GET", "/_tether/schedules", credentials=keys)
    assert status == 200 and "schedules" in json.loads(body)


def test_wrongly_signed_requests_are_refused_and_do_nothing(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    wrong_secret = boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key="not-the-secret",
        region_name=REGION,
    )
    stranger = boto3.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region_name=REGION,
    )
    bucket, table, stack_name = unique("forged"), unique("forged"), unique("forged")

    def attempts(session: boto3.Session) -> list[str]:
        def make(service: str) -> Any:
            return session.client(service, endpoint_url=cloud.endpoint, config=CONFIG)

        return [
            error_code(lambda: make("s3").create_bucket(Bucket=bucket)),
            error_code(
                lambda: make("dynamodb").create_table(
                    TableName=table,
                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                )
            ),
            error_code(
                lambda: make("cloudformation").create_stack(
                    StackName=stack_name, TemplateBody=TEMPLATE
                )
            ),
            error_code(lambda: make("lambda").list_functions()),
            error_code(lambda: make("sts").get_caller_identity()),
        ]

    assert attempts(wrong_secret) == ["SignatureDoesNotMatch"] * 5
    assert attempts(stranger) == [
        "InvalidAccessKeyId",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
    ]
    assert not bucket_exists(aws, bucket)
    assert table not in aws("dynamodb").list_tables()["TableNames"]
    assert not stack_exists(aws, stack_name)


def test_a_body_changed_after_signing_is_refused(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    bucket = unique("tamper")
    aws("s3").create_bucket(Bucket=bucket)
    url = f"http://{netloc(cloud)}/{bucket}/note.txt"
    headers = signed(keys, "PUT", url, body=b"what was signed")
    status, _, body = send(cloud, "PUT", f"/{bucket}/note.txt", headers, b"something else!")
    assert status == 400 and b"XAmzContentSHA256Mismatch" in body
    queue = unique("tamper")
    target = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    signed_body = json.dumps({"QueueName": queue}).encode()
    headers = signed(
        keys, "POST", f"http://{netloc(cloud)}/", body=signed_body, service="sqs", headers=target
    )
    other = json.dumps({"QueueName": queue + "x"}).encode()
    status, _, body = send(cloud, "POST", "/", headers, other)
    assert status == 403 and json.loads(body)["__type"] == "SignatureDoesNotMatch"
    assert aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert queue not in str(aws("sqs").list_queues().get("QueueUrls", []))
    # Sent as signed, it works.
    status, _, body = send(cloud, "POST", "/", headers, signed_body)
    assert status == 200, body


def test_a_functions_key_pair_is_accepted_and_its_token_cannot_be_forged(
    cloud: LocalCloud, keys: LocalCredentials
) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:some-function"
    issued = function_credentials(keys, arn)
    assert issued.access_key_id.startswith("ASIA") and issued.session_token

    def sts(access: str, secret: str, token: str | None) -> Any:
        return boto3.Session(
            aws_access_key_id=access,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name=REGION,
        ).client("sts", endpoint_url=cloud.endpoint, config=CONFIG)

    sts(issued.access_key_id, issued.secret_access_key, issued.session_token).get_caller_identity()
    other = function_credentials(keys, arn.replace("some-function", "another"))
    forged = [
        (issued.access_key_id, issued.secret_access_key, other.session_token),
        (issued.access_key_id, issued.secret_access_key, None),
        (keys.access_key_id, keys.secret_access_key, issued.session_token),
    ]
    for access, secret, token in forged:
        refused = sts(access, secret, token)
        assert error_code(refused.get_caller_identity) == "InvalidClientTokenId"


def test_an_aws_chunked_upload_is_checked_chunk_by_chunk(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    bucket = unique("chunked")
    aws("s3").create_bucket(Bucket=bucket)
    chunks = [b"a" * 8192, b"b" * 100, b""]

    class Streaming(S3SigV4Auth):  # type: ignore[misc]
        def payload(self, request: Any) -> str:
            return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

    def upload(key: str, tamper: bool) -> tuple[int, bytes]:
        url = f"http://{netloc(cloud)}/{bucket}/{key}"
        request = AWSRequest(
            method="PUT",
            url=url,
            headers={
                "Content-Encoding": "aws-chunked",
                "x-amz-decoded-content-length": str(sum(map(len, chunks))),
            },
        )
        signer = Streaming(Credentials(keys.access_key_id, keys.secret_access_key), "s3", REGION)
        signer.add_auth(request)
        previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
        scope = signer.credential_scope(request)
        empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        body = b""
        for data in chunks:
            to_sign = "\n".join(
                [
                    "AWS4-HMAC-SHA256-PAYLOAD",
                    request.context["timestamp"],
                    scope,
                    previous,
                    empty,
                    hashlib.sha256(data).hexdigest(),
                ]
            )
            previous = signer.signature(to_sign, request)
            sent = data.replace(b"b", b"c") if tamper else data
            body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
        status, _, answer = send(
            cloud, "PUT", f"/{bucket}/{key}", dict(request.headers.items()), body
        )
        return status, answer

    assert upload("tampered", tamper=True)[0] == 403
    status, answer = upload("good", tamper=False)
    assert status == 200, answer
    objects = aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [o["Key"] for o in objects] == ["good"]
    assert aws("s3").get_object(Bucket=bucket, Key="good")["Body"].read() == b"".join(chunks)


# --- presigned URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["default", "s3v4"])
def test_presigned_urls_work_with_plain_urllib(
    cloud: LocalCloud, cloud_home: Path, aws: Client, version: str
) -> None:
    config = CONFIG if version == "default" else CONFIG.merge(Config(signature_version="s3v4"))
    s3 = local_session(cloud_home).client("s3", endpoint_url=cloud.endpoint, config=config)
    bucket = unique("presigned")
    s3.create_bucket(Bucket=bucket)
    key = "photos/a cat+dog.jpg"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key})
    if version == "default":
        assert "AWSAccessKeyId=" in put  # boto3 still presigns S3 with Signature Version 2
    else:
        assert "X-Amz-Signature=" in put
    request = urllib.request.Request(
        put, data=b"meow", method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    with urllib.request.urlopen(get, timeout=30) as response:
        assert response.read() == b"meow"
    # Tampering with the URL breaks it.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(get.replace("a%20cat", "a%20bat"), timeout=30)
    assert refused.value.code == 403


def test_an_expired_presigned_url_is_refused_and_does_nothing(
    cloud: LocalCloud, cloud_home: Path, aws: Client
) -> None:
    bucket = unique("expired")
    aws("s3").create_bucket(Bucket=bucket)
    urls = []
    for signature in ("s3", "s3v4"):
        s3 = local_session(cloud_home).client(
            "s3",
            endpoint_url=cloud.endpoint,
            config=CONFIG.merge(Config(signature_version=signature)),
        )
        urls.append(
            s3.generate_presigned_url(
                "put_object", Params={"Bucket": bucket, "Key": signature}, ExpiresIn=1
            )
        )
    time.sleep(2.1)
    for url in urls:
        request = urllib.request.Request(url, data=b"late", method="PUT")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
        assert b"expired" in refused.value.read()
    assert aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# --- the credentials work ----------------------------------------------------------------------


def test_boto3_with_the_credentials_works_for_every_service(aws: Client) -> None:
    name = unique("smoke")
    aws("s3").create_bucket(Bucket=name)
    big = os.urandom(9 * 1024 * 1024)  # over boto3's multipart threshold
    aws("s3").upload_fileobj(io.BytesIO(big), name, "big.bin")
    assert aws("s3").get_object(Bucket=name, Key="big.bin")["Body"].read() == big
    aws("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws("dynamodb").put_item(TableName=name, Item={"id": {"S": "a"}})
    queue = aws("sqs").create_queue(QueueName=name)["QueueUrl"]
    aws("sqs").send_message(QueueUrl=queue, MessageBody="hi")
    aws("sns").create_topic(Name=name)
    aws("lambda").list_functions()
    aws("cloudformation").validate_template(TemplateBody=TEMPLATE)
    assert aws("sts").get_caller_identity()["Account"] == "123456789012"
    aws("logs").create_log_group(logGroupName=f"/smoke/{name}")
    aws("events").put_rule(Name=name, ScheduleExpression="rate(1 hour)")
    aws("apigatewayv2").create_api(Name=name, ProtocolType="HTTP")
    aws("iam").list_roles()


def test_the_credentials_are_private_and_kept_across_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TETHER_HOME", str(tmp_path))
    first = process.start(free_port())
    try:
        path = tmp_path / "local" / "credentials.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        keys = home_credentials()
        assert keys.access_key_id.startswith("AKIA") and len(keys.access_key_id) == 20
        assert len(keys.secret_access_key) >= 40
        local_session(tmp_path).client("s3", endpoint_url=first.endpoint).create_bucket(
            Bucket="kept"
        )
    finally:
        process.stop()
    second = process.start(free_port())
    try:
        assert home_credentials() == keys
        s3 = local_session(tmp_path).client("s3", endpoint_url=second.endpoint)
        s3.list_buckets()
    finally:
        process.stop()


def test_tether_local_env_points_a_shell_at_the_local_cloud(
    cloud: LocalCloud, cloud_home: Path, aws: Client, tmp_path: Path
) -> None:
    bucket = unique("from-bash")
    aws("s3").create_bucket(Bucket=bucket)
    env = {
        **os.environ,
        "TETHER_HOME": str(cloud_home),
        "AWS_PROFILE": "someone-real",
        "AWS_SESSION_TOKEN": "a-real-token",
        "AWS_ACCESS_KEY_ID": "AKIAREALUSERKEY00000",
    }
    listing = tmp_path / "list_buckets.py"
    listing.write_text(
        "import boto3\n"
        "print(' '.join(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))\n"
    )
    tether = f"{sys.executable} -m tether.cli.main"
    script = f'eval "$({tether} local env)" && {sys.executable} {listing}'
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert bucket in done.stdout.split()
    lines = subprocess.run(
        [sys.executable, "-m", "tether.cli.main", "local", "env"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert f"export AWS_ENDPOINT_URL={cloud.endpoint}" in lines
    assert "export AWS_REGION=us-east-1" in lines
    assert any(line.startswith("unset ") and "AWS_PROFILE" in line for line in lines)
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "tether.cli.main", "local", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    keys = home_credentials(cloud_home)
    assert status["endpoint"] == cloud.endpoint and status["pid"] == cloud.pid
    assert status["region"] == "us-east-1"
    assert (status["access_key_id"], status["secret_access_key"]) == (
        keys.access_key_id,
        keys.secret_access_key,
    )


# --- request size ------------------------------------------------------------------------------


@pytest.fixture
def raw_socket(cloud: LocalCloud) -> Iterator[socket.socket]:
    connection = socket.create_connection(("127.0.0.1", cloud.port), timeout=10)
    try:
        yield connection
    finally:
        connection.close()


def read_status(connection: socket.socket) -> int:
    answer = b""
    while b"\r\n" not in answer:
        piece = connection.recv(4096)
        if not piece:
            break
        answer += piece
    return int(answer.split(b" ", 2)[1])


def test_a_chunked_body_announcing_too_much_gets_413_without_being_read(
    cloud: LocalCloud, keys: LocalCredentials, raw_socket: socket.socket, aws: Client
) -> None:
    bucket = unique("huge")
    aws("s3").create_bucket(Bucket=bucket)
    url = f"http://{netloc(cloud)}/{bucket}/huge"
    headers = signed(keys, "PUT", url)
    lines = [f"PUT /{bucket}/huge HTTP/1.1", f"Host: {netloc(cloud)}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    raw_socket.sendall(("\r\n".join(lines) + "\r\n\r\nffffffffff\r\n").encode())
    started = time.monotonic()
    assert read_status(raw_socket) == 413
    assert time.monotonic() - started < 5
    assert aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_a_content_length_over_the_limit_gets_413_at_once(
    cloud: LocalCloud, raw_socket: socket.socket
) -> None:
    request = (
        f"PUT /anything/huge HTTP/1.1\r\nHost: {netloc(cloud)}\r\nContent-Length: {1 << 40}\r\n\r\n"
    )
    raw_socket.sendall(request.encode() + b"x" * 1024)
    assert read_status(raw_socket) == 413


def test_tether_local_env_prints_nothing_when_the_local_cloud_is_not_running(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tether.cli.main", "local", "env"],
        env={**os.environ, "TETHER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "not running" in done.stderr and "tether local start" in done.stderr


# --- one signed thing must not buy more than it signed (found by attacking the gate) ---------


def presigned(aws: Client, method: str, params: dict[str, str], version: str) -> str:
    """A presigned URL's path and query, made as boto3 makes them (V2 by default, or V4)."""
    session = local_session_of(aws)
    config = Config(signature_version=version, s3={"addressing_style": "path"})
    s3 = session.client("s3", endpoint_url=aws("s3").meta.endpoint_url, config=config)
    url: str = s3.generate_presigned_url(method, Params=params, ExpiresIn=600)
    split = urllib.parse.urlsplit(url)
    return f"{split.path}?{split.query}"


def local_session_of(aws: Client) -> boto3.session.Session:
    creds = aws("s3")._request_signer._credentials
    return boto3.session.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        region_name=REGION,
    )


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_a_presigned_upload_url_cannot_copy_another_object(
    cloud: LocalCloud, aws: Client, version: str
) -> None:
    victim, uploads = unique("victim"), unique("uploads")
    aws("s3").create_bucket(Bucket=victim)
    aws("s3").create_bucket(Bucket=uploads)
    aws("s3").put_object(Bucket=victim, Key="secret.txt", Body=b"TOP SECRET")
    path = presigned(aws, "put_object", {"Bucket": uploads, "Key": "mine"}, version)
    status, _, body = send(
        cloud,
        "PUT",
        path,
        {"Host": netloc(cloud), "x-amz-copy-source": f"/{victim}/secret.txt"},
    )
    assert status == 403, body
    assert error_code(lambda: aws("s3").head_object(Bucket=uploads, Key="mine")) == "404"
    # the URL still does what it was made for
    status, _, body = send(cloud, "PUT", path, {"Host": netloc(cloud)}, b"my upload")
    assert status == 200, body
    assert aws("s3").get_object(Bucket=uploads, Key="mine")["Body"].read() == b"my upload"


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_a_presigned_s3_url_reaches_s3_and_no_other_service(
    cloud: LocalCloud, aws: Client, version: str
) -> None:
    path = presigned(aws, "list_buckets", {}, version)
    queue = unique("smuggled")
    json_call = json.dumps({"QueueName": queue}).encode()
    send(
        cloud,
        "POST",
        path,
        {
            "Host": netloc(cloud),
            "X-Amz-Target": "AmazonSQS.CreateQueue",
            "Content-Type": "application/x-amz-json-1.0",
        },
        json_call,
    )
    form = f"Action=CreateQueue&QueueName={queue}&Version=2012-11-05".encode()
    send(
        cloud,
        "GET",
        path,
        {"Host": netloc(cloud), "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    assert not any(queue in url for url in aws("sqs").list_queues().get("QueueUrls", []))


def test_a_second_credential_in_the_authorization_header_is_refused(
    cloud: LocalCloud, keys: LocalCredentials, aws: Client
) -> None:
    queue = unique("second-credential")
    body = json.dumps({"QueueName": queue}).encode()
    headers = signed(keys, "POST", f"http://{netloc(cloud)}/", body=body)
    scheme, _, rest = headers["Authorization"].partition(" ")
    day = headers["X-Amz-Date"][:8]
    sqs_scope = f"Credential={keys.access_key_id}/{day}/{REGION}/sqs/aws4_request"
    headers["Authorization"] = f"{scheme} {sqs_scope}, {rest}"
    headers.update(
        {"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
    )
    status, _, _ = send(cloud, "POST", "/", headers, body)
    assert status in (400, 403)
    assert not any(queue in url for url in aws("sqs").list_queues().get("QueueUrls", []))


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_a_signature_covers_the_exact_path_acted_on(
    cloud: LocalCloud, aws: Client, version: str
) -> None:
    victim, mine = unique("victim"), unique("mine")
    aws("s3").create_bucket(Bucket=victim)
    aws("s3").create_bucket(Bucket=mine)
    path = presigned(aws, "put_object", {"Bucket": mine, "Key": "k"}, version)
    route, _, query = path.partition("?")
    smuggled = f"/{victim}/evil://x{route}?{query}"
    status, _, _ = send(cloud, "PUT", smuggled, {"Host": netloc(cloud)}, b"attacker data")
    assert status in (400, 403)
    assert aws("s3").list_objects_v2(Bucket=victim).get("KeyCount") == 0


def test_a_plus_in_a_signed_query_is_refused_not_read_two_ways(
    cloud: LocalCloud, aws: Client
) -> None:
    bucket = unique("plus")
    aws("s3").create_bucket(Bucket=bucket)
    path = presigned(aws, "list_objects_v2", {"Bucket": bucket, "Prefix": "a+b"}, "s3v4")
    assert "a%2Bb" in path
    status, _, _ = send(cloud, "GET", path.replace("a%2Bb", "a+b"), {"Host": netloc(cloud)})
    assert status in (400, 403)


def test_a_v2_presigned_url_cannot_live_for_years_or_gain_sub_resources(
    cloud: LocalCloud, aws: Client
) -> None:
    bucket = unique("v2")
    aws("s3").create_bucket(Bucket=bucket)
    creds = local_session_of(aws).get_credentials()
    s3 = boto3.session.Session().client(
        "s3",
        endpoint_url=aws("s3").meta.endpoint_url,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        region_name=REGION,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    forever = s3.generate_presigned_url(
        "list_objects", Params={"Bucket": bucket}, ExpiresIn=10 * 365 * 24 * 3600
    )
    split = urllib.parse.urlsplit(forever)
    status, _, _ = send(cloud, "GET", f"{split.path}?{split.query}", {"Host": netloc(cloud)})
    assert status in (400, 403)
    path = presigned(aws, "get_object", {"Bucket": bucket, "Key": "k"}, "s3")
    status, _, _ = send(cloud, "PUT", path + "&publicAccessBlock", {"Host": netloc(cloud)})
    assert status == 403


def test_an_http_api_port_answers_only_its_loopback_host() -> None:
    """A page that reached a local API's port by DNS rebinding sends its own host name."""
    server = _ApiServer(("127.0.0.1", 0), ApiRef("123456789012", REGION, "api"), socket.AF_INET)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/", headers={"Host": f"attacker.example:{port}"})
        response = connection.getresponse()
        assert response.status == 403
        assert json.loads(response.read()) == {"message": "Forbidden"}
    finally:
        server.shutdown()
        server.server_close()
