"""The local cloud's state on disk: what was deployed to it survives a stop, a start and a crash.

moto keeps every service in memory. The server pickles the backends that hold something (S3,
DynamoDB and its streams, SQS, SNS, Lambda, IAM, CloudFormation, EventBridge, CloudWatch Logs,
API Gateway, STS... every service a request or a stack touched) into one snapshot, so references
between services (a stack's resources are the very objects of their services) survive, and
loads it back at start, before it serves a request:

    $TETHER_HOME/local/state/snapshot.bin

    tether-local-state\\n                       magic line
    {"format": 2, "tether": ..., "moto": ..., "python": ..., "saved_at": ..., "summary": {...}}\\n
    <pickle (protocol 5)>
    tether-local-state-end <sha256 of the pickle> <its length>\\n

    $TETHER_HOME/local/state/objects/<sha256>    S3 objects' bodies (`s3.object_bodies`)

S3 objects' bodies are not in the pickle: each is written once, streamed, to a file named by
its digest, which the snapshot refers to, so writing a snapshot needs memory that does not grow
with them, and a snapshot is as big as the objects' metadata (a body of a few KB stays in it).

Writing: the new bodies made durable first, then the snapshot to a temporary file beside it,
fsync, rename over the old one, fsync the folder: a reader (or a crash at any moment) finds
the previous snapshot or the new one, never half of one, each with all its bodies, and a file
whose checksum does not match (a torn or damaged file) is never loaded. The bodies no snapshot
refers to any more go once the new one is in place.

When: on a clean stop (SIGTERM, SIGINT), and every few seconds while requests that may change
something arrive (`Snapshotter`: a count of mutating requests, checked on a background thread; one more
snapshot after the last change catches what functions and pollers did in its wake). A
snapshot waits a moment for the mutating requests under way (a deploy's ExecuteChangeSet), so
that it does not catch a stack half-way; a stack saved in an operation all the same (a long
request, a crash) is settled at load as that operation ends when it fails (`SETTLED`). A
snapshot that takes long makes the next ones rarer (at most a tenth of the time is spent
saving), so a crash loses at most the last interval.

Loading is all or nothing: the header is checked first (the same Tether, moto and Python
versions, else `StateRefused` with the way out, `tether local stop --forget`), then the whole
pickle is read (and every body it refers to is found in the store, at its size), and only then
are the backends put in place. Nothing is loaded half-way. A body is read from its file when
it is asked for (a GET): a restart does not read them. Format 1 (bodies in the pickle) loads too.

Pickling moto: a few members cannot be pickled and are re-created on load (`_dispatch_table`):
locks, conditions, events and semaphores come back new and released, threads as None, weak
dictionaries and sets with the same members, a defaultdict whose factory is a lambda with the
plain type it makes; moto's BackendDicts (module globals) are saved by name, not copied; S3's
keys and versioned key stores as `s3.object_bodies` says. Tether's own state comes
back too: HTTP APIs listen on the port they had (their `ApiEndpoint`), DynamoDB stream pollers
resume at the record they had reached, SQS pollers start again (their messages are in the
queues), and each schedule's next time is kept (a time that passed while the cloud was stopped
is not caught up). What is not kept: asynchronous invocations queued or running at the stop,
and warm workers (they start again on the next invoke).

The server calls `load` (check and unpickle), `install` (put the backends in place), `resume`
(listeners and pollers) and runs a `Snapshotter`. This module imports moto only in those, so
the process manager can check a snapshot's header (`check`) and `forget` it cheaply.
"""

from __future__ import annotations

import collections
import contextlib
import copyreg
import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tether.errors import TetherError
from tether.localcloud.home import state_dir

if TYPE_CHECKING:
    from tether.localcloud.s3.object_bodies import BodyStore, SnapshotBodies

FORMAT = 2
READABLE = frozenset({1, 2})  # formats this Tether loads (1: S3 bodies inside the pickle)
SNAPSHOT_NAME = "snapshot.bin"
MAGIC = b"tether-local-state\n"
END = b"tether-local-state-end "
HEADER_LIMIT = 64 * 1024
SNAPSHOT_EVERY = 2.0  # seconds between two looks at the change count
EVERY_VARIABLE = "TETHER_LOCAL_SNAPSHOT_EVERY"
MAX_SHARE = 0.1  # of the time spent snapshotting, at most: a slow snapshot spaces the next ones
MAX_INTERVAL = 60.0
ATTEMPTS = 5  # a snapshot that meets a dictionary changing under it is tried again
QUIET = 1.0  # how long a snapshot waits for the requests under way to finish...
MAX_UNQUIET = 5  # ...before it is put off to the next interval (at most this many times)
FINAL_QUIET = 10.0  # the last snapshot, at a stop, waits longer
SKIPPED = frozenset({"moto_api"})  # moto's own control plane: nothing deployed lives there
EXIT_REFUSED = 3  # the server's exit status when it refuses the saved state
FORGET_HINT = "`tether local stop --forget` starts the local cloud empty (everything deployed to it is forgotten)"

# What a snapshot's header counts (`summary`), in this order.
COUNTED = ("stack", "function", "bucket", "object", "table", "item", "queue", "message", "HTTP API")
PLURALS = {"HTTP API": "HTTP APIs"}

log = logging.getLogger("tether.localcloud.persistence")


class StateRefused(TetherError):
    """The saved state cannot be loaded (another version wrote it, or it is damaged)."""


@dataclass(frozen=True)
class Header:
    format: int
    tether: str
    moto: str
    python: str
    saved_at: float
    summary: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "tether": self.tether,
            "moto": self.moto,
            "python": self.python,
            "saved_at": self.saved_at,
            "summary": self.summary,
        }

    def describe(self) -> str:
        """'2 stacks, 5 functions, 1000 objects, 1 table; saved 2026-01-02 12:01:02'."""
        parts = [
            f"{n} {what if n == 1 else PLURALS.get(what, what + 's')}"
            for what in COUNTED
            if (n := self.summary.get(what, 0))
        ]
        when = datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        return f"{', '.join(parts) or 'nothing deployed'}; saved {when}"


def versions() -> dict[str, Any]:
    """What a snapshot must have been written by to be loaded: this format, this Tether, this
    moto, this Python (pickles name classes and fields of all three)."""
    from importlib.metadata import PackageNotFoundError, version

    import tether

    try:
        moto_version = version("moto")
    except PackageNotFoundError:  # pragma: no cover - moto is a dependency
        moto_version = "unknown"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"format": FORMAT, "tether": tether.__version__, "moto": moto_version, "python": python}


def snapshot_path(home: Path) -> Path:
    return state_dir(home) / SNAPSHOT_NAME


# ---------------------------------------------------------------------------------------------
# Reading the header (no moto): the process manager checks it before starting a server


def saved_at(home: Path) -> float | None:
    """When the snapshot on disk was saved; None when there is none (or it cannot be read)."""
    try:
        header = read_header(home)
    except StateRefused:
        return None
    return header.saved_at if header is not None else None


def read_header(home: Path) -> Header | None:
    """The saved snapshot's header, or None when there is none; StateRefused if unreadable."""
    path = snapshot_path(home)
    try:
        with path.open("rb") as handle:
            magic = handle.readline(len(MAGIC) + 1)
            line = handle.readline(HEADER_LIMIT)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateRefused(
            f"the local cloud's saved state {path} cannot be read: {exc}", hint=FORGET_HINT
        ) from None
    return _parse_header(path, magic, line)


def _parse_header(path: Path, magic: bytes, line: bytes) -> Header:
    try:
        if magic != MAGIC:
            raise ValueError("not a snapshot of Tether's local cloud")
        data = json.loads(line)
        return Header(
            format=int(data["format"]),
            tether=str(data["tether"]),
            moto=str(data["moto"]),
            python=str(data["python"]),
            saved_at=float(data["saved_at"]),
            summary={str(k): int(v) for k, v in dict(data.get("summary") or {}).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StateRefused(
            f"the local cloud's saved state {path} is damaged ({exc}); nothing was loaded",
            hint=FORGET_HINT,
        ) from None


def check(home: Path) -> Header | None:
    """The header of a snapshot this Tether can load, None when there is none; StateRefused
    (naming both versions) when another version of Tether, moto or Python wrote it."""
    header = read_header(home)
    if header is None:
        return None
    mine = versions()
    theirs = {
        "format": mine["format"] if header.format in READABLE else header.format,
        "tether": header.tether,
        "moto": header.moto,
        "python": header.python,
    }
    if theirs != mine:
        names = {"format": "state format", "tether": "Tether", "moto": "moto", "python": "Python"}
        differ = [
            f"{names[k]} {theirs[k]} (this is {mine[k]})" for k in names if theirs[k] != mine[k]
        ]
        raise StateRefused(
            f"the local cloud's saved state in {state_dir(home)} was written by another version: "
            f"{', '.join(differ)}; it was not loaded",
            hint=f"run that version to use it, or {FORGET_HINT}",
        )
    return header


def forget(home: Path) -> bool:
    """Wipe the saved state, and the code unpacked for its functions; whether there was any.
    Call it with no server running (`process.stop(forget=True)` does)."""
    local = home / "local"
    found = False
    for folder in (state_dir(home), local / "code", local / "layers"):
        if folder.exists():
            found = found or folder == state_dir(home)
            shutil.rmtree(folder, ignore_errors=True)
    return found


# ---------------------------------------------------------------------------------------------
# Pickling moto's backends (server side)


def _new_lock() -> Any:
    return threading.Lock()


def _new_rlock() -> Any:
    return threading.RLock()


def _new_condition() -> threading.Condition:
    return threading.Condition()


def _new_event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _new_semaphore(value: int) -> threading.Semaphore:
    return threading.Semaphore(value)


def _new_bounded_semaphore(value: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(value)


def _nothing() -> None:
    return None


def _weak_values(items: list[tuple[Any, Any]]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


def _weak_keys(items: list[tuple[Any, Any]]) -> weakref.WeakKeyDictionary[Any, Any]:
    return weakref.WeakKeyDictionary(items)


def _weak_set(items: list[Any]) -> weakref.WeakSet[Any]:
    return weakref.WeakSet(items)


def _private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, password=None)


def _public_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    return load_der_public_key(der)


def _key_reducers() -> dict[type, Callable[[Any], Any]]:
    """cryptography's keys (SNS signs its messages with one, KMS keeps them): saved as DER."""
    try:
        from cryptography.hazmat.bindings._rust import openssl
        from cryptography.hazmat.primitives import serialization as ser
    except ImportError:  # pragma: no cover - moto depends on cryptography
        return {}

    def private(key: Any) -> Any:
        der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        return (_private_key, (der,))

    def public(key: Any) -> Any:
        der = key.public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
        return (_public_key, (der,))

    reducers: dict[type, Callable[[Any], Any]] = {}
    for family in ("rsa", "ec", "dsa", "ed25519", "ed448", "x25519", "x448"):
        module = getattr(openssl, family, None)
        for name in dir(module) if module is not None else ():
            kind = getattr(module, name)
            if isinstance(kind, type) and name.endswith("PrivateKey"):
                reducers[kind] = private
            elif isinstance(kind, type) and name.endswith("PublicKey"):
                reducers[kind] = public
    return reducers


def _backend_dict(module: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), name)


def _account_backends(backends: Any, account: str) -> Any:
    return backends[account]


_GLOBAL_NAMES: dict[int, tuple[str, str]] = {}


def _global_name(backends: Any) -> tuple[str, str]:
    """(module, attribute) of a moto BackendDict: it is saved by name, never copied."""
    from moto.core.base_backend import BackendDict

    known = _GLOBAL_NAMES.get(id(backends))
    if known is not None:
        return known
    owner = getattr(backends.backend, "__module__", "")
    modules = sorted(
        (m for m in list(sys.modules) if m.startswith("moto.")), key=lambda m: (m != owner, m)
    )
    for module_name in modules:
        module = sys.modules.get(module_name)
        for name, value in list(vars(module).items()) if module is not None else ():
            if isinstance(value, BackendDict):
                _GLOBAL_NAMES.setdefault(id(value), (module_name, name))
    found = _GLOBAL_NAMES.get(id(backends))
    if found is None:
        raise pickle.PicklingError(f"moto backends of {backends.service_name} have no global name")
    return found


def _reduce_defaultdict(value: collections.defaultdict[Any, Any]) -> Any:
    factory = value.default_factory
    name = getattr(factory, "__qualname__", "")
    if factory is not None and ("<lambda>" in name or "<locals>" in name):
        made = factory()  # e.g. moto's `defaultdict(lambda: {})`: the same with `dict`
        plain = type(made)
        if made != plain():
            raise pickle.PicklingError(f"a defaultdict's factory {name} cannot be saved")
        factory = plain
    return (collections.defaultdict, (factory,), None, None, iter(list(value.items())))


def _dispatch_table(bodies: SnapshotBodies | None = None) -> dict[type, Callable[[Any], Any]]:
    """How the snapshot pickles what pickle cannot or should not (with `bodies`, S3 keys'
    bodies go to the store)."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict

    from tether.localcloud.s3.object_bodies import snapshot_reducers

    def account(value: Any) -> Any:
        account_id = str(value.account_id)
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            if dict.get(backends, account_id) is value:
                return (_account_backends, (backends, account_id))
        raise pickle.PicklingError(f"moto backends of {value.service_name} have no owner")

    table: dict[type, Callable[[Any], Any]] = dict(copyreg.dispatch_table)
    table.update(
        {
            type(threading.Lock()): lambda _: (_new_lock, ()),
            type(threading.RLock()): lambda _: (_new_rlock, ()),
            threading.Condition: lambda _: (_new_condition, ()),
            threading.Event: lambda e: (_new_event, (e.is_set(),)),
            threading.Semaphore: lambda s: (_new_semaphore, (s._value,)),
            threading.BoundedSemaphore: lambda s: (_new_bounded_semaphore, (s._initial_value,)),
            threading.Thread: lambda _: (_nothing, ()),
            weakref.WeakValueDictionary: lambda d: (_weak_values, (list(d.items()),)),
            weakref.WeakKeyDictionary: lambda d: (_weak_keys, (list(d.items()),)),
            weakref.WeakSet: lambda s: (_weak_set, (list(s),)),
            collections.defaultdict: _reduce_defaultdict,
        }
    )
    for kind in _with_subclasses(BackendDict):  # S3's is a subclass
        table[kind] = lambda b: (_backend_dict, _global_name(b))
    for kind in _with_subclasses(AccountSpecificBackend):
        table[kind] = account
    table.update(_key_reducers())
    for base, reducer in snapshot_reducers(bodies).items():
        for kind in _with_subclasses(base):
            table[kind] = reducer
    return table


def _with_subclasses(kind: type) -> list[type]:
    """`kind` and every class that derives from it (moto's and ours), for the pickler's
    reducer tables."""
    found = [kind]
    subclasses: list[type] = kind.__subclasses__()
    for sub in subclasses:
        found.extend(_with_subclasses(sub))
    return found


def _in_use() -> list[Any]:
    """moto's BackendDicts that hold at least one backend, but moto's own control plane."""
    from moto.core.base_backend import BackendDict

    instances: list[Any] = list(BackendDict._instances)  # type: ignore[misc]
    return [b for b in instances if b.service_name not in SKIPPED]


def _backends() -> list[tuple[Any, dict[str, dict[str, Any]]]]:
    """[(BackendDict, {account: {region: backend}})] of every service in use."""
    found = []
    for backends in _in_use():
        accounts = {
            str(account): {str(region): backend for region, backend in list(regional.items())}
            for account, regional in list(backends.items())
        }
        if any(accounts.values()):
            found.append((backends, accounts))
    return found


def summary() -> dict[str, int]:
    """What the local cloud holds, counted: stacks, functions, buckets, objects, tables, items,
    queues, messages, HTTP APIs."""
    counts = dict.fromkeys(COUNTED, 0)

    def each(module: str, name: str) -> Iterator[Any]:
        if module not in sys.modules:
            return iter(())
        backends = getattr(sys.modules[module], name)
        return (b for regional in list(backends.values()) for b in list(regional.values()))

    with contextlib.suppress(Exception):  # counting must never stop a snapshot
        for backend in each("moto.cloudformation.models", "cloudformation_backends"):
            counts["stack"] += sum(
                1 for s in list(backend.stacks.values()) if not str(s.status).startswith("DELETE")
            )
        for backend in each("moto.awslambda.models", "lambda_backends"):
            counts["function"] += len(backend._lambdas._functions)  # all() deep-copies
        for backend in each("moto.s3.models", "s3_backends"):
            for bucket in list(backend.buckets.values()):
                counts["bucket"] += 1
                counts["object"] += len(bucket.keys)
        for backend in each("moto.dynamodb.models", "dynamodb_backends"):
            for table in list(backend.tables.values()):
                counts["table"] += 1
                counts["item"] += int(table.item_count)
        for backend in each("moto.sqs.models", "sqs_backends"):
            for queue in list(backend.queues.values()):
                counts["queue"] += 1
                counts["message"] += len(queue._messages)
        for backend in each("moto.apigatewayv2.models", "apigatewayv2_backends"):
            counts["HTTP API"] += sum(
                1 for a in list(backend.apis.values()) if str(a.protocol_type).upper() == "HTTP"
            )
    return counts


class _Hashing(io.RawIOBase):
    """A write-only file that hashes and counts what goes through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.length = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.out.write(view)
        self.length += view.nbytes
        return view.nbytes


@dataclass(frozen=True)
class Saved:
    path: Path
    bytes: int
    seconds: float
    header: Header


def save(
    home: Path, extra: dict[str, Any] | None = None, *, bodies: BodyStore | None = None
) -> Saved:
    """Write a snapshot of every backend in use (and `extra`, Tether's own state) atomically,
    S3 objects' bodies to `bodies` (a store of `home`: give the same one each time, it
    remembers what it wrote). Retries when a dictionary changed under the pickler; raises the
    last error otherwise."""
    from tether.localcloud.s3.object_bodies import BodyStore

    store = bodies if bodies is not None else BodyStore(home)
    for attempt in range(ATTEMPTS):
        try:
            return _save_once(home, extra or {}, store)
        except RuntimeError as exc:  # "dictionary changed size during iteration"
            if attempt == ATTEMPTS - 1:
                raise
            log.debug("snapshot retried: %s", exc)
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _save_once(home: Path, extra: dict[str, Any], store: BodyStore) -> Saved:
    from tether.localcloud.s3.object_bodies import SnapshotBodies

    started = time.perf_counter()
    folder = state_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the cloud's data
    header = Header(**versions(), saved_at=time.time(), summary=summary())
    payload = {"backends": _backends(), "tether": extra}
    bodies = SnapshotBodies(store, set())
    final = folder / SNAPSHOT_NAME
    partial = folder / f".{SNAPSHOT_NAME}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(MAGIC)
            out.write(json.dumps(header.as_json(), sort_keys=True).encode() + b"\n")
            hashing = _Hashing(out)
            buffered = io.BufferedWriter(hashing, buffer_size=1 << 20)
            pickler = pickle.Pickler(buffered, protocol=5)
            pickler.dispatch_table = _dispatch_table(bodies)
            pickler.dump(payload)
            buffered.flush()
            store.sync()  # the bodies it refers to are on disk before it is
            out.write(END + f"{hashing.digest.hexdigest()} {hashing.length}\n".encode())
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    _sync_folder(folder)
    size = final.stat().st_size
    with contextlib.suppress(OSError):  # what is left is removed after the next snapshot
        store.sweep(bodies.refs)
    return Saved(final, size, time.perf_counter() - started, header)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Loaded:
    header: Header
    backends: list[tuple[Any, dict[str, dict[str, Any]]]]
    tether: dict[str, Any]
    seconds: float


def load(home: Path) -> Loaded | None:
    """Read and check the snapshot, unpickle it whole; nothing is put in place yet. None when
    there is no snapshot; StateRefused when it is from another version or damaged."""
    started = time.perf_counter()
    _remove_leftovers(home)
    header = check(home)
    if header is None:
        return None
    path = snapshot_path(home)
    data = path.read_bytes()
    body_at = data.index(b"\n", len(MAGIC)) + 1
    end_at = data.rfind(END)
    damaged = StateRefused(
        f"the local cloud's saved state {path} is damaged (its checksum does not match: a "
        "torn or corrupted file); nothing was loaded",
        hint=FORGET_HINT,
    )
    if end_at < body_at or not data.endswith(b"\n"):
        raise damaged
    try:
        digest, length = data[end_at + len(END) : -1].decode().split()
    except ValueError:
        raise damaged from None
    body = memoryview(data)[body_at:end_at]
    if int(length) != body.nbytes or hashlib.sha256(body).hexdigest() != digest:
        raise damaged
    try:
        stream = io.BytesIO(data)  # (shares the bytes: no copy)
        stream.seek(body_at)
        payload = _Unpickler(stream, home).load()  # up to its STOP, before the end line
    except Exception as exc:
        raise StateRefused(
            f"the local cloud's saved state {path} cannot be loaded ({type(exc).__name__}: "
            f"{exc}); nothing was loaded",
            hint=FORGET_HINT,
        ) from None
    return Loaded(
        header=header,
        backends=payload["backends"],
        tether=dict(payload.get("tether") or {}),
        seconds=time.perf_counter() - started,
    )


class _Unpickler(pickle.Unpickler):
    """Unpickles a snapshot of `home`: S3 keys find their bodies in its store."""

    def __init__(self, file: IO[bytes], home: Path) -> None:
        from tether.localcloud.s3.object_bodies import BodyStore, loaders

        super().__init__(file)
        self._bound = loaders(BodyStore(home))

    def find_class(self, module: str, name: str) -> Any:
        bound = self._bound.get((module, name))
        return bound if bound is not None else super().find_class(module, name)


def _remove_leftovers(home: Path) -> None:
    """Temporary files of snapshots a crash interrupted (never read; the server starting for
    this home is the only one that writes there)."""
    folder = state_dir(home)
    for leftover in folder.glob(f".{SNAPSHOT_NAME}.*.tmp") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            leftover.unlink()


def install(loaded: Loaded) -> list[str]:
    """Put the loaded backends in place of moto's (before the server's first request); the
    stacks that were caught in an operation (a crash during a deploy), now settled."""
    for backends, accounts in loaded.backends:
        for account, regional in accounts.items():
            holder = backends[account]
            for region, backend in regional.items():
                dict.__setitem__(holder, region, backend)
    return _settle_stacks()


# A stack saved in the middle of an operation (the cloud crashed during a deploy) would stay
# busy for ever: it ends as that operation ends when it fails on AWS.
SETTLED = {
    "CREATE_IN_PROGRESS": "ROLLBACK_COMPLETE",
    "ROLLBACK_IN_PROGRESS": "ROLLBACK_COMPLETE",
    "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS": "DELETE_FAILED",
}


def _settle_stacks() -> list[str]:
    settled = []
    for backend in _each_backend("moto.cloudformation.models", "cloudformation_backends"):
        for stack in list(backend.stacks.values()):
            status = SETTLED.get(str(stack.status))
            if status is None:
                continue
            reason = "the local cloud stopped during this operation (restored from its state)"
            with contextlib.suppress(Exception):
                stack._add_stack_event(status, reason)
            log.warning("stack %s was %s when saved: now %s", stack.name, stack.status, status)
            stack.status = status
            settled.append(str(stack.name))
    return settled


# ---------------------------------------------------------------------------------------------
# Tether's own state: stream poller positions, schedules' next times, HTTP API listeners


def tether_state() -> dict[str, Any]:
    """What Tether keeps beside moto's backends: stream pollers' positions and the schedules'
    next times (HTTP API ports are in the APIs' endpoints)."""
    from tether.localcloud.scheduler import scheduler

    running = scheduler.running()
    return {
        "stream_positions": _stream_positions(),
        "schedules": running.saved() if running is not None else {},
    }


def _stream_positions() -> dict[str, int]:
    """uuid of a DynamoDB stream mapping -> the index of the next record its poller reads."""
    positions: dict[str, int] = {}
    for thread in threading.enumerate():
        if not thread.name.startswith("stream-poller-"):
            continue
        poller: Any = getattr(getattr(thread, "_target", None), "__self__", None)
        mapping = getattr(poller, "mapping", None)
        position = getattr(poller, "position", None)
        if mapping is not None and isinstance(position, int):
            positions[str(mapping.uuid)] = position
    return positions


def resume(loaded: Loaded | None) -> dict[str, int]:
    """After `install` and `router.start`: reopen the HTTP APIs on their ports and start the
    event source mappings' pollers; what was resumed, counted."""
    from tether.localcloud.lambda_ import _sqs_poller
    from tether.localcloud.lambda_._stream_poller import StreamPoller

    if loaded is None:
        return {}
    apis = _reopen_apis()
    positions = dict(loaded.tether.get("stream_positions") or {})
    pollers = 0
    for backend in _each_backend("moto.awslambda.models", "lambda_backends"):
        for mapping in list(backend._event_source_mappings.values()):
            service = str(mapping.event_source_arn).split(":")[2]
            if service == "sqs":
                _sqs_poller.start(backend, mapping)
            elif service == "dynamodb":
                poller = StreamPoller(backend, mapping)
                saved = positions.get(str(mapping.uuid))
                if saved is not None and poller.shard is not None:
                    poller.position = min(int(saved), len(poller.shard.items))
                threading.Thread(
                    target=poller.run, name=f"stream-poller-{mapping.uuid[:8]}", daemon=True
                ).start()
            else:
                continue
            pollers += 1
    return {"HTTP APIs": apis, "pollers": pollers}


def _each_backend(module: str, name: str) -> Iterator[Any]:
    import importlib

    backends = getattr(importlib.import_module(module), name)
    for regional in list(backends.values()):
        yield from list(regional.values())


def _reopen_apis() -> int:
    """Every HTTP API listens again, on the port of its endpoint when that port is free."""
    from urllib.parse import urlsplit

    from tether.localcloud.http import router

    opened = 0
    for backend in _each_backend("moto.apigatewayv2.models", "apigatewayv2_backends"):
        for api in list(backend.apis.values()):
            if str(api.protocol_type or "").upper() != "HTTP":
                continue
            port = None
            with contextlib.suppress(ValueError):
                parts = urlsplit(str(api.api_endpoint or ""))
                if parts.scheme == "http":
                    port = parts.port
            endpoint = router.open_api(
                backend.account_id, backend.region_name, api.api_id, port=port
            )
            if endpoint is None:
                continue
            if endpoint != api.api_endpoint:
                log.warning(
                    "HTTP API %s: %s is taken, it now answers on %s (deploy again to update "
                    "the URLs recorded in its stack)",
                    api.api_id,
                    api.api_endpoint,
                    endpoint,
                )
                api.api_endpoint = endpoint
            opened += 1
    return opened


def schedules(loaded: Loaded | None) -> dict[Any, Any]:
    return dict(loaded.tether.get("schedules") or {}) if loaded is not None else {}


# ---------------------------------------------------------------------------------------------
# Unpacked code that no live function needs


def clean_unpacked(home: Path) -> int:
    """Remove the unpacked code and layers under `$TETHER_HOME/local` that no function or layer
    version of the local cloud uses (call it before any worker runs); how many went."""
    from tether.localcloud.lambda_.lambda_runtime import spec_for

    keep: set[str] = set()
    for backend in _each_backend("moto.awslambda.models", "lambda_backends"):
        for entry in list(backend._lambdas._functions.values()):  # not all(): it deep-copies
            for fn in [entry.get("latest"), *(entry.get("versions") or [])]:
                if fn is None:
                    continue
                with contextlib.suppress(Exception):
                    spec = spec_for(fn)
                    keep.add(spec.code.sha256)
                    keep.update(layer.sha256 for layer in spec.layers)
    removed = 0
    for folder in (home / "local" / "code", home / "local" / "layers"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name in keep:
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


# ---------------------------------------------------------------------------------------------
# When to save


def snapshot_every() -> float:
    value = os.environ.get(EVERY_VARIABLE, "").strip()
    try:
        return max(0.1, float(value)) if value else SNAPSHOT_EVERY
    except ValueError:
        return SNAPSHOT_EVERY


class Snapshotter:
    """Saves the state when it may have changed: the server's WSGI app runs each request that
    may change something in `changing()`, which counts it; a background thread saves every
    `every` seconds while the count moves (plus once after it stops moving), and `stop()` saves
    a last time."""

    def __init__(
        self,
        home: Path,
        *,
        every: float | None = None,
        extra: Callable[[], dict[str, Any]] = tether_state,
        restored: bool = False,
    ) -> None:
        self.home = home
        self.every = snapshot_every() if every is None else every
        self.extra = extra
        self.changes = 0
        self.last: Saved | None = None
        self.failures = 0
        self.error: str | None = None  # why the last save failed (None: it did not)
        self._bodies: BodyStore | None = None  # what it wrote of S3's objects, across saves
        self._saved_at_count = 0
        self._trailing = False
        self._touched = restored  # restored state is live: pollers and schedules may change it
        self._wait = self.every
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._unquiet = 0  # snapshots put off in a row because requests were under way
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Around a request that may change something: counted, and a snapshot waits (a
        moment) for the requests under way to finish, so that it does not catch a stack half
        deployed."""
        with self._busy_lock:
            self.changes += 1
            self._touched = True
            self._busy += 1
        try:
            yield
        finally:
            with self._busy_lock:
                self._busy -= 1

    def _quiet(self, timeout: float) -> bool:
        """Wait up to `timeout` s for no request under way; whether that came."""
        deadline = time.monotonic() + timeout
        while self._busy:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-cloud-snapshots", daemon=True)
        self._thread.start()

    def due(self) -> bool:
        return self.changes != self._saved_at_count or self._trailing

    def save(self, *, final: bool = False) -> Saved | None:
        """Save now if anything may have changed (always when `final`, unless untouched)."""
        with self._lock:
            if not (self.due() or (final and self._touched)):
                return None
            wait = FINAL_QUIET if final else QUIET
            if not self._quiet(wait) and not final and self._unquiet < MAX_UNQUIET:
                self._unquiet += 1  # try again at the next interval
                return None
            self._unquiet = 0
            seen = self.changes
            changed = seen != self._saved_at_count
            try:
                saved = save(self.home, self.extra(), bodies=self._body_store())
            except Exception as exc:
                self.failures += 1
                self.error = f"{type(exc).__name__}: {exc}"
                if self.failures == 1:
                    log.exception("saving the local cloud's state failed")
                else:
                    log.error("saving the local cloud's state failed again: %s", self.error)
                return None
            self.error = None
            self._saved_at_count = seen
            self._trailing = changed  # once more after the last change: what it set off
            self.last = saved
            self._wait = min(MAX_INTERVAL, max(self.every, saved.seconds / MAX_SHARE))
            log.info(
                "state saved: %d bytes in %.0f ms (%s)",
                saved.bytes,
                saved.seconds * 1000,
                saved.header.describe(),
            )
            return saved

    def _body_store(self) -> BodyStore:
        from tether.localcloud.s3.object_bodies import BodyStore

        if self._bodies is None:
            self._bodies = BodyStore(self.home)
        return self._bodies

    def _run(self) -> None:
        while not self._stop.wait(self._wait):
            if self.due():
                self.save()

    def stop(self) -> Saved | None:
        """Stop the thread and save a last time."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=MAX_INTERVAL)
        return self.save(final=True)
