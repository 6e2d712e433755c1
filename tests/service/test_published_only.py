"""Nothing unpublished leaves the server, and only http(s) links reach a visitor.

An export whose published items carry bad links (relative, empty, `javascript:`, `HTTPS:`)
once got `/files/…` URLs, which made the service serve the export itself, drafts, private
posts and post passwords included. A saved page with a `javascript:` canonical link became a
clickable result.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, build_index, store
from indexer.documents import Document, Passage
from service import ServiceSettings, create_app

STATUSES = ["publish", "draft", "private", "future", "pending", "trash", "inherit"]
LINKS = {
    "relative": "/?p={id}",
    "empty": "",
    "javascript": "javascript:alert(document.domain)//",
    "data": "data:text/html,<script>alert(1)</script>",
    "uppercase": "HTTPS://voorbeeld.nl/?p={id}",
    "mixedcase_js": "JaVaScRiPt:alert(1)",
    "absolute": "https://voorbeeld.nl/bericht-{id}/",
}

ITEM = """<item><title>Bericht {id} {status} {kind}</title><link>{link}</link>
<content:encoded><![CDATA[<p>Woord{id} {secret} over buurtbudgetten en bewoners die samen beslissen
over de besteding van geld in de wijk, met steun van de gemeente en het wijkteam.</p>]]></content:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>2019-01-01 10:00:00</wp:post_date>
<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>
<wp:post_password>{password}</wp:post_password></item>"""

EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Site</title>
<link>https://voorbeeld.nl</link><wp:base_site_url>https://voorbeeld.nl</wp:base_site_url>
{items}</channel></rss>"""

PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Gevaarlijke pagina</title>
<link rel="canonical" href="{href}"><meta property="og:url" content="{href}"></head>
<body><main><article><h1>Gevaarlijke pagina {n}</h1><p>Linkwoord{n} staat in een pagina die met
een kwaadaardige canonieke link is opgeslagen, met genoeg tekst om een passage te vormen over
wijkteams, bewoners en de gemeente die samen werken aan de zorg in de buurt.</p></article></main>
</body></html>"""

HOSTILE_HREFS = [
    "javascript:alert(document.domain)//",
    "JAVASCRIPT:alert(1)",
    "data:text/html,x",
    "  javascript:x",
]


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[int, tuple[str, str]]]]:
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    (corpus / "export").mkdir(parents=True)
    (corpus / "blog").mkdir()
    items, cases = [], {}
    for n, (status, (kind, link)) in enumerate(itertools.product(STATUSES, LINKS.items()), start=1):
        password = "geheim123" if n % 5 == 0 else ""
        secret = "Conceptgeheim" if status != "publish" or password else ""
        items.append(
            ITEM.format(
                id=n, status=status, kind=kind, link=link.format(id=n), password=password, secret=secret
            )
        )
        cases[n] = (status if not password else "password", kind)
    (corpus / "export" / "site.xml").write_text(EXPORT.format(items="\n".join(items)), "utf-8")
    for n, href in enumerate(HOSTILE_HREFS):
        (corpus / "blog" / f"pagina-{n}.html").write_text(PAGE.format(href=href, n=n), "utf-8")
    settings = IndexerSettings(corpus_dir=corpus, index_dir=root / "index", workers=1)
    build_index(settings)
    with TestClient(create_app(ServiceSettings(index=settings.index_dir, corpus=corpus))) as client:
        yield client, cases


def test_the_export_is_never_served(hostile: tuple[TestClient, dict[int, tuple[str, str]]]) -> None:
    client, _ = hostile
    for path in ["/files/export/site.xml", "/files/export/site.xml?x=1", "/files/export//site.xml"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "geheim123" not in response.text and "Conceptgeheim" not in response.text


def test_only_published_items_with_a_usable_link_are_found(
    hostile: tuple[TestClient, dict[int, tuple[str, str]]],
) -> None:
    client, cases = hostile
    for n, (status, kind) in cases.items():
        found = client.get("/search", params={"q": f"woord{n}"}).json()
        urls = [r["document_url"] for r in found["results"]]
        if status != "publish" or kind in {"javascript", "data", "mixedcase_js"}:
            assert urls == [], (n, status, kind, urls)
            continue
        assert len(urls) == 1, (n, status, kind)
        expected = {
            "relative": f"https://voorbeeld.nl/?p={n}",
            "empty": f"https://voorbeeld.nl/?p={n}",
            "uppercase": f"https://voorbeeld.nl/?p={n}",
            "absolute": f"https://voorbeeld.nl/bericht-{n}/",
        }[kind]
        assert urls == [expected], (n, kind)
    assert client.get("/search", params={"q": "conceptgeheim"}).json()["total"] == 0
    assert client.get("/suggest", params={"q": "conceptgeh"}).json()["suggestions"] == []


def test_no_link_on_any_page_or_answer_is_script(
    hostile: tuple[TestClient, dict[int, tuple[str, str]]],
) -> None:
    client, _ = hostile
    for n in range(len(HOSTILE_HREFS)):
        answer = client.get("/search", params={"q": f"linkwoord{n}"}).json()
        assert answer["total"] == 1
        hit = answer["results"][0]
        for url in [hit["url"], hit["document_url"], *(p["url"] for p in hit["passages"])]:
            assert url.startswith("http://testserver/files/blog/"), url
        page = client.get("/", params={"q": f"linkwoord{n}"}).text
        doc_page = client.get("/", params={"q": f"linkwoord{n}", "doc": hit["id"]}).text
        for html in (page, doc_page):
            hrefs = re.findall(r'href="([^"]*)"', html)
            assert hrefs and all(re.match(r"^(https?://|/|#)", h) for h in hrefs), hrefs


def test_an_old_index_with_script_links_shows_none(tmp_path: Path) -> None:
    """Links are checked again when shown, so an index written before the checks is harmless."""
    build = store.new_build_dir(tmp_path / "index")
    ix = store.create_index(build)
    with store.writer(ix) as w:
        for n, url in enumerate(["javascript:alert(1)//", "DATA:text/html,x", "https://ok.example/x"]):
            text = f"Oudwoord{n} " + "over bewoners en buurtbudgetten in de wijk " * 8
            store.add_document(w, Document(f"old/{n}.html", "blog", f"Oud {n}", url, [Passage(text)]))
    store.write_build_info(build, {"documents": 3, "passages": 3})
    store.swap(tmp_path / "index", build)
    with TestClient(create_app(ServiceSettings(index=tmp_path / "index"))) as client:
        urls = [
            client.get("/search", params={"q": f"oudwoord{n}"}).json()["results"][0]["url"] for n in range(3)
        ]
        assert urls[:2] == ["", ""] and urls[2].startswith("https://ok.example/x#:~:text=")
        page = client.get("/", params={"q": "oudwoord0"}).text
        assert "Oud 0" in page and "javascript:" not in page.lower()
