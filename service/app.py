"""The FastAPI application: `create_app(settings)` builds it, nothing happens at import time.

    VINDPLAATS_INDEX=var/index uvicorn --factory service.app:create_app

The lifespan opens the index once; every request reuses that handle. Invalid parameters give
422 with a JSON `detail` (and a Dutch `message`); no value of `q` gives a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from .config import ServiceSettings, get_settings
from .logs import RequestLogMiddleware
from .reader import IndexHandle
from .routes import api, pages
from .security import SecurityHeadersMiddleware
from .synonyms import Synonyms

log = logging.getLogger(__name__)

FIELD_NAMES = {
    "q": "de zoekvraag (q) moet 1 tot 500 tekens lang zijn",
    "type": "type moet 'blog', 'pdf' of 'kennisbank' zijn",
    "year": "jaar (year) moet vier cijfers zijn",
    "sort": "sortering (sort) moet 'relevance' of 'date' zijn",
    "page": "pagina (page) moet een getal van 1 tot 1000 zijn",
    "per_page": "per_page moet een getal van 1 tot 50 zijn",
}


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.handle = IndexHandle(settings.index)
        app.state.synonyms = Synonyms(settings.synonyms)
        # Load the compound lexicon and synonyms now, not on a visitor's first search.
        from .highlight import Marks, snippet

        snippet("warm-up aanbestedingsprocedure", Marks.from_query("aanbesteding"))
        with app.state.handle.use() as snap:
            app.state.synonyms.table(snap.analyzer)
            log.info("serving %s (%d documents)", settings.index, len(snap.docs))
        yield
        app.state.handle.close()

    app = FastAPI(
        title="Vindplaats",
        summary="Zoeken in blogs en PDF's over maatschappelijk aanbesteden",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(RequestLogMiddleware, log_queries=settings.log_queries)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.origins or ["*"],
        allow_methods=["GET"],
        allow_credentials=False,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [str(err.get("loc", ["", ""])[-1]) for err in exc.errors()]
        messages = [FIELD_NAMES.get(f, f"ongeldige waarde voor {f}") for f in fields]
        detail = [
            {"loc": list(err.get("loc", [])), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={"detail": detail, "message": "Ongeldige zoekopdracht: " + "; ".join(messages) + "."},
        )

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
