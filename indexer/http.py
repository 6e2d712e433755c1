"""The polite HTTP client every sync request goes through (standard library only).

    fetcher = Fetcher(settings, "https://www.example.nl")
    fetcher.load_robots()
    response = fetcher.get(url, accept=JSON)   # Response(status, headers, body)

A good citizen on someone else's server:
- one site only: a URL or redirect to another host is refused (`Refused`), and only http(s);
- robots.txt is read first and obeyed (`allowed`), Crawl-delay included;
- a User-Agent naming Vindplaats and a contact URL; no cookies, no credentials, ever;
- at most `sync_concurrency` requests in flight; 429 and 503 (and 502/504) are retried after
  the server's `Retry-After` (seconds or a date) or an exponential backoff, a few times;
- a timeout on every request and a size limit on every body (gzip is accepted and inflated
  under the same limit);
- content types are checked by the callers against what they asked for (`expect`).

Transport failures (refused connection, TLS, timeout) and server errors raise `SyncError`
with one line naming the URL. 4xx answers are returned, for the caller to judge.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import IO, Any

from .config import IndexerSettings
from .errors import Refused, SyncError

VERSION = "0.2"
RETRY_STATUSES = {429, 502, 503, 504}
ATTEMPTS = 4
MAX_WAIT = 120.0  # seconds: a server that asks for a longer pause gets it from the next sync
MAX_CRAWL_DELAY = 10.0
SLOW_FACTOR = 10  # a whole body may take this many request timeouts
CHUNK = 1 << 16
JSON = ("application/json",)
HTML = ("text/html", "application/xhtml+xml")
XML = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "text/plain")
PDF = ("application/pdf",)


def host_key(url: str) -> str:
    """Host and port of a URL, lower case, without a leading "www.": one site, however linked."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{host}:{port}" if port not in (80, 443) else host


def is_web_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(slots=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Message
    body: bytes = b""
    size: int = 0  # bytes received on the wire

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def expect(self, types: tuple[str, ...]) -> None:
        """Refuse a body that is not of one of `types` (a login page where a PDF should be)."""
        if self.content_type not in types:
            raise Refused(self.url, f"served as {self.content_type or 'no content type'}, not {types[0]}")

    def json(self) -> Any:
        self.expect(JSON)
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise SyncError(f"{self.url}: malformed JSON ({exc})") from None


@dataclass(slots=True)
class Stats:
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL the fetcher would fetch itself (same site, robots.txt)."""

    def __init__(self, check: Callable[[str], None]) -> None:
        self.check = check

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        try:
            self.check(newurl)
        except Refused as exc:
            where = (
                "another site" if exc.reason == "on another site" else f"a URL we may not fetch: {exc.reason}"
            )
            raise Refused(req.full_url, f"redirects to {where} ({newurl})") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    def __init__(self, settings: IndexerSettings, site: str) -> None:
        if not is_web_url(site):
            raise SyncError(f"{site}: not an http:// or https:// URL")
        self.site = site
        self.site_key = host_key(site)
        self.timeout = settings.request_timeout
        self.max_bytes = settings.max_download_mb * 1024 * 1024
        contact = f"; +{settings.contact_url}" if settings.contact_url else ""
        self.user_agent = f"Vindplaats/{VERSION} (search index sync{contact})"
        self.stats = Stats()
        self.concurrency = settings.sync_concurrency
        self._slots = threading.BoundedSemaphore(settings.sync_concurrency)
        self._lock = threading.Lock()
        self._robots: urllib.robotparser.RobotFileParser | None = None
        self._delay = 0.0
        self._next_start = 0.0
        # No cookie jar and no auth handlers: we only ever see what an anonymous visitor sees.
        self._opener = urllib.request.build_opener(_CheckedRedirects(self.check))
        self._opener.addheaders = []

    # -- robots.txt --------------------------------------------------------------------------

    def load_robots(self) -> list[str]:
        """Read the site's robots.txt; returns the sitemaps it names."""
        url = urllib.parse.urljoin(self.site, "/robots.txt")
        parser = urllib.robotparser.RobotFileParser(url)
        response = self.get(url, check_robots=False)
        if response.status >= 500:
            raise SyncError(f"{url}: HTTP {response.status}; robots.txt must be readable before crawling")
        if response.status == 200:
            parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        else:  # none (404) or forbidden: RFC 9309 says everything is allowed
            parser.parse([])
        self._robots = parser
        delay = parser.crawl_delay(self.user_agent) or parser.crawl_delay("*")
        self._delay = min(float(delay or 0), MAX_CRAWL_DELAY)
        return [u for u in parser.site_maps() or [] if is_web_url(u)]

    def allowed(self, url: str) -> bool:
        return self._robots is None or self._robots.can_fetch(self.user_agent, url)

    def check(self, url: str) -> None:
        """Refuse a URL we must not fetch: another site, another scheme, or robots.txt says no."""
        if not is_web_url(url):
            raise Refused(url, "not an http:// or https:// URL")
        if host_key(url) != self.site_key:
            raise Refused(url, "on another site")
        if not self.allowed(url):
            raise Refused(url, "robots.txt disallows it")

    # -- requests ----------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        method: str = "GET",
        accept: tuple[str, ...] = (),
        etag: str = "",
        last_modified: str = "",
        to: IO[bytes] | None = None,
        check_robots: bool = True,
    ) -> Response:
        """GET (or HEAD, OPTIONS) `url`; conditional when `etag`/`last_modified` are given.

        With `to`, the body is written there instead of kept in memory."""
        if check_robots:
            self.check(url)
        elif host_key(url) != self.site_key:
            raise Refused(url, "on another site")
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ", ".join((*accept, "*/*;q=0.1")) if accept else "*/*",
            "Accept-Encoding": "gzip",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(ATTEMPTS):
            with self._slots:
                self._pace()
                response = self._once(url, method, headers, to)
            if response.status not in RETRY_STATUSES:
                return response
            wait = _retry_after(response.headers.get("Retry-After"), attempt)
            if attempt == ATTEMPTS - 1 or wait > MAX_WAIT:
                break
            with self._lock:
                self.stats.retries += 1
            time.sleep(wait)
        after = response.headers.get("Retry-After")
        hint = f", Retry-After {after}" if after else ""
        raise SyncError(f"{url}: HTTP {response.status} after {attempt + 1} attempts{hint}; try again later")

    def _pace(self) -> None:
        """Crawl-delay: space the starts of requests as robots.txt asks."""
        if not self._delay:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._delay
        time.sleep(start - now)

    def _once(self, url: str, method: str, headers: dict[str, str], to: IO[bytes] | None) -> Response:
        request = urllib.request.Request(url, headers=headers, method=method)
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as err:  # urllib raises for every status >= 300 it does not follow
            raw = err
        except Refused:
            raise
        except urllib.error.URLError as exc:
            raise SyncError(f"{url}: cannot connect ({_reason(exc.reason)})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise SyncError(f"{url}: {_reason(exc)}") from None
        with raw:
            status = int(raw.code)
            response = Response(raw.geturl() or url, status, raw.headers)
            self._count(status)
            try:
                # Only a 200 goes to the file; an error page is read into memory (and counted).
                response.body, response.size = self._read(raw, url, to if status == 200 else None)
            except (OSError, http.client.HTTPException) as exc:
                raise SyncError(f"{url}: {_reason(exc)} while reading the answer") from None
        return response

    def _count(self, status: int) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            if status == 304:
                self.stats.not_modified += 1

    def _read(self, raw: Any, url: str, to: IO[bytes] | None) -> tuple[bytes, int]:
        length = raw.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise Refused(url, f"too large: {int(length)} bytes, more than {self._limit_text()}")
        gzipped = (raw.headers.get("Content-Encoding") or "").lower() == "gzip"
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        kept: list[bytes] = []
        received = produced = 0
        # The timeout bounds each wait for data; this bounds the whole answer (a server that
        # trickles bytes forever).
        deadline = time.monotonic() + self.timeout * SLOW_FACTOR
        try:
            while chunk := raw.read(CHUNK):
                if time.monotonic() > deadline:
                    raise SyncError(
                        f"{url}: answer took longer than {self.timeout * SLOW_FACTOR:.0f} s to arrive"
                    )
                received += len(chunk)
                data = inflate.decompress(chunk, self.max_bytes + 1 - produced) if inflate else chunk
                produced += len(data)
                if received > self.max_bytes or produced > self.max_bytes:
                    raise Refused(url, f"too large: more than {self._limit_text()}")
                if to is not None:
                    to.write(data)
                else:
                    kept.append(data)
        except zlib.error as exc:
            raise SyncError(f"{url}: corrupt gzip body ({exc})") from None
        finally:
            with self._lock:
                self.stats.bytes += received
        return b"".join(kept), received

    def _limit_text(self) -> str:
        return f"{self.max_bytes // (1024 * 1024)} MB (VINDPLAATS_MAX_DOWNLOAD_MB)"


def _retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (delta-seconds or an HTTP date), else 1, 2, 4 s."""
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    return float(2**attempt)


def _reason(exc: object) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed in the middle of the answer"
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return f"TLS error: {text}"
    if isinstance(exc, TimeoutError) or "timed out" in text:
        return "no answer in time (VINDPLAATS_REQUEST_TIMEOUT)"
    return text


def save_path(directory: Path, url: str, n: int) -> Path:
    """A file for a downloaded copy, named after the URL's last segment (the PDF extractor's last
    resort for a title is the file name)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]) or "download"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[-100:]
    folder = directory / str(n)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / safe
