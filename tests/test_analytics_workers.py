"""Several worker processes record searches at once into one search log and lose none.

The real `python -m service --workers 3` on a tiny index; eight client threads send distinct
searches at the same time; every search id an answer carried must be a row, once.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .fixtures import write_corpus
from .servers import build, free_port, running_service

pytestmark = pytest.mark.e2e

REQUESTS = 360
CLIENTS = 8


def _ids(db: Path, table: str = "searches", column: str = "id") -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return [row[0] for row in conn.execute(f"SELECT {column} FROM {table}")]
    except sqlite3.OperationalError:
        return []


def test_three_workers_writing_at_once_lose_no_search(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    port = free_port()
    assert build(corpus, tmp_path / "index", f"http://127.0.0.1:{port}").returncode == 0
    db = tmp_path / "var" / "analytics.sqlite3"
    env = {"VINDPLAATS_ANALYTICS_DB": str(db)}
    with running_service(
        tmp_path / "index", corpus, port, tmp_path / "service.log", workers=3, env=env
    ) as url:

        def one(n: int) -> str:
            words = ("wijkteams", "sociaal domein", "decentralisaties", "xyzzy")[n % 4]
            query = urllib.parse.urlencode({"q": f"{words} {n}"})
            with urllib.request.urlopen(f"{url}/search?{query}", timeout=30) as response:
                sid: str = json.load(response)["search_id"]
            return sid

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            answered = list(pool.map(one, range(REQUESTS)))
        took = time.monotonic() - started
        # One click per tenth search, too: the same writers, the same file.
        clicked = answered[::10]
        for sid in clicked:
            body = urllib.parse.urlencode({"search_id": sid, "position": 1}).encode()
            with urllib.request.urlopen(f"{url}/api/click", data=body, timeout=10) as response:
                assert response.status == 204
        deadline = time.monotonic() + 30
        while len(_ids(db)) < REQUESTS and time.monotonic() < deadline:
            time.sleep(0.1)
        while_running = len(_ids(db))
    stored = _ids(db)
    print(
        f"{REQUESTS} searches by {CLIENTS} clients in {took:.1f} s: {while_running} rows while running, {len(stored)} after stop"
    )
    assert len(set(answered)) == REQUESTS
    assert while_running == REQUESTS, "the writers fell behind or lost searches"
    assert sorted(stored) == sorted(answered), "every answered search is one row"
    assert sorted(_ids(db, "clicks", "search_id")) == sorted(clicked)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        queries = {row[0] for row in conn.execute("SELECT query FROM searches")}
    assert "wijkteams 0" in queries and len(queries) == REQUESTS
