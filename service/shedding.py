"""Load shedding: beyond capacity, answer at once with 503 and `Retry-After` instead of queueing.

Each worker process searches one query at a time (one Whoosh searcher behind a lock), so every
request beyond a few waits behind the others: at 500 concurrent clients a queue of seconds
builds up and every visitor waits, and their browsers and proxies retry on top. A counter of
requests in progress, kept on the event loop (pure ASGI, no lock needed), turns the excess away
in microseconds with a Dutch message and `Retry-After`, so the requests that are accepted stay
fast. uvicorn's own `--limit-concurrency` answers a plain-text 503 without `Retry-After`; it stays
as the outer backstop, set well above this limit.

Cheap answers that do not touch the index are never shed: `/health` (a load balancer must see
the truth, whatever status the health route gives), `/metrics`, the static files and the widget.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from .metrics import get_metrics

MESSAGE = "De zoekdienst is even te druk. Probeer het over een paar seconden opnieuw."
EXEMPT_PATHS = frozenset({"/health", "/metrics", "/favicon.ico", "/widget.js"})
EXEMPT_PREFIXES = ("/static/", "/docs/assets/")
PAGE = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Even te druk</title>'
    '<meta name="robots" content="noindex"></head><body><h1>Even te druk</h1>'
    f"<p>{MESSAGE}</p></body></html>"
).encode()
JSON_BODY = json.dumps({"detail": "overloaded", "message": MESSAGE}).encode()


class LoadSheddingMiddleware:
    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after: int = 1) -> None:
        self.app = app
        self.max_in_flight = max_in_flight  # 0: never shed
        self.retry_after = str(retry_after).encode()
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self.max_in_flight
            or path in EXEMPT_PATHS
            or path.startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            get_metrics().shed.inc()
            await self._refuse(path, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, path: str, send: Send) -> None:
        page = path == "/"  # the search page: a person, not a script, reads the answer
        body = PAGE if page else JSON_BODY
        content_type = b"text/html; charset=utf-8" if page else b"application/json"
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", self.retry_after),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
