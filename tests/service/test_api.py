"""The HTTP API in-process, on the tiny corpus: the contract a widget and a site rely on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, build_index
from service import ServiceSettings, create_app


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_search_contract_shape(client: TestClient) -> None:
    data = search(client, q="wijkteam")
    assert set(data) >= {"query", "total", "page", "per_page", "took_ms", "suggestion", "facets", "results"}
    hit = data["results"][0]
    assert set(hit) >= {
        "id",
        "type",
        "title",
        "url",
        "source",
        "date",
        "score",
        "snippet",
        "page",
        "passages",
    }
    assert hit["title"] == "Wijkteams in de praktijk"
    assert hit["type"] == "blog" and hit["page"] is None and hit["date"] == "2014-03-12"
    assert "<mark>wijkteam</mark>" in hit["snippet"]


def test_pdf_result_has_page_and_deep_link(client: TestClient) -> None:
    data = search(client, q="blauwe fietsenwerkplaats")
    hit = data["results"][0]
    assert hit["type"] == "pdf" and hit["source"] == "pdf/proeftuin.pdf"
    assert hit["page"] == 2
    assert hit["passages"][0]["page"] == 2
    # The link opens the viewer at the page with the query; the plain file link stays beside it.
    assert hit["passages"][0]["file_url"] == "http://testserver/files/pdf/proeftuin.pdf#page=2"
    assert (
        hit["url"]
        == hit["passages"][0]["url"]
        == ("http://testserver/viewer?file=/files/pdf/proeftuin.pdf&page=2&q=blauwe%20fietsenwerkplaats")
    )
    assert hit["file_url"] == hit["passages"][0]["file_url"]
    assert hit["document_url"] == "http://testserver/files/pdf/proeftuin.pdf"
    assert "<mark>blauwe</mark> <mark>fietsenwerkplaats</mark>" in hit["snippet"]


def test_one_result_per_document(client: TestClient) -> None:
    data = search(client, q="gemeente")
    ids = [r["id"] for r in data["results"]]
    assert len(ids) == len(set(ids)) == data["total"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gemeenten", "Wijkteams in de praktijk"),  # the page only says "gemeente"
        ("cooperatie", "Wijkteams in de praktijk"),  # the page says "coöperatie"
        ("aanbesteding", "Wijkteams in de praktijk"),  # the page says "aanbestedingsprocedure"
    ],
)
def test_dutch_forms_find_each_other(client: TestClient, query: str, expected: str) -> None:
    titles = [r["title"] for r in search(client, q=query)["results"]]
    assert expected in titles


@pytest.mark.parametrize(
    "word", ["menulinkwoord", "zijbalkwoord", "voettekstwoord", "reactiewoord", "conceptwoord", "priveewoord"]
)
def test_chrome_drafts_and_private_posts_are_never_found(client: TestClient, word: str) -> None:
    assert search(client, q=word)["total"] == 0


def test_synonym_finds_the_written_out_name(client: TestClient) -> None:
    data = search(client, q="Wmo")
    titles = {r["title"] for r in data["results"]}
    assert "Subsidie of aanbesteden?" in titles  # says only "Wet maatschappelijke ondersteuning"


def test_quoted_phrase_is_exact(client: TestClient) -> None:
    assert search(client, q='"sociaal domein"')["total"] == 1
    assert search(client, q='"domein sociaal"')["total"] == 0


def test_exclusion(client: TestClient) -> None:
    with_word = {r["title"] for r in search(client, q="gemeente")["results"]}
    without = {r["title"] for r in search(client, q="gemeente -wijkteam")["results"]}
    assert "Wijkteams in de praktijk" in with_word and "Wijkteams in de praktijk" not in without


def test_facets_and_filters(client: TestClient) -> None:
    data = search(client, q="gemeente")
    assert data["facets"]["type"] == {"blog": data["total"] - 1, "pdf": 1} or "pdf" in data["facets"]["type"]
    only_pdf = search(client, q="gemeente", type="pdf")
    assert {r["type"] for r in only_pdf["results"]} == {"pdf"}
    year = search(client, q="gemeente", year="2014")
    assert {r["date"][:4] for r in year["results"]} == {"2014"}
    cat = search(client, q="gemeente", category="Sociaal domein")
    assert [r["title"] for r in cat["results"]] == ["Wijkteams in de praktijk"]
    tag = search(client, q="gemeente", tag="WIJKTEAMS")
    assert [r["title"] for r in tag["results"]] == ["Wijkteams in de praktijk"]


def test_pagination_and_date_sort(client: TestClient) -> None:
    everything = search(client, q="gemeente", per_page=50)
    assert everything["total"] >= 3
    pages = [search(client, q="gemeente", per_page=1, page=n)["results"][0]["id"] for n in (1, 2, 3)]
    assert pages == [r["id"] for r in everything["results"][:3]]
    dated = search(client, q="gemeente", sort="date", per_page=50)["results"]
    dates = [r["date"] for r in dated if r["date"]]
    assert dates == sorted(dates, reverse=True)


def test_snippets_escape_everything_but_mark(client: TestClient) -> None:
    for q in ["gemeente", "wijkteam", "sociaal"]:
        for hit in search(client, q=q)["results"]:
            for text in [hit["snippet"]] + [p["snippet"] for p in hit["passages"]]:
                stripped = text.replace("<mark>", "").replace("</mark>", "")
                assert "<" not in stripped and ">" not in stripped


NASTY = [
    "",
    "x" * 10_000,
    '"',
    "AND OR NOT (",
    "*",
    "<script>alert(1)</script>",
    "title:",
    "\x00",
    "-",
    '""',
    "((((",
    "sociaal~2",
    "^3",
    "wijk*",
    "?",
    "\\",
    "%00",
    "🙂",
    "a" * 500,
    "NOT",
    "-gemeente",
    '"onafgesloten fr',
    "ǅ",
    "\u202e",
    "ﬁ",
    "1" * 50,
]


@pytest.mark.parametrize("q", NASTY)
def test_no_query_gives_a_server_error(client: TestClient, q: str) -> None:
    # (A lone surrogate cannot even be encoded by a client; raw bytes are tested below.)
    response = client.get("/search", params={"q": q})
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        body = response.json()
        assert body["detail"] and "zoekvraag" in body["message"]
    page = client.get("/", params={"q": q})
    assert page.status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C0%AF", "%00%00", "%E2%80%AE"])
def test_invalid_utf8_in_the_url_gives_no_server_error(client: TestClient, raw: str) -> None:
    assert client.get(f"/search?q={raw}").status_code in (200, 422)
    assert client.get(f"/?q={raw}").status_code == 200
    assert client.get(f"/suggest?q={raw}").status_code in (200, 422)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "type": "video"},
        {"q": "x", "page": "0"},
        {"q": "x", "per_page": "51"},
        {"q": "x", "year": "twintig"},
        {"q": "x", "sort": "random"},
        {},
    ],
)
def test_invalid_parameters_give_422_with_a_message(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert response.json()["message"].startswith("Ongeldige zoekopdracht")


def test_suggestion_for_a_misspelling(client: TestClient) -> None:
    data = search(client, q="wijkteem")
    assert data["suggestion"] == "wijkteam"
    assert data["results"], "a close misspelling still finds the document"
    assert data["ran_query"] == "wijkteam"


def test_suggest_completes_titles_and_words(client: TestClient) -> None:
    data = client.get("/suggest", params={"q": "wijkt"}).json()
    texts = [s["text"] for s in data["suggestions"]]
    assert "Wijkteams in de praktijk" in texts
    assert any(s["url"] is None and s["text"].startswith("wijkteam") for s in data["suggestions"])
    assert client.get("/suggest", params={"q": ""}).status_code == 422


def test_document_detail_and_search_within(client: TestClient) -> None:
    hit = search(client, q="fietsenwerkplaats")["results"][0]
    detail = client.get(f"/documents/{hit['id']}").json()
    assert detail["pages"] == 3 and detail["indexed_pages"] == [1, 2, 3]
    assert detail["title"] == "Proeftuin Veldhoven-Zuid"
    within = client.get(f"/documents/{hit['id']}/passages", params={"q": "zevenenveertig"}).json()
    assert within["total"] >= 1 and within["passages"][0]["page"] == 3
    assert within["passages"][0]["url"].endswith(
        "/viewer?file=/files/pdf/proeftuin.pdf&page=3&q=zevenenveertig"
    )
    assert within["passages"][0]["file_url"].endswith("/files/pdf/proeftuin.pdf#page=3")
    assert client.get("/documents/nope").status_code == 404


def test_files_are_served_safely(client: TestClient) -> None:
    pdf = client.get("/files/pdf/proeftuin.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Only link targets of indexed documents: the WXR export (with its draft and private
    # post), saved pages with a canonical URL of their own and skipped files are not served.
    for hidden in ["export/site.xml", "blog/wijkteams-in-de-praktijk.html", "pdf/kapot.pdf"]:
        assert client.get(f"/files/{hidden}").status_code == 404
    for bad in ["../pyproject.toml", "..%2fpyproject.toml", "/etc/passwd", "pdf/../../x", "nope.pdf"]:
        assert client.get(f"/files/{bad}").status_code == 404


def test_health(client: TestClient) -> None:
    data = client.get("/health").json()
    assert data["status"] == "ok" and data["documents"] == 5 and data["passages"] > 5 and data["built_at"]


def test_search_page_renders_results_escaped(client: TestClient) -> None:
    html = client.get("/", params={"q": "fietsenwerkplaats"}).text
    assert "PDF · p. 2" in html and "/viewer?file=/files/pdf/proeftuin.pdf&amp;page=2&amp;q=" in html
    assert "1 resultaat" in html
    html = client.get("/", params={"q": "<b>wijkteam</b>"}).text
    assert "<b>wijkteam</b>" not in html and "&lt;b&gt;wijkteam&lt;/b&gt;" in html


def test_search_page_searches_within_one_pdf(client: TestClient) -> None:
    html = client.get("/", params={"q": "wijkteam"}).text
    assert "Zoek in dit document" in html
    doc_id = search(client, q="fietsenwerkplaats")["results"][0]["id"]
    page = client.get("/", params={"q": "zevenenveertig", "doc": doc_id}).text
    assert "1 passage met „zevenenveertig”" in page
    assert (
        "/viewer?file=/files/pdf/proeftuin.pdf&amp;page=3&amp;q=zevenenveertig" in page and "Pagina 3" in page
    )
    assert f'name="doc" value="{doc_id}"' in page
    assert "bestaat niet" in client.get("/", params={"q": "x", "doc": "nope"}).text


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/search" in client.get("/openapi.json").json()["paths"]


def test_concurrent_queries_return_what_serial_queries_return(client: TestClient) -> None:
    queries = [
        "gemeente",
        "wijkteam",
        "fietsenwerkplaats",
        "sociaal domein",
        "social return",
        "Wmo",
        "cooperatie",
        "zevenenveertig deelnemers",
        "aanbesteding",
        "wijkteem",
    ] * 4

    def key(q: str) -> list[tuple[str, int | None, str]]:
        data = search(client, q=q, per_page=10)
        return [(r["id"], r["page"], r["snippet"]) for r in data["results"]]

    serial = {q: key(q) for q in set(queries)}
    with ThreadPoolExecutor(max_workers=16) as pool:
        concurrent = list(pool.map(key, queries))
    for q, got in zip(queries, concurrent, strict=True):
        assert got == serial[q], q


def build_with_a_new_note(settings: IndexerSettings) -> None:
    (settings.corpus_dir / "notes" / "nieuw.md").write_text(
        "---\ntitle: Buurtbudgetten\n---\n" + "Over buurtbudgetten in de wijk. " * 20, "utf-8"
    )
    build_index(settings)


def test_service_picks_up_a_swapped_index(own_build: IndexerSettings) -> None:
    settings = own_build
    with TestClient(create_app(ServiceSettings(index=settings.index_dir))) as local:
        assert local.get("/health").json()["documents"] == 5
        assert search(local, q="buurtbudgetten")["total"] == 0
        build_with_a_new_note(settings)
        assert local.get("/health").json()["documents"] == 6
        assert search(local, q="buurtbudgetten")["total"] == 1


def test_a_search_that_loads_a_new_build_leaves_the_service_answering(
    own_build: IndexerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searches run on the event loop; the load of a new build (seconds at 100,000 passages)
    must not: meanwhile the loop answers what needs no index."""
    import threading

    from service import reader

    settings = own_build
    with TestClient(create_app(ServiceSettings(index=settings.index_dir))) as local:
        build_with_a_new_note(settings)
        loading, answered = threading.Event(), threading.Event()
        waited: list[bool] = []  # whether the load saw the other request answered
        real_load = reader.load_snapshot

        def slow_load(path: Path) -> reader.Snapshot:
            loading.set()
            waited.append(answered.wait(5))
            return real_load(path)

        monkeypatch.setattr(reader, "load_snapshot", slow_load)
        found: list[dict[str, Any]] = []
        searcher = threading.Thread(target=lambda: found.append(search(local, q="buurtbudgetten")))
        searcher.start()
        assert loading.wait(10), "the search did not load the new build"
        widget = local.get("/widget.js")
        answered.set()
        searcher.join(20)
        assert widget.status_code == 200
        assert waited == [True], "the service stood still while a build loaded"
        assert found and found[0]["total"] == 1
