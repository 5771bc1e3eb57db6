"""`tether local start|stop|status|env`: the embedded local cloud, an AWS-compatible endpoint on
127.0.0.1. What is deployed to it is saved under `$TETHER_HOME/local/state` and comes back at
the next start (after a stop or a crash); `stop --forget` wipes it. It answers only requests
signed with its own credentials: `status --json` shows them, and `eval "$(tether local env)"`
points a shell's aws CLI and boto3 scripts at it."""

from __future__ import annotations

import json
import shlex

import click

# Whatever would make the aws CLI or boto3 sign with something else, or look elsewhere.
UNSET = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


@click.group()
def local() -> None:
    """Run the local cloud (AWS on 127.0.0.1, no account, no Docker; its state is kept in
    $TETHER_HOME/local/state across stops and crashes)."""


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
    """Start the local cloud in the background (or in the foreground), with what was deployed
    to it before it last stopped."""
    from tether.localcloud import saved_state, status
    from tether.localcloud import start as start_cloud

    running = status()
    saved = None if running is not None else saved_state()
    cloud = start_cloud(port, foreground=foreground)
    if not foreground:
        state = (
            "it was already running"
            if running is not None
            else f"restored {saved.describe()}"
            if saved is not None
            else "it starts empty"
        )
        click.echo(f"local cloud running at {cloud.endpoint} (pid {cloud.pid}); {state}")
    return 0


@local.command()
@click.option(
    "--forget",
    is_flag=True,
    help="Also wipe its saved state: everything deployed to it is gone, the next start is empty.",
)
def stop(forget: bool) -> int:
    """Stop the local cloud; it saves its state first, and the next start restores it."""
    from tether.localcloud import state_dir
    from tether.localcloud import stop as stop_cloud

    stopped = stop_cloud(forget=forget)
    said = "local cloud stopped" if stopped else "the local cloud was not running"
    if forget:
        said += f"; its saved state was wiped ({state_dir()}): the next start is empty"
    elif stopped:
        said += f"; its state is saved in {state_dir()} (`tether local start` restores it)"
    click.echo(said)
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
    from tether.errors import TetherError
    from tether.localcloud import DEFAULT_REGION, home_credentials, saved_state, state_dir
    from tether.localcloud import status as cloud_status

    cloud = cloud_status()
    try:
        saved = saved_state()
        problem = None
    except TetherError as exc:
        saved, problem = None, exc
    if as_json:
        answer: dict[str, object] = cloud.as_json() if cloud else {"endpoint": None, "pid": None}
        keys = home_credentials()
        answer.update(
            region=DEFAULT_REGION,
            access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key,
            state={
                "path": str(state_dir()),
                "saved_at": saved.saved_at if saved else None,
                "summary": saved.summary if saved else {},
                "refused": problem.message if problem else None,
            },
        )
        click.echo(json.dumps(answer))
        return 0 if cloud else 1
    if cloud is None:
        click.echo("the local cloud is not running (`tether local start` starts it)")
    else:
        click.echo(f"local cloud running at {cloud.endpoint} (pid {cloud.pid})")
    if problem is not None:
        click.echo(problem.format())
    elif saved is not None:
        click.echo(f"saved state in {state_dir()}: {saved.describe()}")
    else:
        click.echo(f"no saved state yet (it will be kept in {state_dir()})")
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
