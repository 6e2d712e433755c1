"""The API documentation at /docs: Swagger UI served from this service, never from a CDN.

Without internet (or behind a strict firewall) a CDN-hosted /docs is a blank page, and every
visit would tell a third party who reads our docs. The assets come from the pinned
`swagger-ui-bundle-v2` package; the page has no inline script (its start-up code is
`static/docs.js`), so it runs under the same Content-Security-Policy as the search page.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from .pages import static_url

router = APIRouter()
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
# The bundle's directory name carries its version: a new version is a new URL.
VERSION = Path(str(swagger_ui_path)).name.removeprefix("swagger-ui-")


@lru_cache(maxsize=len(ASSETS))
def _asset(name: str) -> bytes:
    return (Path(str(swagger_ui_path)) / name).read_bytes()


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    openapi_url = escape(request.app.openapi_url or "/openapi.json")
    title = escape(request.app.title)
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – API</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/docs/assets/{VERSION}/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/docs/assets/{VERSION}/swagger-ui-bundle.js"></script>
<script src="{static_url("docs.js")}"></script>
</body></html>
"""
    )


@router.get("/docs/assets/{version}/{name}", include_in_schema=False)
def docs_asset(version: str, name: str) -> Response:
    if version != VERSION or name not in ASSETS:
        raise HTTPException(404, "Bestand niet gevonden.")
    return Response(
        _asset(name),
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
