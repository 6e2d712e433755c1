"""Links in answers: the index stores our own files as `/files/…` paths; answers carry them
absolute, so the search box on another site links back here, wherever the service now runs.

The base is `VINDPLAATS_PUBLIC_URL` when set (recommended behind a proxy), else the address the
request came in on: Host header, and the scheme from `X-Forwarded-Proto` when the proxy is one of
`VINDPLAATS_TRUSTED_PROXIES` (uvicorn's proxy-headers handling).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from indexer.urls import is_safe_link

from .config import ServiceSettings

LINK_KEYS = frozenset({"url", "document_url", "file_url", "viewer_url"})


def public_base(request: Request, settings: ServiceSettings) -> str:
    if settings.public_url:
        return settings.public_url
    return str(request.base_url).rstrip("/")


def absolute_links(data: dict[str, Any], base: str) -> dict[str, Any]:
    out: dict[str, Any] = _walk(data, base)
    return out


def _walk(data: Any, base: str) -> Any:
    """`data` with every own path under a link key made absolute; any other link that is not
    http(s) becomes "" (clients show no link), so an old index cannot bring one back."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in LINK_KEYS and isinstance(value, str):
                if not is_safe_link(value):
                    out[key] = ""
                elif value.startswith("/"):
                    out[key] = base + value
                else:
                    out[key] = value
            else:
                out[key] = _walk(value, base)
        return out
    if isinstance(data, list):
        return [_walk(item, base) for item in data]
    return data
