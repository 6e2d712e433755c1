"""POST /api/click: a browser reports which result a visitor opened (navigator.sendBeacon).

The body is url-encoded (a CORS-safelisted type, so a widget on another site needs no
preflight) or JSON: `search_id` (from the search answer), `position` (1-based over all pages),
`result_id` and `url`. Nothing about the visitor is read or kept; see service/analytics.py.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request, Response

from indexer.urls import is_safe_link

from ..analytics import SEARCH_ID
from ..deps import SearchLogDep
from ..forms import read_form

router = APIRouter()

RESULT_ID = re.compile(r"^[\w:.-]{1,64}$")
MAX_URL = 2000


@router.post(
    "/api/click",
    status_code=204,
    summary="Report an opened result",
    description=(
        "Sent by the search page and the widget with `navigator.sendBeacon` when a visitor opens a "
        "result. Fields (url-encoded or JSON): `search_id` (required, from the /search answer), "
        "`position` (1-based), `result_id`, `url`. Answers 204; 422 names a bad field."
    ),
    responses={422: {"description": "a field is missing or invalid (Dutch `detail`)"}},
)
async def click(request: Request, search_log: SearchLogDep) -> Response:
    form = await read_form(request, limit=4096)
    search_id = form.get("search_id", "")
    if not SEARCH_ID.match(search_id):
        raise HTTPException(422, "search_id ontbreekt of is ongeldig (16 hexadecimale tekens).")
    position_text = form.get("position", "")
    if position_text and not (position_text.isdigit() and 1 <= int(position_text) <= 50_000):
        raise HTTPException(
            422, f"position moet een getal van 1 tot 50000 zijn, niet {position_text[:20]!r}."
        )
    result_id = form.get("result_id", "") or None
    if result_id and not RESULT_ID.match(result_id):
        raise HTTPException(422, "result_id is ongeldig (1 tot 64 letters, cijfers of _:.-).")
    url = form.get("url", "") or None
    if url and (len(url) > MAX_URL or not is_safe_link(url)):
        raise HTTPException(422, "url moet een http(s)-adres of een pad op deze site zijn.")
    search_log.click(search_id, int(position_text) if position_text else None, result_id, url)
    return Response(status_code=204)
