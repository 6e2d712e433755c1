"""HEAD on every GET route: the same status and headers as GET, without the body (RFC 9110).

Uptime monitors and link checkers send HEAD. FastAPI's `@router.get` routes answer it with 405,
so instead of declaring HEAD route by route (and forgetting it on the next one), the request
runs as GET here and the body is dropped on the way out; `Content-Length` stays that of the GET.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        # A copy: the server keeps its own scope saying HEAD, and so sends no body either.
        inner = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(inner, receive, without_body)
        finally:
            if "route" in inner:  # for the metrics: which route answered
                scope["route"] = inner["route"]
