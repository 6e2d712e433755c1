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
    """Run `work` (which uses the index) in the thread pool, one request at a time, first come
    first served.

    The index has one searcher behind a lock (`IndexHandle.use`) and Whoosh holds the GIL, so
    a second thread adds nothing but a wait; left to the thread pool, every waiting request
    holds a thread that races for that lock and the GIL, and the lock is not fair: at 32
    connections a few requests waited ten times the median. Waiting here, on the event loop's
    FIFO lock, costs no thread; the requests still count as in flight for load shedding.
    """
    gate: asyncio.Lock = request.app.state.index_gate
    async with gate:
        return await run_in_threadpool(work)
