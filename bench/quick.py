"""Benchmark: QuickDeploy, measured side by side in one run (issue 6).

Part 1 patches 1 and 20 changed files into a generated 50 MB, 5,000-entry code zip with
`tether.build.patch.patch_zip`, against the baseline that decompresses and recompresses every
entry (SLAppForge Sigma's patcher, with archive.py's settings), and checks both give the same
bytes. Targets: at least 25 times faster, and under 150 ms for 1 file. Part 2 measures a 1-file
edit in examples/photos from save to the new code answering on the local cloud, as the user runs
it (`tether deploy`, then `tether invoke`, processes with their defaults), the quick path against
the full deploy, alternating, with the machine's load average. Part 3 measures the bytes sent from the client
for a 1-file change to the 50 MB zip patched remotely (by the bootstrap stack's patcher function,
on a local cloud started for it), against the file's size (target: at most 4 KB more).

    .venv/bin/python bench/quick.py [--runs 11] [--baseline-runs 3] [--part 1]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from tether.build.archive import COMPRESS_LEVEL, Entry, write_zip, zip_info
from tether.build.patch import patch_zip

REPO = Path(__file__).resolve().parent.parent
ENTRIES = 5_000
SEED = 20_240_601
TARGET_RATIO = 25.0
TARGET_ONE_FILE_MS = 150.0
CHANGED_COUNTS = (1, 20)

Changes = Mapping[str, bytes | None]


# part 1: patching bytes on disk ------------------------------------------------------------


def artifact_files(rng: random.Random) -> dict[str, bytes]:
    """5,000 files, about 2 in 5 incompressible: the zip comes out at about 50 MB."""
    words = [f"{rng.choice('abcdefghij')}{rng.randrange(10_000)}" for _ in range(3_000)]
    lines = [
        f"    {rng.choice(words)} = {rng.choice(words)}({rng.choice(words)}, {rng.randrange(99)})\n"
        for _ in range(4_000)
    ]
    files: dict[str, bytes] = {}
    for i in range(ENTRIES):
        folder = f"pkg{i % 40:02d}/sub{i % 7}"
        if i % 5 < 2:
            files[f"{folder}/data{i:04d}.bin"] = rng.randbytes(rng.randint(11_000, 28_000))
        else:
            text = "".join(rng.choices(lines, k=rng.randint(150, 450)))
            files[f"{folder}/mod{i:04d}.py"] = f"# module {i}\n{text}".encode()
    return files


def make_artifact(folder: Path) -> tuple[Path, list[str]]:
    """Write the files under `folder/src`, zip them with archive.write_zip; the sorted names."""
    files = artifact_files(random.Random(SEED))
    entries = []
    for name, data in files.items():
        path = folder / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append(Entry(name, path))
    written = write_zip(entries, folder, lambda sha: "artifact.zip")
    return written.path, sorted(files)


def change_set(names: list[str], count: int, rng: random.Random) -> dict[str, bytes | None]:
    """`count` changed .py files spread over the archive, each about as big as before."""
    candidates = [n for n in names if n.endswith(".py")]
    step = len(candidates) // count
    chosen = [candidates[step // 2 + k * step] for k in range(count)]
    return {name: f"# edited {name}\n".encode() * rng.randint(200, 600) for name in chosen}


def patched_sha256(source: Path, target: Path, changes: Changes) -> str:
    """Ours: copy the unchanged entries' bytes, compress only the changes; the sha256."""
    return patch_zip(source, target, changes).sha256


def recompress_everything(source: Path, target: Path, changes: Changes) -> str:
    """The baseline: read every entry, write a new zip with the same settings; its sha256."""
    tmp = target.with_name(".baseline.tmp")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as new:
        kept = {i.filename: i for i in old.infolist() if changes.get(i.filename, b"") is not None}
        names = sorted(kept.keys() | {n for n, data in changes.items() if data is not None})
        for name in names:
            data = changes.get(name)
            if data is None:
                data = old.read(name)
                executable = bool((kept[name].external_attr >> 16) & 0o111)
            else:
                executable = False
            new.writestr(zip_info(name, executable), data, compresslevel=COMPRESS_LEVEL)
    os.replace(tmp, target)
    with target.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def median_ms(runs: int, action: Callable[[], str]) -> tuple[float, str]:
    """Median wall time of `runs` calls of `action`, and the digest they all returned."""
    times: list[float] = []
    digests: set[str] = set()
    for _ in range(runs):
        started = time.perf_counter()
        digests.add(action())
        times.append((time.perf_counter() - started) * 1000)
    if len(digests) != 1:
        raise SystemExit(f"not deterministic: {len(digests)} different results")
    return statistics.median(times), digests.pop()


def part1_patch(runs: int, baseline_runs: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        source, names = make_artifact(folder)
        made = time.perf_counter() - started
        size = source.stat().st_size
        print(
            f"part 1: patch a {size / 1e6:.1f} MB, {len(names):,}-entry code zip "
            f"(generated in {made:.1f} s)"
        )
        print(
            f"  {'files':>5}  {'ours':>9}  {'recompress all':>14}  {'ratio':>7}  ours: compressed/copied"
        )
        met = True
        for count in CHANGED_COUNTS:
            changes = change_set(names, count, random.Random(count))
            target = folder / f"patched-{count}.zip"
            result = patch_zip(source, target, changes)
            ours, ours_sha = median_ms(
                runs, functools.partial(patched_sha256, source, target, changes)
            )
            theirs, their_sha = median_ms(
                baseline_runs,
                functools.partial(recompress_everything, source, folder / "baseline.zip", changes),
            )
            if ours_sha != their_sha:
                raise SystemExit(f"{count} files: the patched zip differs from the full rewrite")
            ratio = theirs / ours
            print(
                f"  {count:>5}  {ours:>6.1f} ms  {theirs:>11.0f} ms  {ratio:>6.1f}x  "
                f"{result.bytes_compressed:,} B / {result.bytes_copied / 1e6:.1f} MB"
            )
            met = met and ratio >= TARGET_RATIO
            if count == 1:
                met = met and ours < TARGET_ONE_FILE_MS
        print(
            f"  same bytes as the full rewrite; medians of {runs} (ours), {baseline_runs} (baseline)"
        )
        verdict = "met" if met else "MISSED"
        print(
            f"  target: at least {TARGET_RATIO:.0f}x, and under {TARGET_ONE_FILE_MS:.0f} ms "
            f"for 1 file: {verdict}"
        )
    return met


# part 2: edit-to-live ----------------------------------------------------------------------


def part2_edit_to_live(runs: int = 7) -> None:
    """A 1-file edit in examples/photos, from save to the new code answering, as the user runs
    it: `tether deploy` (its defaults: the quick path when only code changed), then `tether
    invoke`, each a process; against the same edit deployed with `--full`, side by side."""
    import shutil
    import socket
    import subprocess

    tether = str(Path(sys.executable).with_name("tether"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TETHER_HOME"] = str(Path(tmp) / "home")
        from tether.localcloud import process

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process.start(port)
        try:
            project = Path(tmp) / "photos"
            shutil.copytree(
                REPO / "examples" / "photos",
                project,
                ignore=shutil.ignore_patterns(".tether", "__pycache__"),
            )

            def run(*arguments: str) -> subprocess.CompletedProcess[str]:
                done = subprocess.run(
                    [tether, *arguments, "--stage", "bench"],
                    cwd=project,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "NO_COLOR": "1"},
                )
                if done.returncode != 0:
                    raise SystemExit(f"tether {' '.join(arguments)} failed:\n{done.stderr}")
                return done

            run("deploy", "--yes")
            run("invoke", "api", "--event", "events/get-order.json")  # the function is in use
            api = project / "app" / "api.py"
            original = api.read_text()

            def edit_to_live(version: int, *options: str) -> tuple[float, float, str]:
                """(seconds from the save to the answer, of them `tether deploy`'s, what
                it said)"""
                marker = f"not found (v{version})"
                started = time.perf_counter()
                api.write_text(original.replace("not found", marker))
                deployed = run("deploy", "--yes", *options).stdout
                deploying = time.perf_counter() - started
                answer = run("invoke", "api", "--event", "events/get-order.json").stdout
                assert marker in answer.replace("\\", ""), answer
                return time.perf_counter() - started, deploying, deployed

            quick, full = [], []
            for n in range(runs):  # alternating: both paths see the same machine
                quick.append(edit_to_live(n))
                if n % 2 == 0:
                    full.append(edit_to_live(100 + n, "--full"))
        finally:
            process.stop()
    load_after = os.getloadavg()
    assert all("quick deploy of" in said for _, _, said in quick), [s for _, _, s in quick]
    quick_ms = statistics.median(t for t, _, _ in quick) * 1000
    full_ms = statistics.median(t for t, _, _ in full) * 1000
    quick_deploy_ms = statistics.median(d for _, d, _ in quick) * 1000
    full_deploy_ms = statistics.median(d for _, d, _ in full) * 1000
    print(
        "part 2: a 1-file edit in examples/photos, from save to the new code answering: "
        "`tether deploy`, then `tether invoke` (processes, defaults)"
    )
    print(
        "  load average before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    print(
        f"  quick deploy  {quick_ms:8.0f} ms  (median of {len(quick)}; `tether deploy` alone "
        f"{quick_deploy_ms:.0f} ms)"
    )
    print(
        f"  full deploy   {full_ms:8.0f} ms  (median of {len(full)}, alternating with them; "
        f"`tether deploy --full` alone {full_deploy_ms:.0f} ms)"
    )
    print(f"  full / quick  {full_ms / quick_ms:8.1f} x")
    print("  (`tether dev` needs neither command's start-up: bench/live.py measures its edit loop)")


# part 3: remote patching bytes -------------------------------------------------------------


TARGET_EXTRA_BYTES = 4096


def part3_remote_bytes(runs: int = 3) -> bool:
    """Bytes the client sends to the remote patcher for a 1-file change to the 50 MB zip: the
    zip is the code of a tiny function on a local cloud started here (free port, temporary
    TETHER_HOME); each run edits its handler module, patches remotely, makes the result live
    and invokes it."""
    import json
    import socket

    from tether.build.patch import make_delta
    from tether.cloud import connect
    from tether.deploy.artifacts import upload
    from tether.deploy.bootstrap import ensure_bootstrap
    from tether.deploy.remote_patch import remote_patch
    from tether.localcloud import process

    def handler_module(version: int) -> bytes:
        rng = random.Random(version)
        filler = "".join(
            f"# {rng.choice(['note', 'todo', 'see'])} {rng.randrange(10**6)}: keep this line\n"
            for _ in range(200)
        )
        code = f"VERSION = {version}\n\n\ndef handler(event, context):\n    return VERSION\n"
        return (filler + code).encode()

    met = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        previous_home = os.environ.get("TETHER_HOME")
        os.environ["TETHER_HOME"] = str(folder / "home")
        files = artifact_files(random.Random(SEED))
        files["tiny.py"] = handler_module(0)
        entries = []
        for name, data in files.items():
            path = folder / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            entries.append(Entry(name, path))
        artifact = write_zip(entries, folder, lambda sha: "artifact.zip")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        local = process.start(port)
        try:
            cloud = connect("local", "us-east-1", endpoint=local.endpoint)
            boot = ensure_bootstrap(cloud)
            key = f"code/{artifact.sha256}.zip"
            upload(cloud, boot.bucket, key, artifact.path)
            role = cloud.client("iam").create_role(
                RoleName="bench-tiny",
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
            )["Role"]["Arn"]
            lam = cloud.client("lambda")
            lam.create_function(
                FunctionName="bench-tiny",
                Runtime="python3.12",
                Role=role,
                Handler="tiny.handler",
                Code={"S3Bucket": boot.bucket, "S3Key": key},
                Timeout=30,
            )
            print(
                f"part 3: remote patching a 1-file change to a {artifact.size / 1e6:.1f} MB "
                "code zip on the local cloud"
            )
            print(f"  {'run':>3}  {'file':>8}  {'sent':>8}  {'extra':>7}  {'patch':>8}  live")
            source = artifact.path
            for version in range(1, runs + 1):
                content = handler_module(version)
                started = time.perf_counter()
                delta = make_delta({"tiny.py": content})
                result = remote_patch(cloud, boot.patcher, boot.bucket, key, delta)
                patched = time.perf_counter() - started
                local_copy = folder / f"local-{version}.zip"
                expected = patch_zip(source, local_copy, {"tiny.py": content}).sha256
                if result.sha256 != expected:
                    raise SystemExit("the remote patch differs from the local one")
                lam.update_function_code(
                    FunctionName="bench-tiny", S3Bucket=boot.bucket, S3Key=result.key
                )
                while (
                    lam.get_function_configuration(FunctionName="bench-tiny").get(
                        "LastUpdateStatus", "Successful"
                    )
                    == "InProgress"
                ):
                    time.sleep(0.05)
                answer = lam.invoke(FunctionName="bench-tiny")["Payload"].read()
                live = answer.strip() == str(version).encode()
                extra = result.sent_bytes - len(content)
                print(
                    f"  {version:>3}  {len(content):>6} B  {result.sent_bytes:>6} B  "
                    f"{extra:>5} B  {patched * 1000:>5.0f} ms  {'yes' if live else repr(answer)}"
                )
                met = met and live and extra <= TARGET_EXTRA_BYTES
                key, source = result.key, local_copy
        finally:
            process.stop()
            if previous_home is None:
                os.environ.pop("TETHER_HOME", None)
            else:
                os.environ["TETHER_HOME"] = previous_home
    print(
        "  sent: the delta (the changed file, compressed, in a small zip) and the invoke payload;"
        " the first run's patch time includes the patcher downloading the zip"
    )
    verdict = "met" if met else "MISSED"
    print(f"  target: the file's size plus at most {TARGET_EXTRA_BYTES:,} B: {verdict}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs of ours per change set")
    parser.add_argument("--baseline-runs", type=int, default=3, help="runs of the baseline")
    parser.add_argument("--part", type=int, choices=(1, 2, 3), action="append")
    args = parser.parse_args()
    parts = set(args.part or (1, 2, 3))
    if 1 in parts:
        part1_patch(args.runs, args.baseline_runs)
    if 2 in parts:
        part2_edit_to_live()
    if 3 in parts:
        part3_remote_bytes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
