"""Benchmark: a hello function over HTTP, Tether's local HTTP API side by side with `chalice local`.

Starts a local cloud (free port, temporary TETHER_HOME) and deploys examples/hello, whose one
function answers `GET /hello/{name}` with `hello <name>` (text/plain); starts `chalice local`
on an equivalent Chalice app (same route, same answer) from a venv of its own, made with pip
the first time under `$XDG_CACHE_HOME/tether/bench/chalice` (safe to delete; the project
never depends on chalice; without it the bench says so and prints Tether's figures alone).
Then, taking turns between the servers for `--rounds` rounds, with the same client:

- new connection: one request after another, each on a connection of its own (p50, p95);
- keep-alive: one request after another on one connection (p50, p95): a response written in
  two sends meets the client's delayed ACK here, about 40 ms a request;
- throughput: `--connections` keep-alive connections at once (threads spread over
  `--processes` client processes, `--requests` each), requests/s and p50/p99 latency. With
  `wrk` on PATH, its figure for the same number of connections is printed too.

Prints how many times faster Tether is than Chalice on each line (below 1: slower: Chalice's
latency over Tether's, Tether's requests/s over Chalice's) and the load average before and after:
this machine's cores run the client and the server(s), so read the figures against it.
Chalice runs the handler in its server's own thread; Tether runs it as Lambda does, in a warm
worker process of the function, so each request crosses a process boundary.

    .venv/bin/python bench/http_chalice.py [--rounds 2] [--sequential 300] [--connections 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import venv
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from common import free_port, percentile

CHALICE = "chalice==1.34.0"
TIMEOUT = 30.0  # seconds for any one request of the client

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello"

CHALICE_APP = """
from chalice import Chalice, Response

app = Chalice(app_name="benchhello")


@app.route("/hello/{name}")
def hello(name):
    return Response(body="hello " + name, status_code=200, headers={"content-type": "text/plain"})
"""

CHALICE_CONFIG = {"version": "2.0", "app_name": "benchhello", "stages": {"dev": {}}}


@dataclass
class Figures:
    """What one server did: latencies (ms) per measure, throughput runs, errors."""

    new_connection: list[float] = field(default_factory=list)
    keep_alive: list[float] = field(default_factory=list)
    loaded: list[float] = field(default_factory=list)  # latencies under concurrency
    rates: list[float] = field(default_factory=list)  # requests/s, one per round
    wrk: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def ask(connection: http.client.HTTPConnection, path: str) -> str | None:
    """One GET on `connection`; None when it was answered as expected, else what went wrong."""
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status == 200 and body.startswith(b"hello "):
        return None
    return f"{response.status} {body[:80]!r}"


def sequential(port: int, count: int, *, keep_alive: bool, figures: Figures) -> list[float]:
    latencies: list[float] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        for i in range(count):
            if not keep_alive:
                connection.close()
            began = time.perf_counter()
            try:
                error = ask(connection, f"/hello/s{i}")
            except (OSError, http.client.HTTPException) as exc:
                error = repr(exc)
                connection.close()
            if error is None:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                figures.errors.append(error)
    finally:
        connection.close()
    return latencies


def client_process(port: int, threads: int, each: int, start_at: float) -> dict[str, object]:
    """`threads` keep-alive connections making `each` requests, from `start_at` (monotonic,
    the same clock in every process); their latencies, errors and the span they took."""
    latencies: list[float] = []
    errors: list[str] = []
    ends: list[float] = []
    lock = threading.Lock()

    def connection_loop(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        mine: list[float] = []
        failed: list[str] = []
        time.sleep(max(0.0, start_at - time.monotonic()))
        for i in range(each):
            began = time.perf_counter()
            try:
                error = ask(connection, f"/hello/c{number}-{i}")
            except (OSError, http.client.HTTPException) as exc:
                error = repr(exc)
                connection.close()
            if error is None:
                mine.append((time.perf_counter() - began) * 1000)
            else:
                failed.append(error)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)
            ends.append(time.monotonic())

    workers = [threading.Thread(target=connection_loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"latencies": latencies, "errors": errors, "end": max(ends)}


def concurrent(
    pool: ProcessPoolExecutor, port: int, connections: int, each: int, processes: int
) -> tuple[list[float], list[str], float]:
    """Latencies, errors and requests/s of `connections` connections at once."""
    shares = [connections // processes + (p < connections % processes) for p in range(processes)]
    start_at = time.monotonic() + 0.5
    futures = [pool.submit(client_process, port, n, each, start_at) for n in shares if n]
    results = [future.result() for future in futures]
    latencies = [ms for result in results for ms in result["latencies"]]  # type: ignore[attr-defined]
    errors = [e for result in results for e in result["errors"]]  # type: ignore[attr-defined]
    span = max(float(result["end"]) for result in results) - start_at  # type: ignore[arg-type]
    return latencies, errors, len(latencies) / span if span > 0 else 0.0


def wrk_rate(port: int, connections: int, seconds: int) -> float | None:
    """wrk's requests/s on the route, when wrk is installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    done = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}/hello/wrk"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def chalice_python() -> tuple[str | None, str]:
    """The Python of a venv with chalice (made the first time), or None and why not."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "tether" / "bench" / "chalice"
    python = home / "bin" / "python"
    check = [str(python), "-c", "import chalice"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python), ""
    print(f"installing {CHALICE} into {home} (for this benchmark only)...", flush=True)
    try:
        venv.create(home, with_pip=True, clear=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", CHALICE],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return None, f"could not install {CHALICE}: {detail.strip().splitlines()[-1:]}"
    return str(python), ""


def start_chalice(python: str, folder: Path) -> tuple[subprocess.Popen[bytes] | None, int, str]:
    app = folder / "chalice-hello"
    (app / ".chalice").mkdir(parents=True)
    (app / "app.py").write_text(textwrap.dedent(CHALICE_APP).lstrip())
    (app / ".chalice" / "config.json").write_text(json.dumps(CHALICE_CONFIG))
    port = free_port()
    chalice = Path(python).parent / "chalice"
    command = [str(chalice), "local", "--host", "127.0.0.1", "--port", str(port)]
    log = folder / "chalice.log"  # it logs every request: a pipe nobody reads would fill
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--no-autoreload"], cwd=app, stdout=output, stderr=subprocess.STDOUT
        )
    if wait_for_port(port, server, 30):
        return server, port, ""
    server.kill()
    server.wait()
    return None, 0, f"chalice local did not start: {log.read_text(errors='replace')[-300:]}"


def start_tether(folder: Path) -> int:
    """Deploy the hello project to the local cloud (started by the caller); the API's port."""
    from tether import load_project
    from tether.deploy.pipeline import deploy

    root = shutil.copytree(HELLO, folder / "hello")
    outputs = deploy(load_project(root), stage="bench", target="local").outputs
    return int(outputs["WebHttpApiUrl"].rsplit(":", 1)[1])


def measure(
    port: int, figures: Figures, args: argparse.Namespace, pool: ProcessPoolExecutor
) -> None:
    figures.new_connection += sequential(port, args.sequential, keep_alive=False, figures=figures)
    figures.keep_alive += sequential(port, args.sequential, keep_alive=True, figures=figures)
    latencies, errors, rate = concurrent(
        pool, port, args.connections, args.requests, args.processes
    )
    figures.loaded += latencies
    figures.errors += errors
    figures.rates.append(rate)
    found = wrk_rate(port, args.connections, 5)
    if found is not None:
        figures.wrk.append(found)


def report(results: dict[str, Figures], args: argparse.Namespace, notes: list[str]) -> None:
    names = list(results)
    print(f"hello over HTTP ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for note in notes:
        print(f"  {note}")
    header = "".join(f"{name:>22}" for name in names)
    print(f"  {'':34}{header}" + ("  Tether faster by" if len(names) == 2 else ""))

    def row(label: str, values: list[float], unit: str, *, rate: bool = False) -> None:
        cells = "".join(f"{value:>19.2f} {unit:2}" for value in values)
        ratio = ""
        if len(values) == 2 and all(values):
            ahead = values[0] / values[1] if rate else values[1] / values[0]
            ratio = f"{ahead:>15.2f}x"
        print(f"  {label:34}{cells}{ratio}")

    for label, key in (
        ("new connection per request", "new_connection"),
        ("keep-alive", "keep_alive"),
    ):
        p50 = [
            statistics.median(getattr(f, key)) if getattr(f, key) else 0.0 for f in results.values()
        ]
        p95 = [
            percentile(getattr(f, key), 0.95) if getattr(f, key) else 0.0 for f in results.values()
        ]
        row(f"{label}, p50", p50, "ms")
        row(f"{label}, p95", p95, "ms")
    concurrent_label = f"{args.connections} connections"
    rates = [statistics.median(f.rates) if f.rates else 0.0 for f in results.values()]
    row(f"{concurrent_label}, requests/s", rates, "/s", rate=True)
    p50 = [statistics.median(f.loaded) if f.loaded else 0.0 for f in results.values()]
    p99 = [percentile(f.loaded, 0.99) if f.loaded else 0.0 for f in results.values()]
    row(f"{concurrent_label}, p50", p50, "ms")
    row(f"{concurrent_label}, p99", p99, "ms")
    if any(f.wrk for f in results.values()):
        wrk = [statistics.median(f.wrk) if f.wrk else 0.0 for f in results.values()]
        row(f"wrk, {args.connections} connections, requests/s", wrk, "/s", rate=True)
    else:
        print("  (wrk is not installed: throughput measured with the Python client only)")
    print(
        f"  ({args.rounds} rounds, servers taking turns; {args.sequential} sequential requests "
        f"each way, {args.connections} x {args.requests} at once over {args.processes} client "
        "processes, per round)"
    )
    for name, figures in results.items():
        for error in sorted(set(figures.errors))[:3]:
            print(f"  {name} error ({figures.errors.count(error)}x): {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sequential", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=100, help="per connection")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--no-chalice", action="store_true")
    args = parser.parse_args()
    before = os.getloadavg()
    notes: list[str] = []
    python, why = (None, "--no-chalice") if args.no_chalice else chalice_python()
    with (
        tempfile.TemporaryDirectory() as tmp,
        ProcessPoolExecutor(args.processes, mp_context=get_context("spawn")) as pool,
    ):
        folder = Path(tmp)
        os.environ["TETHER_HOME"] = str(folder / "home")
        from tether.localcloud import process

        process.start(free_port())
        chalice: subprocess.Popen[bytes] | None = None
        try:
            ports = {"tether": start_tether(folder)}
            if python is not None:
                chalice, port, why = start_chalice(python, folder)
                if chalice is not None:
                    ports["chalice local"] = port
            if why:
                notes.append(f"chalice local is not measured: {why}")
            list(pool.map(time.sleep, [0.0] * args.processes))  # the client processes are up
            for port in ports.values():  # warm: workers started, code unpacked, imports done
                concurrent(pool, port, args.connections, 5, args.processes)
            results = {name: Figures() for name in ports}
            for _ in range(args.rounds):
                for name, port in ports.items():
                    measure(port, results[name], args, pool)
        finally:
            if chalice is not None:
                chalice.terminate()
                chalice.wait(10)
            process.stop()
    after = os.getloadavg()
    report(results, args, notes)
    print(
        "  load average (1, 5, 15 min): "
        + " ".join(f"{v:.2f}" for v in before)
        + "  ->  "
        + " ".join(f"{v:.2f}" for v in after)
        + " (before -> after)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
