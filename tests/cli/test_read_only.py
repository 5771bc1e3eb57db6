"""Commands that only read never start a local cloud: they say it is not running and how to
start it (or work from the stage's record when they need no cloud)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.helpers import tether, write_project
from tests.localcloud.helpers import free_port

PROJECT = """
name: quiet
resources:
  inbox: {type: sqs.queue}
functions:
  work:
    handler: app/work.handler
    triggers: [{resource: inbox}]
"""
STATE = {
    "stage": "dev",
    "target": "local",
    "region": "us-east-1",
    "stack": "quiet-dev",
    "endpoint": "http://127.0.0.1:4599",
    "outputs": {
        "InboxQueueUrl": "http://127.0.0.1:4599/123456789012/quiet-dev-InboxQueue-X",
        "InboxQueueArn": "arn:aws:sqs:us-east-1:123456789012:quiet-dev-InboxQueue-X",
        "InboxQueueName": "quiet-dev-InboxQueue-X",
    },
}


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("deployed", [False, True], ids=["never-deployed", "deployed-before"])
def test_read_only_commands_never_start_the_local_cloud(tmp_path: Path, deployed: bool) -> None:
    home = tmp_path / "home"
    port = free_port()
    env = {**os.environ, "TETHER_HOME": str(home), "TETHER_LOCAL_PORT": str(port)}
    project = write_project(tmp_path / "quiet", PROJECT)
    (project / "events").mkdir()
    (project / "events" / "one.test.yaml").write_text("function: work\nevent: {}\n")
    if deployed:
        (project / ".tether" / "dev").mkdir(parents=True)
        (project / ".tether" / "dev" / "state.json").write_text(json.dumps(STATE))

    for command in (
        ("outputs",),
        ("outputs", "--json"),
        ("invoke", "work"),
        ("logs", "work"),
        ("test",),
    ):
        done = tether(*command, cwd=project, env=env)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "error: the local cloud is not running" in done.stderr, command
        assert "`tether local start`" in done.stderr, command
        assert "Traceback" not in done.stderr

    # these need no cloud: they answer from the project and the stage's record
    listed = tether("resources", "--json", cwd=project, env=env)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["stale"] is False
    assert row["deployed"] == (STATE["outputs"]["InboxQueueArn"] if deployed else None)
    sample = tether("events", "new", "sqs", "--body", "hi", cwd=project, env=env)
    assert sample.returncode == 0, sample.stderr
    assert json.loads(sample.stdout)["Records"][0]["body"] == "hi"

    assert not listening(port)
    assert not (home / "local" / "cloud.json").exists()
    assert not (home / "local" / "cloud.log").exists()
