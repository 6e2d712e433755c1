"""Request ids and the access log, privacy-first.

Every request gets an id (a sane incoming `X-Request-ID` from the proxy, else a new one), sent
back in the `X-Request-ID` header and attached to every log line written while it runs. The
access log names method, path, status and duration; the query string (what a visitor searched
for) is left out unless the owner sets `VINDPLAATS_LOG_QUERIES=true`. No IP addresses.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.logs import logging_config

from .config import ServiceSettings

access_log = logging.getLogger("service.access")
request_id: ContextVar[str] = ContextVar("request_id", default="")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record written during that request."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        if rid:
            record.request_id = rid
        return True


def service_logging_config(settings: ServiceSettings) -> dict[str, Any]:
    return logging_config(
        settings.log_format, settings.log_level, filters={"request_id": {"()": RequestIdFilter}}
    )


class RequestLogMiddleware:
    """Pure ASGI (no per-request task or body buffering): ids, timing, one access line."""

    def __init__(self, app: ASGIApp, log_queries: bool = False) -> None:
        self.app = app
        self.log_queries = log_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            query = scope.get("query_string", b"")
            if self.log_queries and query:
                path += "?" + query.decode("latin-1")
            access_log.info(
                "%s %s %d %.1f ms",
                scope.get("method", ""),
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )
            request_id.reset(token)
