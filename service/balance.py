"""Keep-alive connections spread evenly over the worker processes.

With a listening socket per worker (`listener`), the kernel deals new connections out by a
hash of the client's address and port: evenly on average, not in every burst. Keep-alive
connections then stay where they landed, and the worker that got 22 of 32 has the longer
queue: measured at 32 connections, a p99 of 159–194 ms with a 22/10 split against 108–142 ms
with an even one. The same happens when a worker is replaced: every open connection stays with
the survivor, and the new worker idles.

So every worker publishes how many connections it holds in a small table shared through a
file (a slot per worker process: its pid and its count). A worker that holds two or more
connections above the least loaded live worker answers its next request with
`Connection: close` (a clean end of a keep-alive connection, which HTTP clients, browsers and
nginx follow by reconnecting); the new connection is dealt again and lands on the other
worker as often as not. Splits converge within a few requests; an even split closes nothing.

The table is a file of `SLOTS` slots of two 8-byte integers; a worker claims a free slot (or
one whose process has died: a worker that stops leaves its slot to the next) under `flock`
and then writes only its own slot. Readers take no lock: an aligned 8-byte write is not torn,
and a count read one request late is harmless.
"""

from __future__ import annotations

import asyncio
import fcntl
import mmap
import os
import time
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from .metrics import process_alive, record_rebalance

TABLE_ENV = "VINDPLAATS_CONNECTION_TABLE"  # set by `listener.run` for the workers it starts
SLOTS = 64  # worker processes at once, replacements included
SLOT_BYTES = 16
SLACK = 2  # connections above the least loaded worker before one is closed
LIVENESS_SECONDS = 1.0  # how long a check that another worker's process is alive holds


def create_table(path: Path) -> None:
    """An empty table (every slot free) at `path`."""
    path.write_bytes(bytes(SLOTS * SLOT_BYTES))


class ConnectionTable:
    """One worker's view of the shared table: its own slot to write, the others' to read."""

    def __init__(
        self, path: Path, pid: int | None = None, alive: Callable[[int], bool] = process_alive
    ) -> None:
        self.path = path
        self.pid = os.getpid() if pid is None else pid
        self._alive = alive
        self._checked: dict[int, tuple[float, bool]] = {}
        with path.open("r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), SLOTS * SLOT_BYTES)
        self._slots = memoryview(self._map).cast("q")
        # A lock of its own open file: the map keeps a duplicate of the first one open.
        with path.open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.slot = self._claim()
        self.connections = 0
        # A connection told to close that has not gone yet: until it has, no other is closed.
        # A worker busy with a run of searches sees connections come and go only after it, and
        # would otherwise close every response of the run on the same stale counts.
        self.closing = False

    def _claim(self) -> int:
        slots = self._slots
        for n in range(SLOTS):
            pid = slots[2 * n]
            if pid == self.pid or pid == 0 or not self._alive(pid):
                slots[2 * n], slots[2 * n + 1] = self.pid, 0
                return n
        raise RuntimeError(f"connection table {self.path}: all {SLOTS} slots are held by live processes")

    def opened(self) -> None:
        self.connections += 1
        self._slots[2 * self.slot + 1] = self.connections

    def closed(self) -> None:
        self.connections -= 1
        self.closing = False
        self._slots[2 * self.slot + 1] = self.connections

    def others(self) -> list[int]:
        """The connection counts of the other live workers."""
        slots, now, out = self._slots, time.monotonic(), []
        for n in range(SLOTS):
            pid = slots[2 * n]
            if pid == 0 or n == self.slot:
                continue
            checked = self._checked.get(pid)
            if checked is None or now - checked[0] > LIVENESS_SECONDS:
                checked = self._checked[pid] = (now, self._alive(pid))
            if checked[1]:
                out.append(slots[2 * n + 1])
        return out

    def surplus(self) -> bool:
        """Whether this worker holds SLACK or more connections above the least loaded one, and
        closes none yet."""
        # Asked on every response; with fewer than SLACK it cannot be SLACK above anyone.
        if self.closing or self.connections < SLACK:
            return False
        others = self.others()
        return bool(others) and self.connections - min(others) >= SLACK

    def close_one(self) -> None:
        """A response has told its client to close: wait for that before another."""
        self.closing = True


_table: ConnectionTable | None = None  # this worker process's, from `worker_table()`


def worker_table() -> ConnectionTable | None:
    """This process's table (claimed on first use), or None when no supervisor set one up."""
    global _table
    if _table is None and (path := os.environ.get(TABLE_ENV)):
        _table = ConnectionTable(Path(path))
    return _table


class CountingProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol that counts this worker's open connections in the table."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if (table := worker_table()) is not None:
            table.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if (table := worker_table()) is not None:
            table.closed()


class BalanceMiddleware:
    """Ends a keep-alive connection (`Connection: close` on its response) while this worker holds
    more than its share."""

    def __init__(self, app: ASGIApp, table: Callable[[], ConnectionTable | None] = worker_table) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        table = self.table()
        if scope["type"] != "http" or table is None:
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and table.surplus():
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
                table.close_one()
                record_rebalance()
            await send(message)

        await self.app(scope, receive, closing)


def create_app() -> ASGIApp:
    """The service app with the balance middleware outside it (uvicorn's factory in a worker)."""
    from .app import create_app as create_service_app

    worker_table()  # claim the slot now, so the others count this worker before its first connection
    return BalanceMiddleware(create_service_app())
