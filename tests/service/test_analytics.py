"""The search log: what it keeps (and what never), several writers at once, a bad database."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport
from service import ServiceSettings, create_app
from service.analytics import SearchEvent, SearchLog, looks_personal, normalise_query


def rows(db: Path, sql: str = "SELECT * FROM searches") -> list[sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql))


def wait_for(db: Path, count: int, sql: str = "SELECT COUNT(*) FROM searches", timeout: float = 20) -> int:
    """Rows are written by a thread: poll until `count` arrived (or the time is up)."""
    deadline = time.monotonic() + timeout
    found = -1
    while time.monotonic() < deadline:
        if db.exists():
            try:
                found = rows(db, sql)[0][0]
            except sqlite3.OperationalError:
                found = -1
            if found >= count:
                return int(found)
        time.sleep(0.05)
    return int(found)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  Sociaal   DOMEIN ", "sociaal domein"),
        ("Zorgcoöperatie", "zorgcooperatie"),
        ("Wmo\t2015", "wmo 2015"),
    ],
)
def test_queries_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_query(raw) == normalised


@pytest.mark.parametrize(
    "query",
    [
        "jan.jansen@gemeente.nl",
        "mail naar j@x",
        "06-12345678",
        "+31 6 1234 5678",
        "bsn 123456782",
        "123.456.782",
        "1234 ab 12 wijkteam",
        "nl91abna0417164300",
    ],
)
def test_personal_data_is_recognised(query: str) -> None:
    assert looks_personal(normalise_query(query))


@pytest.mark.parametrize(
    "query", ["sociaal domein", "wmo 2015", "jeugdwet 2014 2015 2016 2017", "artikel 2.6.3", "1234 ab"]
)
def test_ordinary_queries_are_not_personal(query: str) -> None:
    assert not looks_personal(normalise_query(query))


def test_a_search_is_kept_normalised_with_its_filters_and_nothing_else(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = SearchLog(db)
    log.start()
    sid = log.search("  Sociaal Domein ", 12, "all", {"type": "pdf", "year": None}, 1, "page")
    log.stop()
    [row] = rows(db)
    assert sid is not None and row["id"] == sid
    assert (row["query"], row["results"], row["mode"], row["page"], row["origin"]) == (
        "sociaal domein",
        12,
        "all",
        1,
        "page",
    )
    assert row["filters"] == '{"type": "pdf"}'
    assert row["redacted"] == 0
    assert set(row.keys()) == {
        "id", "ts", "day", "query", "redacted", "results", "mode", "filters", "page", "origin", "replaces",
    }  # fmt: skip
    mode = rows(db, "PRAGMA journal_mode")[0][0]
    assert mode == "wal"


def test_personal_data_is_counted_without_its_text_and_so_are_the_keystrokes_before(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    first, second = SearchLog(db), SearchLog(db)  # two worker processes, in effect
    first.start()
    a = first.search("06 1234", 0, "all", {}, 1, "api")
    first.stop()
    second.start()
    b = second.search("06 12345678", 0, "all", {}, 1, "api", replaces=a)
    second.stop()
    assert [
        (r["id"], r["query"], r["redacted"]) for r in rows(db, "SELECT * FROM searches ORDER BY ts, rowid")
    ] == [
        (a, None, 1),
        (b, None, 1),
    ]


def test_a_keystroke_written_after_its_redacted_successor_loses_its_text_too(tmp_path: Path) -> None:
    """Worker processes write in any order: the continuation may land before the keystroke."""
    db = tmp_path / "log.sqlite3"
    keystroke_id = "0123456789abcdef"
    early = SearchLog(db)
    early.start()
    early.search("06 12345678", 0, "all", {}, 1, "api", replaces=keystroke_id)
    early.stop()
    assert wait_for(db, 1) == 1
    late = SearchLog(db)  # another process, whose writer was slower
    late.start()
    late._put(SearchEvent(keystroke_id, time.time(), "06 1234", 0, "all", {}, 1, "api", None))
    late.stop()
    assert [(r["query"], r["redacted"]) for r in rows(db)] == [(None, 1), (None, 1)]


def test_rows_past_the_retention_period_are_deleted(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = SearchLog(db, retention_days=30)
    log.start()
    log.search("wijkteams", 3, "all", {}, 1, "api")
    log.stop()
    with sqlite3.connect(db) as conn:
        old = int(time.time()) - 31 * 86400
        conn.execute(
            "INSERT INTO searches (id, ts, day, query, results, mode, filters, page, origin)"
            " VALUES ('00000000000000aa', ?, '2000-01-01', 'oud', 1, 'all', '{}', 1, 'api')",
            (old,),
        )
        conn.execute("INSERT INTO clicks (search_id, ts) VALUES ('00000000000000aa', ?)", (old,))
    log.start()  # the writer prunes when it starts (and hourly)
    log.search("decentralisaties", 2, "all", {}, 1, "api")
    log.stop()
    assert sorted(r["query"] for r in rows(db)) == ["decentralisaties", "wijkteams"]
    assert rows(db, "SELECT COUNT(*) FROM clicks")[0][0] == 0


def test_the_log_off_records_nothing(tmp_path: Path) -> None:
    log = SearchLog(None)
    log.start()
    assert log.search("wijkteams", 1, "all", {}, 1, "api") is None
    log.stop()
    assert list(tmp_path.iterdir()) == []


# --- several processes at once ------------------------------------------------------------------


def _write_searches(db: str, worker: int, count: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    log = SearchLog(Path(db))
    log.start()
    for n in range(count):
        log.search(f"zoekvraag {worker} {n}", n % 7, "all", {"type": "blog"}, 1, "api")
        if n % 50 == 0:
            time.sleep(0.001)  # interleave with the other writers
    log.stop(timeout=60)


def test_three_writer_processes_at_once_lose_no_search(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    count = 400
    procs = [ctx.Process(target=_write_searches, args=(str(db), w, count, start)) for w in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert rows(db, "SELECT COUNT(*) FROM searches")[0][0] == 3 * count
    assert rows(db, "SELECT COUNT(DISTINCT query) FROM searches")[0][0] == 3 * count


# --- a database that is locked or broken ----------------------------------------------------------


def test_a_locked_database_is_retried_and_nothing_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = SearchLog(db, busy_timeout=0.2, retry_pause=0.4)
    log.start()
    log.search("eerste", 1, "all", {}, 1, "api")
    assert wait_for(db, 1) == 1
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    for n in range(20):
        log.search(f"tijdens het slot {n}", 1, "all", {}, 1, "api")
    time.sleep(0.5)
    blocker.execute("COMMIT")
    blocker.close()
    log.stop()
    assert rows(db, "SELECT COUNT(*) FROM searches")[0][0] == 21


def test_a_corrupt_database_only_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"dit is geen SQLite-bestand " * 200)
    log = SearchLog(db, busy_timeout=0.1, retry_pause=0.01)
    with caplog.at_level(logging.WARNING, logger="service.analytics"):
        log.start()
        assert log.search("wijkteams", 1, "all", {}, 1, "api") is not None
        log.stop()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and str(db) in errors[0].getMessage() and "not written" in errors[0].getMessage()


@pytest.fixture
def app_on(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> Iterator[tuple[TestClient, Path]]:
    settings, _ = tiny_build
    db = tmp_path / "log.sqlite3"
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir, analytics_db=db))
    # A busy timeout far longer than the test may wait: a write on the request path would show.
    app.state.search_log = SearchLog(db, busy_timeout=30.0)
    with TestClient(app) as client:
        yield client, db


def test_a_search_does_not_wait_for_a_locked_log(app_on: tuple[TestClient, Path]) -> None:
    client, db = app_on
    assert client.get("/search", params={"q": "wijkteams"}).status_code == 200
    assert wait_for(db, 1) == 1
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    answers: list[int] = []
    thread = threading.Thread(
        target=lambda: answers.append(client.get("/search", params={"q": "wmo"}).status_code)
    )
    thread.start()
    thread.join(10)
    finished_while_locked = not thread.is_alive()
    blocker.execute("COMMIT")
    blocker.close()
    thread.join(30)
    assert finished_while_locked, "the search waited for the search log's lock"
    assert answers == [200]
    assert wait_for(db, 2) == 2


def test_a_corrupt_log_never_fails_a_search(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    settings, _ = tiny_build
    db = tmp_path / "kapot.sqlite3"
    db.write_bytes(b"\x00kapot" * 1000)
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir, analytics_db=db))
    with TestClient(app) as client:
        for q in ("wijkteams", "sociaal domein", "xyzzy"):
            response = client.get("/search", params={"q": q})
            assert response.status_code == 200 and response.json()["search_id"]
        assert client.get("/", params={"q": "wijkteams"}).status_code == 200


# --- POST /api/click ------------------------------------------------------------------------------


def test_a_click_report_is_kept_with_its_search(app_on: tuple[TestClient, Path]) -> None:
    client, db = app_on
    sid = client.get("/search", params={"q": "wijkteams"}).json()["search_id"]
    beacon = {
        "search_id": sid,
        "position": "2",
        "result_id": "ac57fb65f1a0e52c",
        "url": "https://voorbeeld.nl/x/",
    }
    # What navigator.sendBeacon(url, new URLSearchParams(…)) sends, from another site.
    response = client.post(
        "/api/click",
        content="&".join(f"{k}={v}" for k, v in beacon.items()),
        headers={
            "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
            "Origin": "https://elders.nl",
        },
    )
    assert response.status_code == 204
    as_json = client.post("/api/click", json={"search_id": sid, "position": 1})
    assert as_json.status_code == 204
    assert wait_for(db, 2, "SELECT COUNT(*) FROM clicks") == 2
    first = rows(db, "SELECT * FROM clicks ORDER BY rowid")[0]
    assert (first["search_id"], first["position"], first["result_id"], first["url"]) == (
        sid,
        2,
        "ac57fb65f1a0e52c",
        "https://voorbeeld.nl/x/",
    )
    assert set(first.keys()) == {"search_id", "ts", "position", "result_id", "url"}


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({}, "search_id"),
        ({"search_id": "x' OR 1=1"}, "search_id"),
        ({"search_id": "0123456789abcdef", "position": "-1"}, "position"),
        ({"search_id": "0123456789abcdef", "url": "javascript:alert(1)"}, "url"),
        ({"search_id": "0123456789abcdef", "result_id": "<script>"}, "result_id"),
    ],
)
def test_a_bad_click_report_gets_422_naming_the_field(
    app_on: tuple[TestClient, Path], fields: dict[str, str], word: str
) -> None:
    client, _ = app_on
    response = client.post("/api/click", data=fields)
    assert response.status_code == 422 and word in response.json()["detail"]


def test_an_oversized_click_report_is_refused(app_on: tuple[TestClient, Path]) -> None:
    client, _ = app_on
    response = client.post(
        "/api/click", data={"search_id": "0123456789abcdef", "url": "https://x.nl/" + "a" * 5000}
    )
    assert response.status_code == 413


def test_an_unwritable_log_directory_only_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "een-bestand"
    blocked.write_text("geen map")
    log = SearchLog(blocked / "log.sqlite3", retry_pause=0.01)  # its folder cannot be made
    errors = lambda: [r for r in caplog.records if r.levelno == logging.ERROR]  # noqa: E731
    with caplog.at_level(logging.WARNING, logger="service.analytics"):
        log.start()
        log.search("wijkteams", 1, "all", {}, 1, "api")
        deadline = time.monotonic() + 10
        while not errors() and time.monotonic() < deadline:
            time.sleep(0.02)
        log.search("wmo", 1, "all", {}, 1, "api")  # the same writer thread, still alive
        log.stop()
    assert len(errors()) == 2 and "not written" in errors()[1].getMessage()


def test_an_idle_log_is_pruned_too(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = SearchLog(db, retention_days=30)
    log.start()
    log.search("wijkteams", 3, "all", {}, 1, "api")
    log.stop()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO searches (id, ts, day, query, results, mode, filters, page, origin)"
            " VALUES ('00000000000000bb', ?, '2000-01-01', 'oud', 1, 'all', '{}', 1, 'api')",
            (int(time.time()) - 31 * 86400,),
        )
    log.start()  # and no search comes
    assert wait_for(db, 1, "SELECT COUNT(*) = 0 FROM searches WHERE query = 'oud'", timeout=10) == 1
    log.stop()
