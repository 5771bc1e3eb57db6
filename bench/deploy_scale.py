"""Benchmark: the CLI's wall time on generated projects of growing size, as a user runs it.

For projects of 10, 50 and 200 functions (each with its own file), runs the commands as
processes, one after another, against one local cloud started for the run (free port,
temporary TETHER_HOME and cache):

- `tether check`;
- `tether synth` (with cfn-lint, as by default): first with an empty lint cache, then again
  (cfn-lint's result is cached by the template's bytes);
- the first `tether deploy` of the stage (build, upload, create the stack), with the CPU time
  the local cloud's process spent on it;
- a no-op `tether deploy` (nothing changed), with the CPU time of the local cloud's process
  meanwhile (its answers, and any snapshot of its state it took then);
- a quick `tether deploy` after one function's file was edited (one function updated).

A size past one CloudFormation stack's quotas (500 resources, 200 outputs: about 166 of these
functions) deploys as a root stack with nested stacks; the report gives each size's stacks,
resources (all stacks together) and template bytes. Prints the growth ratio
between consecutive sizes for each command and the machine's load average (before and after:
on a shared machine, read the figures against it). A one-function warm-up project is deployed,
checked and synthesised first: the bootstrap stack and Python's compiled modules are in no
size's figures.

    .venv/bin/python bench/deploy_scale.py [--sizes 10,50,200] [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import free_port

REPO = Path(__file__).resolve().parent.parent
TETHER = str(REPO / ".venv" / "bin" / "tether")
HANDLER = "def handler(event, context):\n    return {{'function': {index}, 'edit': {edit}}}\n"

COMMANDS = ("check", "synth", "synth (lint cached)", "first deploy", "no-op deploy", "quick deploy")


@dataclass
class Size:
    functions: int
    stacks: int = 1  # the root and its nested stacks
    seconds: dict[str, float] = field(default_factory=dict)
    server_cpu: float = 0.0  # CPU seconds of the local cloud during the first deploy
    noop_server_cpu: float = 0.0  # ... during a no-op deploy (the median run's)
    template_bytes: int = 0
    resources: int = 0
    paths: dict[str, str] = field(default_factory=dict)  # deploy -> the path it reported


def generate(root: Path, name: str, functions: int) -> None:
    (root / "app").mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "functions:"]
    for index in range(functions):
        lines += [f"  fn{index}:", f"    handler: app/fn{index}.handler"]
        (root / "app" / f"fn{index}.py").write_text(HANDLER.format(index=index, edit=0))
    (root / "app" / "__init__.py").write_text("")
    (root / "tether.yaml").write_text("\n".join(lines) + "\n")


def tether(*args: str, env: dict[str, str]) -> tuple[float, str]:
    """Run one CLI command to completion; its wall time (s) and output. Fails loudly."""
    started = time.perf_counter()
    done = subprocess.run([TETHER, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"`tether {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return seconds, done.stdout + done.stderr


def synth_counts(root: Path, env: dict[str, str]) -> tuple[int, int, int]:
    """Stacks, resources and bytes of the project's templates, root and nested (no lint)."""
    out = root / "template.json"
    tether("synth", "-p", str(root), "--no-lint", "-o", str(out), env=env)
    files = [out, *sorted(root.glob("template.*.json"))]
    resources = sum(len(json.loads(f.read_text())["Resources"]) for f in files)
    nested = sum(
        1
        for body in json.loads(out.read_text())["Resources"].values()
        if body["Type"] == "AWS::CloudFormation::Stack"
    )
    return 1 + nested, resources, sum(f.stat().st_size for f in files)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def deploy_path(output: str) -> str:
    """Which path a deploy reported: quick, full or no changes."""
    lowered = output.lower()
    if "quick" in lowered:
        return "quick"
    if "no changes" in lowered or "nothing to deploy" in lowered:
        return "no-op"
    return "full"


def median(runs: int, action: Callable[[], float]) -> float:
    return statistics.median(action() for _ in range(runs))


def measure(size: Size, scratch: Path, env: dict[str, str], server_pid: int, runs: int) -> None:
    root = scratch / f"scale{size.functions}"
    generate(root, f"scale{size.functions}", size.functions)
    project = ("-p", str(root))
    size.stacks, size.resources, size.template_bytes = synth_counts(root, env)
    size.seconds["check"] = median(runs, lambda: tether("check", *project, env=env)[0])
    out = str(root / "linted.json")
    size.seconds["synth"] = tether("synth", *project, "-o", out, env=env)[0]
    size.seconds["synth (lint cached)"] = median(
        runs, lambda: tether("synth", *project, "-o", out, env=env)[0]
    )
    cpu_before = cpu_seconds(server_pid)
    seconds, output = tether("deploy", *project, "--yes", env=env)
    size.server_cpu = cpu_seconds(server_pid) - cpu_before
    size.seconds["first deploy"], size.paths["first deploy"] = seconds, deploy_path(output)

    noop_cpu: list[float] = []

    def noop() -> float:
        cpu_before = cpu_seconds(server_pid)
        seconds, output = tether("deploy", *project, "--yes", env=env)
        noop_cpu.append(cpu_seconds(server_pid) - cpu_before)
        size.paths["no-op deploy"] = deploy_path(output)
        return seconds

    size.seconds["no-op deploy"] = median(runs, noop)
    size.noop_server_cpu = statistics.median(noop_cpu)
    edits = iter(range(1, runs + 1))

    def quick() -> float:
        (root / "app" / "fn0.py").write_text(HANDLER.format(index=0, edit=next(edits)))
        seconds, output = tether("deploy", *project, "--yes", env=env)
        size.paths["quick deploy"] = deploy_path(output)
        return seconds

    size.seconds["quick deploy"] = median(runs, quick)


def report(sizes: list[Size], loads: list[tuple[float, float, float]], runs: int) -> None:
    print(f"CLI wall time by project size ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    header = "".join(f"{s.functions:>9} fn" for s in sizes)
    growth = "".join(f"{f'{b.functions}/{a.functions}':>10}" for a, b in itertools.pairwise(sizes))
    print(f"  {'':22}{header}   growth{growth}")
    print(
        f"  {'stacks/resources/bytes':22}"
        + "".join(f"{f'{s.stacks}/{s.resources}/{s.template_bytes // 1024}K':>12}" for s in sizes)
    )
    for command in COMMANDS:
        cells = "".join(f"{s.seconds[command] * 1000:9.0f} ms" for s in sizes)
        ratios = "".join(
            f"{b.seconds[command] / a.seconds[command]:9.2f}x" for a, b in itertools.pairwise(sizes)
        )
        print(f"  {command:22}{cells}         {ratios}")
    for label, cpu in (
        ("first: cloud CPU", lambda size: size.server_cpu),
        ("no-op: cloud CPU", lambda size: size.noop_server_cpu),
    ):
        cells = "".join(f"{cpu(s) * 1000:9.0f} ms" for s in sizes)
        ratios = "".join(
            f"{cpu(b) / cpu(a) if cpu(a) else 0:9.2f}x" for a, b in itertools.pairwise(sizes)
        )
        print(f"  {'  ' + label:22}{cells}         {ratios}")
    print(
        f"  (check, cached synth, no-op and quick deploys: median of {runs}; paths taken: "
        + ", ".join(
            f"{s.functions} fn {s.paths.get('no-op deploy')}/{s.paths.get('quick deploy')}"
            for s in sizes
        )
        + ")"
    )
    print(
        "  load average (1, 5, 15 min): "
        + "  ->  ".join(" ".join(f"{value:.2f}" for value in load) for load in loads)
        + " (before -> after)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asked = [int(value) for value in args.sizes.split(",")]
    loads = [os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        port = free_port()
        env = {
            **os.environ,
            "TETHER_HOME": str(scratch / "home"),
            "XDG_CACHE_HOME": str(scratch / "cache"),
            "TETHER_LOCAL_PORT": str(port),
        }
        sizes = [Size(n) for n in asked]
        tether("local", "start", "--port", str(port), env=env)
        try:
            status = json.loads(tether("local", "status", "--json", env=env)[1])
            warm = scratch / "warmup"
            generate(warm, "warmup", 1)
            tether("deploy", "-p", str(warm), "--yes", env=env)  # the bootstrap stack
            tether("check", "-p", str(warm), env=env)  # imports cached: no size pays for them
            tether("synth", "-p", str(warm), "-o", str(warm / "template.json"), env=env)
            for size in sizes:
                measure(size, scratch, env, int(status["pid"]), args.runs)
        finally:
            subprocess.run([TETHER, "local", "stop"], env=env, capture_output=True)
    loads.append(os.getloadavg())
    report(sizes, loads, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
