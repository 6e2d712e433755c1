"""Security headers on every response: the browser refuses what the server did not mean.

* HTML pages get a Content-Security-Policy without inline script or style (the search page
  needs none): an injected `<script>` or `onerror=` cannot run even if escaping ever failed.
  `frame-ancestors` says which sites may frame the page (`VINDPLAATS_FRAME_ANCESTORS`).
* Everything else (JSON, the widget script, PDFs) gets `default-src 'none'`: nothing a browser
  might render from it may load or run anything.
* All: `X-Content-Type-Options: nosniff`, a Referrer-Policy that never sends the search page's
  query string (what a visitor searched for) to the sites the results link to.

The API docs at /docs get the page policy too: Swagger UI is served from here and started by a
file, not an inline script. A route that sets its own CSP (the sandbox for saved pages under
/files/) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
LEGACY_FRAME_OPTIONS = {"'self'": b"SAMEORIGIN", "'none'": b"DENY"}
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.page_policy = PAGE_POLICY.format(ancestors=frame_ancestors).encode()
        # Browsers that predate frame-ancestors understand only these two.
        self.frame_options = LEGACY_FRAME_OPTIONS.get(frame_ancestors.strip())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                    html = content_type.startswith(b"text/html")
                    policy = self.page_policy if html else OTHER_POLICY.encode()
                    headers.append((b"content-security-policy", policy))
                    if html and self.frame_options:
                        headers.append((b"x-frame-options", self.frame_options))
                headers.extend(h for h in COMMON if h[0] not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
