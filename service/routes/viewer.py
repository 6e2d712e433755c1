"""The PDF viewer: the page at /viewer, its own script and style, PDF.js, and synced sites' PDFs.

PDF.js (npm `pdfjs-dist`, pinned in service/viewer/package.json) is copied into
service/static/pdfjs/ by `make viewer` (and the Dockerfile); it is served from here under a
versioned path, so it can be cached for good. Without that build the viewer sends the visitor
to the PDF itself at the page, which every browser can open.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse

from ..deps import HandleDep, SettingsDep, SynonymsDep
from ..pdfproxy import RemotePdfError, open_remote_pdf
from ..viewer import BadViewerFile, highlight_words, resolve_file
from .pages import TEMPLATES

log = logging.getLogger(__name__)
router = APIRouter()
STATIC = Path(__file__).resolve().parent.parent / "static"
APP_DIR = STATIC / "viewer"  # our viewer.mjs and viewer.css (committed)
PDFJS_DIR = STATIC / "pdfjs"  # PDF.js, built by `make viewer` (not committed)
MEDIA_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".bcmap": "application/octet-stream",
    ".pfb": "application/octet-stream",
    ".ttf": "font/ttf",
    ".icc": "application/vnd.iccprofile",
    ".svg": "image/svg+xml",
    ".gif": "image/gif",
}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"
# PDF.js's own SVG icons, served from our origin: they may never run script.
SVG_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
# The viewer page shows third-party documents: everything from our origin, nothing inline, no
# framing. (All HTML pages are to carry such a policy; this one needs no more than that.)
PAGE_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"}


@lru_cache(maxsize=1)
def pdfjs_version() -> str | None:
    try:
        return (PDFJS_DIR / "VERSION").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


@lru_cache(maxsize=1)
def _warn_not_built() -> None:
    log.warning("PDF.js is not built (%s is missing): run `make viewer`; PDF links open the file", PDFJS_DIR)


@lru_cache(maxsize=8)
def _digest(name: str) -> str:
    return hashlib.sha256((APP_DIR / name).read_bytes()).hexdigest()[:16]


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(100_000, int(value or 1)))
    except ValueError:
        return 1


def _error_page(request: Request, status: int, message: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "viewer.html",
        {"error": message, "title": "PDF niet gevonden"},
        status_code=status,
        headers=PAGE_HEADERS,
    )


@router.get("/viewer", include_in_schema=False)
def viewer_page(request: Request, handle: HandleDep, synonyms: SynonymsDep) -> Response:
    params = request.query_params
    q = " ".join(params.get("q", "").split())[:500]
    page = _page_number(params.get("page"))
    try:
        with handle.use() as snap:
            target = resolve_file(snap, params.get("file", ""))
            if target.doc.pages:
                page = min(page, target.doc.pages)
            words = highlight_words(snap, target.doc, page, q, synonyms) if q else []
    except BadViewerFile as exc:
        return _error_page(request, exc.status, exc.message)
    version = pdfjs_version()
    if version is None:
        _warn_not_built()
        return RedirectResponse(f"{target.original}#page={page}", status_code=307)
    doc = target.doc
    return TEMPLATES.TemplateResponse(
        request,
        "viewer.html",
        {
            "error": None,
            "title": doc.title,
            "doc": doc,
            "page": page,
            "pages": doc.pages,
            "q": q,
            "words": words,
            "pdf_src": target.pdf_src,
            "original": target.original,
            "local": target.local,
            "back": "./?" + urlencode({"q": q}) if q else "./",
            "pdfjs": f"viewer/pdfjs/{version}/",
            "script": f"viewer/static/viewer.mjs?v={_digest('viewer.mjs')}",
            "style": f"viewer/static/viewer.css?v={_digest('viewer.css')}",
        },
        headers=PAGE_HEADERS,
    )


@router.get("/viewer/pdf", include_in_schema=False)
def viewer_pdf(request: Request, handle: HandleDep, settings: SettingsDep) -> Response:
    """A synced site's PDF for the viewer (a corpus PDF is sent to /files/)."""
    try:
        with handle.use() as snap:
            target = resolve_file(snap, request.query_params.get("file", ""))
    except BadViewerFile as exc:
        return PlainTextResponse(exc.message, status_code=exc.status)
    if target.local:
        return RedirectResponse("../" + target.pdf_src, status_code=307)
    try:
        remote = open_remote_pdf(target.doc.url, settings.viewer_max_mb * 1_000_000)
    except RemotePdfError as exc:
        log.warning("viewer: %s: %s", target.doc.url, exc.message)
        return PlainTextResponse(exc.message, status_code=exc.status)
    name = target.doc.url.rsplit("/", 1)[-1] or "document.pdf"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
    }
    if remote.length is not None:
        headers["Content-Length"] = str(remote.length)
    return StreamingResponse(remote.chunks(), media_type="application/pdf", headers=headers)


def _asset(root: Path, path: str, cache: str, accept_encoding: str = "") -> Response:
    base = root.resolve()
    target = (base / path).resolve()
    media_type = MEDIA_TYPES.get(target.suffix)
    if (
        media_type is None
        or not target.is_relative_to(base)
        or any(part.startswith(".") for part in Path(path).parts)
        or not target.is_file()
    ):
        return PlainTextResponse("Bestand niet gevonden.", status_code=404)
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if media_type == "image/svg+xml":
        headers["Content-Security-Policy"] = SVG_POLICY
    packed = target.with_name(target.name + ".gz")
    if packed.is_file():  # made by build.mjs: the service does not compress on the fly
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in accept_encoding.lower():
            headers["Content-Encoding"] = "gzip"
            return FileResponse(packed, media_type=media_type, headers=headers)
    return FileResponse(target, media_type=media_type, headers=headers)


@router.get("/viewer/static/{name}", include_in_schema=False)
def viewer_asset(name: str, request: Request) -> Response:
    versioned = name in {"viewer.mjs", "viewer.css"} and request.query_params.get("v") == _digest(name)
    return _asset(APP_DIR, name, IMMUTABLE if versioned else REVALIDATE)


@router.get("/viewer/pdfjs/{version}/{path:path}", include_in_schema=False)
def pdfjs_asset(version: str, path: str, request: Request) -> Response:
    if version != pdfjs_version():
        return PlainTextResponse("Bestand niet gevonden.", status_code=404)
    return _asset(PDFJS_DIR, path, IMMUTABLE, request.headers.get("accept-encoding", ""))
