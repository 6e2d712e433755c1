"""A synced site's PDF, fetched for the viewer: only indexed URLs, same host, PDFs, size-limited.

Why the service fetches it instead of the browser: the viewer page runs under a strict
Content-Security-Policy (`default-src 'self'`, so `connect-src` is our own origin only), and a
WordPress site sends no CORS headers for its uploads, so a direct fetch would be refused twice.
This is not an open proxy: the caller passes only the URL of a PDF document of the index
(`viewer.resolve_file`), redirects are followed only on the same host and scheme, no visitor
header or cookie is passed on, the answer must start like a PDF, and it stops at `max_bytes`.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import Any
from urllib.parse import urlsplit

from .errors import ServiceError

CHUNK = 64 * 1024
USER_AGENT = "Vindplaats-viewer/0.1 (PDF for the search service's viewer)"


class RemotePdfError(ServiceError):
    """The site's PDF could not be fetched; `message` is Dutch, `status` is for the visitor."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (new.scheme, new.hostname, new.port) != (old.scheme, old.hostname, old.port):
            raise RemotePdfError(502, "De site stuurt de PDF door naar een ander adres; dat volgen we niet.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass(slots=True)
class RemotePdf:
    first: bytes
    response: HTTPResponse
    length: int | None
    max_bytes: int

    def chunks(self) -> Iterator[bytes]:
        """The whole file; stops (truncating it) past max_bytes when the site lied about its size."""
        sent = len(self.first)
        try:
            yield self.first
            while sent < self.max_bytes:
                chunk = self.response.read(min(CHUNK, self.max_bytes - sent))
                if not chunk:
                    break
                sent += len(chunk)
                yield chunk
        finally:
            self.response.close()


def open_remote_pdf(url: str, max_bytes: int, timeout: float = 20.0) -> RemotePdf:
    """Start fetching `url` (an indexed PDF's URL); errors become RemotePdfError."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise RemotePdfError(400, "Alleen http- en https-adressen.")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/pdf"})
    try:
        response: HTTPResponse = urllib.request.build_opener(_SameHostRedirects()).open(
            request, timeout=timeout
        )
    except urllib.error.HTTPError as exc:
        exc.close()
        status = 404 if exc.code in {404, 410} else 502
        raise RemotePdfError(status, f"De site gaf foutcode {exc.code} voor deze PDF.") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RemotePdfError(502, f"De site is niet bereikbaar ({exc}).") from None
    try:
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if length is not None and length > max_bytes:
            raise RemotePdfError(
                502, f"De PDF is groter dan {max_bytes // 1_000_000} MB; open het originele bestand."
            )
        first = response.read(min(CHUNK, max_bytes))
        if b"%PDF-" not in first[:1024]:  # readers accept a little junk before the header
            raise RemotePdfError(502, "Het bestand op de site is geen PDF (meer).")
    except RemotePdfError:
        response.close()
        raise
    except OSError as exc:
        response.close()
        raise RemotePdfError(502, f"De PDF kon niet worden gelezen ({exc}).") from None
    return RemotePdf(first, response, length, max_bytes)
