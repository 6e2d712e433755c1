"""Run extraction in child processes, each with a time and memory limit.

One pathological file (a decompression bomb, a page tree that loops, a parser bug) must not
stall or kill the build. Each file is extracted in a forked child with an address-space limit
(RLIMIT_AS); the parent waits at most `file_timeout` seconds for its answer and kills it after.
Up to `worker_count` children run at once, which also puts every core to work.

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
from typing import Any

from .config import IndexerSettings
from .errors import ExtractionError
from .extract import Extraction
from .sources import SourceItem


@dataclass(slots=True)
class Outcome:
    file: SourceItem
    extraction: Extraction | None = None
    reason: str = ""  # why the whole file was skipped
    seconds: float = 0.0


def _child(conn: Any, file: SourceItem, settings: IndexerSettings) -> None:
    limit = settings.memory_limit_mb * 1024 * 1024
    # A lower hard limit may already be in force; then that one applies.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: tuple[str, Any] = ("ok", file.extract(settings))
    except ExtractionError as exc:
        result = ("skip", exc.reason)
    except MemoryError:
        result = ("skip", f"resource limit: needed more than {settings.memory_limit_mb} MB of memory")
    except RecursionError:
        result = ("skip", "corrupt: structure nested too deeply")
    except Exception as exc:  # a bug or an unexpected library error: report, don't crash
        result = ("skip", f"error: {type(exc).__name__}: {str(exc)[:200]}")
    try:
        conn.send(result)
    except Exception as exc:  # e.g. the result could not be pickled
        conn.send(("skip", f"error: cannot return result: {type(exc).__name__}"))
    conn.close()


def _warm_up() -> None:
    from .extract import html, markdown, pdf, wxr  # noqa: F401


def extract_all(files: Iterable[SourceItem], settings: IndexerSettings) -> Iterator[Outcome]:
    """Yield one Outcome per file, in completion order."""
    _warm_up()
    ctx = multiprocessing.get_context("fork")
    pending = list(files)
    pending.reverse()
    running: dict[Connection, tuple[Any, SourceItem, float]] = {}
    slots = max(1, settings.worker_count)
    while pending or running:
        while pending and len(running) < slots:
            file = pending.pop()
            receiver, sender = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(sender, file, settings), daemon=True)
            proc.start()
            sender.close()
            running[receiver] = (proc, file, time.monotonic())
        now = time.monotonic()
        deadline = min(start for _, _, start in running.values()) + settings.file_timeout
        ready = multiprocessing.connection.wait(list(running), timeout=max(0.0, deadline - now))
        for conn in ready:
            assert isinstance(conn, Connection)
            proc, file, start = running.pop(conn)
            try:
                status, payload = conn.recv()
            except (EOFError, OSError):
                proc.join(timeout=5)
                status, payload = "skip", _death_reason(proc.exitcode, settings)
            conn.close()
            proc.join(timeout=5)
            seconds = time.monotonic() - start
            if status == "ok":
                yield Outcome(file, extraction=payload, seconds=seconds)
            else:
                yield Outcome(file, reason=payload, seconds=seconds)
        now = time.monotonic()
        for conn, (proc, file, start) in list(running.items()):
            if now - start >= settings.file_timeout:
                proc.kill()
                proc.join(timeout=5)
                conn.close()
                del running[conn]
                reason = f"resource limit: took longer than {settings.file_timeout:g} s"
                yield Outcome(file, reason=reason, seconds=now - start)


def _death_reason(exitcode: int | None, settings: IndexerSettings) -> str:
    if exitcode is not None and exitcode < 0:
        signal_number = -exitcode
        if signal_number == 9:
            return f"resource limit: killed (memory limit {settings.memory_limit_mb} MB?)"
        return f"error: extraction process died with signal {signal_number}"
    return f"error: extraction process exited with code {exitcode}"
