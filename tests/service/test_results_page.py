"""The results page speaks like a good search page: what ran, help when nothing is found, a page
past the end, filters above the results on a phone, search-as-you-type by the widget's code."""

from __future__ import annotations

import html as htmllib
import re
import sqlite3
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from service import search
from service.page_help import fewer_words, literal_query

from .test_analytics import wait_for


def links(page: str) -> list[tuple[str, str]]:
    """(href, text) of every link, unescaped."""
    found = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    return [(htmllib.unescape(h), htmllib.unescape(re.sub(r"<[^>]+>", "", t)).strip()) for h, t in found]


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def heading(page: str) -> str:
    match = re.search(r'<h2 id="kop-resultaten"[^>]*>(.*?)</h2>', page, re.S)
    assert match, "no results heading"
    return re.sub(r"<[^>]+>", "", htmllib.unescape(match[1])).strip()


@pytest.mark.parametrize(
    ("q", "ran", "literal"),
    [
        ("sociaal domijn", "sociaal domein", 'sociaal "domijn"'),
        ("Sociaal Domijn", "sociaal domein", 'Sociaal "Domijn"'),
        ("wijkteem -jeugd", "wijkteam", '"wijkteem" -jeugd'),
        ('"sociaal domein" wijkteem', "sociaal domein wijkteam", '"sociaal domein" "wijkteem"'),
        ("zorg-coöperatie", "zorg cooperatie", "zorg-coöperatie"),
        ("wijkteem", None, "wijkteem"),
    ],
)
def test_the_visitors_own_query_runs_as_typed(q: str, ran: str | None, literal: str) -> None:
    assert literal_query(q, ran) == literal


def test_fewer_words_drop_each_part_once() -> None:
    assert fewer_words('wijkteams "sociaal domein" -jeugd') == [
        ("wijkteams", '"sociaal domein" -jeugd'),
        ('"sociaal domein"', "wijkteams -jeugd"),
        ("-jeugd", 'wijkteams "sociaal domein"'),
    ]
    assert fewer_words("wijkteams") == []


def test_a_quoted_word_is_never_corrected(client: TestClient) -> None:
    corrected = client.get("/search", params={"q": "sociaal domijn"}).json()
    assert corrected["ran_query"] == "sociaal domein"
    as_typed = client.get("/search", params={"q": 'sociaal "domijn"'}).json()
    assert as_typed["ran_query"] is None and as_typed["total"] == 0


def test_the_heading_says_what_ran_and_offers_the_original(client: TestClient) -> None:
    page = client.get("/", params={"q": "sociaal domijn"}).text
    assert "voor „sociaal domein”" in heading(page)
    instead = re.search(r'<p class="instead">(.*?)</p>', page, re.S)
    assert instead, "no 'Zoek in plaats daarvan naar'"
    text = re.sub(r"<[^>]+>", "", instead[1])
    assert text == "Resultaten voor sociaal domein. Zoek in plaats daarvan naar sociaal domijn"
    [(href, label)] = links(instead[1])
    assert label == "sociaal domijn" and query_of(href) == {"q": 'sociaal "domijn"'}
    # Following it runs the visitor's words: nothing has "domijn", and the page says so.
    original = client.get(href).text
    assert "0 resultaten" in heading(original) and 'class="instead"' not in original
    assert "sociaal domein" in original  # the spelling help on the empty page


def test_an_empty_page_offers_spelling_help_and_the_sites_themes(client: TestClient) -> None:
    q = '"wijkteamz"'  # quoted: taken as typed, so nothing is found
    suggestion = client.get("/search", params={"q": q}).json()["suggestion"]
    assert suggestion, "the core should suggest a spelling for 'wijkteamz'"
    page = client.get("/", params={"q": q}).text
    assert "0 resultaten" in heading(page)
    help_part = page.split('class="no-results"')[1]
    offered = {query_of(h).get("q"): t for h, t in links(help_part)}
    assert offered.get(suggestion) == suggestion, "the spelling suggestion"
    # The themes are the corpus's commonest categories, each a link that searches it.
    themes = {q for q, t in offered.items() if q == t and q != suggestion}
    assert {"Sociaal domein", "Inkoop en aanbesteden", "Kennisbank"} <= themes


def test_fewer_words_links_on_an_empty_page(client: TestClient) -> None:
    page = client.get("/", params={"q": 'wijkteams "qqq zzz"'}).text
    assert "0 resultaten" in heading(page)
    offered = {query_of(h).get("q"): t for h, t in links(page.split('class="no-results"')[1])}
    assert offered.get('"qqq zzz"') == '"qqq zzz"' and offered.get("wijkteams") == "wijkteams"
    # Dropping the phrase finds something: the help leads somewhere.
    assert "0 resultaten" not in heading(client.get("/", params={"q": "wijkteams"}).text)


def test_a_page_past_the_end_says_so_and_links_back(client: TestClient) -> None:
    first = client.get("/", params={"q": "wijkteams"}).text
    total = int(re.match(r"(\d+)", heading(first))[1])  # type: ignore[index]
    last = (total + 9) // 10
    page = client.get("/", params={"q": "wijkteams", "page": str(last + 5)}).text
    notice = re.search(r'<p class="past-end">(.*?)</p>', page, re.S)
    assert notice and f"Pagina {last + 5} bestaat niet" in notice[1]
    assert any(
        query_of(h) == {"q": "wijkteams"} | ({"page": str(last)} if last > 1 else {})
        for h, _ in links(notice[1])
    )
    assert '<ol class="results"' not in page


def test_filters_sit_in_a_disclosure_above_the_results(client: TestClient) -> None:
    page = client.get("/", params={"q": "wijkteams"}).text
    details = page.index('<details class="filters-toggle"><summary>Filters')
    assert details < page.index('<ol class="results"')
    assert '<aside class="facets"' in page  # the wide-screen sidebar stays


def test_the_page_enhances_its_own_form_with_the_widget(client: TestClient) -> None:
    page = client.get("/", params={"q": "wijkteams"}).text
    assert re.search(r'<script src="/widget\.js\?v=[0-9a-f]{16}" defer></script>', page)
    wrapper = re.search(r"<vindplaats-search enhance>(.*?)</vindplaats-search>", page, re.S)
    assert wrapper and 'action="/" method="get"' in wrapper[1] and 'name="q"' in wrapper[1]
    within = client.get("/search", params={"q": "veldhoven"}).json()
    pdf = next(r for r in within["results"] if r["type"] == "pdf")
    inside = client.get("/", params={"q": "wijkteam", "doc": pdf["id"]}).text
    assert "<vindplaats-search" not in inside and "widget.js" not in inside


def test_the_page_records_its_search_for_click_reports(client: TestClient, tiny_build: Any) -> None:
    db = tiny_build[0].index_dir.parent / "analytics.sqlite3"
    page = client.get("/", params={"q": "keukentafel wijkteams"}).text
    sid = re.search(r'<ol class="results"[^>]*data-search-id="([0-9a-f]{16})"', page)
    assert sid
    assert re.search(r'<a href="[^"]+" data-pos="1" data-id="[^"]+">', page)
    assert wait_for(db, 1, f"SELECT COUNT(*) FROM searches WHERE id = '{sid[1]}'") == 1
    with sqlite3.connect(db) as conn:
        origin, query = conn.execute("SELECT origin, query FROM searches WHERE id = ?", (sid[1],)).fetchone()
    assert (origin, query) == ("page", "keukentafel wijkteams")


# --- what the search core now answers (unknown words, disjunctive facets, kennisbank) ----------


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The page rendered over a fixed answer of the search core, in the shape the contract gives."""
    data: dict[str, Any] = {
        "query": "social procurement",
        "total": 3,
        "page": 1,
        "per_page": 10,
        "took_ms": 1.0,
        "suggestion": None,
        "ran_query": None,
        "unknown_words": ["procurement"],
        "mode": "any",
        "facets": {"type": {"blog": 2, "pdf": 1, "kennisbank": 4}, "year": {}, "category": {}},
        "results": [
            {
                "id": "k1",
                "type": "kennisbank",
                "title": "Begrippenlijst",
                "url": "/files/notes/begrippen.md",
                "document_url": "/files/notes/begrippen.md",
                "source": "notes/begrippen.md",
                "date": None,
                "score": 1.0,
                "snippet": "<mark>social</mark> return",
                "page": None,
                "passages": [],
                "categories": [],
                "tags": [],
            }
        ],
    }
    monkeypatch.setattr(search, "run_search", lambda *args, **kwargs: data)
    return data


def test_unknown_words_are_reported(client: TestClient, answer: dict[str, Any]) -> None:
    page = client.get("/", params={"q": "social procurement"}).text
    unknown = re.search(r'<p class="unknown">(.*?)</p>', page, re.S)
    assert unknown and htmllib.unescape(unknown[1]).startswith("Geen resultaten voor ‘procurement’")


def test_kennisbank_is_a_type_and_facets_link_to_every_value(
    client: TestClient, answer: dict[str, Any]
) -> None:
    page = client.get("/", params={"q": "social procurement", "type": "blog"}).text
    assert '<span class="badge kennisbank">Kennisbank</span>' in page
    aside = page.split('<aside class="facets"')[1].split("</aside>")[0]
    by_label = {
        t.replace("✕", "").replace("(filter weghalen)", "").strip(): query_of(h) for h, t in links(aside)
    }
    assert by_label["Blog"] == {"q": "social procurement"}  # chosen: the link takes it away
    assert by_label["PDF"] == {"q": "social procurement", "type": "pdf"}
    assert by_label["Kennisbank"] == {"q": "social procurement", "type": "kennisbank"}
    assert 'aria-current="true"' in aside.split("Blog")[0][-200:]
    assert "(1)" in aside and "(4)" in aside  # counts stay beside the other values
    assert 'name="type" value="blog"' in page  # a new search keeps the filter
