"""The environment a worker starts with, built from scratch as Lambda builds it.

Nothing of the local cloud's own environment reaches the function except a few basics (PATH,
locale, HOME, TMPDIR): above all not the user's AWS credentials, profile or config files. The
function sees its own variables, Lambda's reserved ones, `AWS_ENDPOINT_URL` and the credentials
the local cloud issued to this function (`FunctionSpec.credentials`: a key pair derived from the
home's secret, with a session token naming the function), so every boto3 call it makes lands in
the local cloud, signed as that function, and is allowed only if the function's role allows it
(`tether.localcloud.authorize`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from tether.runtime.spec import FunctionSpec

BASICS = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "HOME", "TMPDIR")
DEFAULTS = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

CREDENTIAL_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# For a spec that brings no credentials (the runtime on its own, in tests): the local cloud
# refuses them, and no real ones are ever used.
PLACEHOLDER_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIATETHERLOCAL00000",
    "AWS_SECRET_ACCESS_KEY": "tether-local-cloud-placeholder-secret",
    "AWS_SESSION_TOKEN": "tether-local-cloud-placeholder-session-token",
}

# No profile, config or credentials file of the user's, and no instance metadata.
NO_USER_CONFIG = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
TZ = ":UTC"


def neutral_environment(inherited: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a spare worker: what every function's has in common, nothing of any
    function's own (and no credentials at all); replaced entirely when it is given one."""
    source = os.environ if inherited is None else inherited
    env = {**DEFAULTS, **{name: source[name] for name in BASICS if name in source}}
    env.update(NO_USER_CONFIG)
    env["TZ"] = TZ
    return env


def worker_environment(
    spec: FunctionSpec,
    *,
    endpoint: str,
    code_dir: str,
    log_stream: str,
    inherited: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of a worker of `spec` writing to `log_stream`."""
    source = os.environ if inherited is None else inherited
    given = credentials_of(spec)
    env = {**DEFAULTS, **{name: source[name] for name in BASICS if name in source}}
    env.update({str(name): str(value) for name, value in spec.environment.items()})
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": code_dir,
            "TZ": TZ,
            "AWS_ENDPOINT_URL": endpoint,
            **given,
            **NO_USER_CONFIG,
        }
    )
    for name in CREDENTIAL_NAMES:
        if name not in given:
            env.pop(name, None)  # no token of the function's own making
    return env


def credentials_of(spec: FunctionSpec) -> dict[str, str]:
    """The credential variables of `spec`'s workers (all three, or the placeholders)."""
    given = {n: str(spec.credentials[n]) for n in CREDENTIAL_NAMES if n in spec.credentials}
    if not given.get("AWS_ACCESS_KEY_ID") or not given.get("AWS_SECRET_ACCESS_KEY"):
        return dict(PLACEHOLDER_CREDENTIALS)
    return given
