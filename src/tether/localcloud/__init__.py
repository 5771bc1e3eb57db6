"""Tether's embedded local cloud: an AWS-compatible endpoint on 127.0.0.1, built on moto.

It deploys the CloudFormation template Tether synthesises, completely (create, update, delete,
rollback), without Docker and without an AWS account. This package's top level only manages
the server process and imports no moto; the server (`tether.localcloud.server`) installs the
moto extensions (`tether.localcloud.extensions`) and runs the stack engine
(`tether.localcloud.engine`). Every request to it is signed with the credentials of its
TETHER_HOME (`home_credentials()`), which the server's gate (`tether.localcloud.gate`) checks.
"""

from __future__ import annotations

from tether.localcloud.credentials import LocalCredentials, home_credentials
from tether.localcloud.endpoint import DEFAULT_PORT, DEFAULT_REGION
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
    tether_home,
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
