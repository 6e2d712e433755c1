"""The owner's reports from the search log: searches per day, top queries, queries without
results, queries where nobody opened a result, and CSV export.

What counts as a search: a first page (paging on is the same search), and not a keystroke that
a later search of the same box continued (see `service/analytics.py`: `replaces`). Clicks are
reported by browsers with JavaScript only (the widget, the search page), so "nobody clicked"
means: of the searches that could report one.

Reads use their own read-only connection per report, so the owner page never holds a lock the
writers of the worker processes wait for.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .analytics import site_zone

# A search that a later keystroke of the same box continued ("wijkt" -> "wijkteams", or back).
CONTINUED = """EXISTS (
    SELECT 1 FROM searches n WHERE n.replaces = s.id AND n.ts - s.ts BETWEEN 0 AND 120
    AND s.query IS NOT NULL AND n.query IS NOT NULL
    AND (substr(n.query, 1, length(s.query)) = s.query OR substr(s.query, 1, length(n.query)) = n.query))"""
COUNTED = f"s.ts >= :since AND s.page = 1 AND NOT {CONTINUED}"
CLICKED = "EXISTS (SELECT 1 FROM clicks c WHERE c.search_id = s.id)"

PER_DAY = f"""
SELECT s.day, COUNT(*), SUM(s.results = 0) FROM searches s WHERE {COUNTED} GROUP BY s.day"""
BY_QUERY = f"""
SELECT s.query, COUNT(*) AS n, SUM(s.results = 0), MAX(s.results), SUM({CLICKED}), MAX(s.ts)
FROM searches s WHERE {COUNTED} AND s.query IS NOT NULL {{where}}
GROUP BY s.query {{having}} ORDER BY n DESC, MAX(s.ts) DESC LIMIT :limit"""
TOTALS = f"""
SELECT COUNT(*), COALESCE(SUM(s.results = 0), 0), COALESCE(SUM({CLICKED}), 0),
       COALESCE(SUM(s.redacted), 0), COALESCE(SUM(s.origin = 'page'), 0)
FROM searches s WHERE {COUNTED}"""
ROWS = f"""
SELECT s.ts, s.day, s.query, s.redacted, s.results, s.mode, s.filters, s.origin,
       (SELECT COUNT(*) FROM clicks c WHERE c.search_id = s.id)
FROM searches s WHERE {COUNTED} ORDER BY s.ts"""

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class QueryRow:
    query: str
    searches: int
    without_results: int
    max_results: int
    clicked: int
    last_ts: int


@dataclass(frozen=True, slots=True)
class Day:
    day: str
    searches: int
    without_results: int


@dataclass(slots=True)
class Report:
    days: int
    available: bool  # False: no log yet (or it is off or unreadable)
    per_day: list[Day] = field(default_factory=list)
    top: list[QueryRow] = field(default_factory=list)
    zero: list[QueryRow] = field(default_factory=list)
    no_clicks: list[QueryRow] = field(default_factory=list)
    searches: int = 0
    without_results: int = 0
    clicked: int = 0
    redacted: int = 0
    error: str = ""


def _first_day(days: int, today: date | None = None) -> date:
    return (today or datetime.now(site_zone()).date()) - timedelta(days=days - 1)


def _since(days: int, today: date | None = None) -> int:
    """Start of the first day of the period, in the site's time zone."""
    first = _first_day(days, today)
    return int(datetime.combine(first, datetime.min.time(), site_zone()).timestamp())


def open_read_only(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _by_query(
    conn: sqlite3.Connection, since: int, limit: int, where: str = "", having: str = ""
) -> list[QueryRow]:
    sql = BY_QUERY.format(where=where, having=having)
    return [QueryRow(*row) for row in conn.execute(sql, {"since": since, "limit": limit})]


def report(path: Path | None, days: int = 30, limit: int = 20, today: date | None = None) -> Report:
    """Everything the owner page shows, for the last `days` days."""
    result = Report(days=days, available=False)
    if path is None:
        return result
    since = _since(days, today)
    try:
        conn = open_read_only(path)
        if conn is None:
            return result
        with closing(conn):
            result.available = True
            counts = {d: (n, z) for d, n, z in conn.execute(PER_DAY, {"since": since})}
            result.searches, result.without_results, result.clicked, result.redacted, _ = conn.execute(
                TOTALS, {"since": since}
            ).fetchone()
            result.top = _by_query(conn, since, limit)
            result.zero = _by_query(conn, since, limit, where="AND s.results = 0")
            result.no_clicks = _by_query(
                conn, since, limit, where="AND s.results > 0", having=f"HAVING SUM({CLICKED}) = 0"
            )
    except sqlite3.Error as exc:
        result.available = False
        result.error = str(exc)
        return result
    first = _first_day(days, today)
    result.per_day = [
        Day(d.isoformat(), *counts.get(d.isoformat(), (0, 0)))
        for d in (first + timedelta(days=n) for n in range(days))
    ]
    return result


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a quote before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


EXPORTS = {
    "zoekopdrachten": "alle zoekopdrachten",
    "top": "meest gezocht",
    "zonder-resultaat": "zonder resultaten",
    "zonder-klik": "niemand klikte",
}


def export(path: Path | None, kind: str, days: int = 30) -> str:
    """One CSV (`kind` from EXPORTS) for the last `days` days; headers in Dutch."""
    since = _since(days)
    conn = open_read_only(path) if path else None
    if kind == "zoekopdrachten":
        header = ["tijd", "dag", "zoekvraag", "weggelaten", "resultaten", "modus", "filters", "bron", "kliks"]
        if conn is None:
            return to_csv(header, [])
        with closing(conn):
            rows = [
                [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r[0])), *r[1:]]
                for r in conn.execute(ROWS, {"since": since})
            ]
        return to_csv(header, [list(r) for r in rows])
    header = ["zoekvraag", "zoekopdrachten", "zonder resultaten", "meeste resultaten", "met klik"]
    if conn is None:
        return to_csv(header, [])
    with closing(conn):
        if kind == "top":
            found = _by_query(conn, since, 10_000)
        elif kind == "zonder-resultaat":
            found = _by_query(conn, since, 10_000, where="AND s.results = 0")
        else:
            found = _by_query(
                conn, since, 10_000, where="AND s.results > 0", having=f"HAVING SUM({CLICKED}) = 0"
            )
    return to_csv(header, [[r.query, r.searches, r.without_results, r.max_results, r.clicked] for r in found])
