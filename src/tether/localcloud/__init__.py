"""Tether's embedded local cloud: an AWS-compatible endpoint on 127.0.0.1, built on moto.

It deploys the CloudFormation template Tether synthesises, completely (create, update, delete,
rollback), without Docker and without an AWS account. This package's top level only manages
the server process and imports no moto. Every request to the server is signed with the
credentials of its TETHER_HOME (`home_credentials()`), which the server's gate checks.

Layout. The top level is the server itself, what every service goes through: `process` starts
and stops it (`home`: where its files are), `server` runs it, `gate` and `signatures` check
each request (`origins`, `credentials`, `endpoint`), `dispatch` hands it to moto, `authorize*`
holds a function's calls to its role, `limits` is AWS's quotas as data, `persistence` saves and
restores the state, `client` calls it. What Tether adds to moto lives in a folder per service,
as in moto: `cloudformation/` (the stack engine), `lambda_/` (the runtime and event sources),
`http/` (API Gateway v2 and the HTTP router), `scheduler/` (EventBridge), `s3/`, `sns/`,
`sqs/`, `iam/`, `dynamodb/`, `logs/`. Those modules change moto only through `_patching` (the
seam, snapshotted by tests/localcloud/test_moto_seam.py), and `extensions` lists them, in the
order the server installs them.
"""

from __future__ import annotations

from tether.localcloud.credentials import LocalCredentials, home_credentials
from tether.localcloud.endpoint import DEFAULT_PORT, DEFAULT_REGION
from tether.localcloud.home import tether_home
from tether.localcloud.persistence import StateRefused
from tether.localcloud.process import (
    LocalCloud,
    ensure_running,
    log_file,
    saved_state,
    start,
    state_dir,
    state_file,
    status,
    stop,
)

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_REGION",
    "LocalCloud",
    "LocalCredentials",
    "StateRefused",
    "ensure_running",
    "home_credentials",
    "log_file",
    "saved_state",
    "start",
    "state_dir",
    "state_file",
    "status",
    "stop",
    "tether_home",
]
