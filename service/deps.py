"""FastAPI dependencies as `Annotated` aliases, so route signatures stay short."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .analytics import SearchLog
from .config import ServiceSettings
from .reader import IndexHandle
from .synonyms import Synonyms


def _settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def _handle(request: Request) -> IndexHandle:
    handle: IndexHandle = request.app.state.handle
    return handle


def _synonyms(request: Request) -> Synonyms:
    synonyms: Synonyms = request.app.state.synonyms
    return synonyms


def _search_log(request: Request) -> SearchLog:
    search_log: SearchLog = request.app.state.search_log
    return search_log


SettingsDep = Annotated[ServiceSettings, Depends(_settings)]
HandleDep = Annotated[IndexHandle, Depends(_handle)]
SynonymsDep = Annotated[Synonyms, Depends(_synonyms)]
SearchLogDep = Annotated[SearchLog, Depends(_search_log)]
