"""Templates for the local target name the local stand-ins of external resources (the local
cloud's account); templates for AWS name the real ones, untouched."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import write_project
from tether import load_project, synthesize

PROJECT = """
name: outside
resources:
  ledger:
    type: dynamodb.table
    external: arn:aws:dynamodb:eu-west-1:111122223333:table/ledger
    stream_arn: arn:aws:dynamodb:eu-west-1:111122223333:table/ledger/stream/2024-05-01T10:20:30.400
  inbox: {type: sqs.queue, external: "https://sqs.eu-west-1.amazonaws.com/111122223333/inbox"}
  archive: {type: s3.bucket, external: acme-archive}
functions:
  follow:
    handler: app/follow.handler
    triggers: [{resource: ledger}, {resource: inbox}]
    operations: [{resource: archive, actions: ["s3:PutObject"]}]
"""


def test_external_arns_move_to_the_local_account_on_the_local_target_only(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path / "outside", PROJECT))
    local = json.dumps(synthesize(project, stage="dev", target="local"))
    aws = json.dumps(synthesize(project, stage="dev", target="aws"))
    assert "111122223333" not in local
    assert (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/stream/2024-05-01T10:20:30.400"
        in local
    )
    assert "https://sqs.eu-west-1.amazonaws.com/123456789012/inbox" in local
    assert "arn:aws:sqs:eu-west-1:123456789012:inbox" in local
    assert local.count("123456789012") > 0 and "arn:aws:s3:::acme-archive" in local
    assert "arn:aws:dynamodb:eu-west-1:111122223333:table/ledger/stream/" in aws
    assert "123456789012" not in aws
    assert (
        project.resources["ledger"].external
        == "arn:aws:dynamodb:eu-west-1:111122223333:table/ledger"
    )
