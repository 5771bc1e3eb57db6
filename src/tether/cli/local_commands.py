"""`tether local start|stop|status|env`: the embedded local cloud, an AWS-compatible endpoint on
127.0.0.1 that keeps its state in memory (it is gone when the local cloud stops). It answers
only requests signed with its own credentials: `status --json` shows them, and
`eval "$(tether local env)"` points a shell's aws CLI and boto3 scripts at it."""

from __future__ import annotations

import json
import shlex

import click

# Whatever would make the aws CLI or boto3 sign with something else, or look elsewhere.
UNSET = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


@click.group()
def local() -> None:
    """Run the local cloud (AWS on 127.0.0.1, no account, no Docker; state in memory)."""


@local.command()
@click.option(
    "--port",
    type=click.IntRange(1024, 65535),
    help="Port to listen on (default: $TETHER_LOCAL_PORT, else 4599).",
)
@click.option(
    "--foreground", is_flag=True, help="Run in this terminal and show its log; Ctrl-C stops it."
)
def start(port: int | None, foreground: bool) -> int:
    """Start the local cloud in the background (or in the foreground)."""
    from tether.localcloud import start as start_cloud

    cloud = start_cloud(port, foreground=foreground)
    if not foreground:
        click.echo(
            f"local cloud running at {cloud.endpoint} (pid {cloud.pid}); its state lives in memory"
        )
    return 0


@local.command()
def stop() -> int:
    """Stop the local cloud; everything deployed to it is forgotten."""
    from tether.localcloud import stop as stop_cloud

    click.echo("local cloud stopped" if stop_cloud() else "the local cloud was not running")
    return 0


@local.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"endpoint": ..., "pid": ..., "region": ..., "access_key_id": ..., '
    '"secret_access_key": ...}.',
)
def status(as_json: bool) -> int:
    """Is the local cloud running, and where? Exits 1 when it is not."""
    from tether.localcloud import DEFAULT_REGION, home_credentials
    from tether.localcloud import status as cloud_status

    cloud = cloud_status()
    if as_json:
        answer: dict[str, object] = cloud.as_json() if cloud else {"endpoint": None, "pid": None}
        keys = home_credentials()
        answer.update(
            region=DEFAULT_REGION,
            access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key,
        )
        click.echo(json.dumps(answer))
    elif cloud is None:
        click.echo("the local cloud is not running (`tether local start` starts it)")
    else:
        click.echo(
            f"local cloud running at {cloud.endpoint} (pid {cloud.pid}); state is kept in memory only"
        )
    return 0 if cloud else 1


@local.command()
def env() -> int:
    """Print shell lines that point the aws CLI and boto3 at the local cloud.

    Use as `eval "$(tether local env)"`. Exits 1 (printing nothing) when it is not running.
    """
    from tether.errors import TetherError
    from tether.localcloud import DEFAULT_REGION, home_credentials
    from tether.localcloud import status as cloud_status

    cloud = cloud_status()
    if cloud is None:
        raise TetherError(
            "the local cloud is not running", hint="start it with `tether local start`"
        )
    keys = home_credentials()
    values = {
        "AWS_ENDPOINT_URL": cloud.endpoint,
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
        "AWS_REGION": DEFAULT_REGION,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
    }
    for name, value in values.items():
        click.echo(f"export {name}={shlex.quote(value)}")
    click.echo(f"unset {' '.join(UNSET)}")
    return 0
