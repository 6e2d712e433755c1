"""Beyond capacity the service says so at once (503 + Retry-After), and a storm of identical
errors is logged once per interval, not once per occurrence (issue 8, item 3)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import logging.config
import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from service.config import ServiceSettings
from service.logs import service_logging_config
from service.shedding import MESSAGE, LoadSheddingMiddleware

from ..load import run


def _scope(path: str) -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


async def _call(app: Any, path: str) -> tuple[int, dict[bytes, bytes], bytes, float]:
    started = time.perf_counter()
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(_scope(path), receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start["headers"]), body, time.perf_counter() - started


def test_requests_beyond_the_limit_get_503_with_retry_after_at_once() -> None:
    async def scenario() -> list[tuple[int, dict[bytes, bytes], bytes, float]]:
        release = asyncio.Event()

        async def slow_search(scope: Scope, receive: Receive, send: Send) -> None:
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        app = LoadSheddingMiddleware(slow_search, max_in_flight=3)
        held = [asyncio.create_task(_call(app, "/search")) for _ in range(3)]
        await asyncio.sleep(0.05)
        extra = [await _call(app, "/search"), await _call(app, "/")]
        exempt = asyncio.create_task(_call(app, "/health"))  # never shed (it waits like the others)
        await asyncio.sleep(0.05)
        assert not exempt.done()
        release.set()
        done = await asyncio.gather(*held, exempt)
        after = await _call(app, "/search")  # capacity is back
        return [*extra, *done, after]

    (shed_json, shed_page, *served, after) = run(scenario())
    # answered while the three searches still held every slot: no waiting in line
    status, headers, body, _ = shed_json
    assert status == 503 and headers[b"retry-after"] == b"1"
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body) == {"detail": "overloaded", "message": MESSAGE}
    status, headers, body, _ = shed_page
    assert status == 503 and headers[b"retry-after"] == b"1"
    assert headers[b"content-type"].startswith(b"text/html") and MESSAGE.encode() in body
    assert [s[0] for s in served] == [200, 200, 200, 200]
    assert after[0] == 200


def test_a_repeated_error_is_logged_once_per_interval() -> None:
    """The exact records asyncio (and uvloop) write when accept() runs out of descriptors, sent
    through asyncio's own exception handler and our logging configuration."""
    stream = io.StringIO()
    config = service_logging_config(ServiceSettings(log_repeat_interval=3.0))
    config["handlers"]["default"]["stream"] = stream
    logging.config.dictConfig(config)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(5_000):
            loop.call_exception_handler(
                {
                    "message": "socket.accept() out of system resource",
                    "exception": OSError(24, "Too many open files"),
                    "socket": "<asyncio.TransportSocket fd=6, family=2, laddr=('127.0.0.1', 8000)>",
                }
            )
        logging.getLogger("service.reader").warning("new index at %s not loaded: %s", "/x", "kapot")
        time.sleep(3.1)
        loop.call_exception_handler(
            {"message": "socket.accept() out of system resource", "exception": OSError(24, "x")}
        )
    finally:
        loop.close()
        logging.config.dictConfig(service_logging_config(ServiceSettings()))
    lines = [line for line in stream.getvalue().splitlines() if "ERROR" in line or "WARNING" in line]
    assert len(lines) == 3, lines
    assert "out of system resource" in lines[0] and "not loaded" in lines[1]
    assert "out of system resource [4999 more like this left out]" in lines[2]
