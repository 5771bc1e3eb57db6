"""Commands that build, plan, deploy and remove a stage: build, plan, deploy, outputs, destroy,
resources, prune. Each is a thin layer over tether.build, tether.deploy and tether.prune."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tether.cli.options import load, project_option, stage_options
from tether.cli.render import (
    DeployProgress,
    console,
    destroy_lines,
    outputs_lines,
    print_plan,
    print_warnings,
)
from tether.words import count

if TYPE_CHECKING:
    from rich.console import Console

    from tether.deploy.pipeline import DeployResult
    from tether.deploy.plan import DataRisk, Plan
    from tether.deploy.stack import DeployedStack
    from tether.deploy.standins import StandIn
    from tether.model import Project


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _create_stand_ins(project: Project, target: str, out: Console) -> None:
    """`deploy --stand-ins`: create the external resources the local cloud lacks, empty."""
    from tether.deploy import standins
    from tether.deploy.pipeline import open_target
    from tether.errors import TetherError

    if target != "local":
        raise TetherError(
            "--stand-ins applies to the local target only",
            hint="external resources on AWS are yours: Tether never creates or changes them",
        )
    cloud = open_target(project, target, start=True)
    for line in standins.create(cloud, standins.missing(project, cloud)):
        out.print(line)


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@project_option
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="List every file left out of the code zip and why (credentials, .gitignore, "
    ".tetherignore, Tether's rules), and any shipped although it looks like credentials.",
)
def build(project_path: Path | None, verbose: bool) -> int:
    """Build the code zip and the dependency layer (cached by requirements.txt's hash).

    Refuses code and layer over Lambda's 250 MB unzipped limit, and a handler left out by an
    ignore rule, before anything is uploaded."""
    from tether.build import build_project, format_build

    project = load(project_path)
    click.echo(format_build(build_project(project, progress=_say), verbose))
    return 0


@click.command()
@project_option
@stage_options
@click.option(
    "--delete", "delete", multiple=True, metavar="NAME", help="Allow deleting this resource's data."
)
@click.option(
    "--keep-change-set", is_flag=True, help="Leave the change set in CloudFormation for review."
)
def plan(
    project_path: Path | None,
    stage: str,
    target: str,
    delete: tuple[str, ...],
    keep_change_set: bool,
) -> int:
    """Show what a deploy would change: resources, permissions and data, in your names."""
    from tether.deploy.pipeline import preview

    project = load(project_path, stage, target)
    result, change_set = preview(
        project,
        stage=stage,
        target=target,
        delete=delete,
        keep_change_set=keep_change_set,
        say=_say,
    )
    out = console()
    print_plan(out, result, target, project)
    if change_set:
        out.print(f"change set kept: {change_set}")
    print_warnings(project.warnings)
    if result.blocked:
        out.print("[bold red]a deploy would stop here to protect data[/]")
        return 1
    return 0


@click.command()
@project_option
@stage_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--delete",
    "delete",
    multiple=True,
    metavar="NAME",
    help="Really delete this resource and its data.",
)
@click.option(
    "--quick",
    "mode",
    flag_value="quick",
    help="Insist on the quick path (or fail with the reason).",
)
@click.option("--full", "mode", flag_value="full", help="Always take the full path (a change set).")
@click.option(
    "--patch",
    type=click.Choice(["auto", "local", "remote"]),
    default="auto",
    show_default=True,
    help="Quick path: patch the code zip here and upload it, or in the artifact bucket by the "
    "remote patcher (sends only the change); auto: remote for zips over 5 MB.",
)
@click.option(
    "--stand-ins",
    is_flag=True,
    help="Local target: create empty stand-ins for the external resources the local cloud "
    "lacks (same names), without asking.",
)
def deploy(
    project_path: Path | None,
    stage: str,
    target: str,
    yes: bool,
    delete: tuple[str, ...],
    mode: str | None,
    patch: str,
    stand_ins: bool,
) -> int:
    """Build, plan and deploy the stage (through a CloudFormation change set, or the quick path).

    When only code changed since the stage's last deploy, takes the quick path: patches the
    changed files into the code artifact and updates just the affected functions. Asks before
    removing or replacing anything when run in a terminal (--yes skips the question; without a
    terminal it never asks). Stops, changing nothing, when a removed or replaced bucket, table
    or queue still holds data and no choice was made for it.
    """
    from tether.deploy.pipeline import deploy as run_deploy

    project = load(project_path, stage, target)
    out = console()
    if stand_ins:
        _create_stand_ins(project, target, out)

    def stand_in_missing(lacking: list[StandIn]) -> bool:
        names = ", ".join(one.describe() for one in lacking)
        return (
            not yes
            and _interactive()
            and click.confirm(
                f"the local cloud has no {names} (external: they live on AWS); "
                "create empty local stand-ins?",
                default=True,
            )
        )

    progress = DeployProgress(out)

    def confirm(plan_: Plan) -> bool:
        print_plan(out, plan_, target, project)
        risky = any(c.action in {"remove", "replace"} for c in plan_.changes)
        approved = (
            yes
            or not _interactive()
            or not risky
            or click.confirm("apply these changes?", default=False)
        )
        if approved:
            progress.start(plan_.stack, len(plan_.changes))
        return approved

    with progress:
        result = run_deploy(
            project,
            stage=stage,
            target=target,
            delete=delete,
            mode=mode or "auto",
            patch=patch,
            confirm=confirm,
            progress=progress,
            say=_say,
            stand_ins=stand_in_missing,
        )
    _print_result(out, result, project.stack_name(stage))
    print_warnings(project.warnings)
    return 0


def _print_result(out: Console, result: DeployResult, stack: str) -> None:
    """What the deploy did: the path it took, its time and bytes, and the stack outputs."""
    if result.path == "quick":
        out.print(
            f"quick deploy of [bold]{stack}[/] ({result.reason}): "
            f"{', '.join(result.functions) or 'no function'} live in {result.seconds * 1000:.0f} ms "
            f"({count(result.sent_bytes, 'byte')} sent, patched {result.patched}ly)"
        )
        return
    why = f"; full path: {result.reason}" if result.reason else ""
    if result.path == "none":
        out.print(
            f"stack [bold]{stack}[/]: no changes ({count(result.uploaded_bytes, 'byte')} "
            f"uploaded, {result.seconds:.2f} s)"
        )
    else:
        out.print(
            f"deployed [bold]{stack}[/] in {result.seconds:.1f} s "
            f"({count(result.uploaded_bytes, 'byte')} uploaded{why})"
        )
    if result.functions:
        out.print(f"code updated directly: {', '.join(result.functions)}")
    for note in result.notes:
        out.print(f"[yellow]warning:[/] {note}")
    for line in outputs_lines(result.outputs):
        out.print(line)


@click.command()
@project_option
@stage_options
@click.option("--json", "as_json", is_flag=True, help="Print the outputs as a JSON object.")
def outputs(project_path: Path | None, stage: str, target: str, as_json: bool) -> int:
    """Show the stage's stack outputs: function ARNs, resource names, URLs. Never starts the
    local cloud: says so when it is not running."""
    from tether.deploy.pipeline import open_target
    from tether.deploy.stack import read_stack
    from tether.errors import TetherError

    project = load(project_path, stage, target)
    cloud = open_target(project, target, stage=stage)
    deployed = read_stack(cloud, project.stack_name(stage))
    if deployed is None or not deployed.alive:
        raise TetherError(
            f"stage '{stage}' is not deployed on {cloud.where()}", hint="run `tether deploy` first"
        )
    if as_json:
        click.echo(json.dumps(deployed.outputs, indent=2, sort_keys=True))
    else:
        click.echo("\n".join(outputs_lines(deployed.outputs)))
    return 0


@click.command()
@project_option
@stage_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--delete",
    "delete",
    multiple=True,
    metavar="NAME",
    help="Really delete this resource and its data.",
)
def destroy(
    project_path: Path | None, stage: str, target: str, yes: bool, delete: tuple[str, ...]
) -> int:
    """Remove the stage's stack. External resources are never touched; resources that hold
    data are kept unless named with --delete."""
    from tether.deploy.destroy import destroy as run_destroy
    from tether.errors import TetherError

    project = load(project_path, stage, target)
    out = console()

    progress = DeployProgress(out)

    def confirm(stack: DeployedStack, data: list[DataRisk]) -> bool:
        for line in destroy_lines(stack, target, data):
            out.print(line)
        if not yes:
            if not _interactive():
                raise TetherError(
                    "destroy needs confirmation", hint="run it in a terminal, or pass --yes"
                )
            if not click.confirm(f"destroy stack {stack.name} on {target}?", default=False):
                return False
        progress.start(stack.name, len(stack.template.get("Resources", {})))
        return True

    with progress:
        destroyed = run_destroy(
            project, stage=stage, target=target, delete=delete, confirm=confirm, progress=progress
        )
    out.print(f"destroyed stack [bold]{destroyed.stack.name}[/]")
    for note in destroyed.notes:
        out.print(f"[yellow]warning:[/] {note}")
    return 0


@click.command()
@project_option
@click.option(
    "-s", "--stage", default="dev", show_default=True, help="Stage whose deployed names to show."
)
@click.option("--unused", is_flag=True, help="Only the resources no function uses.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def resources(project_path: Path | None, stage: str, unused: bool, as_json: bool) -> int:
    """List the project's resources: type, project or external, which functions use them,
    and the deployed name of the stage (from its last deploy; marked stale when the local
    cloud it went to was reset since). Never starts the local cloud."""
    from tether.deploy.state import load_state

    project = load(project_path)
    state = load_state(project.root, stage)
    deployed = state.outputs if state else {}
    gone = _local_stage_gone(project, stage) if state and state.target == "local" else None
    rows: list[dict[str, Any]] = []
    for resource in project.resources.values():
        if unused and project.used_by(resource.name):
            continue
        live = [v for k, v in sorted(deployed.items()) if k.startswith(resource.logical_id)]
        rows.append(
            {
                "name": resource.name,
                "type": resource.type_name,
                "external": resource.external,
                "used_by": project.used_by(resource.name),
                "deployed": live[0] if live else (resource.external or None),
                "stale": bool(live) and gone is not None,
            }
        )
    if gone is not None:
        click.echo(f"stale: {gone} (`tether deploy --stage {stage}`)", err=True)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return 0
    if not rows:
        click.echo("no unused resources" if unused else "no resources")
    for row in rows:
        owner = "external" if row["external"] else "project"
        users = ", ".join(row["used_by"]) or "unused"
        where = f"  -> {row['deployed']}" if row["deployed"] else ""
        stale = " (stale)" if row["stale"] else ""
        click.echo(f"{row['name']:<16} {row['type']:<15} {owner:<9} {users}{where}{stale}")
    return 0


def _local_stage_gone(project: Project, stage: str) -> str | None:
    """Why the stage's recorded local names are stale, if the local cloud runs and no longer
    has the stage; None otherwise (a local cloud that is not running is not started)."""
    from tether.deploy.pipeline import local_stage_gone, open_target
    from tether.errors import TetherError

    try:
        return local_stage_gone(project, stage, open_target(project, "local"))
    except TetherError:  # not running (it is not started for this), or not answering
        return None


@click.command()
@project_option
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def prune(project_path: Path | None, dry_run: bool) -> int:
    """Remove unused resources from tether.yaml (keeping comments and formatting); the next
    deploy deletes them from the cloud, with the usual data-loss protection."""
    from tether.prune import prune as run_prune

    project = load(project_path)
    removed = run_prune(project, dry_run=dry_run)
    if not removed:
        click.echo("nothing to prune: every resource is used")
    else:
        verb = "would remove" if dry_run else "removed"
        click.echo(f"{verb} {', '.join(removed)} from {project.file}")
        if not dry_run:
            click.echo("deploy to delete them from the cloud (`tether plan` shows what that does)")
    return 0


COMMANDS = [build, plan, deploy, outputs, destroy, resources, prune]
