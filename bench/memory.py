"""Benchmark: the memory the local cloud and its workers hold, and the disk its deploys leave.

Starts its own local clouds (free port, temporary TETHER_HOME) and measures, as the user's
machine sees it (figures as read from /proc, with the machine's load average):

- part 1, workers: a project of `--functions` functions (each imports boto3 and makes its
  client at import time, as the functions Tether deploys do), each invoked once: the server's
  RSS, and the workers' count (the spare process included), summed RSS and summed PSS (PSS
  splits the pages processes share, so it is what they cost together); then again once the
  idle workers are released (`TETHER_LOCAL_IDLE_SECONDS`, set low here; the cap on workers,
  `TETHER_LOCAL_MAX_WORKERS`, at its default), and the first answer after that (a cold start);
- part 2, quick deploys: a project whose code zip is about `--megabytes` MB (incompressible
  data beside the handlers; `--big-functions` functions share it, as every function of a
  project shares its code zip), deployed in full, then `--deploys` one-file quick deploys (a
  module all the handlers import is edited: every function gets the new code), each followed
  by an invoke: the server's RSS right after each, settled (the least of its readings over
  the next 2 s, once the requests and the snapshot in flight are over) and at its peak; then
  what stays on disk: the project's build folder (`.tether/build`) and the local cloud's home
  (`$TETHER_HOME/local`: unpacked code, stored code zips, the saved state), right after and
  once the local cloud had time to remove what nothing needs. (The artifact bucket keeps every
  quick deploy's zip, and the saved state, `snapshot.bin`, every object of it: its size and
  the peak RSS while it is written follow.)

- part 3, a snapshot of S3 objects: `--objects` objects of `--object-megabytes` MB each in a
  versioned bucket (each written twice: two versions), `--small` objects of 1 KB in another,
  and a multipart upload left in progress. Side by side, in a child process each (the same
  objects made through moto's API, the peak reset with `/proc/self/clear_refs` just before):
  the peak RSS a snapshot adds written as moto pickles its objects (`FakeKey.__getstate__`:
  the bodies in the pickle, as the local cloud did) and as the local cloud writes it (bodies
  in the store). Then the same through a local cloud (snapshots every `SNAPSHOT_EVERY` s, so
  that none is taken during the uploads): the server's peak RSS over its RSS before, while
  the first snapshot (which writes the bodies) and a later one (after one small change) are
  written; then a stop and a start: the new server's peak while it restores, the snapshot's
  size, and one big object read back (same bytes, same ETag), every version and the part.

Targets: after the idle release no worker but the spare is left and the function answers
again; the settled server RSS grows by less than 10 MB per quick deploy, the build folder
holds at most 4 code zips and the local cloud's home at most 4 unpacked versions of the code;
a snapshot adds less than 100 MB to the server's RSS however big the objects are, and what a
snapshot adds with the bodies in the store is at most a tenth of what it adds with them in the
pickle.

    .venv/bin/python bench/memory.py [--functions 20] [--idle 20] [--big-functions 4]
        [--deploys 10] [--megabytes 50] [--objects 5] [--object-megabytes 50] [--small 3000]
        [--part 1] [--part 2] [--part 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import free_port

TARGET_GROWTH_MB = 10.0
TARGET_BUILD_ZIPS = 4
TARGET_UNPACKED = 4
SETTLE = 30.0  # seconds given to the local cloud to remove the code nothing needs
SNAPSHOT_WAIT = 6.0  # a stored zip goes once a snapshot was saved without it
SETTLE_RSS = 2.0  # seconds of readings for a settled RSS (a snapshot every 2 s)
TARGET_SNAPSHOT_MB = 100.0  # what a snapshot may add to the server's RSS
TARGET_SNAPSHOT_RATIO = 0.1  # of what it added with the bodies in the pickle
SNAPSHOT_EVERY = 90.0  # seconds between snapshots in part 3 (none during the uploads)
SEED = 20_240_601

HANDLER = """
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    return {"name": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "pid": os.getpid()}
"""

BIG_HANDLER = """
from app import common


def handler(event, context):
    return common.VERSION
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# reading /proc ------------------------------------------------------------------------------


def status_kb(pid: int, field: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS...), 0 for a process that is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(field.encode() + b":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def pss_kb(pid: int) -> int:
    """The process's proportional set size: its private pages plus its share of shared ones."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (workers run in sessions of their own, but stay its children)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        frontier += children
    return found


@dataclass(frozen=True)
class Reading:
    server_mb: float
    workers: int
    workers_rss_mb: float
    workers_pss_mb: float

    def line(self, label: str) -> str:
        return (
            f"  {label:<34} server {self.server_mb:6.0f} MB   workers {self.workers:>3}: "
            f"RSS {self.workers_rss_mb:6.0f} MB, PSS {self.workers_pss_mb:6.0f} MB"
        )


def reading(server: int) -> Reading:
    workers = descendants(server)
    return Reading(
        server_mb=status_kb(server, "VmRSS") / 1024,
        workers=len(workers),
        workers_rss_mb=sum(status_kb(pid, "VmRSS") for pid in workers) / 1024,
        workers_pss_mb=sum(pss_kb(pid) for pid in workers) / 1024,
    )


def unpacked(local: Path) -> int:
    """Versions of code unpacked for workers under the local cloud's home."""
    code = local / "code"
    return sum(1 for p in code.iterdir() if not p.name.startswith(".")) if code.is_dir() else 0


def disk(build: Path, local: Path) -> str:
    """What the build folder and the local cloud's home hold."""
    zips = list(build.glob("code-*.zip"))
    stored = local / "state" / "code"
    snapshot = local / "state" / "snapshot.bin"
    return (
        f".tether/build {len(zips)} code zips, {folder_mb(build):.0f} MB; $TETHER_HOME/local "
        f"{folder_mb(local):.0f} MB: {unpacked(local)} unpacked code versions "
        f"{folder_mb(local / 'code'):.0f} MB, "
        f"{len(list(stored.glob('*.zip'))) if stored.is_dir() else 0} stored zips "
        f"{folder_mb(stored):.0f} MB, snapshot "
        f"{(snapshot.stat().st_size if snapshot.exists() else 0) / 1e6:.0f} MB"
    )


def folder_mb(folder: Path) -> float:
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(base, name)).st_size
    return total / 1e6


# the local cloud ----------------------------------------------------------------------------


@contextlib.contextmanager
def local_cloud(home: Path, env: dict[str, str]) -> Iterator[Any]:
    """A local cloud of its own (`env` in its environment); yields its LocalCloud."""
    from tether.localcloud import process

    saved = {name: os.environ.get(name) for name in ("TETHER_HOME", *env)}
    os.environ.update({"TETHER_HOME": str(home), **env})
    try:
        cloud = process.start(free_port())
        try:
            yield cloud
        finally:
            process.stop()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cloud_client(service: str, **config: Any) -> Any:
    """A boto3 client of the running local cloud, with its credentials, that does not retry
    (`config`: more of botocore's Config)."""
    import boto3
    from botocore.config import Config

    from tether.localcloud import home_credentials, process

    keys = home_credentials()
    running = process.status()
    assert running is not None
    return boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        region_name="us-east-1",
    ).client(
        service,
        endpoint_url=running.endpoint,
        config=Config(retries={"max_attempts": 1}, **config),
    )


def invoke(lam: Any, name: str) -> Any:
    response = lam.invoke(FunctionName=name, Payload=b"{}")
    body = response["Payload"].read()
    if response.get("FunctionError"):
        raise SystemExit(f"{name} failed: {body!r}")
    return json.loads(body)


# part 1: workers ----------------------------------------------------------------------------


def part1_workers(tmp: Path, functions: int, idle: float) -> bool:
    from tether import load_project
    from tether.deploy.pipeline import deploy

    root = tmp / "many"
    (root / "app").mkdir(parents=True)
    lines = ["name: benchmem", "functions:"]
    for n in range(functions):
        lines.append(f"  f{n:02d}: {{handler: app/f{n:02d}.handler}}")
        (root / "app" / f"f{n:02d}.py").write_text(textwrap.dedent(HANDLER).lstrip())
    (root / "app" / "__init__.py").write_text("")
    (root / "tether.yaml").write_text("\n".join(lines) + "\n")
    print(
        f"part 1: {functions} functions on the local cloud, each invoked once "
        f"(TETHER_LOCAL_IDLE_SECONDS={idle:g})"
    )
    with local_cloud(tmp / "home-many", {"TETHER_LOCAL_IDLE_SECONDS": str(idle)}) as cloud:
        deploy(load_project(root), stage="bench", target="local")
        names = [f"benchmem-bench-f{n:02d}" for n in range(functions)]
        lam = cloud_client("lambda", read_timeout=120)
        print(f"  load average before {load()}")
        print(reading(cloud.pid).line("deployed, nothing invoked"))
        started = time.perf_counter()
        for name in names:
            invoke(lam, name)
        invoked = time.perf_counter() - started
        after = reading(cloud.pid)
        print(after.line(f"each invoked once ({invoked:.1f} s)"))
        waited = 0.0
        released = after
        while waited < idle * 4 + 15:
            time.sleep(0.5)
            waited += 0.5
            released = reading(cloud.pid)
            if released.workers <= 1 and waited >= idle:  # at most the spare is left
                break
        print(released.line(f"idle for {waited:.1f} s"))
        started = time.perf_counter()
        answer = invoke(lam, names[0])
        again_ms = (time.perf_counter() - started) * 1000
        print(reading(cloud.pid).line(f"first invoke again ({again_ms:.0f} ms)"))
        print(f"  load average after {load()}")
    ok = released.workers <= 1 and answer.get("name") == names[0]
    print(
        "  target: idle workers released (at most the spare left) and the function answers "
        f"afterwards: {'met' if ok else 'MISSED'}"
    )
    return ok


# part 2: quick deploys ----------------------------------------------------------------------


def write_big_project(root: Path, functions: int, megabytes: int) -> None:
    rng = random.Random(SEED)
    (root / "app" / "data").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "common.py").write_text("VERSION = 0\n")
    for n in range(megabytes):  # incompressible: the zip is as big as the data
        (root / "app" / "data" / f"blob{n:03d}.bin").write_bytes(rng.randbytes(1_000_000))
    lines = ["name: benchbig", "functions:"]
    for n in range(functions):
        lines.append(f"  g{n}: {{handler: app/g{n}.handler, timeout: 30}}")
        (root / "app" / f"g{n}.py").write_text(textwrap.dedent(BIG_HANDLER).lstrip())
    (root / "tether.yaml").write_text("\n".join(lines) + "\n")


def settled_mb(pid: int, seconds: float = SETTLE_RSS) -> float:
    """The server's RSS once what is in flight (a request, a snapshot) is over: the least of
    the readings over `seconds`."""
    readings = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readings.append(status_kb(pid, "VmRSS") / 1024)
        time.sleep(0.1)
    return min(readings)


@dataclass(frozen=True)
class Series:
    growth_mb: float  # settled server RSS gained per quick deploy
    zips: int  # code zips left in the build folder
    versions: int  # unpacked versions left in the local cloud's home


def quick_series(tmp: Path, args: argparse.Namespace) -> Series:
    """Deploy the big project, then `args.deploys` quick deploys, on a local cloud of its own."""
    from tether import load_project
    from tether.deploy.pipeline import deploy

    root = tmp / "big"
    write_big_project(root, args.big_functions, args.megabytes)
    home = tmp / "home-big"
    print(f"  load average before {load()}")
    with local_cloud(home, {}) as cloud:
        deploy(load_project(root), stage="bench", target="local")
        names = [f"benchbig-bench-g{n}" for n in range(args.big_functions)]
        lam = cloud_client("lambda", read_timeout=120)
        for name in names:
            invoke(lam, name)
        first = settled_mb(cloud.pid)
        print(
            f"  {'deploy':>8}  {'seconds':>7}  {'RSS after':>9}  {'settled':>8}  "
            f"{'peak so far':>11}"
        )
        print(
            f"  {'full':>8}  {'':>7}  {'':>9}  {first:5.0f} MB  "
            f"{status_kb(cloud.pid, 'VmHWM') / 1024:8.0f} MB"
        )
        last = first
        for version in range(1, args.deploys + 1):
            (root / "app" / "common.py").write_text(f"VERSION = {version}\n")
            started = time.perf_counter()
            result = deploy(load_project(root), stage="bench", target="local")
            seconds = time.perf_counter() - started
            answer = invoke(lam, names[version % len(names)])
            if answer != version or result.path != "quick":
                raise SystemExit(f"deploy {version} ({result.path}): answered {answer!r}")
            after = status_kb(cloud.pid, "VmRSS") / 1024
            last = settled_mb(cloud.pid)
            print(
                f"  {'quick ' + str(version):>8}  {seconds:7.2f}  {after:6.0f} MB  "
                f"{last:5.0f} MB  {status_kb(cloud.pid, 'VmHWM') / 1024:8.0f} MB"
            )
        local = home / "local"
        build = root / ".tether" / "build"
        print(f"  load average after {load()}")
        growth = (last - first) / args.deploys
        print(
            f"  settled server RSS: {first:.0f} MB after the full deploy, {last:.0f} MB after "
            f"{args.deploys} quick deploys ({growth:+.1f} MB per deploy)"
        )
        print(f"  on disk right after:  {disk(build, local)}")
        settled = time.monotonic() + SETTLE
        while time.monotonic() < settled and unpacked(local) > TARGET_UNPACKED:
            time.sleep(1)
        time.sleep(max(0.0, min(SNAPSHOT_WAIT, settled - time.monotonic())))
        print(f"  on disk {SETTLE:.0f} s later: {disk(build, local)}")
        return Series(growth, len(list(build.glob("code-*.zip"))), unpacked(local))


def part2_quick(tmp: Path, args: argparse.Namespace) -> bool:
    print(
        f"part 2: {args.deploys} quick deploys of a {args.megabytes} MB code zip shared by "
        f"{args.big_functions} functions (a module they all import edited each time), each "
        "followed by an invoke"
    )
    series = quick_series(tmp, args)
    met = (
        series.growth_mb < TARGET_GROWTH_MB
        and series.zips <= TARGET_BUILD_ZIPS
        and series.versions <= TARGET_UNPACKED
    )
    print(
        f"  target: under {TARGET_GROWTH_MB:.0f} MB per quick deploy "
        f"({series.growth_mb:+.1f} MB), at most {TARGET_BUILD_ZIPS} zips in the build "
        f"folder ({series.zips}) and {TARGET_UNPACKED} unpacked versions "
        f"({series.versions}): {'met' if met else 'MISSED'}"
    )
    return met


# part 3: a snapshot of big S3 objects -------------------------------------------------------


def next_snapshot(home: Path, after: int, timeout: float) -> int:
    """Wait until the snapshot file is newer than `after` (its mtime in ns); that mtime."""
    snapshot = home / "local" / "state" / "snapshot.bin"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            mtime = snapshot.stat().st_mtime_ns
            if mtime != after:
                time.sleep(0.2)  # (the rename is its last step; the folder's fsync follows)
                return mtime
        time.sleep(0.02)
    raise SystemExit("no snapshot was saved")


def reset_peak(pid: int | str) -> bool:
    """Reset the process's peak RSS (`VmHWM`) to its current RSS (Linux 4.0+)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def fill_s3(put: Any, args: argparse.Namespace) -> dict[str, str]:
    """The objects of part 3, through `put(bucket, key, body)`; big key -> its body's MD5."""
    import hashlib

    rng = random.Random(SEED)
    digests = {}
    for n in range(args.objects):
        for _ in range(2):
            body = rng.randbytes(args.object_megabytes * 1_000_000)
            put("big", f"big/{n}", body)
            digests[f"big/{n}"] = hashlib.md5(body).hexdigest()
            del body
    for n in range(args.small):
        put("small", f"small/{n}", rng.randbytes(1000))
    return digests


def snapshot_child(mode: str, home: Path, args: argparse.Namespace) -> None:
    """In a child process: make part 3's objects in moto, snapshot them (`mode` "pickled": as
    moto pickles them; "stored": as the local cloud does) and print what that added to the
    peak RSS, in MB, and the snapshot's size, as JSON."""
    import gc
    import pickle

    from moto.s3.models import s3_backends

    from tether.localcloud import persistence

    backend = s3_backends["123456789012"]["aws"]
    for bucket in ("big", "small"):
        backend.create_bucket(bucket, "us-east-1")
    backend.put_bucket_versioning("big", "Enabled")
    fill_s3(lambda bucket, key, body: backend.put_object(bucket, key, body).etag, args)
    multipart = backend.create_multipart_upload(
        "big", "parts", {}, "STANDARD", {}, None, None, None
    )
    multipart.set_part(1, random.Random(SEED).randbytes(args.object_megabytes * 1_000_000))
    gc.collect()
    before = status_kb(os.getpid(), "VmRSS") / 1024
    reset_peak("self")
    started = time.perf_counter()
    if mode == "stored":
        size = persistence.save(home).bytes
    else:
        path = home / "pickled.bin"
        with path.open("wb") as out:
            pickler = pickle.Pickler(out, protocol=5)
            pickler.dispatch_table = persistence._dispatch_table()  # moto's FakeKey pickling
            pickler.dump({"backends": persistence._backends(), "tether": {}})
        size = path.stat().st_size
    seconds = time.perf_counter() - started
    peak = status_kb(os.getpid(), "VmHWM") / 1024
    print(json.dumps({"added": peak - before, "rss": before, "bytes": size, "seconds": seconds}))


def side_by_side(tmp: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    import subprocess

    found = {}
    for mode in ("pickled", "stored"):
        home = tmp / f"home-{mode}"
        home.mkdir()
        command = [sys.executable, __file__, "--snapshot-child", mode, "--home", str(home)]
        sizes = [f"--objects={args.objects}", f"--small={args.small}"]
        sizes.append(f"--object-megabytes={args.object_megabytes}")
        child = subprocess.run([*command, *sizes], capture_output=True, text=True, check=True)
        found[mode] = json.loads(child.stdout.strip().splitlines()[-1])
    return found


def part3_snapshot(tmp: Path, args: argparse.Namespace) -> bool:
    import hashlib

    print(
        f"part 3: a snapshot with {args.objects} objects of {args.object_megabytes} MB, two "
        f"versions each, {args.small} objects of 1 KB and a multipart upload in progress"
    )
    print(f"  load average before {load()}")
    compared = side_by_side(tmp, args)
    for mode, label in (
        ("pickled", "bodies in the pickle (moto's)"),
        ("stored", "bodies in the store"),
    ):
        row = compared[mode]
        print(
            f"  in-process snapshot, {label:<30} adds {row['added']:6.0f} MB to "
            f"{row['rss']:4.0f} MB; {row['bytes'] / 1e6:6.1f} MB, {row['seconds']:5.2f} s"
        )
    ratio = compared["stored"]["added"] / max(compared["pickled"]["added"], 1.0)
    print(f"  ratio stored / pickled: {ratio:.3f}   (load average {load()})")

    home = tmp / "home-s3"
    snapshot = home / "local" / "state" / "snapshot.bin"
    with local_cloud(home, {"TETHER_LOCAL_SNAPSHOT_EVERY": str(SNAPSHOT_EVERY)}) as cloud:
        uploading = time.monotonic()
        s3 = cloud_client("s3", read_timeout=300, s3={"addressing_style": "path"})
        s3.create_bucket(Bucket="big")
        s3.put_bucket_versioning(Bucket="big", VersioningConfiguration={"Status": "Enabled"})
        s3.create_bucket(Bucket="small")
        digests = fill_s3(lambda b, k, body: s3.put_object(Bucket=b, Key=k, Body=body), args)
        upload = s3.create_multipart_upload(Bucket="big", Key="parts")["UploadId"]
        part = random.Random(SEED).randbytes(args.object_megabytes * 1_000_000)
        s3.upload_part(Bucket="big", Key="parts", UploadId=upload, PartNumber=1, Body=part)
        del part
        early = snapshot.exists()
        print(f"  uploaded in {time.monotonic() - uploading:.0f} s")
        rows = []
        saved = 0
        for label in ("first snapshot (writes the bodies)", "a later snapshot"):
            if saved:
                s3.put_object(Bucket="small", Key="one-more", Body=b"x")
            before = settled_mb(cloud.pid, 1.0)
            reset = reset_peak(cloud.pid)
            saved = next_snapshot(home, saved, SNAPSHOT_EVERY * 3)
            peak = status_kb(cloud.pid, "VmHWM") / 1024
            rows.append(peak - before)
            print(
                f"  local cloud, {label:<36} RSS {before:4.0f} MB, peak {peak:4.0f} MB "
                f"({peak - before:+5.0f} MB{'' if reset else ', peak not reset'}); snapshot "
                f"{snapshot.stat().st_size / 1e6:.1f} MB"
            )
        if early:
            print("  (a snapshot was saved during the uploads: the first one wrote fewer bodies)")
        print(f"  $TETHER_HOME/local/state {folder_mb(home / 'local' / 'state'):.0f} MB")
    print(f"  load average between {load()}")
    with local_cloud(home, {}) as cloud:
        restored = status_kb(cloud.pid, "VmHWM") / 1024
        s3 = cloud_client("s3", read_timeout=300, s3={"addressing_style": "path"})
        got = s3.get_object(Bucket="big", Key="big/0")
        same = hashlib.md5(got["Body"].read()).hexdigest() == digests["big/0"]
        same = same and got["ETag"].strip('"') == digests["big/0"]
        versions = len(s3.list_object_versions(Bucket="big", Prefix="big/")["Versions"])
        parts = s3.list_parts(Bucket="big", Key="parts", UploadId=upload).get("Parts", [])
        print(
            f"  restarted: server peak while restoring {restored:.0f} MB; big/0 read back "
            f"{'the same' if same else 'DIFFERENT'}, {versions} versions, "
            f"{len(parts)} part(s) in progress"
        )
    print(f"  load average after {load()}")
    met = (
        max(rows) < TARGET_SNAPSHOT_MB
        and ratio <= TARGET_SNAPSHOT_RATIO
        and same
        and versions == 2 * args.objects
        and len(parts) == 1
    )
    print(
        f"  target: a snapshot adds under {TARGET_SNAPSHOT_MB:.0f} MB to the server's RSS "
        f"({max(rows):+.0f} MB), at most {TARGET_SNAPSHOT_RATIO:.1f}x what it added with the "
        f"bodies in the pickle ({ratio:.3f}x), and the objects come back: "
        f"{'met' if met else 'MISSED'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=20, help="functions of part 1")
    parser.add_argument("--idle", type=float, default=20.0, help="idle seconds before release")
    parser.add_argument("--big-functions", type=int, default=4, help="functions of part 2")
    parser.add_argument("--deploys", type=int, default=10, help="quick deploys of part 2")
    parser.add_argument("--megabytes", type=int, default=50, help="size of part 2's code zip")
    parser.add_argument("--objects", type=int, default=5, help="big S3 objects of part 3")
    parser.add_argument("--object-megabytes", type=int, default=50, help="their size")
    parser.add_argument("--small", type=int, default=3000, help="1 KB S3 objects of part 3")
    parser.add_argument("--part", type=int, choices=(1, 2, 3), action="append")
    parser.add_argument("--snapshot-child", choices=("pickled", "stored"), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.snapshot_child:
        snapshot_child(args.snapshot_child, args.home, args)
        return 0
    parts = set(args.part or (1, 2, 3))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        if 1 in parts:
            ok = part1_workers(Path(tmp), args.functions, args.idle) and ok
        if 2 in parts:
            ok = part2_quick(Path(tmp), args) and ok
        if 3 in parts:
            ok = part3_snapshot(Path(tmp), args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
