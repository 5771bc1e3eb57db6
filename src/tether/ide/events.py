"""The IDE's one WebSocket (/api/events) and the file watcher behind it.

The watcher (watchfiles, ~50 ms of quiet before a batch) sees every change under the project
root but the hidden folders (.tether/, .git/, __pycache__, .venv) and the IDE's own temporary
save files; saves from the IDE, another editor or a git checkout alike. For each batch every
connected client gets {"type": "files", "changed": [...]}, then, after one re-check of the
project, {"type": "project", ...} and {"type": "plan", ...}. Each client has its own queue, so a
slow one never delays the others; the check runs in a worker thread, off the event loop.

Long operations (deploy, test runs, log following) run in worker threads and report through
`publish_threadsafe`, which hands each message to the event loop (clients' queues belong to
it). Each batch of changed paths is also handed to `on_change` (deploy on save listens there).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect
from watchfiles import Change, DefaultFilter, awatch

from tether.atomic import TEMP_MARK
from tether.ide.files import HIDDEN

Message = dict[str, Any]
QUIET_MS = 50  # a batch is sent once the disk has been quiet this long
MAX_BATCH_MS = 1000


class _Filter(DefaultFilter):
    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*DefaultFilter.ignore_dirs, *HIDDEN))

    def __call__(self, change: Change, path: str) -> bool:
        return TEMP_MARK not in Path(path).name and super().__call__(change, path)


class Events:
    """Clients of the WebSocket, and the watcher that feeds them."""

    def __init__(
        self,
        root: Path,
        recheck: Callable[[], list[Message]],
        on_change: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.recheck = recheck
        self.on_change = on_change
        self.ready = threading.Event()  # set once the watcher really watches (tests wait on it)
        self._clients: set[asyncio.Queue[Message]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop that owns the clients (set when the app starts)."""
        self._loop = loop

    def publish(self, message: Message) -> None:
        """From the event loop's own thread."""
        for queue in self._clients:
            queue.put_nowait(message)

    def publish_threadsafe(self, message: Message) -> None:
        """From any thread: the message is queued by the event loop's thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # the app is not serving (yet, or any more): nobody listens
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.publish(message)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.publish, message)

    async def watch(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: a files message per batch of changes, then a re-check."""
        async for batch in awatch(
            self.root,
            watch_filter=_Filter(),
            step=QUIET_MS,
            debounce=MAX_BATCH_MS,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=200,
        ):
            self.ready.set()
            changed = sorted({self._relative(path) for _, path in batch} - {""})
            if not changed:
                continue
            self.publish({"type": "files", "changed": changed})
            if self.on_change is not None:
                self.on_change(changed)
            if self._clients:
                for message in await run_in_threadpool(self.recheck):
                    self.publish(message)

    def _relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return ""

    async def serve(self, websocket: WebSocket) -> None:
        """One client: accept, then send its queue until it goes away."""
        await websocket.accept()
        queue: asyncio.Queue[Message] = asyncio.Queue()
        self._clients.add(queue)
        try:
            async with anyio.create_task_group() as tasks:

                async def listen() -> None:
                    with contextlib.suppress(WebSocketDisconnect):
                        while True:
                            await websocket.receive_text()  # the client only listens
                    tasks.cancel_scope.cancel()

                tasks.start_soon(listen)
                while True:
                    await websocket.send_json(await queue.get())
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._clients.discard(queue)
