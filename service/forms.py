"""Small url-encoded request bodies (the owner's forms, click beacons), read with a size limit.

The service needs no multipart uploads, so it reads `application/x-www-form-urlencoded` (and,
for API clients reporting a click, JSON) itself instead of depending on python-multipart.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import HTTPException, Request

FORM_LIMIT = 16 * 1024


async def read_body(request: Request, limit: int = FORM_LIMIT) -> bytes:
    """The body, or 413 as soon as it grows past `limit` (a missing Content-Length included)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"Het verzoek is te groot (meer dan {limit} bytes).")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"Het verzoek is te groot (meer dan {limit} bytes).")
    return body


async def read_form(request: Request, limit: int = FORM_LIMIT) -> dict[str, str]:
    """Fields of a url-encoded (or JSON object) body; the first value of a repeated field."""
    body = await read_body(request, limit)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise HTTPException(400, "De JSON in het verzoek is ongeldig.") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "Verwacht een JSON-object.")
        return {str(k): str(v) for k, v in data.items() if v is not None}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "Het verzoek is geen geldige UTF-8.") from None
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
