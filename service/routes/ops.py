"""For operators and browsers rather than visitors: /metrics and /favicon.ico."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ..deps import HandleDep, SettingsDep
from ..metrics import CONTENT_TYPE, IndexFacts, exposition
from .pages import STATIC

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, handle: HandleDep, settings: SettingsDep) -> Response:
    """Prometheus text format, all workers added up. Open unless `VINDPLAATS_METRICS_TOKEN` is
    set; the nginx config in deploy/ refuses it from outside either way."""
    if settings.metrics_token:
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            raise HTTPException(401, "Token vereist.", headers={"WWW-Authenticate": "Bearer"})
    with handle.use() as snap:
        facts = IndexFacts(len(snap.docs), snap.passages, snap.info.get("built_at"))
    return Response(exposition(facts), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Our own icon (an SVG, which browsers take at this address too)."""
    return Response(
        (STATIC / "favicon.svg").read_bytes(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
