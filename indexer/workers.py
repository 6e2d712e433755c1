"""Extraction in a pool of child processes, each task with a time and a memory limit.

One pathological file (a decompression bomb, a page tree that loops, a parser bug) must not
stall or kill the build. Files are extracted by `worker_count` long-lived child processes, started
once per build and given one file at a time over a pipe. Each child runs under an address-space
limit (RLIMIT_AS); the parent waits at most `file_timeout` seconds for an answer, then kills that
child and starts a fresh one. A child that dies (the kernel's OOM killer, a segfault in a C
library) is replaced the same way; one that ran out of memory, or whose address space grew by a
quarter of the limit, retires after answering, so each file meets (nearly) the whole limit.

Forking once per build instead of once per file matters: a fork copies the page tables of the
parent, which holds Whoosh's posting buffers, and every later write to a shared page faults.
Measured at 10,000 passages, the per-file fork spent more CPU in the kernel than in Python.

Children never outlive the build, whatever ends it (`kill -9` included): see `lifeline`.

Heavy libraries are imported in the parent before forking, so each child starts warm.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import resource
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from .config import IndexerSettings
from .errors import ExtractionError
from .extract import Extraction
from .lifeline import Lifeline, lifeline, stop
from .sources import SourceItem


@dataclass(slots=True)
class Outcome:
    file: SourceItem
    extraction: Extraction | None = None
    reason: str = ""  # why the whole file was skipped
    seconds: float = 0.0


def _extract_one(file: SourceItem, settings: IndexerSettings) -> tuple[str, Any]:
    """("ok", Extraction) or ("skip", reason); never raises."""
    try:
        return "ok", file.extract(settings)
    except ExtractionError as exc:
        return "skip", exc.reason
    except MemoryError:
        return "skip", f"resource limit: needed more than {settings.memory_limit_mb} MB of memory"
    except RecursionError:
        return "skip", "corrupt: structure nested too deeply"
    except OSError as exc:
        return "skip", f"unreadable: {exc.strerror or type(exc).__name__}"
    except Exception as exc:  # a bug or an unexpected library error: report, don't crash
        return "skip", f"error: {type(exc).__name__}: {str(exc)[:200]}"


def _address_space() -> int:
    """Bytes of address space in use (what RLIMIT_AS limits); the peak resident size elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _serve(conn: Connection, line: Lifeline, settings: IndexerSettings) -> None:
    """A child's life: take a file, answer with its extraction, until told to stop."""
    line.attach()
    limit = settings.memory_limit_mb * 1024 * 1024
    # A lower hard limit may already be in force; then that one applies.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # The limit is the process's, not the file's: a child whose address space grew by a quarter
    # of it retires after answering, so the next file gets (nearly) the whole limit again.
    retire_at = _address_space() + settings.memory_limit_mb * 1024 * 1024 // 4
    while True:
        try:
            file = conn.recv()
        except (EOFError, OSError):
            return
        if file is None:
            return
        status, payload = _extract_one(file, settings)
        retire = (status == "skip" and payload.startswith("resource limit")) or _address_space() > retire_at
        try:
            conn.send((status, payload, retire))
        except OSError:  # the parent is gone
            return
        except Exception as exc:  # e.g. the result could not be pickled
            with contextlib.suppress(OSError):
                conn.send(("skip", f"error: cannot return result: {type(exc).__name__}", True))
            return
        if retire:
            return


def _warm_up() -> None:
    from .extract import html, markdown, pdf, wxr  # noqa: F401


@dataclass(slots=True)
class _Child:
    process: Any  # multiprocessing.Process
    conn: Connection
    file: SourceItem | None = None
    started: float = 0.0


class ExtractionPool:
    """`worker_count` extraction processes for one build; use as a context manager.

    Start it before the build opens its index files, so the children hold none of them.
    """

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self.size = max(1, settings.worker_count)
        self._ctx = multiprocessing.get_context("fork")
        self._lifeline = lifeline()
        self._idle: list[_Child] = []
        self._busy: dict[Connection, _Child] = {}
        self._closed = False
        _warm_up()
        for _ in range(self.size):
            self._idle.append(self._spawn())

    def _spawn(self) -> _Child:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_serve,
            args=(child_end, self._lifeline, self.settings),
            daemon=True,
            name="vindplaats-extract",
        )
        process.start()
        child_end.close()
        return _Child(process, parent_end)

    def pids(self) -> list[int]:
        return [c.process.pid for c in [*self._idle, *self._busy.values()]]

    def _retire(self, child: _Child, kill: bool = False) -> None:
        stop(child.process, child.conn, kill)

    def _finished(self, child: _Child, outcome: Outcome, retire: bool) -> Outcome:
        if retire:
            self._retire(child)
            self._idle.append(self._spawn())
        else:
            child.file = None
            self._idle.append(child)
        return outcome

    def _collect(self, conn: Connection) -> Outcome:
        child = self._busy.pop(conn)
        assert child.file is not None
        seconds = time.monotonic() - child.started
        try:
            status, payload, retire = conn.recv()
        except (EOFError, OSError):
            child.process.join(timeout=5)
            reason = _death_reason(child.process.exitcode, self.settings)
            return self._finished(child, Outcome(child.file, reason=reason, seconds=seconds), True)
        if status == "ok":
            outcome = Outcome(child.file, extraction=payload, seconds=seconds)
        else:
            outcome = Outcome(child.file, reason=payload, seconds=seconds)
        return self._finished(child, outcome, retire)

    def run(self, files: Iterable[SourceItem]) -> Iterator[Outcome]:
        """Yield one Outcome per file, in completion order."""
        pending = list(files)
        pending.reverse()
        timeout = self.settings.file_timeout
        while pending or self._busy:
            while pending and self._idle:
                child = self._idle.pop()
                child.file, child.started = pending.pop(), time.monotonic()
                try:
                    child.conn.send(child.file)
                except OSError:  # it died while idle: try again with a fresh one
                    pending.append(child.file)
                    self._retire(child, kill=True)
                    self._idle.append(self._spawn())
                    continue
                self._busy[child.conn] = child
            if not self._busy:
                continue
            deadline = min(c.started for c in self._busy.values()) + timeout
            wait = max(0.0, deadline - time.monotonic())
            for conn in multiprocessing.connection.wait(list(self._busy), timeout=wait):
                assert isinstance(conn, Connection)
                yield self._collect(conn)
            now = time.monotonic()
            for conn, child in list(self._busy.items()):
                if now - child.started >= timeout:
                    del self._busy[conn]
                    assert child.file is not None
                    self._retire(child, kill=True)
                    self._idle.append(self._spawn())
                    reason = f"resource limit: took longer than {timeout:g} s"
                    yield Outcome(child.file, reason=reason, seconds=now - child.started)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for child in self._idle:
            with contextlib.suppress(OSError):
                child.conn.send(None)
        for child in [*self._idle, *self._busy.values()]:
            self._retire(child, kill=child in self._busy.values())
        self._idle.clear()
        self._busy.clear()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def extract_all(
    files: Iterable[SourceItem], settings: IndexerSettings, pool: ExtractionPool | None = None
) -> Iterator[Outcome]:
    """Yield one Outcome per file, in completion order (in `pool`, or in a pool of its own)."""
    if pool is not None:
        yield from pool.run(files)
        return
    with ExtractionPool(settings) as own:
        yield from own.run(files)


def _death_reason(exitcode: int | None, settings: IndexerSettings) -> str:
    if exitcode is not None and exitcode < 0:
        signal_number = -exitcode
        if signal_number == 9:
            return f"resource limit: killed (memory limit {settings.memory_limit_mb} MB?)"
        return f"error: extraction process died with signal {signal_number}"
    return f"error: extraction process exited with code {exitcode}"
