"""Ranking behaviour a visitor notices: proximity, synonyms edited live, CORS allowlist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, build_index
from service import ServiceSettings, create_app

FILLER = "De raad sprak lang over de begroting, de plannen voor de haven en het nieuwe zwembad. "
DOCS = {
    "samen.md": "Het sociaal domein vraagt om samenwerking tussen gemeente en bewoners. " + FILLER * 3,
    "ver-uit-elkaar.md": "Sociaal werk begint bij mensen. " + FILLER * 3 + "Het domein van de raad is breed.",
    "buurtkas.md": "Een buurtkas laat bewoners zelf beslissen over geld voor plannen in de straat. "
    + FILLER * 2,
    # The parts of "bewonersgroep" written apart (and reversed) in the second passage only.
    "moestuin.md": "## Ligging\n\nDe moestuin ligt achter de school. " + FILLER * 4 + "\n\n"
    "## Wie doet het werk\n\nEen groep van tien bewoners onderhoudt sinds het voorjaar de moestuin. "
    + FILLER
    * 4,
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    root = tmp_path_factory.mktemp("ranking")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, body in DOCS.items():
        (corpus / name).write_text(f"---\ntitle: {name[:-3]}\n---\n{body}\n", encoding="utf-8")
    settings = IndexerSettings(corpus_dir=corpus, index_dir=root / "index", workers=1)
    build_index(settings)
    synonyms = root / "synonyms.txt"
    synonyms.write_text("# leeg\n", encoding="utf-8")
    app = create_app(
        ServiceSettings(
            index=settings.index_dir, synonyms=synonyms, allowed_origins="https://gemeente.example"
        )
    )
    with TestClient(app) as client:
        yield client, synonyms


def titles(client: TestClient, q: str) -> list[str]:
    return [r["title"] for r in client.get("/search", params={"q": q}).json()["results"]]


def test_words_standing_together_rank_first(setup: tuple[TestClient, Path]) -> None:
    client, _ = setup
    assert titles(client, "sociaal domein")[:2] == ["samen", "ver-uit-elkaar"]


def test_synonym_file_edits_apply_without_reindexing(setup: tuple[TestClient, Path]) -> None:
    client, synonyms = setup
    assert "buurtkas" not in titles(client, "buurtbudget")
    synonyms.write_text("buurtbudget, buurtkas\n", encoding="utf-8")
    import os

    os.utime(synonyms, (1, 2_000_000_000))  # a distinct mtime even on coarse clocks
    assert "buurtkas" in titles(client, "buurtbudget")


def test_cors_allowlist(setup: tuple[TestClient, Path]) -> None:
    client, _ = setup
    allowed = client.get("/search", params={"q": "raad"}, headers={"Origin": "https://gemeente.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://gemeente.example"
    other = client.get("/search", params={"q": "raad"}, headers={"Origin": "https://elders.example"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in allowed.headers


def test_separable_verbs_and_unknown_words(setup: tuple[TestClient, Path]) -> None:
    client, _ = setup
    # "meebeslissen" is nowhere in the corpus; its verb "beslissen" is.
    assert titles(client, "meebeslissen")[:1] == ["buurtkas"]
    # A word no document has does not stop the others from being required.
    data = client.get("/search", params={"q": "buurtkas qwzrtx"}).json()
    assert data["mode"] == "all" and [r["title"] for r in data["results"]] == ["buurtkas"]


def test_a_note_without_its_own_url_is_served_as_plain_text(setup: tuple[TestClient, Path]) -> None:
    client, _ = setup
    hit = client.get("/search", params={"q": "buurtkas"}).json()["results"][0]
    assert hit["url"].endswith("/files/buurtkas.md")
    response = client.get("/files/buurtkas.md")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")


def test_a_compounds_parts_written_apart_choose_the_passage(setup: tuple[TestClient, Path]) -> None:
    """ "bewonersgroep" is answered by "een groep van tien bewoners": that passage is shown,
    not the shorter one with only the other query word."""
    client, _ = setup
    data = client.get("/search", params={"q": "bewonersgroep moestuin"}).json()
    result = next(r for r in data["results"] if r["title"] == "moestuin")
    assert "groep van tien bewoners" in result["passages"][0]["snippet"]
