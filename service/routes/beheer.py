"""The owner page /beheer: what visitors look for, the index's state, synonyms, CSV export.

Off (404 everywhere) unless `VINDPLAATS_ADMIN_TOKEN` is set; see `service/owner_auth.py` for
the login, the cookie and CSRF. Every answer is `no-store` and `noindex`.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from indexer.text import MONTHS_NL

from .. import insights
from ..analytics import site_zone
from ..chart import bar_chart
from ..deps import HandleDep, SettingsDep
from ..errors import BadSynonym
from ..forms import read_form
from ..owner_auth import (
    csrf_token,
    csrf_valid,
    is_owner,
    log_in,
    log_out,
    same_site,
    token_matches,
)
from ..reader import Snapshot
from ..synonym_edit import append_group, check_group
from .pages import TEMPLATES

router = APIRouter(prefix="/beheer", include_in_schema=False)

PERIODS = (7, 30, 90, 180)
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
# build.json keys shown on their own; any others (a sync's state, say) are listed as they are.
KNOWN_INFO = {"schema_version", "built_at", "corpus_dir", "documents", "passages", "pdf_pages", "sources"}


def dutch_moment(value: Any) -> str:
    """A unix time or an ISO timestamp as "1 december 2026, 10:00" in the site's time zone."""
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, site_zone())
        else:
            moment = datetime.fromisoformat(str(value)).astimezone(site_zone())
    except (ValueError, OverflowError, OSError):
        return str(value)
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M}"


TEMPLATES.env.filters["dutch_moment"] = dutch_moment


def _token(settings: Any) -> str:
    token: str = settings.admin_token
    if not token:
        raise HTTPException(404, "Niet gevonden.")
    return token


def _days(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) in PERIODS else 30


def index_status(snap: Snapshot) -> dict[str, Any]:
    """What the served build says about itself (build.json), skipped files with their reasons."""
    info = snap.info
    files: list[tuple[str, str]] = []
    parts: list[tuple[str, str]] = []
    for source, entry in sorted((info.get("sources") or {}).items()):
        for skipped, reason in entry.get("skips", []) if isinstance(entry, dict) else []:
            (files if skipped == source else parts).append((str(skipped), str(reason)))
    extra = {
        key: value
        for key, value in info.items()
        if key not in KNOWN_INFO and isinstance(value, str | int | float | bool)
    }
    return {
        "built_at": info.get("built_at"),
        "documents": info.get("documents", len(snap.docs)),
        "passages": info.get("passages", snap.passages),
        "pdf_pages": info.get("pdf_pages"),
        "kinds": Counter(d.kind for d in snap.docs.values()).most_common(),
        "skipped_files": files,
        "skipped_parts": parts,
        "part_reasons": Counter(reason for _, reason in parts).most_common(),
        "extra": extra,
        "path": str(snap.path),
    }


def _synonym_lines(settings: Any) -> list[str]:
    try:
        text = settings.synonyms.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _page(
    request: Request,
    settings: Any,
    handle: HandleDep,
    status: int = 200,
    **extra: Any,
) -> Response:
    token = _token(settings)
    chosen = extra.pop("days", None)
    days = _days(chosen or request.query_params.get("dagen"))
    path = settings.analytics_path
    report = insights.report(path, days)
    with handle.use() as snap:
        status_info = index_status(snap)
    context = {
        "report": report,
        "chart": bar_chart(report.per_day),
        "days": days,
        "periods": PERIODS,
        "analytics_on": path is not None,
        "index": status_info,
        "synonym_lines": _synonym_lines(settings),
        "synonyms_path": str(settings.synonyms),
        "csrf_synonym": csrf_token(token, "synoniem"),
        "csrf_logout": csrf_token(token, "uitloggen"),
        "exports": insights.EXPORTS,
        "retention_days": settings.analytics_retention_days,
        "added": request.query_params.get("toegevoegd", "")[:300],
        "error": "",
        "entered": {},
        **extra,
    }
    return TEMPLATES.TemplateResponse(request, "beheer.html", context, status_code=status, headers=PRIVATE)


def _login_page(request: Request, error: str = "", status: int = 401) -> Response:
    headers = {**PRIVATE, "WWW-Authenticate": 'Bearer realm="beheer"'}
    return TEMPLATES.TemplateResponse(
        request, "beheer_login.html", {"error": error}, status_code=status, headers=headers
    )


@router.get("")
def owner_page(request: Request, settings: SettingsDep, handle: HandleDep) -> Response:
    if not is_owner(request, _token(settings)):
        return _login_page(request)
    return _page(request, settings, handle)


@router.post("/inloggen")
async def login(request: Request, settings: SettingsDep) -> Response:
    token = _token(settings)
    if not same_site(request, settings.public_url):
        raise HTTPException(403, "Dit formulier kan alleen vanaf deze site worden verstuurd.")
    form = await read_form(request)
    if not token_matches(token, form.get("token", "")):
        return _login_page(request, "Dit token klopt niet.")
    response = RedirectResponse("/beheer", status_code=303, headers=PRIVATE)
    log_in(request, response, token)
    return response


async def _owner_form(request: Request, settings: Any, purpose: str) -> dict[str, str]:
    """The fields of an owner's POST form, after the login, origin and CSRF checks."""
    token = _token(settings)
    if not is_owner(request, token):
        raise HTTPException(401, "Log eerst in op /beheer.")
    if not same_site(request, settings.public_url):
        raise HTTPException(403, "Dit formulier kan alleen vanaf deze site worden verstuurd.")
    form = await read_form(request)
    if not csrf_valid(token, purpose, form.get("csrf", "")):
        raise HTTPException(403, "Het formulier is verlopen of niet van deze pagina: laad /beheer opnieuw.")
    return form


@router.post("/uitloggen")
async def logout(request: Request, settings: SettingsDep) -> Response:
    await _owner_form(request, settings, "uitloggen")
    response = RedirectResponse("/beheer", status_code=303, headers=PRIVATE)
    log_out(request, response)
    return response


@router.post("/synoniem")
async def add_synonym(request: Request, settings: SettingsDep, handle: HandleDep) -> Response:
    form = await _owner_form(request, settings, "synoniem")
    days = _days(form.get("dagen"))
    expressions = [form.get("zoekvraag", ""), *form.get("synoniemen", "").split(",")]

    def add() -> str:
        with handle.use() as snap:
            analyzer = snap.analyzer
        return append_group(settings.synonyms, check_group(expressions, analyzer))

    try:
        line = await run_in_threadpool(add)
    except BadSynonym as exc:
        entered = {"zoekvraag": form.get("zoekvraag", ""), "synoniemen": form.get("synoniemen", "")}
        return await run_in_threadpool(
            _page, request, settings, handle, 400, days=str(days), error=str(exc), entered=entered
        )
    target = "/beheer?" + urlencode({"dagen": days, "toegevoegd": line})
    return RedirectResponse(target, status_code=303, headers=PRIVATE)


@router.get("/export.csv")
def export_csv(request: Request, settings: SettingsDep) -> Response:
    if not is_owner(request, _token(settings)):
        raise HTTPException(401, "Log eerst in op /beheer.")
    kind = request.query_params.get("soort", "zoekopdrachten")
    if kind not in insights.EXPORTS:
        raise HTTPException(404, f"Onbekende export {kind!r}; kies uit: {', '.join(insights.EXPORTS)}.")
    days = _days(request.query_params.get("dagen"))
    try:
        text = insights.export(settings.analytics_path, kind, days)
    except sqlite3.Error as exc:
        raise HTTPException(503, f"Het zoeklogboek is nu niet leesbaar: {exc}") from exc
    name = f"vindplaats-{kind}-{date.today().isoformat()}-{days}d.csv"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    # The byte order mark makes Excel read the file as UTF-8 (accents in Dutch queries).
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers=headers)
