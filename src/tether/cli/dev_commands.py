"""Commands of the edit loop and of least privilege: dev (watch and redeploy) and permissions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click

from tether.cli.options import load, project_option, resolve, stage_options


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@project_option
@stage_options
def dev(path: Path | None, project_path: Path | None, stage: str, target: str) -> int:
    """Deploy the stage, then watch the project and redeploy on every save (quick path when only
    code changed). Prints one line per change; a broken save keeps the previous code serving.
    Shows the project's warnings and its HTTP API URLs at the start, and again when a save
    changes them; editors' swap, backup and temporary files are not saves."""
    import watchfiles

    from tether.deploy.pipeline import deploy
    from tether.devloop import Shown, deployed_words, run

    root = resolve(path, project_path)
    project = load(root, stage, target)
    click.echo(f"deploying {project.stack_name(stage)} to {target}...")
    result = deploy(
        project, stage=stage, target=target, say=lambda message: click.echo(f"  {message}")
    )
    shown = Shown()
    for line in shown.news(project, result.outputs):
        click.echo(line)

    def batches() -> Iterator[set[str]]:
        # With yield_on_timeout the watcher yields an empty batch once it is really watching:
        # only then is a save sure to be seen, so only then does the user hear "watching".
        # A batch ends one `step` after its last change (at most `debounce` after its first):
        # an editor's save is a burst well under 10 ms, and every millisecond here is felt.
        announced = False
        for batch in watchfiles.watch(
            root, debounce=50, step=10, yield_on_timeout=True, rust_timeout=200
        ):
            if not announced:
                announced = True
                click.echo(f"{deployed_words(result)}; watching {root} for changes (Ctrl-C stops)")
            yield {change[1] for change in batch}

    try:
        run(root, stage=stage, target=target, batches=batches(), say=click.echo, shown=shown)
    except KeyboardInterrupt:
        click.echo("stopped watching")
    return 0


@click.command()
@click.argument("function")
@project_option
@stage_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the statements and their sources as JSON."
)
def permissions(
    function: str, project_path: Path | None, stage: str, target: str, as_json: bool
) -> int:
    """Print FUNCTION's role policy, each statement with the code or project-file line that needs it."""
    from tether.errors import TetherError
    from tether.permissions import explain

    project = load(project_path, stage, target)
    if function not in project.functions:
        raise TetherError(
            f"no function '{function}'", hint=f"functions: {', '.join(project.functions)}"
        )
    explained = explain(project, function, stage=stage, target=target)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in explained], indent=2))
        return 0
    for item in explained:
        statement = item.grant.statement()
        click.echo(f"{item.grant.sid}: {', '.join(statement['Action'])}")
        click.echo(f"  on {item.grant.on}")
        for source in item.sources:
            click.echo(f"  <- {source}")
    return 0


COMMANDS = [dev, permissions]
