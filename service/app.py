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
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .config import ServiceSettings, get_settings
from .errors import IndexUnavailable, SearchFailed
from .logs import RequestLogMiddleware
from .reader import IndexHandle
from .routes import api, pages
from .security import SecurityHeadersMiddleware
from .synonyms import Synonyms

log = logging.getLogger(__name__)

FIELD_NAMES = {
    "q": "de zoekvraag (q) moet 1 tot 500 tekens lang zijn",
    "type": "type moet 'blog' of 'pdf' zijn",
    "year": "jaar (year) moet vier cijfers zijn",
    "sort": "sortering (sort) moet 'relevance' of 'date' zijn",
    "page": "pagina (page) moet een getal van 1 tot 1000 zijn",
    "per_page": "per_page moet een getal van 1 tot 50 zijn",
}

UNAVAILABLE = "De zoekindex is tijdelijk niet beschikbaar. Probeer het over een minuut opnieuw."
FAILED = "Zoeken lukt nu niet door een probleem met de zoekindex. Probeer het later opnieuw."
UNAVAILABLE_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Zoeken tijdelijk niet beschikbaar</title></head>
<body><main><h1>Zoeken is tijdelijk niet beschikbaar</h1><p>{message}</p>
<p><a href="/">Opnieuw proberen</a></p></main></body></html>
"""


def _unavailable(request: Request, message: str) -> Response:
    """503 with a Dutch message: JSON for the API, a page for the search page."""
    headers = {"Retry-After": "30"}
    if request.url.path == "/":
        return HTMLResponse(UNAVAILABLE_PAGE.format(message=message), status_code=503, headers=headers)
    return JSONResponse({"detail": message, "message": message}, status_code=503, headers=headers)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.handle = IndexHandle(settings.index)
        app.state.synonyms = Synonyms(settings.synonyms)
        # Load the compound lexicon and synonyms now, not on a visitor's first search.
        from .highlight import snippet

        snippet("warm-up aanbestedingsprocedure", {"aanbested"})
        try:
            with app.state.handle.use() as snap:
                app.state.synonyms.table(snap.analyzer)
                log.info("serving %s (%d documents)", settings.index, len(snap.docs))
        except IndexUnavailable as exc:  # start anyway: /health says why, a good build recovers
            log.error("serving %s without an index: %s", settings.index, exc)
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

    @app.exception_handler(IndexUnavailable)
    async def unavailable(request: Request, exc: IndexUnavailable) -> Response:
        return _unavailable(request, UNAVAILABLE)

    @app.exception_handler(SearchFailed)
    async def failed(request: Request, exc: SearchFailed) -> Response:
        return _unavailable(request, FAILED)

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
