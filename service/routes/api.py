"""JSON endpoints: /search, /suggest, /documents/{id}, /documents/{id}/passages, /health.

`/search` and `/suggest` return their JSON directly: the models in `models.py` document the
answer in /docs, but validating every answer against them again cost more than the search of a
short query (measured: README, "Speed"). Tests check the answers against the models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from .. import documents, passages, search
from ..deps import HandleDep, SettingsDep, SynonymsDep
from ..links import absolute_links, public_base
from ..models import DocumentOut, HealthOut, SearchOut, SuggestOut, WithinOut

router = APIRouter()

QParam = Annotated[str, Query(min_length=1, max_length=500, description="de zoekvraag")]


@router.get("/search", response_model=SearchOut)
def search_endpoint(
    request: Request,
    q: QParam,
    handle: HandleDep,
    settings: SettingsDep,
    synonyms: SynonymsDep,
    type: Literal["blog", "pdf", "kennisbank"] | None = None,
    year: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    sort: Literal["relevance", "date"] = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    req = search.SearchRequest(q, type, year, category, tag, sort, page, per_page)
    with handle.use() as snap:
        found = search.run_search(snap, req, synonyms)
    return JSONResponse(absolute_links(found, public_base(request, settings)))


@router.get("/suggest", response_model=SuggestOut)
def suggest_endpoint(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    handle: HandleDep,
    settings: SettingsDep,
) -> JSONResponse:
    with handle.use() as snap:
        found = documents.suggest(snap, q)
    return JSONResponse(absolute_links(found, public_base(request, settings)))


@router.get("/documents/{doc_id}", response_model=DocumentOut)
def document_endpoint(
    request: Request, doc_id: str, handle: HandleDep, settings: SettingsDep
) -> dict[str, Any]:
    with handle.use() as snap:
        detail = documents.document_detail(snap, doc_id)
    if detail is None:
        raise HTTPException(404, f"Document {doc_id!r} bestaat niet.")
    return absolute_links(detail, public_base(request, settings))


@router.get("/documents/{doc_id}/passages", response_model=WithinOut)
def document_passages_endpoint(
    request: Request,
    doc_id: str,
    q: QParam,
    handle: HandleDep,
    synonyms: SynonymsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    with handle.use() as snap:
        found = passages.document_passages(snap, doc_id, q, synonyms)
    if found is None:
        raise HTTPException(404, f"Document {doc_id!r} bestaat niet.")
    return absolute_links(found, public_base(request, settings))


@router.get("/health", response_model=HealthOut)
def health(handle: HandleDep) -> dict[str, Any]:
    with handle.use() as snap:
        return {
            "status": "ok",
            "documents": len(snap.docs),
            "passages": snap.passages,
            "built_at": snap.info.get("built_at"),
        }
