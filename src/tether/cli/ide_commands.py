"""`tether ide`: serve the project in the browser IDE (tether.ide) on 127.0.0.1."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from tether.cli.options import PATH, project_option, resolve, stage_options


@click.command()
@click.argument("path", required=False, type=PATH)
@project_option
@stage_options
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port (0: any free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the URL; do not open a browser.")
def ide(
    path: Path | None,
    project_path: Path | None,
    stage: str,
    target: str,
    port: int,
    no_browser: bool,
) -> int:
    """Open the project in the browser IDE: files, editor, live problems, graph, plan.

    Listens on 127.0.0.1 only. The URL printed carries a token that is new on every run; only
    a browser that opened it may use the IDE. Ctrl-C stops it.
    """
    from tether.errors import TetherError
    from tether.ide.app import IdeConfig
    from tether.ide.security import new_token
    from tether.ide.server import IdeServer, bind, url
    from tether.synth import check_stage

    root = resolve(path, project_path)
    check_stage(stage, target)
    try:
        sock = bind(port)
    except OSError as exc:
        raise TetherError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
            hint="pick another --port, or --port 0 for any free one",
        ) from None
    config = IdeConfig(
        root=root,
        stage=stage,
        target="aws" if target == "aws" else "local",
        token=new_token(),
        port=sock.getsockname()[1],
    )
    server = IdeServer(config, sock)
    address = url(config)
    click.echo(f"Tether IDE for {root} (stage {stage}, target {target})")
    click.echo(f"  open {address}")
    click.echo("  Ctrl-C stops it")
    if not no_browser:
        webbrowser.open(address)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    click.echo("IDE stopped")
    return 0


COMMANDS = [ide]
