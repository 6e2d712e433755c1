"""JSON endpoints: /search, /suggest, /documents/{id}, /documents/{id}/passages, /health.

`/search` and `/suggest` return their JSON directly: the models in `models.py` document the
answer in /docs, but validating every answer against them again cost more than the search of a
short query (measured: README, "Speed"). Tests check the answers against the models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from .. import documents, passages, search
from ..deps import HandleDep, SearchLogDep, SettingsDep, SynonymsDep, in_turn
from ..links import absolute_links, public_base
from ..metrics import record_search
from ..models import (
    BUSY,
    INVALID,
    NOT_FOUND,
    DocumentOut,
    HealthOut,
    SearchOut,
    SuggestOut,
    WithinOut,
)
from ..params import PrefixParam, QParam, YearParam

router = APIRouter()

DocId = Annotated[str, Path(description="a document id from a search result", examples=["3f9a2c41d0b7e815"])]


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search documents",
    responses={**INVALID, **BUSY},
)
async def search_endpoint(
    request: Request,
    q: QParam,
    handle: HandleDep,
    settings: SettingsDep,
    synonyms: SynonymsDep,
    search_log: SearchLogDep,
    type: Annotated[
        Literal["blog", "pdf", "kennisbank"] | None,
        Query(description="only web pages (blog), only PDFs (pdf) or only knowledge-base notes (kennisbank)"),
    ] = None,
    year: YearParam = None,
    category: Annotated[
        str | None, Query(max_length=100, description="only this category", examples=["Wmo"])
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=100, description="only this tag", examples=["wijkteams"])
    ] = None,
    sort: Annotated[
        Literal["relevance", "date"], Query(description="best match first, or newest first")
    ] = "relevance",
    page: Annotated[int, Query(ge=1, le=1000, description="page of results, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=50, description="results per page")] = 10,
    replaces: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9a-f]{16}$",
            description="search_id of the previous search of a search-as-you-type box (the log counts one)",
        ),
    ] = None,
) -> JSONResponse:
    """One result per document, best first, with its best passages (a PDF's with their page)
    and facet counts. When too few documents hold every word, documents with some of them
    follow (`mode` = "any"); an unknown word is corrected (`ran_query`, `suggestion`)."""
    req = search.SearchRequest(q, type, year, category, tag, sort, page, per_page)
    base = public_base(request, settings)

    def answer() -> JSONResponse:
        with handle.use() as snap:
            found = search.run_search(snap, req, synonyms)
        filters = {
            "type": type,
            "year": year,
            "category": category,
            "tag": tag,
            "sort": sort if sort == "date" else None,
        }
        found["search_id"] = search_log.search(
            q, found["total"], found["mode"], filters, page, "api", replaces
        )
        record_search("api", found["total"])
        return JSONResponse(absolute_links(found, base))

    return await in_turn(request, answer)


@router.get(
    "/suggest",
    response_model=SuggestOut,
    summary="Search as you type",
    responses={**INVALID, **BUSY},
)
async def suggest_endpoint(
    request: Request, q: PrefixParam, handle: HandleDep, settings: SettingsDep
) -> JSONResponse:
    """Titles that match what was typed (with their URL) and completions of the last word."""
    base = public_base(request, settings)

    def answer() -> JSONResponse:
        with handle.use() as snap:
            found = documents.suggest(snap, q)
        return JSONResponse(absolute_links(found, base))

    return await in_turn(request, answer)


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    summary="One document",
    responses={**NOT_FOUND, **INVALID, **BUSY},
)
def document_endpoint(
    request: Request, doc_id: DocId, handle: HandleDep, settings: SettingsDep
) -> dict[str, Any]:
    """Metadata and every passage of one document (for a PDF: its pages)."""
    with handle.use() as snap:
        detail = documents.document_detail(snap, doc_id)
    if detail is None:
        raise HTTPException(404, f"Document {doc_id!r} bestaat niet.")
    return absolute_links(detail, public_base(request, settings))


@router.get(
    "/documents/{doc_id}/passages",
    response_model=WithinOut,
    summary="Search within one document",
    responses={**NOT_FOUND, **INVALID, **BUSY},
)
def document_passages_endpoint(
    request: Request,
    doc_id: DocId,
    q: QParam,
    handle: HandleDep,
    synonyms: SynonymsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Every passage of one document that matches the query, best first, with its page link."""
    with handle.use() as snap:
        found = passages.document_passages(snap, doc_id, q, synonyms)
    if found is None:
        raise HTTPException(404, f"Document {doc_id!r} bestaat niet.")
    record_search("document", found["total"])
    return absolute_links(found, public_base(request, settings))


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Is the index served?",
    responses={503: {"model": HealthOut, "description": "degraded: searches fail or the index is damaged"}},
)
def health(handle: HandleDep) -> JSONResponse:
    """A real probe query on the served index; 503 with the reason when searches cannot be trusted
    (for load balancers and uptime monitors; HEAD works too)."""
    state = handle.health()
    snap = state.snapshot
    body = HealthOut(
        status="ok" if state.ok else "degraded",
        documents=len(snap.docs) if snap else 0,
        passages=snap.passages if snap else 0,
        built_at=snap.info.get("built_at") if snap else None,
        reason=state.reason,
    )
    return JSONResponse(body.model_dump(), status_code=200 if state.ok else 503)
