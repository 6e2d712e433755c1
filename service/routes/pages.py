"""HTML and files: the search page at /, the widget script, and the corpus files."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from indexer.text import dutch_date
from indexer.urls import is_safe_link

from .. import documents, passages, search
from ..analytics import SEARCH_ID
from ..deps import HandleDep, SearchLogDep, SettingsDep, SynonymsDep
from ..metrics import record_search
from ..page_help import fewer_words, literal_query, main_themes
from ..params import clean_query, valid_year

router = APIRouter()
STATIC = Path(__file__).resolve().parent.parent / "static"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
# Saved web pages from the corpus may carry the original site's scripts: never run them.
SANDBOX = "sandbox; default-src 'none'; img-src * data:; style-src * 'unsafe-inline'"


TEMPLATES.env.filters["dutch_date"] = dutch_date
# The one check every href from the index passes at render time: an index built by an older
# version (or by hand) cannot bring a javascript: or data: link onto the page.
TEMPLATES.env.filters["safe_href"] = lambda url: url if is_safe_link(url) else ""
# Document kinds with their label on the page (and in the widget: keep both lists alike).
KINDS = {"blog": "Blog", "pdf": "PDF", "kennisbank": "Kennisbank"}
TEMPLATES.env.globals["kind_labels"] = KINDS


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request,
    handle: HandleDep,
    settings: SettingsDep,
    synonyms: SynonymsDep,
    search_log: SearchLogDep,
) -> Response:
    params = request.query_params
    q = " ".join(clean_query(params.get("q", "")).split())[:500]
    kind = params.get("type") if params.get("type") in KINDS else None
    year = valid_year(params.get("year"))
    category = params.get("category", "")[:100] or None
    tag = params.get("tag", "")[:100] or None
    sort = "date" if params.get("sort") == "date" else "relevance"
    page = _int(params.get("page"), 1, 1, 1000)
    doc_id = params.get("doc", "")[:40] or None
    per_page = 10
    data: dict[str, Any] | None = None
    within: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    search_id: str | None = None
    with handle.use() as snap:
        empty = not snap.docs  # nothing to search: the page says the index is still empty
    if q and doc_id and not empty:  # "zoek in dit document"
        with handle.use() as snap:
            within = passages.document_passages(snap, doc_id, q, synonyms, limit=50)
            document = documents.document_detail(snap, doc_id) if within else None
            themes = main_themes(snap)
        if within is not None:
            record_search("document", within["total"])
    else:
        with handle.use() as snap:
            if q and not empty:
                req = search.SearchRequest(q, kind, year, category, tag, sort, page, per_page)
                data = search.run_search(snap, req, synonyms)
            themes = main_themes(snap)
        if data is not None:
            record_search("page", data["total"])
    # `geenlog=1` (the owner page's links, or anyone who asks) records nothing.
    if data is not None and params.get("geenlog") != "1":
        replaces = params.get("replaces", "")
        search_id = search_log.search(
            q,
            data["total"],
            data["mode"],
            {
                "type": kind,
                "year": year,
                "category": category,
                "tag": tag,
                "sort": sort if sort == "date" else None,
            },
            page,
            "page",
            replaces if SEARCH_ID.match(replaces) else None,
        )
    filters = {
        "q": q,
        "type": kind,
        "year": year,
        "category": category,
        "tag": tag,
        "sort": sort,
        "doc": None,
    }

    def link(**changes: Any) -> str:
        merged = {**filters, **changes}
        query = {k: v for k, v in merged.items() if v not in (None, "", "relevance", 1)}
        return "/?" + urlencode(query)

    pages = 0
    if data:
        pages = min(1000, (data["total"] + per_page - 1) // per_page)
    ran_query = data.get("ran_query") if data else None
    return TEMPLATES.TemplateResponse(
        request,
        "search.html",
        {
            "q": q,
            "data": data,
            "search_id": search_id,
            "ran_query": ran_query,
            "literal_q": literal_query(q, ran_query),
            "unknown_words": list((data or {}).get("unknown_words") or []),
            "fewer": fewer_words(q) if data is not None and not data["total"] else [],
            "themes": themes,
            "past_end": bool(data and data["total"] and page > pages),
            "within": within,
            "doc_missing": bool(doc_id and within is None),
            "document": document,
            "filters": filters,
            "link": link,
            "page": page,
            "pages": pages,
            "widget_url": widget_url(),
            "empty": empty,
        },
    )


MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, str] | None:
    """A file of service/static (no subfolders, no hidden files), with its content hash."""
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in MEDIA_TYPES or not path.is_file():
        return None
    body = path.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


def static_url(name: str) -> str:
    asset = _asset(name)
    return f"/static/{name}?v={asset[1]}" if asset else f"/static/{name}"


TEMPLATES.env.globals["static_url"] = static_url


def widget_url() -> str:
    return static_url("widget.js").replace("/static/widget.js", "/widget.js")


def _serve_asset(request: Request, name: str) -> Response:
    asset = _asset(name)
    if asset is None:
        raise HTTPException(404, "Bestand niet gevonden.")
    body, digest = asset
    etag = f'"{digest}"'
    versioned = request.query_params.get("v") == digest
    headers = {
        "ETag": etag,
        # A versioned URL never changes content; the plain URL must be revalidated (cheap 304).
        "Cache-Control": "public, max-age=31536000, immutable"
        if versioned
        else "public, max-age=300, must-revalidate",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[Path(name).suffix], headers=headers)


@router.get("/widget.js", include_in_schema=False)
def widget(request: Request) -> Response:
    return _serve_asset(request, "widget.js")


@router.get("/static/{name}", include_in_schema=False)
def static_file(request: Request, name: str) -> Response:
    return _serve_asset(request, name)


@router.get("/files/{path:path}", include_in_schema=False)
def corpus_file(path: str, handle: HandleDep, settings: SettingsDep) -> Response:
    """A corpus file that is the link target of an indexed document (a PDF, a note without a
    URL of its own). Nothing else: a WXR export holds drafts and private posts, and saved pages
    have their own canonical address."""
    with handle.use() as snap:
        root = settings.corpus or Path(str(snap.info.get("corpus_dir", "corpus")))
        served = snap.served_sources
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        # No corpus file is named so (the indexer skips such names), and a NUL would make the
        # path functions below raise.
        raise HTTPException(404, "Bestand niet gevonden.")
    base = root.resolve()
    target = (base / path).resolve()
    if (
        path not in served
        or not target.is_relative_to(base)
        or not target.is_file()
        or any(part.startswith(".") for part in target.relative_to(base).parts)
    ):
        raise HTTPException(404, "Bestand niet gevonden.")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    headers = {"X-Content-Type-Options": "nosniff"}
    if media_type in {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}:
        headers["Content-Security-Policy"] = SANDBOX
    if media_type == "text/markdown" or target.suffix == ".md":
        media_type = "text/plain; charset=utf-8"
    return FileResponse(target, media_type=media_type, headers=headers, content_disposition_type="inline")
