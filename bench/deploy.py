"""Benchmark: cold and no-op deploys of examples/photos to a fresh local cloud.

Prints, side by side in one run, the cold deploy (bootstrap + build + upload + create) and the
median no-op deploy (nothing changed), with the bytes each uploaded. Targets: a no-op deploy
uploads 0 bytes and finishes in under 2 s here.

    .venv/bin/python bench/deploy.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_NOOP_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        from tether import load_project
        from tether.deploy.pipeline import deploy
        from tether.localcloud import process

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process.start(port)
        try:
            project = Path(tmp) / "photos"
            shutil.copytree(REPO / "examples" / "photos", project)
            started = time.perf_counter()
            cold = deploy(load_project(project), stage="bench", target="local")
            cold_seconds = time.perf_counter() - started
            noops = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = deploy(load_project(project), stage="bench", target="local")
                noops.append(
                    (time.perf_counter() - started, result.uploaded_bytes, result.plan.noop)
                )
        finally:
            process.stop()
    median = statistics.median(seconds for seconds, _, _ in noops)
    uploaded = max(size for _, size, _ in noops)
    print(f"examples/photos on the local cloud ({len(cold.plan.changes)} resources)")
    print(
        f"  cold deploy   {cold_seconds * 1000:8.0f} ms   {cold.uploaded_bytes:8d} bytes uploaded"
    )
    print(
        f"  no-op deploy  {median * 1000:8.0f} ms   {uploaded:8d} bytes uploaded  (median of {args.runs})"
    )
    print(f"  no-op / cold  {median / cold_seconds:8.2f}")
    ok = uploaded == 0 and all(noop for _, _, noop in noops) and median < TARGET_NOOP_SECONDS
    print(
        f"  target: 0 bytes and under {TARGET_NOOP_SECONDS:.0f} s for a no-op: {'met' if ok else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
