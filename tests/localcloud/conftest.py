"""Fixtures for the local cloud tests, on the session's local cloud (`cloud`, tests/conftest.py):
boto3 clients pointed at it, and a code artifact in S3."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from tests.helpers import local_session
from tests.localcloud.helpers import REGION, Client, unique
from tether.localcloud import LocalCloud


@pytest.fixture(scope="session")
def aws(cloud: LocalCloud, cloud_home: Path) -> Client:
    """`aws("s3")` is a boto3 client of the local cloud, with its credentials."""
    session = local_session(cloud_home, REGION)
    config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=cloud.endpoint, config=config)
        return clients[service]

    return client


@pytest.fixture(scope="session")
def artifact(aws: Client) -> dict[str, str]:
    """A code zip in S3, as Tether uploads it, and a role functions can use:
    {"bucket": ..., "key": ..., "role": role ARN}."""
    bucket = unique("artifacts")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/handler.py", "def handler(event, context):\n    return {}\n")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="code.zip", Body=buffer.getvalue())
    role = aws("iam").create_role(
        RoleName=unique("lambda"),
        AssumeRolePolicyDocument=json.dumps(
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
        ),
    )
    return {"bucket": bucket, "key": "code.zip", "role": role["Role"]["Arn"]}
