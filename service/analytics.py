"""The search log: what visitors look for, kept privacy-first (AVG/GDPR) in SQLite.

What is recorded per search: the time, the query normalised (accents folded, lower case,
whitespace collapsed), the result count, the mode, the filters, the page, where it came from
(the search page or the API, which the widget uses) and a random id. Per opened result: that
id, the result's position, id and URL. Nothing else: no IP address, no cookie, no user agent,
no visitor id. The search id links a click to its search, never two searches to one visitor,
with one exception that exists to keep the counts honest: a search box that searches as you
type sends the id of its previous search (`replaces`), and the owner's reports leave out a
search that a later one continued ("wijkt" → "wijkteams"), so one visitor's keystrokes count
as one search.

A query that looks like personal data (an e-mail address, a phone number, a BSN-like number,
a postcode with a house number, an IBAN) is stored without its text (`query` NULL,
`redacted` 1): the search still counts, the personal data never reaches the disk.

Writes never slow or fail a search: `SearchLog.search()` puts an event on a queue and returns;
one writer thread per process takes what has piled up (it waits a quarter second after the
first event, so a busy site wakes it four times a second) and writes it in one short transaction
(`BEGIN IMMEDIATE`, WAL mode, a busy timeout), so several worker processes share the file
safely. A locked, read-only or corrupt database is retried a few times and then logged; the
events of that batch are dropped, the service goes on. Rows older than the retention period
are deleted when the writer starts and every hour after.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from indexer.text import fold

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id TEXT PRIMARY KEY,
    ts INTEGER NOT NULL,
    day TEXT NOT NULL,
    query TEXT,
    redacted INTEGER NOT NULL DEFAULT 0,
    results INTEGER NOT NULL,
    mode TEXT NOT NULL,
    filters TEXT NOT NULL,
    page INTEGER NOT NULL,
    origin TEXT NOT NULL,
    replaces TEXT
);
CREATE INDEX IF NOT EXISTS searches_ts ON searches (ts);
CREATE INDEX IF NOT EXISTS searches_query ON searches (query);
CREATE INDEX IF NOT EXISTS searches_replaces ON searches (replaces);
CREATE TABLE IF NOT EXISTS clicks (
    search_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    position INTEGER,
    result_id TEXT,
    url TEXT
);
CREATE INDEX IF NOT EXISTS clicks_search ON clicks (search_id);
CREATE INDEX IF NOT EXISTS clicks_ts ON clicks (ts);
"""
INSERT_SEARCH = (
    "INSERT OR IGNORE INTO searches"
    " (id, ts, day, query, redacted, results, mode, filters, page, origin, replaces)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CLICK = "INSERT INTO clicks (search_id, ts, position, result_id, url) VALUES (?, ?, ?, ?, ?)"
# A query typed on into personal data ("06 1234" -> "06 12345678") loses the text of the
# searches it continued too. Rows of other processes may be written in either order, so this
# runs for a redacted search's predecessors and for a new search with a redacted successor.
REDACT_CHAIN = """
WITH RECURSIVE chain(id) AS (
    SELECT ?
    UNION SELECT s.replaces FROM searches s JOIN chain ON s.id = chain.id WHERE s.replaces IS NOT NULL
)
UPDATE searches SET query = NULL, redacted = 1 WHERE id IN chain AND query IS NOT NULL
"""
REDACTED_SUCCESSOR = "SELECT 1 FROM searches WHERE replaces = ? AND redacted = 1 LIMIT 1"

SEARCH_ID = re.compile(r"^[0-9a-f]{16}$")
TIMEZONE = "Europe/Amsterdam"  # the site's visitors: "per day" means a Dutch day
BATCH = 1000
# After its first event the writer waits this long for more: one transaction and one thread
# wake-up per batch, not per search (a wake-up per search took the GIL from the searches).
WRITE_DELAY = 0.25
QUEUE_LIMIT = 20_000  # events held while the database is unavailable; more are dropped
ATTEMPTS = 3
PRUNE_EVERY = 3600.0

# Personal data a visitor may paste into a search box. Years ("2014 2015 2016") are not phones.
_EMAIL = re.compile(r"[^\s@]@")  # also a half-typed address: nobody searches the site for "@"
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_YEARS = re.compile(r"^(?:(?:19|20)\d\d[\s.-]*)+$")
_POSTCODE_HOUSE = re.compile(r"\b\d{4}\s?[a-z]{2}\s+\d{1,5}\b")
_IBAN = re.compile(r"\b[a-z]{2}\d{2}\s?[a-z]{4}(?:\s?\d){10}\b")


def normalise_query(text: str) -> str:
    """How queries are grouped: "  Sociaal   Domein " and "sociaal domein" are one query."""
    return " ".join(fold(text).lower().split())[:500]


def looks_personal(query: str) -> bool:
    """True for a normalised query with an e-mail address, phone, BSN-like number, IBAN or address."""
    if _EMAIL.search(query) or _POSTCODE_HOUSE.search(query) or _IBAN.search(query):
        return True
    for run in _DIGIT_RUN.findall(query):
        digits = sum(ch.isdigit() for ch in run)
        if digits >= 9 and not _YEARS.match(run.strip()):
            return True
    return False


def new_search_id() -> str:
    return secrets.token_hex(8)


def site_zone() -> tzinfo:
    try:
        return ZoneInfo(TIMEZONE)
    except ZoneInfoNotFoundError:  # a slim image without tzdata: UTC days are close enough
        return UTC


@dataclass(frozen=True, slots=True)
class SearchEvent:
    id: str
    ts: float
    query: str
    results: int
    mode: str
    filters: dict[str, str]
    page: int
    origin: str
    replaces: str | None


@dataclass(frozen=True, slots=True)
class ClickEvent:
    search_id: str
    ts: float
    position: int | None
    result_id: str | None
    url: str | None


_STOP = object()


def connect(path: Path, busy_timeout: float = 5.0) -> sqlite3.Connection:
    """A connection for this thread, the schema in place, WAL mode on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, SCHEMA.split(";")):
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        conn.close()
        raise
    return conn


class SearchLog:
    """One process's writer: `search()` and `click()` enqueue, a thread writes."""

    def __init__(
        self,
        path: Path | None,
        retention_days: int = 180,
        busy_timeout: float = 5.0,
        retry_pause: float = 0.5,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.busy_timeout = busy_timeout
        self.retry_pause = retry_pause
        self.dropped = 0
        self._queue: queue.Queue[object] = queue.Queue(QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # cuts the writer's WRITE_DELAY short
        self._zone = site_zone()

    @property
    def enabled(self) -> bool:
        return self.path is not None

    # --- the request side: never blocks, never raises --------------------------------------

    def search(
        self,
        query: str,
        results: int,
        mode: str,
        filters: dict[str, Any],
        page: int,
        origin: str,
        replaces: str | None = None,
    ) -> str | None:
        """Record a search; returns its id (for clicks), or None when the log is off."""
        if not self.enabled:
            return None
        event = SearchEvent(
            id=new_search_id(),
            ts=time.time(),
            query=normalise_query(query),
            results=int(results),
            mode=str(mode),
            filters={k: str(v) for k, v in sorted(filters.items()) if v not in (None, "")},
            page=int(page),
            origin=origin,
            replaces=replaces if replaces and SEARCH_ID.match(replaces) else None,
        )
        self._put(event)
        return event.id

    def click(self, search_id: str, position: int | None, result_id: str | None, url: str | None) -> None:
        if self.enabled:
            self._put(ClickEvent(search_id, time.time(), position, result_id, url))

    def _put(self, event: object) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("search log queue full: %d events dropped so far", self.dropped)

    # --- the writer thread -----------------------------------------------------------------

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="search-log", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        if self._thread is None:
            return
        self._stopping.set()
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("search log writer did not finish within %.0f s", timeout)
        self._thread = None

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        next_prune = 0.0
        stopping = False
        while not stopping:
            try:
                # An idle site is pruned too: wake up when the next prune is due.
                batch = [self._queue.get(timeout=max(1.0, next_prune - time.monotonic()))]
            except queue.Empty:
                batch = []
            if batch and batch[0] is not _STOP and self._queue.qsize() < BATCH:
                self._stopping.wait(WRITE_DELAY)
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = any(e is _STOP for e in batch)
            events = [e for e in batch if e is not _STOP]
            if events:
                conn = self._write(conn, events)
            if time.monotonic() >= next_prune:
                conn = self._prune(conn)
                next_prune = time.monotonic() + PRUNE_EVERY
        if conn is not None:
            conn.close()

    def _connection(self, conn: sqlite3.Connection | None) -> sqlite3.Connection:
        assert self.path is not None
        return conn or connect(self.path, self.busy_timeout)

    def _write(self, conn: sqlite3.Connection | None, events: list[object]) -> sqlite3.Connection | None:
        searches = [e for e in events if isinstance(e, SearchEvent)]
        clicks = [e for e in events if isinstance(e, ClickEvent)]
        for attempt in range(1, ATTEMPTS + 1):
            try:
                conn = self._connection(conn)
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(INSERT_SEARCH, [self._search_row(e) for e in searches])
                    self._redact_chains(conn, searches)
                    conn.executemany(
                        INSERT_CLICK,
                        [(c.search_id, int(c.ts), c.position, c.result_id, c.url) for c in clicks],
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                return conn
            except (sqlite3.Error, OSError) as exc:
                if conn is not None:
                    conn.close()
                conn = None
                if attempt == ATTEMPTS:
                    log.error(
                        "search log %s: %d events not written after %d attempts: %s",
                        self.path,
                        len(events),
                        ATTEMPTS,
                        exc,
                    )
                    return None
                log.warning("search log %s: %s (attempt %d, retrying)", self.path, exc, attempt)
                time.sleep(self.retry_pause * attempt)
        return conn

    @staticmethod
    def _redact_chains(conn: sqlite3.Connection, searches: list[SearchEvent]) -> None:
        for e in searches:
            if e.replaces and looks_personal(e.query):
                conn.execute(REDACT_CHAIN, (e.replaces,))
            if conn.execute(REDACTED_SUCCESSOR, (e.id,)).fetchone():
                conn.execute(REDACT_CHAIN, (e.id,))

    def _search_row(self, e: SearchEvent) -> tuple[Any, ...]:
        moment = datetime.fromtimestamp(e.ts, self._zone)
        redacted = looks_personal(e.query)
        return (
            e.id,
            int(e.ts),
            moment.date().isoformat(),
            None if redacted else e.query,
            int(redacted),
            e.results,
            e.mode,
            json.dumps(e.filters, ensure_ascii=False, sort_keys=True),
            e.page,
            e.origin,
            e.replaces,
        )

    def _prune(self, conn: sqlite3.Connection | None) -> sqlite3.Connection | None:
        cutoff = int(time.time() - self.retention_days * 86400)
        if conn is None and not (self.path and self.path.exists()):
            return None  # nothing written yet: nothing to prune, and no empty file made
        try:
            conn = self._connection(conn)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM searches WHERE ts < ?", (cutoff,))
            conn.execute("DELETE FROM clicks WHERE ts < ?", (cutoff,))
            conn.execute("COMMIT")
            return conn
        except (sqlite3.Error, OSError) as exc:
            log.warning("search log %s: pruning failed: %s", self.path, exc)
            if conn is not None:
                conn.close()
            return None
