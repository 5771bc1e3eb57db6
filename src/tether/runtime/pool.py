"""Warm workers per function version, with a concurrency limit and retirement.

A `Pool` holds the workers of one version (`FunctionSpec.key`): an idle one serves the next
invocation; if none is idle and fewer than `limit` exist, a new (cold) one is made; otherwise
the invocation waits for one to come back. A worker being started in the background
(`reserve` ... `warmed`, after a code update) counts as one coming: an invocation that finds
no idle worker waits for it rather than starting another cold one. While the first worker of a
version is being started (its handler imported), the version is `updating`: the local cloud
reports the function's update as in progress until then, so an update is live only once the
new code can answer without a cold start. The `Registry` maps versions to pools: when a
function's key changes (new code, layers or configuration), or the function is deleted, its
old pools are retired: idle workers are killed at once, busy ones when their invocation ends.
An invocation whose caller gives up while it waits (`cancel.Cancellation`) leaves the queue.

Memory: each worker is a Python process (boto3 imported: ~40 MB), so the registry releases
those nobody uses. A worker idle for longer than `idle_seconds` is killed (Lambda recycles idle
execution environments too, after 5 to 15 minutes), by a reaper thread that runs whether or not
invocations arrive; and all pools together keep at most `max_workers`: making a new worker
beyond that (`make_room`) kills the least recently used idle one of any function. Busy workers
are never killed for room, so a burst may go over the cap while it lasts; once they are idle,
the oldest go. A released worker only costs its function a cold start at its next invocation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tether.runtime.cancel import Cancellation, Cancelled
from tether.runtime.process import WorkerProcess
from tether.runtime.spec import FunctionSpec

WorkerFactory = Callable[[FunctionSpec], WorkerProcess]
REAP_EVERY = 5.0  # seconds between two looks for idle workers, at most


class Pool:
    """The workers of one function version."""

    def __init__(self, spec: FunctionSpec, limit: int, factory: WorkerFactory) -> None:
        self.spec = spec
        self.limit = max(1, limit)
        self._factory = factory
        self._idle: list[WorkerProcess] = []
        self._count = 0  # idle + busy (warming ones included)
        self._warming = 0  # started in the background, not ready yet
        self._awaiting = 0  # invocations waiting for those
        self._starting = 0  # workers being started, ahead or by an invocation
        self._started = False  # a worker of this version has been started (ready or failed)
        self._retired = False
        self._changed = threading.Condition()
        # Its own condition, never held with `_changed`: waiting for the version to be started
        # must not take a wake-up meant for an invocation waiting for a worker.
        self._progress = threading.Condition()

    def checkout(self, cancellation: Cancellation | None = None) -> WorkerProcess:
        """An idle worker, or a new unstarted one; waits while `limit` workers are busy.
        Raises Cancelled if the caller gives up (`cancellation`) while it waits."""
        awaiting = False  # this call waits for a warming worker (one call per such worker)
        with self._changed:
            try:
                while True:
                    if self._idle:
                        return self._idle.pop()
                    if self._warming > self._awaiting - awaiting:
                        if not awaiting:
                            awaiting = True
                            self._awaiting += 1
                        self._wait(cancellation)
                        continue
                    if awaiting:  # it failed to start, or was retired: make one after all
                        awaiting = False
                        self._awaiting -= 1
                    if self._count < self.limit:
                        self._count += 1
                        self._starting += 1  # the caller starts it, then calls `started`
                        return self._factory(self.spec)
                    self._wait(cancellation)
            finally:
                if awaiting:
                    self._awaiting -= 1

    def _wait(self, cancellation: Cancellation | None) -> None:
        """Wait for a change (the lock held); Cancelled once the caller gives up."""
        if cancellation is None:
            self._changed.wait()
            return
        if not cancellation.stopped():
            self._changed.wait(cancellation.wait())
        if cancellation.stopped():
            self._changed.notify()  # a worker handed to this call goes to the next in line
            raise Cancelled(cancellation.reason)

    def reserve(self) -> WorkerProcess | None:
        """A new worker to start in the background, if the pool has none at all yet (then
        `warmed` must follow)."""
        with self._changed:
            if self._retired or self._count:
                return None
            self._count += 1
            self._warming += 1
            self._starting += 1
        return self._factory(self.spec)

    def warmed(self, worker: WorkerProcess | None) -> None:
        """The reserved worker is started (or None: it could not be, its slot is free)."""
        with self._changed:
            self._warming -= 1
            self._starting -= 1
            self._started = self._started or worker is not None
            keep = worker is not None and not self._retired
            if keep:
                assert worker is not None
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
            else:
                self._count -= 1
            self._changed.notify_all()
        self._progressed()
        if worker is not None and not keep:
            worker.kill()

    def started(self) -> None:
        """A worker `checkout` made has been started by its invocation (or failed to be)."""
        with self._changed:
            self._starting -= 1
            self._started = True
        self._progressed()

    @property
    def updating(self) -> bool:
        """A worker of this version is being started and none has been yet."""
        with self._changed:
            return self._starting > 0 and not self._started

    def wait_updated(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) while the version is `updating`; whether it is
        done."""
        deadline = time.monotonic() + timeout
        with self._progress:
            while self.updating:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return True

    def _progressed(self) -> None:
        with self._progress:
            self._progress.notify_all()

    def checkin(self, worker: WorkerProcess, *, reusable: bool) -> None:
        """Give a worker back: kept warm if `reusable` and the pool is current, else killed."""
        with self._changed:
            keep = reusable and not self._retired
            if keep:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
            else:
                self._count -= 1
            self._changed.notify()
        if not keep:
            worker.kill()

    def retire(self) -> None:
        with self._changed:
            self._retired = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.kill()

    def reap(self, idle_seconds: float) -> int:
        """Kill workers idle for longer than `idle_seconds`; how many."""
        cutoff = time.monotonic() - idle_seconds
        with self._changed:
            stale = [w for w in self._idle if w.idle_since < cutoff]
            self._idle = [w for w in self._idle if w.idle_since >= cutoff]
            self._count -= len(stale)
            if stale:
                self._changed.notify_all()
        for worker in stale:
            worker.kill()
        return len(stale)

    def oldest_idle(self) -> float | None:
        """Since when the least recently used idle worker has been idle (None: none is)."""
        with self._changed:
            return min((w.idle_since for w in self._idle), default=None)

    def evict(self, idle_since: float) -> bool:
        """Kill the idle worker idle since `idle_since` (as `oldest_idle` said), if it still
        is; whether one was killed."""
        with self._changed:
            found = next((w for w in self._idle if w.idle_since == idle_since), None)
            if found is None:
                return False
            self._idle.remove(found)
            self._count -= 1
            self._changed.notify_all()
        found.kill()
        return True

    def size(self) -> int:
        with self._changed:
            return self._count


class Registry:
    """Current pools by version key; retired versions never come back."""

    def __init__(
        self,
        limit: int,
        factory: WorkerFactory,
        *,
        idle_seconds: float,
        max_workers: int | None = None,
    ) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.max_workers = max_workers  # None: no cap
        self._factory = factory
        self._pools: dict[str, Pool] = {}
        self._current: dict[str, str] = {}  # function ARN -> key
        self._retired_keys: set[str] = set()
        self._leaving: list[Pool] = []  # retired pools whose busy workers have not ended yet
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._reaper: threading.Thread | None = None

    def pool_for(self, spec: FunctionSpec) -> Pool:
        """The pool of `spec`'s version; a new version retires the function's previous ones."""
        key = spec.key
        old: Pool | None = None
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = Pool(spec, self.limit, self._factory)
                if key in self._retired_keys:
                    pool.retire()  # a late call for a replaced version: served, never kept
                    self._leaving.append(pool)
                    return pool
                self._pools[key] = pool
                previous = self._current.get(spec.arn)
                if previous is not None and previous != key:
                    old = self._pools.pop(previous, None)
                    self._retired_keys.add(previous)
                    if old is not None:
                        self._leaving.append(old)
                self._current[spec.arn] = key
                self._start_reaper()
        if old is not None:
            old.retire()
        return pool

    def retire(self, arn: str, *, keep: str | None = None) -> int:
        """Retire the function's pools, except the version `keep` (its current key); how many
        workers the retired version had (idle and busy)."""
        with self._lock:
            key = self._current.get(arn)
            if key is None or key == keep:
                return 0
            del self._current[arn]
            self._retired_keys.add(key)
            pool = self._pools.pop(key, None)
            if pool is not None:
                self._leaving.append(pool)
        if pool is None:
            return 0
        workers = pool.size()
        pool.retire()
        return workers

    def retire_all(self, arn: str) -> None:
        """Retire every version of the function (`arn` unqualified): it was deleted."""
        with self._lock:
            names = [n for n in self._current if n == arn or n.startswith(arn + ":")]
        for name in names:
            self.retire(name)

    def shutdown(self) -> None:
        self._stopped.set()
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
            self._current.clear()
        for pool in pools:
            pool.retire()

    def updating(self, arn: str) -> bool:
        """Whether the function's current version is still starting its first worker."""
        with self._lock:
            key = self._current.get(arn)
            pool = self._pools.get(key) if key else None
        return pool is not None and pool.updating

    def wait_updated(self, arn: str, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) while the function's current version is starting
        its first worker; whether it is done."""
        with self._lock:
            key = self._current.get(arn)
            pool = self._pools.get(key) if key else None
        return pool is None or pool.wait_updated(timeout)

    def workers(self, arn: str) -> int:
        """How many workers the function's current version has (idle and busy)."""
        with self._lock:
            key = self._current.get(arn)
            pool = self._pools.get(key) if key else None
        return pool.size() if pool else 0

    def total(self) -> int:
        """Workers of every current version (idle, busy and starting)."""
        with self._lock:
            pools = list(self._pools.values())
        return sum(pool.size() for pool in pools)

    def in_use(self) -> list[FunctionSpec]:
        """The versions that have workers, current or retired (busy ones not ended yet)."""
        with self._lock:
            self._leaving = [pool for pool in self._leaving if pool.size()]
            pools = [*self._pools.values(), *self._leaving]
        return [pool.spec for pool in pools if pool.size()]

    def make_room(self) -> int:
        """Kill the least recently used idle workers while there are more than `max_workers`;
        how many."""
        if self.max_workers is None:
            return 0
        evicted = 0
        attempts = 0  # an idle worker taken by an invocation meanwhile makes one fail
        while self.total() > self.max_workers and attempts < self.max_workers + 8:
            attempts += 1
            with self._lock:
                pools = list(self._pools.values())
            candidates = [
                (since, pool) for pool in pools if (since := pool.oldest_idle()) is not None
            ]
            if not candidates:
                break  # all busy: the cap waits for them
            since, pool = min(candidates, key=lambda candidate: candidate[0])
            if pool.evict(since):
                evicted += 1
        return evicted

    def reap(self) -> int:
        """Kill the workers idle for longer than `idle_seconds`; how many."""
        with self._lock:
            pools = list(self._pools.values())
            self._leaving = [pool for pool in self._leaving if pool.size()]
        return sum(pool.reap(self.idle_seconds) for pool in pools)

    def _start_reaper(self) -> None:
        """Start the reaper thread (the lock held), unless it runs."""
        if self._reaper is not None or self._stopped.is_set():
            return
        self._reaper = threading.Thread(
            target=self._reap_forever, name="tether-reaper", daemon=True
        )
        self._reaper.start()

    def _reap_forever(self) -> None:
        # Often enough that a worker goes within a quarter of its idle time of being due.
        every = min(REAP_EVERY, max(0.05, self.idle_seconds / 4))
        while not self._stopped.wait(every):
            self.reap()
            self.make_room()
