"""`tether local start|stop|status`: the embedded local cloud, an AWS-compatible endpoint on
127.0.0.1 that keeps its state in memory (it is gone when the local cloud stops)."""

from __future__ import annotations

import json

import click


@click.group()
def local() -> None:
    """Run the local cloud (AWS on 127.0.0.1, no account, no Docker; state in memory)."""


@local.command()
@click.option("--port", type=click.IntRange(1024, 65535), help="Port to listen on (default 4599).")
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
@click.option("--json", "as_json", is_flag=True, help='Print {"endpoint": ..., "pid": ...}.')
def status(as_json: bool) -> int:
    """Is the local cloud running, and where? Exits 1 when it is not."""
    from tether.localcloud import status as cloud_status

    cloud = cloud_status()
    if as_json:
        click.echo(json.dumps(cloud.as_json() if cloud else {"endpoint": None, "pid": None}))
    elif cloud is None:
        click.echo("the local cloud is not running (`tether local start` starts it)")
    else:
        click.echo(
            f"local cloud running at {cloud.endpoint} (pid {cloud.pid}); state is kept in memory only"
        )
    return 0 if cloud else 1
