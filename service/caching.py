"""`Cache-Control` for answers that every visitor may share for a minute.

Search answers depend only on the URL and the index, so browsers and shared caches (nginx's
micro-cache in deploy/nginx) may keep them briefly: a visitor going back to the results, or a
burst of the same popular query, costs no search. A minute keeps a new index build visible
quickly. Only successful GET/HEAD answers of the listed paths are marked; a route that sets its
own `Cache-Control` keeps it, and every other answer (errors, /files, owner pages) is left alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SHARED_MINUTE = b"public, max-age=60"
RULES = {"/search": SHARED_MINUTE, "/suggest": SHARED_MINUTE, "/": SHARED_MINUTE}


class CacheControlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = RULES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if policy is None or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", policy))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_policy)
