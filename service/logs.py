"""Request ids, the access log (privacy-first), and errors logged once per interval.

Every request gets an id (a sane incoming `X-Request-ID` from the proxy, else a new one), sent
back in the `X-Request-ID` header and attached to every log line written while it runs. The
access log names method, path, status and duration; the query string (what a visitor searched
for) is left out unless the owner sets `VINDPLAATS_LOG_QUERIES=true`. No IP addresses.

A warning or error that repeats (asyncio's "socket.accept() out of system resource" when file
descriptors run out is written once per refused connection: millions of lines in minutes) is
written once per interval per message; the next one after the interval says how many were left
out ("[N more like this left out]").
"""

from __future__ import annotations

import logging
import re
import threading
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


class RateLimitFilter(logging.Filter):
    """Lets a repeated warning or error through once per `interval` seconds.

    Records are alike when logger, level and the first line of the message template match (the
    arguments, such as a peer address, and asyncio's context lines may differ). Info and debug
    lines (the access log) always pass."""

    MAX_KEYS = 1000

    def __init__(self, interval: float = 10.0) -> None:
        super().__init__()
        self.interval = interval
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # key -> (last written, left out)
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.levelno, str(record.msg).split("\n", 1)[0])
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last[0] < self.interval:
                self._seen[key] = (last[0], last[1] + 1)
                return False
            if len(self._seen) >= self.MAX_KEYS:
                self._seen.clear()
            self._seen[key] = (now, 0)
        if last is not None and last[1]:
            # On the first line, where a reader of the log sees it (tracebacks follow).
            first, newline, rest = str(record.msg).partition("\n")
            record.msg = f"{first} [{last[1]} more like this left out]{newline}{rest}"
        return True


def service_logging_config(settings: ServiceSettings) -> dict[str, Any]:
    return logging_config(
        settings.log_format,
        settings.log_level,
        filters={
            "request_id": {"()": RequestIdFilter},
            "rate_limit": {"()": RateLimitFilter, "interval": settings.log_repeat_interval},
        },
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
        method = scope.get("method", "")
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
                method,
                path,
                status,
                (time.perf_counter() - started) * 1000,
            )
            request_id.reset(token)
