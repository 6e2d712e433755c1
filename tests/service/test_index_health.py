"""A broken index is never swapped in, empty is normal, and /health tells the truth (issue 8, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, build_index
from service import ServiceSettings, create_app

from ..fixtures import damage

DUTCH_503 = "Zoeken lukt nu niet door een probleem met de zoekindex. Probeer het later opnieuw."
UNAVAILABLE = "De zoekindex is tijdelijk niet beschikbaar. Probeer het over een minuut opnieuw."


@pytest.fixture
def settings(own_build: IndexerSettings) -> IndexerSettings:
    return own_build


@pytest.fixture
def client(settings: IndexerSettings) -> Iterator[TestClient]:
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as test_client:
        yield test_client


def test_health_runs_a_real_probe(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["documents"] == 5
    assert answer.json()["reason"] is None


def test_a_damaged_segment_gives_503_in_dutch_and_health_says_degraded(
    client: TestClient, settings: IndexerSettings
) -> None:
    assert client.get("/search", params={"q": "fietsenwerkplaats"}).json()["total"] == 1
    # Damage that raises nothing (a term dictionary that finds nothing) is caught by the probe
    # query searches run now and then (every second; here every search).
    client.app.state.handle.probe_interval = 0  # type: ignore[attr-defined]
    damage(settings.index_dir.resolve(), ".trm")  # the term dictionary, under a running service
    answer = client.get("/search", params={"q": "wijkteams"})
    assert answer.status_code == 503 and answer.json()["message"] == DUTCH_503
    assert answer.headers["retry-after"]
    page = client.get("/", params={"q": "wijkteams"})
    assert (
        page.status_code == 503
        and DUTCH_503 in page.text
        and page.headers["content-type"].startswith("text/html")
    )
    health = client.get("/health")
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    assert health.json()["reason"]
    # A good build swapped in: the service recovers without a restart.
    build_index(settings)
    assert client.get("/search", params={"q": "fietsenwerkplaats"}).json()["total"] == 1
    recovered = client.get("/health")
    assert recovered.status_code == 200 and recovered.json()["status"] == "ok"


@pytest.mark.parametrize("suffix", [".pst", ".trm", "_stored.col", "doc_id.col", ".toc"])
def test_a_service_started_on_a_damaged_index_starts_degraded_and_recovers(
    settings: IndexerSettings, suffix: str
) -> None:
    damage(settings.index_dir.resolve(), suffix)
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as client:
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert health.json()["reason"]
        for q in ("wijkteams", "fietsenwerkplaats", "sociaal domein"):
            answer = client.get("/search", params={"q": q})
            # Searches that still work answer; those that hit the damage get a Dutch 503.
            assert answer.status_code in (200, 503)
            if answer.status_code == 503:
                assert answer.json()["message"] in (DUTCH_503, UNAVAILABLE)
        build_index(settings)
        assert client.get("/health").status_code == 200
        assert client.get("/search", params={"q": "fietsenwerkplaats"}).json()["total"] == 1


def test_a_new_build_that_fails_verification_is_not_swapped_in(
    client: TestClient, settings: IndexerSettings
) -> None:
    assert client.get("/health").status_code == 200
    served = settings.index_dir.resolve()
    # A newer build, damaged after the indexer verified it but before this service loaded it.
    page = settings.corpus_dir / "blog" / "wijkteams-in-de-praktijk.html"
    page.write_text(
        page.read_text("utf-8").replace("Wijkteams in de praktijk", "Buurtteams in de praktijk"), "utf-8"
    )
    build_index(settings)
    damage(settings.index_dir.resolve(), ".pst")
    answer = client.get("/search", params={"q": "wijkteams"})
    assert answer.status_code == 200 and answer.json()["results"][0]["title"] == "Wijkteams in de praktijk"
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert "not loaded" in health.json()["reason"] and str(served) not in health.json()["reason"]


def test_a_service_without_any_readable_index_starts_and_answers_503(
    settings: IndexerSettings, tmp_path: Path
) -> None:
    (settings.index_dir.resolve() / "build.json").write_text("{broken", encoding="utf-8")
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as client:
        answer = client.get("/search", params={"q": "wijkteams"})
        assert answer.status_code == 503 and answer.json()["message"] == UNAVAILABLE
        assert client.get("/").status_code == 503
        assert client.get("/suggest", params={"q": "wijk"}).status_code == 503
        health = client.get("/health")
        assert health.status_code == 503 and "build.json" in health.json()["reason"]
        build_index(settings)
        assert client.get("/search", params={"q": "fietsenwerkplaats"}).json()["total"] == 1
        assert client.get("/health").json()["status"] == "ok"


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "corpus").mkdir()
    settings = IndexerSettings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", workers=1)
    build_index(settings)
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("q", ["wijkteams", '"sociaal domein"', "zorg -jeugd", "wmo"])
def test_an_empty_index_answers_with_no_results(empty_client: TestClient, q: str) -> None:
    answer = empty_client.get("/search", params={"q": q})
    assert answer.status_code == 200 and answer.json()["total"] == 0 and answer.json()["results"] == []
    assert empty_client.get("/suggest", params={"q": q[:3]}).status_code == 200


def test_the_search_page_says_the_index_is_still_empty(empty_client: TestClient) -> None:
    for params in ({}, {"q": "wijkteams"}, {"q": "wijkteams", "doc": "abc"}):
        page = empty_client.get("/", params=params)
        assert page.status_code == 200 and "De index is nog leeg" in page.text
    health = empty_client.get("/health")
    assert health.status_code == 200 and health.json() == {
        "status": "ok",
        "documents": 0,
        "passages": 0,
        "built_at": health.json()["built_at"],
        "reason": None,
    }


def test_a_rejected_build_is_retried_less_and_less_often(
    settings: IndexerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from service.reader import IndexHandle

    handle = IndexHandle(settings.index_dir, retry_seconds=0.2)
    loads: list[float] = []
    real_load = IndexHandle._load

    def counted(self: IndexHandle) -> object:
        loads.append(time.monotonic())
        return real_load(self)

    monkeypatch.setattr(IndexHandle, "_load", counted)
    build_index(settings)
    damage(settings.index_dir.resolve(), ".pst")
    started = time.monotonic()
    while time.monotonic() - started < 2.2:
        with handle.use() as snap:
            assert snap.docs  # the old snapshot keeps answering
        time.sleep(0.01)
    # Tried at once, then 0.2, 0.4 and 0.8 s apart (the next would be 1.6 s later): four loads,
    # not one per request.
    assert len(loads) == 4, [round(t - started, 2) for t in loads]
    handle.close()
