"""The repository's own corpus end to end (in-process): what a visitor checks after `make run`."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from indexer import IndexerSettings, IndexReport
from indexer.text import fold

from .conftest import REPO

PASSAGES = json.loads((REPO / "tests" / "data" / "pdf_passages.json").read_text(encoding="utf-8"))
MANIFEST = "pdf/maatschappelijk-aanbesteden-manifest-2013.pdf"


def search(client: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


@lru_cache(maxsize=64)
def page_text(source: str, page: int) -> str:
    text = PdfReader(REPO / "corpus" / source).pages[page - 1].extract_text()
    return fold(" ".join(text.replace("-\n", "").split()).lower())


def test_corpus_builds_without_losing_files(corpus_build: tuple[IndexerSettings, IndexReport]) -> None:
    _, report = corpus_build
    assert report.skipped_files == []
    assert report.documents >= 24 + 8 + 3 + 2
    assert report.pdf_pages >= 16 + 8


def test_sociaal_domein_finds_posts_and_pdf_pages_that_hold_the_words(corpus_client: TestClient) -> None:
    data = search(corpus_client, "sociaal domein", per_page=50)
    kinds = {r["type"] for r in data["results"]}
    assert kinds == {"blog", "pdf", "kennisbank"}  # the glossary is a kennisbank page, not a post
    for hit in (r for r in data["results"] if r["type"] == "pdf"):
        assert hit["page"] and hit["file_url"].endswith(f"#page={hit['page']}")
        assert f"/viewer?file=/files/{hit['source']}&page={hit['page']}&" in hit["url"]
        for passage in hit["passages"]:
            text = page_text(hit["source"], passage["page"])
            assert "domein" in text and ("sociaal" in text or "sociale" in text)


def test_inflections_and_accents(corpus_client: TestClient) -> None:
    snippets = " ".join(r["snippet"] for r in search(corpus_client, "gemeenten", per_page=50)["results"])
    assert "<mark>gemeente</mark>" in snippets
    snippets = " ".join(r["snippet"] for r in search(corpus_client, "cooperatie", per_page=50)["results"])
    assert "<mark>coöperatie</mark>" in snippets


@pytest.mark.parametrize(
    "word",
    [
        "nieuwjaarsborrelrooster",
        "sponsorovereenkomstevaluatie",
        "nieuwsbriefarchief",
        "privacyverklaring",
        "sitemap",
        "kwartaalbericht",
    ],
)
def test_drafts_private_posts_and_site_chrome_are_never_found(corpus_client: TestClient, word: str) -> None:
    assert search(corpus_client, word)["total"] == 0


@pytest.mark.parametrize("entry", PASSAGES["passages"], ids=lambda e: f"{e['file'][4:14]}-p{e['page']}")
def test_a_sentence_from_a_pdf_finds_its_page(corpus_client: TestClient, entry: dict[str, Any]) -> None:
    hit = search(corpus_client, entry["text"])["results"][0]
    assert hit["source"] == entry["file"]
    assert hit["page"] == entry["page"]
    assert hit["passages"][0]["file_url"].endswith(f"#page={entry['page']}")
    assert f"&page={entry['page']}&" in hit["passages"][0]["url"]


def test_a_pdf_opens_at_the_page_that_treats_the_question(corpus_client: TestClient) -> None:
    # Page 13 has one sentence with all three words; page 15 is the section about young people
    # finding work (its heading and several passages): the link must open there.
    data = search(corpus_client, "jongeren aan het werk helpen")
    manifest = next(r for r in data["results"] if r["source"] == MANIFEST)
    assert manifest["page"] == 15
    assert manifest["file_url"].endswith("#page=15")
    assert manifest["passages"][0]["page"] == 15


@pytest.mark.parametrize("entry", PASSAGES["hyphenated"], ids=lambda e: e["word"])
def test_words_hyphenated_at_line_ends_are_found_on_their_page(
    corpus_client: TestClient, entry: dict[str, Any]
) -> None:
    doc = next(
        r
        for r in search(corpus_client, entry["word"], per_page=50)["results"]
        if r["source"] == entry["file"]
    )
    within = corpus_client.get(f"/documents/{doc['id']}/passages", params={"q": entry["word"]}).json()
    pages = {p["page"] for p in within["passages"]}
    assert entry["page"] in pages
    detail = corpus_client.get(f"/documents/{doc['id']}").json()
    text = " ".join(p["text"] for p in detail["passages"] if p["page"] == entry["page"])
    assert entry["word"] in text.lower()


def test_title_words_do_not_make_every_page_match(corpus_client: TestClient) -> None:
    data = search(corpus_client, "Maatschappelijk aanbesteden – Mogen wij u inspireren?")
    assert data["results"][0]["source"] == MANIFEST
    doc_id = data["results"][0]["id"]
    within = corpus_client.get(f"/documents/{doc_id}/passages", params={"q": "mogen wij u inspireren"}).json()
    detail = corpus_client.get(f"/documents/{doc_id}").json()
    # The running header is gone: the title's words are on a few pages, not on every one.
    assert len({p["page"] for p in within["passages"]}) < len(detail["indexed_pages"]) / 2
    assert not any("mogen wij u inspireren" in p["text"].lower() for p in detail["passages"] if p["page"] > 4)


def test_dutch_done_right_on_the_corpus(corpus_client: TestClient) -> None:
    sociaal = [r["id"] for r in search(corpus_client, "sociaal domein")["results"]]
    sociale = [r["id"] for r in search(corpus_client, "sociale domein")["results"]]
    assert sociale == sociaal  # "sociale" and "sociaal" are one term
    typo = search(corpus_client, "sociaal domijn")
    assert typo["suggestion"] == "sociaal domein" and typo["ran_query"] == "sociaal domein"
    assert [r["id"] for r in typo["results"]][:3] == sociaal[:3]
    found = search(corpus_client, "aanbesteding", per_page=50)["results"]
    assert any(r["title"].endswith("maatschappelijke aanbestedingsprocedure") for r in found)
    within = corpus_client.get(f"/documents/{found[0]['id']}/passages", params={"q": "aanbesteding"}).json()
    assert within["total"] > 0
    wmo = search(corpus_client, "Wmo", per_page=50)["results"]
    assert any("Vledderhoven" in r["title"] for r in wmo)  # the post that never says "Wmo"


MAGAZINE = [e for e in PASSAGES["passages"] if "magazine" in e["file"]]


@pytest.mark.parametrize("entry", MAGAZINE, ids=lambda e: f"p{e['page']}-{e['text'][:20]}")
def test_two_column_sentences_are_findable_as_exact_phrases(
    corpus_client: TestClient, entry: dict[str, Any]
) -> None:
    words = entry["text"].rstrip(".?!").split()
    phrase = '"' + " ".join(words[:8]) + '"'
    hits = search(corpus_client, phrase)["results"]
    assert hits and hits[0]["source"] == entry["file"] and hits[0]["page"] == entry["page"]
