"""The FastAPI application: `create_app(settings)` builds it, nothing happens at import time.

    VINDPLAATS_INDEX=var/index uvicorn --factory service.app:create_app

The lifespan opens the index once; every request reuses that handle. Invalid parameters give
422 with a JSON `detail` (and a Dutch `message`); no value of `q` gives a 5xx.

Middleware, outermost first: request id and access log; metrics; HEAD as GET; security
headers; CORS (so a shed 503 carries both, and the widget on another site can read it); load
shedding (503 + Retry-After beyond `max_in_flight`); Cache-Control. Each is pure ASGI: no
per-request task, no body buffering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .analytics import SearchLog
from .caching import CacheControlMiddleware
from .config import ServiceSettings, get_settings
from .errors import IndexUnavailable, SearchFailed
from .head import HeadAsGetMiddleware
from .logs import RequestLogMiddleware
from .metrics import MetricsMiddleware, record_reload
from .reader import IndexHandle
from .routes import api, beheer, clicks, docs, ops, pages, viewer
from .security import SecurityHeadersMiddleware
from .shedding import LoadSheddingMiddleware
from .syncer import BackgroundSync
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


API_DESCRIPTION = """Full-text search over the blog posts, pages and PDFs of the knowledge site on
*maatschappelijk aanbesteden*, with Dutch stemming, compound splitting and synonyms. A PDF
result's `url` opens the service's PDF viewer at the page of its best passage with the query's
words marked (`file_url` is the plain `…pdf#page=7`); a web page's `url` carries a text
fragment that scrolls to the passage.

Every `GET` also answers `HEAD`. Answers of `/search` and `/suggest` may be cached for 60 s.
Invalid parameters give 422 with a Dutch `message`; when a worker is at capacity it answers 503
at once with `Retry-After`. Messages meant for visitors are Dutch; this reference is English.
"""


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.handle = IndexHandle(settings.index, on_reload=record_reload)
        app.state.synonyms = Synonyms(settings.synonyms)
        app.state.search_log.start()
        # Load the compound lexicon and synonyms now, not on a visitor's first search.
        from .highlight import Marks, snippet

        snippet("warm-up aanbestedingsprocedure", Marks.from_query("aanbesteding"))
        try:
            with app.state.handle.use() as snap:
                app.state.synonyms.table(snap.analyzer)
                log.info("serving %s (%d documents)", settings.index, len(snap.docs))
        except IndexUnavailable as exc:  # start anyway: /health says why, a good build recovers
            log.error("serving %s without an index: %s", settings.index, exc)
        app.state.syncer = None
        if settings.sync_interval:
            app.state.syncer = BackgroundSync(settings)
            app.state.syncer.start()
        yield
        if app.state.syncer is not None:
            app.state.syncer.stop()
        app.state.search_log.stop()
        app.state.handle.close()

    app = FastAPI(
        title="Vindplaats",
        summary="Zoeken in blogs en PDF's over maatschappelijk aanbesteden",
        description=API_DESCRIPTION,
        version="0.2.0",
        lifespan=lifespan,
        # Our own /docs serves Swagger UI from this service (routes/docs.py); ReDoc needs a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.index_gate = asyncio.Lock()  # deps.in_turn: requests that search take turns
    # Per process (each worker runs the lifespan): its own queue and writer thread.
    app.state.search_log = SearchLog(settings.analytics_path, settings.analytics_retention_days)
    # add_middleware wraps what is there: the last one added runs first.
    app.add_middleware(CacheControlMiddleware)
    app.add_middleware(LoadSheddingMiddleware, max_in_flight=settings.max_in_flight)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.origins or ["*"],
        allow_methods=["GET", "HEAD"],
        allow_credentials=False,
    )
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestLogMiddleware, log_queries=settings.log_queries)

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
    app.include_router(viewer.router)
    app.include_router(clicks.router)
    app.include_router(beheer.router)
    app.include_router(docs.router)
    app.include_router(ops.router)
    return app
