"""How plans, deploy progress and outputs look in the terminal (Rich; plain text without a tty)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from tether.deploy.execute import StackEvent
    from tether.deploy.plan import DataRisk, Plan
    from tether.deploy.stack import DeployedStack
    from tether.errors import Problem
    from tether.model import Project

SYMBOLS = {"add": "+", "modify": "~", "replace": "±", "remove": "-"}
STYLES = {"add": "green", "modify": "yellow", "replace": "magenta", "remove": "red"}
ORDER = {"remove": 0, "replace": 1, "modify": 2, "add": 3}


def console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_warnings(problems: Iterable[Problem]) -> None:
    """The project's warnings on stderr, one line each (`tether.summary.warning_lines`): what
    `check`, `plan` and `deploy` show, so a call that gets no permission is seen before it
    fails with AccessDenied."""
    from tether.summary import warning_lines

    for line in warning_lines(problems):
        click.echo(line, err=True)


def plan_lines(
    plan: Plan, where: str, sources: dict[str, dict[str, list[str]]] | None = None
) -> list[str]:
    """The plan as Rich markup lines: changes grouped by what they belong to, permission
    changes per function, and every data decision."""
    verb = "update" if plan.exists else "create"
    if plan.noop:
        return [f"stack [bold]{plan.stack}[/] on {where}: no changes"]
    lines = [f"stack [bold]{plan.stack}[/] on {where}: {verb}"]
    seen: dict[tuple[str, str], list[str]] = {}
    for change in sorted(plan.changes, key=lambda c: (ORDER[c.action], c.owner)):
        reasons = seen.setdefault((change.action, change.owner), [])
        if change.reason and change.reason not in reasons:
            reasons.append(change.reason)
    for (action, owner), reasons in seen.items():
        detail = f" [dim]({'; '.join(reasons)})[/]" if reasons else ""
        lines.append(f"  [{STYLES[action]}]{SYMBOLS[action]} {action:<8}[/] {owner}{detail}")
    if plan.permissions:
        lines.append("permissions")
        for permission in plan.permissions:
            lines.append(f"  function [bold]{permission.function}[/]")
            for grant in permission.added:
                places = (sources or {}).get(permission.function, {}).get(grant, [])
                because = f" [dim]<- {'; '.join(places)}[/]" if places else ""
                lines.append(f"    [green]+ {grant}[/]{because}")
            lines += [f"    [red]- {grant}[/]" for grant in permission.removed]
    if plan.risks:
        lines.append("data")
        for risk in plan.risks:
            decision = {
                "blocked": "[bold red]blocked[/]: choose --delete, retain: true or external",
                "delete": "[red]will be deleted (--delete)[/]",
                "retain": "[green]kept in the account (retain: true)[/]",
                "external": "[green]kept in the account as an external resource[/]",
            }[risk.decision]
            lines.append(f"  ! {risk.describe()}: {decision}")
    return lines


def print_plan(out: Console, plan: Plan, where: str, project: Project | None = None) -> None:
    sources = None
    if project is not None:
        from tether.permissions import sources_by_grant

        sources = {p.function: sources_by_grant(project, p.function) for p in plan.permissions}
    for line in plan_lines(plan, where, sources):
        out.print(line)


def destroy_lines(stack: DeployedStack, where: str, data: Iterable[DataRisk]) -> list[str]:
    """What destroying the stack deletes, as Rich markup lines, by the names of tether.yaml:
    its functions, its other resources, and each bucket, table and queue (`data`, from
    `tether.deploy.destroy`) with what becomes of what it holds."""
    from tether.deploy.stack import owner_resource

    data = list(data)
    functions: set[str] = set()
    resources: set[str] = set()
    for resource in stack.template.get("Resources", {}).values():
        owner = resource.get("Metadata", {}).get("tether", {})
        if owner.get("part") == "function":
            functions.add(owner["function"])
        elif (name := owner_resource(resource)) is not None:
            resources.add(name)
    resources -= {risk.resource for risk in data}
    lines = [f"destroying stack [bold]{stack.name}[/] on {where} deletes:"]
    if functions:
        lines.append(
            f"  functions {', '.join(sorted(functions))} (with their roles, log groups and "
            "triggers)"
        )
    if resources:
        lines.append(f"  resources {', '.join(sorted(resources))}")
    kept = [risk for risk in data if risk.decision == "retain"]
    for risk in data:
        if risk.decision == "retain":
            continue
        fate = (
            f"[red]{risk.holds}: deleted with its data (--delete {risk.resource})[/]"
            if risk.holds
            else "empty"
        )
        lines.append(f"  - {risk.type_name} {risk.resource} ({risk.physical_id}): {fate}")
    if kept:
        lines.append("kept in the account:")
        lines += [
            f"  [green]{risk.type_name} {risk.resource}[/] ({risk.physical_id}): retain: true"
            for risk in kept
        ]
    return lines


class DeployProgress:
    """A progress bar over a plan's resource changes, with one line per stack event.

    Use as a context manager; `start(plan)` sizes the bar once the plan is known, and the
    object itself is the event callback the deploy calls."""

    def __init__(self, out: Console) -> None:
        columns = [
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        ]
        self.bar = Progress(*columns, console=out, transient=True)
        self.task: TaskID | None = None
        self.stack = ""
        self.done: set[str] = set()

    def __enter__(self) -> DeployProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def start(self, stack: str, total: int) -> None:
        self.stack = stack
        self.task = self.bar.add_task(f"deploying {stack}", total=max(total, 1))

    def __call__(self, event: StackEvent) -> None:
        failed = "FAILED" in event.status
        style = "red" if failed else "green" if event.status.endswith("COMPLETE") else "dim"
        reason = f" [dim]{event.reason}[/]" if event.reason and failed else ""
        self.bar.console.print(
            f"  {event.timestamp:%H:%M:%S} [{style}]{event.status:<20}[/] {event.owner}{reason}"
        )
        if self.task is None or event.logical_id == self.stack:
            return
        if event.status.endswith("_COMPLETE") and event.logical_id not in self.done:
            self.done.add(event.logical_id)
            self.bar.update(self.task, completed=len(self.done))


def outputs_lines(outputs: dict[str, str]) -> list[str]:
    width = max((len(k) for k in outputs), default=0)
    return [f"  {key:<{width}}  {value}" for key, value in sorted(outputs.items())]
