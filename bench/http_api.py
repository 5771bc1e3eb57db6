"""Benchmark: an HTTP API on the local cloud under 200 concurrent clients, against one at a time.

Starts its own local cloud (free port, temporary TETHER_HOME), deploys a tiny project whose
function answers an HTTP route, and measures side by side in one run, every request on a new
connection (as independent clients make them):

- sequential: one request after another (latency p50, throughput);
- concurrent: `--clients` requests released at once from as many threads, `--rounds` times
  (latency p50, p95, p99 over all rounds; errors; the slowest TCP connect, which shows a
  listen backlog too small for the burst: a refused SYN is retried after a second);
- the ratio of concurrent to sequential throughput (the function has 4 warm workers).

Targets: every request answered 200, p99 under 2 s, no connect slower than 1 s.

    .venv/bin/python bench/http_api.py [--clients 200] [--rounds 3] [--sequential 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import free_port, percentile

TARGET_P99_MS = 2000.0
TARGET_CONNECT_MS = 1000.0

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello"


@dataclass
class Run:
    """Latencies (ms) of the requests answered 200, what went wrong with the others, and the
    wall time of the whole run (s)."""

    latencies: list[float] = field(default_factory=list)
    connects: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def request(port: int, path: str, run: Run, lock: threading.Lock) -> None:
    """One GET on a new connection; its latency (and connect time) or its error into `run`."""
    import http.client

    begun = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.connect()
            connected = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        done = time.perf_counter()
        with lock:
            run.connects.append((connected - begun) * 1000)
            if response.status == 200 and body.startswith(b"hello"):
                run.latencies.append((done - begun) * 1000)
            else:
                run.errors.append(f"{response.status} {body[:80]!r}")
    except Exception as exc:
        with lock:
            run.errors.append(repr(exc))


def sequential(port: int, count: int) -> Run:
    run, lock = Run(), threading.Lock()
    begun = time.perf_counter()
    for i in range(count):
        request(port, f"/hello/s{i}", run, lock)
    run.seconds = time.perf_counter() - begun
    return run


def concurrent(port: int, clients: int, rounds: int) -> Run:
    run, lock = Run(), threading.Lock()
    for round_ in range(rounds):
        gate = threading.Barrier(clients + 1)

        def client(i: int, gate: threading.Barrier = gate, round_: int = round_) -> None:
            gate.wait()
            request(port, f"/hello/c{round_}-{i}", run, lock)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        gate.wait()  # every client thread is up: release them together
        begun = time.perf_counter()
        for thread in threads:
            thread.join()
        run.seconds += time.perf_counter() - begun
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        from tether import load_project
        from tether.deploy.pipeline import deploy
        from tether.localcloud import process

        process.start(free_port())
        try:
            root = shutil.copytree(HELLO, Path(tmp) / "hello")
            outputs = deploy(load_project(root), stage="bench", target="local").outputs
            port = int(outputs["WebHttpApiUrl"].rsplit(":", 1)[1])
            concurrent(port, min(args.clients, 8), 1)  # warm: workers up, code unpacked
            one = sequential(port, args.sequential)
            many = concurrent(port, args.clients, args.rounds)
        finally:
            process.stop()
            shutil.rmtree(Path(tmp) / "home", ignore_errors=True)

    total = args.clients * args.rounds
    ratio = many.throughput / one.throughput if one.throughput else 0.0
    print(f"HTTP API on the local cloud ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    print("  function: returns a 200 with a short text body; a new connection per request")
    if one.latencies:
        print(
            f"  sequential       p50 {statistics.median(one.latencies):7.1f} ms"
            f"  {one.throughput:7.0f} requests/s  ({len(one.latencies)}/{args.sequential} ok)"
        )
    p99 = percentile(many.latencies, 0.99) if many.latencies else float("inf")
    slowest_connect = max(many.connects) if many.connects else float("inf")
    if many.latencies:
        print(
            f"  {args.clients} concurrent   p50 {statistics.median(many.latencies):7.1f} ms"
            f"  p95 {percentile(many.latencies, 0.95):7.1f} ms  p99 {p99:7.1f} ms"
            f"  max {max(many.latencies):7.1f} ms"
        )
        print(
            f"                   {many.throughput:7.0f} requests/s  ({len(many.latencies)}/{total} ok,"
            f" {len(many.errors)} errors, {args.rounds} rounds; slowest connect {slowest_connect:.1f} ms)"
        )
    print(f"  concurrent vs sequential throughput {ratio:5.2f}x")
    for error in sorted(set(many.errors + one.errors))[:5]:
        print(f"  error: {error}")
    checks = [
        ("every request answered", not many.errors and not one.errors),
        (f"p99 < {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS),
        (f"no connect >= {TARGET_CONNECT_MS:.0f} ms", slowest_connect < TARGET_CONNECT_MS),
    ]
    print("  targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
