"""Commands that run deployed functions: invoke, logs, events new, test."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tether.cli.options import load, project_option, resolve, stage_options
from tether.cli.render import console
from tether.invoke.kinds import KINDS
from tether.words import count


def _check_reachable(project: Any, stage: str, target: str) -> None:
    """Commands that only read never start the local cloud: say it is not running, or that it
    was reset since the stage was deployed (`tether.deploy.pipeline.open_target`)."""
    from tether.deploy.pipeline import open_target

    open_target(project, target, stage=stage)


def _read_event(source: str | None) -> Any:
    """The event of `--event FILE|-`, or {} without one; EventError says what is wrong."""
    from tether.invoke.payload import read_event_file, read_event_stream

    if source is None:
        return {}
    if source == "-":
        if sys.stdin.isatty():
            click.echo("reading the event from standard input (end it with Ctrl-D)", err=True)
        return read_event_stream(sys.stdin.buffer)
    return read_event_file(Path(source))


@click.command()
@click.argument("function")
@project_option
@stage_options
@click.option(
    "-e",
    "--event",
    "event_source",
    metavar="FILE|-",
    help="The event as a JSON file, or - for stdin.",
)
@click.option(
    "--schedule",
    is_flag=True,
    help="Fire the function's schedule now (its scheduled event or input).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print {result, error, logs, milliseconds} as JSON."
)
def invoke(
    function: str,
    project_path: Path | None,
    stage: str,
    target: str,
    event_source: str | None,
    schedule: bool,
    as_json: bool,
) -> int:
    """Invoke a deployed FUNCTION and print its result and log lines. Exits 1 if it failed."""
    root = resolve(project_path, None)
    event = _Event(event_source)
    result = None
    deployed: Any = None
    if target == "local" and not schedule:
        result = _invoke_on_local_cloud(root, function, stage, event)
    if result is None:
        deployed, result = _invoke_on_stage(root, function, stage, target, event, schedule)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "result": result.result,
                    "error": result.error,
                    "logs": result.logs,
                    "milliseconds": round(result.milliseconds, 1),
                },
                indent=2,
            )
        )
    else:
        from tether.invoke.denials import payload_text

        for line in result.logs.splitlines():
            click.echo(f"  | {line}", err=True)
        click.echo(json.dumps(result.result, indent=2))
        if result.failed:
            click.echo(
                f"{function} failed ({result.error}) in {result.milliseconds:.0f} ms", err=True
            )

        def stage_now() -> Any:
            return deployed or _deployed(root, stage, target)

        # A refused call fails the invocation, or is caught and logged by the handler.
        _hint_denials(
            stage_now, function, payload_text(result.result) if result.failed else result.logs
        )
    return 1 if result.failed else 0


class _Event:
    """The event of `--event FILE|-`, read once (standard input cannot be read twice)."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.shown = "standard input" if source == "-" else source
        self._read = False
        self._event: Any = None

    def read(self) -> Any:
        if not self._read:
            self._event, self._read = _read_event(self.source), True
        return self._event


def _invoke_on_local_cloud(root: Path, function: str, stage: str, event: _Event) -> Any:
    """The invocation on the local cloud from the project file alone, without boto3 or the
    code's analysis (the CLI's start-up is most of a warm invoke); None whenever something
    is not as it should be (a function the project lacks, no local cloud, no such deployed
    function, which is also what a stage name Tether refuses leads to): the stage's path
    (`_invoke_on_stage`) then finds out what, and says it as every command does."""
    from tether.invoke.invoker import invoke_local
    from tether.localcloud import status
    from tether.model import read_project_file

    declared = read_project_file(root)  # its errors are the analysed load's first ones
    payload = event.read()  # a bad event is the user's to fix whatever the state of the stage
    if function not in declared.functions:
        return None
    local = status()
    if local is None:
        return None
    return invoke_local(
        local.endpoint,
        function=function,
        name=declared.function_name(stage, function),
        region=declared.region,
        event=payload,
        source=event.shown,
    )


def _invoke_on_stage(
    root: Path, function: str, stage: str, target: str, event: _Event, schedule: bool
) -> tuple[Any, Any]:
    """The invocation through the deployed stage (boto3, the analysed project, the stack's
    outputs), with every check and its message; (the stage, the invocation)."""
    from tether.invoke.events import schedule_event, scheduled_input
    from tether.invoke.invoker import invoke as run_invoke
    from tether.invoke.target import deployed_stage

    project = load(root, stage, target)
    # a bad event is the user's to fix whatever the state of the stage: read it first
    payload = None if schedule else event.read()
    _check_reachable(project, stage, target)
    deployed = deployed_stage(project, stage=stage, target=target)
    deployed.function(function)
    if schedule:
        rule, scheduled = scheduled_input(project, function)
        payload = (
            scheduled
            if scheduled is not None
            else schedule_event(project, rule, deployed.output(rule.name, "Arn"))
        )
    result = run_invoke(deployed, function, payload, source=None if schedule else event.shown)
    return deployed, result


def _deployed(root: Path, stage: str, target: str) -> Any:
    """The deployed stage, with the analysed project (which knows where a call was made)."""
    from tether.invoke.target import deployed_stage

    return deployed_stage(load(root, stage, target), stage=stage, target=target)


def _hint_denials(deployed: Callable[[], Any], function: str, text: str) -> None:
    """A call the function's role refused: where, and the operation to declare. The stage
    (`deployed`) is asked for only then."""
    from tether.invoke.denials import denials, refused

    if not refused(text):
        return
    stage = deployed()
    for denial in denials(stage, function, text):
        click.echo(f"hint: {denial.hint(stage.project.file)}", err=True)


@click.command()
@click.argument("function")
@project_option
@stage_options
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until interrupted.")
@click.option("--since", default="10m", show_default=True, help="How far back: 30s, 10m, 2h, 1d.")
def logs(
    function: str, project_path: Path | None, stage: str, target: str, follow: bool, since: str
) -> int:
    """Print a deployed FUNCTION's log lines (START/END/REPORT and what it printed); says so
    when there are none in the window."""
    from tether.invoke.logs import log_lines, parse_since
    from tether.invoke.target import deployed_stage

    seconds = parse_since(since)
    project = load(project_path, stage, target)
    _check_reachable(project, stage, target)
    deployed = deployed_stage(project, stage=stage, target=target)
    found = 0
    told = False
    none = (
        f"no log events for function {function} in the last {_duration(seconds)} "
        f"(stage {stage} on {target})"
    )

    def between_polls() -> bool:
        # With --follow, log_lines asks this between polls: say once that nothing came yet.
        nonlocal told
        if not found and not told:
            click.echo(f"{none}; waiting for new ones (Ctrl-C stops)", err=True)
            told = True
        return False

    try:
        for line in log_lines(
            deployed, function, since_seconds=seconds, follow=follow, stopped=between_polls
        ):
            click.echo(line)
            found += 1
            _hint_denials(lambda: deployed, function, line)
    except KeyboardInterrupt:
        pass
    if not found and not follow:
        click.echo(none, err=True)
    return 0


def _duration(seconds: float) -> str:
    """`600` -> "10 minutes", in the largest unit that divides it: how --since reads back."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return count(int(seconds // size), unit)
    return count(int(seconds), "second")


@click.group()
def events() -> None:
    """Sample events for every trigger kind, filled in with your project's real names."""


@events.command("new")
@click.argument(
    "kind",
    type=click.Choice(KINDS),
)
@project_option
@click.option(
    "-s", "--stage", default="dev", show_default=True, help="Stage whose deployed names to use."
)
@click.option(
    "-r", "--resource", help="The resource the event comes from (default: the first that fits)."
)
@click.option("--key", help="S3: the object key.")
@click.option("--body", help="SQS/SNS: the message body; HTTP: the request body.")
@click.option("--route", help='HTTP: the route, e.g. "GET /orders/{id}".')
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Save to this file (e.g. events/upload.json).",
)
def events_new(
    kind: str,
    project_path: Path | None,
    stage: str,
    resource: str | None,
    key: str | None,
    body: str | None,
    route: str | None,
    output: Path | None,
) -> int:
    """Print (or save) a realistic KIND event."""
    from tether.deploy.state import load_state
    from tether.invoke.events import Names, sample_event

    project = load(project_path)
    state = load_state(project.root, stage)
    outputs = state.outputs if state else {}
    if state is not None and state.target == "local":
        _warn_if_reset(project, stage)

    def lookup(name: str, suffix: str) -> str:
        return outputs[f"{project.resources[name].logical_id}{suffix}"]

    event = sample_event(
        project,
        kind,
        resource=resource,
        names=Names(project, lookup if outputs else None),
        key=key,
        body=body,
        route=route,
    )
    text = json.dumps(event, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    return 0


def _warn_if_reset(project: Any, stage: str) -> None:
    """The names come from the stage's last deploy; say so when the local cloud (if it runs:
    it is not started for this) was reset since."""
    from tether.deploy.pipeline import local_stage_gone, open_target
    from tether.errors import TetherError

    try:
        gone = local_stage_gone(project, stage, open_target(project, "local"))
    except TetherError:  # not running (it is not started for this), or not answering
        return
    if gone is not None:
        click.echo(f"warning: {gone}; these names are from that deploy", err=True)


@click.command("test")
@click.argument("pattern", required=False)
@project_option
@stage_options
@click.option(
    "--junit", type=click.Path(path_type=Path), help="Also write a JUnit XML report to this file."
)
@click.option("-v", "--verbose", is_flag=True, help="Show the log lines of every case.")
def test_command(
    pattern: str | None,
    project_path: Path | None,
    stage: str,
    target: str,
    junit: Path | None,
    verbose: bool,
) -> int:
    """Run the test cases in events/*.test.yaml against the deployed stage. Exits 1 on failure."""
    from tether.invoke.cases import check_cases, find_cases, junit_xml, run_cases
    from tether.invoke.target import deployed_stage

    project = load(project_path, stage, target)
    cases = find_cases(project.root, pattern)
    check_cases(project, cases)  # names a case gets wrong, before reaching the stage
    out = console()
    if not cases:
        out.print(
            f"no test cases{' matching ' + pattern if pattern else ''} in events/ (files named *.test.yaml)"
        )
        return 1 if pattern else 0
    _check_reachable(project, stage, target)
    deployed = deployed_stage(project, stage=stage, target=target)
    started = time.perf_counter()
    outcomes = run_cases(deployed, cases)
    seconds = time.perf_counter() - started
    for outcome in outcomes:
        verdict = "[green]PASSED[/]" if outcome.passed else "[red]FAILED[/]"
        out.print(
            f"{outcome.case.name}::{outcome.case.function} {verdict} [dim]({outcome.milliseconds:.0f} ms)[/]"
        )
        for failure in outcome.failures:
            out.print(f"    {failure}", markup=False)
        for note in outcome.notes:  # consumers paused for the case, or resumed after a crash
            if verbose or note.startswith("resumed"):
                out.print(f"    note: {note}", markup=False)
        if outcome.logs and (verbose or not outcome.passed):
            for line in outcome.logs.splitlines():
                out.print(f"    | {line}", markup=False)
    failed = sum(not o.passed for o in outcomes)
    passed = len(outcomes) - failed
    out.print(
        f"{failed} failed, {passed} passed in {seconds:.2f}s"
        if failed
        else f"{passed} passed in {seconds:.2f}s"
    )
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(outcomes, seconds), encoding="utf-8")
    return 1 if failed else 0


COMMANDS = [invoke, logs, events, test_command]
