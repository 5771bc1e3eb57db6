"""The HTTP router's threads, reused: a thread per connection and per invocation, not a new one.

The router serves each connection on a thread of its own and runs each invocation on another
(so that it can answer 503 at the integration's timeout, and notice a client that hangs up,
while the function runs). Starting a thread costs a `clone` and a wait until the new thread
runs: about 0.3 ms a thread on a loaded two-core machine, against 20 us to hand a job to a
waiting one. Here a thread that finished its job waits `IDLE_SECONDS` for the next before it
ends, and a job that finds no waiting thread starts one: jobs never wait for one another, and
there are never more threads than the router had before (one per connection and per
invocation under way, plus those waiting).

The local cloud's server (`server`) serves its own connections the same way: werkzeug closes
each after one answer, so there it is a thread per request.

Each job runs in a fresh `contextvars.Context`, as it would on a new thread: nothing a job
sets in a context variable is seen by the next one.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable

IDLE_SECONDS = 2.0  # long enough to carry a burst or a steady load, short enough that an idle
# router soon holds no threads

Job = Callable[[], None]

log = logging.getLogger(__name__)


class ReusedThreads:
    """Run jobs on daemon threads named `name`, reusing those that finished their last job."""

    def __init__(self, name: str, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self.name = name
        self.idle_seconds = idle_seconds
        # The inbox of each waiting thread; the last to finish is the first to be reused, so
        # the others run out their wait and end when the load drops.
        self._waiting: list[queue.SimpleQueue[Job]] = []
        self._lock = threading.Lock()

    def run(self, job: Job) -> None:
        """Start `job` now, on a waiting thread or on a new one."""
        with self._lock:
            inbox = self._waiting.pop() if self._waiting else None
        if inbox is not None:
            inbox.put(job)
            return
        threading.Thread(target=self._serve, args=(job,), name=self.name, daemon=True).start()

    def waiting(self) -> int:
        """How many threads wait for a job."""
        with self._lock:
            return len(self._waiting)

    def _serve(self, job: Job) -> None:
        inbox: queue.SimpleQueue[Job] = queue.SimpleQueue()
        while True:
            try:
                contextvars.Context().run(job)
            except Exception:  # a job answers for its own errors; this thread stays usable
                log.exception("job of %s failed", self.name)
            with self._lock:
                self._waiting.append(inbox)
            try:
                job = inbox.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if inbox in self._waiting:  # nobody chose this thread: it ends
                        self._waiting.remove(inbox)
                        return
                job = inbox.get()  # chosen just as the wait ended: the job is on its way
