"""A plain static web site on 127.0.0.1 (the standard library's file server), for the sitemap and
feed source: saved pages, sitemaps, robots.txt, plus 410 Gone and redirects on demand.

It answers conditional requests the way file servers do (Last-Modified / If-Modified-Since ->
304) and logs every request, so tests can tell what the sync fetched.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..servers import free_port

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>{title} – Kennisbank Samen</title>
<link rel="canonical" href="{canonical}">
<meta property="article:published_time" content="{date}T09:00:00+01:00">
<meta property="article:section" content="{category}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/menuwoordje/">Menuwoordje</a></nav></header>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer><p>Voettekstje van de kennisbank</p></footer>
</body></html>
"""

FILLER = (
    "Bewoners, ambtenaren en maatschappelijke organisaties zoeken samen naar een aanpak die past "
    "bij de wijk. Ze spreken af wie wat doet, hoe het geld wordt verdeeld en wanneer de raad "
    "hoort hoe het gaat. Zo blijft het werk dichtbij en overzichtelijk voor iedereen."
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stops reading (a sync refusing a too-large file) is no error here


class StaticSite:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.gone: set[str] = set()  # paths that answer 410 Gone
        self.broken: set[str] = set()  # paths that answer 500
        self.redirects: dict[str, str] = {}  # path -> Location
        self.unavailable: dict[str, list[str]] = {}  # path -> Retry-After values of the next 503s
        self.log: list[tuple[str, int]] = []  # (path, status) of every request
        self.user_agents: set[str] = set()
        site = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(site.root), **kwargs)

            def do_GET(self) -> None:
                site.user_agents.add(self.headers.get("User-Agent", ""))
                path = self.path.split("?")[0]
                if site.unavailable.get(path):
                    self.send_response(503)
                    self.send_header("Retry-After", site.unavailable[path].pop(0))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path in site.gone:
                    self.send_error(410)
                elif path in site.broken:
                    self.send_error(500)
                elif path in site.redirects:
                    self.send_response(302)
                    self.send_header("Location", site.redirects[path])
                    self.end_headers()
                else:
                    super().do_GET()

            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                site.log.append((self.path, int(code)))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StaticSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def write(self, path: str, data: str | bytes) -> str:
        """Put a file on the site (a newer modification time than before); returns its URL."""
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        before = target.stat().st_mtime if target.exists() else None
        target.write_bytes(data.encode() if isinstance(data, str) else data)
        if (
            before is not None
        ):  # Last-Modified has whole seconds: make the change visible to If-Modified-Since
            later = max(time.time(), before) + 5
            os.utime(target, (later, later))
        return self.url + "/" + path.lstrip("/")

    def page(self, path: str, title: str, word: str, *, canonical: str = "", extra: str = "") -> str:
        body = f"<p>Het {word} is een voorbeeld. {FILLER}</p><p>{FILLER}</p>{extra}"
        html = PAGE.format(
            title=title,
            canonical=canonical or self.url + path,
            date="2022-05-01",
            category="Praktijk",
            body=body,
        )
        return self.write(path, html)

    def sitemap(self, path: str, urls: dict[str, str], *, compressed: bool = False) -> str:
        """A urlset: url -> lastmod ("" for none)."""
        entries = "".join(
            f"<url><loc>{u}</loc>{f'<lastmod>{m}</lastmod>' if m else ''}</url>" for u, m in urls.items()
        )
        xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        return self.write(path, gzip.compress(xml.encode()) if compressed else xml)

    def sitemap_index(self, path: str, sitemaps: list[str]) -> str:
        entries = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in sitemaps)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
        return self.write(path, xml)

    def requested(self, since: int = 0) -> list[str]:
        return [path for path, _ in self.log[since:]]
