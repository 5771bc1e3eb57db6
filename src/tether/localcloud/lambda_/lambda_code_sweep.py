"""What the local cloud's functions no longer need goes: stored code zips and unpacked code.

A quick deploy stores a new code zip (`lambda_code`) and unpacks it for the new workers; the
previous version is then needed by nothing, and a day of edits would pile them up under
`$TETHER_HOME/local`. The `Sweeper` removes them after every change of a function's code, its
deletion, or the deletion of a layer version (and again every few seconds while something
waits to go):

- a stored zip no function version and no layer version refers to, once the snapshot on disk
  was saved after the last moment anything referred to it (a crash brings that snapshot back,
  and its functions must find their code), and not stored within `GRACE` seconds (a function
  being created with it is not registered yet);
- an unpacked directory under `$TETHER_HOME/local` (`tether.runtime.artifacts`) that no
  function version, no layer version and no running worker uses.

On the way it moves into the store what a model still holds itself (a snapshot written before
the store kept bytes in the models).

Hooks: replaces `LambdaBackend.delete_layer_version` (a sweep follows); reads
`LambdaBackend._lambdas`, `LambdaStorage._functions`, `LambdaBackend._layers`,
`LayerStorage._layers`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion, lambda_backends

from tether.localcloud._patching import original, replace
from tether.localcloud.lambda_.lambda_code import CodeStore, lean, store
from tether.runtime import artifacts, service

GRACE = 10.0  # seconds: a zip stored this recently is kept, referred to or not
DEBOUNCE = 0.5  # seconds: a deploy updates many functions; one sweep after them
RETRY = 5.0  # seconds between sweeps while something waits for a snapshot (or its grace)
MAX_RETRIES = 120  # then the next change wakes it (in-process tests save no snapshot)

log = logging.getLogger("tether.localcloud.lambda")


def _models() -> Iterator[Any]:
    """Every function version and layer version of every account and region."""
    for regional in list(lambda_backends.values()):
        for backend in list(regional.values()):
            for entry in list(backend._lambdas._functions.values()):  # not all(): it deep-copies
                for fn in [entry.get("latest"), *(entry.get("versions") or [])]:
                    if fn is not None:
                        yield fn
            for layer in list(backend._layers._layers.values()):
                yield from list(layer.layer_versions.values())


def _referenced() -> set[str]:
    """The digests the functions and layer versions use. Bytes a model still holds are moved
    to the store on the way: those of a snapshot written before the store, and the zip of a
    request that sent it whole (moto keeps it, base64, in the model's `code`: it is read only
    when the model is made, and Lambda's limits have been checked by then)."""
    found: set[str] = set()
    for model in _models():
        if not isinstance(model, LambdaFunction | LayerVersion):
            continue
        data = getattr(model, "code_bytes", b"") or b""
        if data:
            stored = store().put(data)
            model.code_digest = stored.sha256
            model.code_bytes = b""
        digest = getattr(model, "code_digest", "") or ""
        if digest:
            found.add(digest)
            lean(model)
    return found


@dataclass(frozen=True)
class Swept:
    zips: int  # zips removed from the store
    unpacked: int  # unpacked directories removed
    waiting: int  # unreferenced zips and directories kept for now (a snapshot, a worker)


class Sweeper:
    """Removes the zips and unpacked directories nothing needs (see the module docstring), in
    a background thread that runs after `soon()` and again while something waits."""

    def __init__(
        self,
        code: CodeStore,
        *,
        referenced: Callable[[], set[str]] = _referenced,
        saved_at: Callable[[], float | None] | None = None,
        grace: float = GRACE,
    ) -> None:
        """`referenced` gives the digests in use (by default, the local cloud's functions and
        layers), `saved_at` when the snapshot on disk was saved (None: there is none)."""
        self.code = code
        self.grace = grace
        self._referenced = referenced
        self._saved_at = saved_at or self._snapshot_saved_at
        self._last_used: dict[str, float] = {}  # sha256 -> last time something referred to it
        self._lock = threading.Lock()  # one sweep at a time
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def dropped(self, *digests: str) -> None:
        """Something referred to these until now (a function's code replaced or deleted)."""
        now = time.time()
        with self._guard:
            for digest in digests:
                if digest:
                    self._last_used[digest] = now

    def soon(self) -> None:
        """Sweep in the background shortly (a burst of changes makes one sweep)."""
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="lambda-code-sweeper", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def sweep(self) -> Swept:
        with self._lock:
            referenced = self._referenced()
            now = time.time()
            with self._guard:
                for digest in referenced:
                    self._last_used[digest] = now
                last_used = dict(self._last_used)
            saved_at = self._saved_at()
            removed = waiting = 0
            for digest in self.code.stored():
                if digest in referenced:
                    continue
                if self.code.recent(digest, self.grace):
                    waiting += 1
                    continue
                if saved_at is None or last_used.get(digest, 0.0) >= saved_at:
                    waiting += 1  # the snapshot on disk may still refer to it
                    continue
                self.code.remove(digest)
                with self._guard:
                    self._last_used.pop(digest, None)
                removed += 1
            unpacked, left = self._release_unpacked(referenced)
            return Swept(removed, unpacked, waiting + left)

    def _release_unpacked(self, referenced: set[str]) -> tuple[int, int]:
        """(removed, left): unpacked directories that no function or layer refers to, removed
        unless a running worker uses them, and those left for that reason."""
        try:
            runtime = service.current()
        except RuntimeError:
            return 0, 0
        removed = runtime.release_unpacked(referenced)
        left = artifacts.unpacked_digests(self.code.home) - referenced
        return len(removed), len(left)

    def _snapshot_saved_at(self) -> float | None:
        read = _Installed.snapshots
        return read(self.code.home) if read is not None else None

    def _run(self) -> None:
        retries = 0
        while True:
            if self._wake.wait(RETRY if 0 < retries <= MAX_RETRIES else None):
                time.sleep(DEBOUNCE)
                self._wake.clear()
                retries = 0
            try:
                swept = self.sweep()
            except Exception:  # a sweep must never take the server down; the next one retries
                log.exception("removing unused code failed")
                retries += 1
                continue
            if swept.zips or swept.unpacked:
                log.info("unused code removed: %d zips, %d unpacked", swept.zips, swept.unpacked)
            retries = retries + 1 if swept.waiting else 0


class _Installed:
    """The sweeper of this process's local cloud (made on first use, for the store)."""

    sweeper: Sweeper | None = None
    # When the server's snapshot was saved (`persistence.saved_at`, given by the server, which
    # owns persistence: the runtime's modules never import it).
    snapshots: Callable[[Path], float | None] | None = None


def snapshots_from(saved_at: Callable[[Path], float | None]) -> None:
    """Tell the sweeper how to learn when the local cloud's snapshot was last saved (a zip
    goes only once a snapshot without it is on disk)."""
    _Installed.snapshots = saved_at


def sweeper() -> Sweeper:
    """The process's sweeper, for the store of the local cloud installed in it."""
    if _Installed.sweeper is None or _Installed.sweeper.code is not store():
        _Installed.sweeper = Sweeper(store())
    return _Installed.sweeper


def changed(*dropped: str) -> None:
    """A function's code changed or it was deleted (`dropped`: the digests it referred to until
    now): sweep soon."""
    active = sweeper()
    active.dropped(*dropped)
    active.soon()


def _delete_layer_version(self: LambdaBackend, layer_name: str, layer_version: str) -> None:
    digests = []
    with contextlib.suppress(Exception):  # moto raises for an unknown one, just below
        digests.append(self.get_layer_version(layer_name, layer_version).code_digest)
    original(LambdaBackend, "delete_layer_version")(self, layer_name, layer_version)
    changed(*digests)


def install() -> None:
    replace(LambdaBackend, "delete_layer_version", _delete_layer_version)
