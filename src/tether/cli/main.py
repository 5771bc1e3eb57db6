"""`tether` command-line entry point: parse arguments, call a service, print, pick the exit code.

Exit codes: 0 success, 1 a user error (printed with a hint, never a traceback), 2 a usage error,
70 a bug in Tether (printed with the traceback and a request to report it).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tether import __version__
from tether.cli.options import PATH, load, project_option, resolve, stage_options
from tether.errors import ProjectError, TetherError
from tether.words import count

if TYPE_CHECKING:
    from tether.model import Project

EXIT_BUG = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tether")
def cli() -> None:
    """Tether: write Python functions, get the serverless app deployed.

    Functions and resources live in tether.yaml; Tether derives triggers, least-privilege IAM,
    environment variables and CloudFormation from it.
    """


@cli.command()
@click.argument("name", type=PATH)
def init(name: Path) -> int:
    """Create a new project in directory NAME (which becomes the project name).

    Refuses a directory inside another project: its files would go into that one's code zip."""
    from tether.scaffold import NEXT_STEPS, init_project

    written = init_project(name)
    command, found = _tether_command()
    click.echo(f"created project {name.name} in {name}/ ({count(len(written), 'file')})")
    if not found:
        click.echo(f"`tether` is not on your PATH; the steps below run this one: {command}")
    steps = [
        (f"cd {shlex.quote(str(name))}", ""),
        *((f"{command} {arguments}", why) for arguments, why in NEXT_STEPS),
    ]
    width = max(len(step) for step, _ in steps)
    click.echo("next steps:")
    for step, why in steps:
        comment = f"  # {why}" if why else ""
        click.echo(f"  {step:<{width}}{comment}".rstrip())
    return 0


def _tether_command() -> tuple[str, bool]:
    """How to run this Tether as typed in a shell, and whether that is plain `tether` (found
    on PATH); else this CLI's own script by its absolute path, or `python -m tether.cli.main`."""
    if shutil.which("tether"):
        return "tether", True
    script = Path(sys.argv[0])
    if script.stem == "tether" and script.is_file():
        return shlex.quote(os.path.abspath(script)), False
    return f"{shlex.quote(sys.executable)} -m tether.cli.main", False


@cli.command()
@click.argument("path", required=False, type=PATH)
@project_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(path: Path | None, project_path: Path | None, as_json: bool) -> int:
    """Validate the project; list functions, triggers, operations and unused resources.

    Exits 1 when the project has errors. PATH defaults to the current project.
    """
    from tether.cli.render import print_warnings
    from tether.loading import load
    from tether.summary import check_report, check_text

    root = resolve(path, project_path)
    project: Project | None = None
    try:
        project = load(root)
        problems = list(project.warnings)
    except ProjectError as exc:
        problems = exc.problems
    if as_json:
        click.echo(json.dumps(check_report(project, problems), indent=2, sort_keys=True))
        return 0 if project is not None else 1
    print_warnings(problems)
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        click.echo(problem.format(), err=True)
    if project is None:
        click.echo(f"{count(len(errors), 'error')}; nothing was changed", err=True)
        return 1
    click.echo(check_text(project))
    return 0


@cli.command()
@click.argument("path", required=False, type=PATH)
@project_option
@stage_options
@click.option(
    "-o", "--output", type=PATH, help="Write the template to this file (default: stdout)."
)
@click.option(
    "--summary", is_flag=True, help="Print a summary of the template instead of the template."
)
@click.option("--no-lint", is_flag=True, help="Skip the cfn-lint check of the template.")
def synth(
    path: Path | None,
    project_path: Path | None,
    stage: str,
    target: str,
    output: Path | None,
    summary: bool,
    no_lint: bool,
) -> int:
    """Synthesise the CloudFormation template of a stage (JSON), checked with cfn-lint."""
    from tether.synth import synthesize_stacks, to_json
    from tether.synth.lint import TEMPLATE_FILE, lint_many

    project = load(path or project_path, stage, target)
    stacks = synthesize_stacks(project, stage=stage, target=target)
    template = stacks.root
    problems = []
    if not no_lint:  # every stack at once: their pieces are linted in parallel
        templates = {TEMPLATE_FILE: template}
        templates |= {f"template.{lid}.json": nested for lid, nested in stacks.children.items()}
        for found in lint_many(templates, region=project.region).values():
            problems += found
    for problem in problems:
        click.echo(problem.format(), err=True)
    if any(p.severity == "error" for p in problems):
        click.echo("the template did not pass cfn-lint; nothing was written", err=True)
        return 1
    text = to_json(template)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({count(len(template['Resources']), 'resource')})", err=True)
        for logical_id, nested in stacks.children.items():
            beside = output.with_name(f"{output.stem}.{logical_id}{output.suffix}")
            beside.write_text(to_json(nested), encoding="utf-8")
            resources = count(len(nested["Resources"]), "resource")
            click.echo(f"wrote {beside} (nested stack {logical_id}, {resources})", err=True)
    elif not summary:
        click.echo(text, nl=False)
    if summary:
        click.echo(_template_summary(project, stage, target, template, linted=not no_lint))
        if stacks.children:
            click.echo(f"nested stacks: {', '.join(sorted(stacks.children))}")
    return 0


def _template_summary(
    project: Project, stage: str, target: str, template: dict[str, Any], *, linted: bool
) -> str:
    counts = Counter(r["Type"] for r in template["Resources"].values())
    lines = [
        f"stack {project.stack_name(stage)} (target {target}, region {project.region}): "
        f"{count(sum(counts.values()), 'resource')}, {count(len(template['Outputs']), 'output')}"
        + (", cfn-lint clean" if linted else ""),
    ]
    lines += [f"  {n:3d}  {type_name}" for type_name, n in sorted(counts.items())]
    lines.append("outputs: " + ", ".join(sorted(template["Outputs"])))
    return "\n".join(lines)


@cli.command()
@click.argument("path", required=False, type=PATH)
@project_option
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "dot"]),
    default="text",
    show_default=True,
    help="text for the terminal, dot for Graphviz.",
)
def graph(path: Path | None, project_path: Path | None, fmt: str) -> int:
    """Show functions and resources with their trigger (-->) and operation (==>) edges."""
    from tether.graph import to_dot, to_text

    project = load(path or project_path)
    click.echo(to_dot(project) if fmt == "dot" else to_text(project), nl=fmt != "dot")
    return 0


def _register() -> None:
    from tether.cli.authoring_commands import COMMANDS as AUTHORING_COMMANDS
    from tether.cli.deploy_commands import COMMANDS as DEPLOY_COMMANDS
    from tether.cli.dev_commands import COMMANDS as DEV_COMMANDS
    from tether.cli.ide_commands import COMMANDS as IDE_COMMANDS
    from tether.cli.invoke_commands import COMMANDS as INVOKE_COMMANDS
    from tether.cli.local_commands import local

    for command in (
        *AUTHORING_COMMANDS,
        *DEPLOY_COMMANDS,
        *INVOKE_COMMANDS,
        *DEV_COMMANDS,
        *IDE_COMMANDS,
        local,
    ):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        status = cli.main(args=argv, prog_name="tether", standalone_mode=False)
    except click.exceptions.Exit as exc:
        status = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        status = exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        status = 1
    except TetherError as exc:
        click.echo(exc.format(), err=True)
        status = exc.exit_code
    except Exception:
        traceback.print_exc()
        click.echo(
            "\nThis is a bug in Tether, not in your project. Please report it with the command you "
            "ran and the traceback above.",
            err=True,
        )
        status = EXIT_BUG
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":
    main()
