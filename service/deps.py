"""FastAPI dependencies as `Annotated` aliases, so route signatures stay short.

They are `async def`: FastAPI runs a plain `def` dependency in its thread pool, a hop to a
thread and back for an attribute lookup, four of them per search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from .analytics import SearchLog
from .config import ServiceSettings
from .reader import IndexHandle
from .synonyms import Synonyms


async def _settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


async def _handle(request: Request) -> IndexHandle:
    handle: IndexHandle = request.app.state.handle
    return handle


async def _synonyms(request: Request) -> Synonyms:
    synonyms: Synonyms = request.app.state.synonyms
    return synonyms


async def _search_log(request: Request) -> SearchLog:
    search_log: SearchLog = request.app.state.search_log
    return search_log


SettingsDep = Annotated[ServiceSettings, Depends(_settings)]
HandleDep = Annotated[IndexHandle, Depends(_handle)]
SynonymsDep = Annotated[Synonyms, Depends(_synonyms)]
SearchLogDep = Annotated[SearchLog, Depends(_search_log)]


T = TypeVar("T")


async def in_turn(request: Request, work: Callable[[], T]) -> T:
    """Run `work` (which uses the index) on the event loop, one request at a time, first come
    first served.

    The index has one searcher behind a lock (`IndexHandle.use`) and Whoosh holds the GIL, so
    a thread would add nothing but its hand-over: a queue, a wake-up of the loop and the GIL
    passed back and forth, for every search. At 32 connections that cost 12–14 % of the
    throughput. The one step that takes seconds, loading a new build, runs in a thread first
    (`IndexHandle.refresh`), so the loop keeps answering `/health` and the static files
    meanwhile; the other searches wait on the gate, a FIFO lock that costs no thread. The
    `sleep(0)` lets every request the loop has just read count as in flight (load shedding)
    before this one takes the loop.
    """
    gate: asyncio.Lock = request.app.state.index_gate
    handle: IndexHandle = request.app.state.handle
    await asyncio.sleep(0)
    async with gate:
        if handle.reload_due():
            await run_in_threadpool(handle.refresh)
        return work()
