"""Syncing a plain static site through its sitemaps (or its feed): pages and linked PDFs found at
the site's URLs, robots.txt obeyed, nothing fetched from elsewhere, deletions followed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import IndexerSettings, build_index, store

from .conftest import make_pdf, searching, sync
from .static_site import StaticSite


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    with StaticSite(tmp_path_factory.mktemp("static-site")) as s:
        u = s.url
        s.write("robots.txt", f"User-agent: *\nDisallow: /prive/\n\nSitemap: {u}/sitemap_index.xml\n")
        s.write(
            "docs/plan.pdf",
            make_pdf("Wijkplan", ["Inleiding op het plan.", "Het koekoeksklokplan in stappen."]),
        )
        s.write("docs/jaarverslag.pdf", make_pdf("Jaarverslag", ["Het boomklevertje van het jaar."]))
        s.write("docs/groot.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
        links = (
            '<p>Zie <a href="/docs/plan.pdf">het plan</a>, <a href="../docs/groot.pdf">de bijlage</a> en '
            '<a href="https://elders.example.org/ver.pdf">iets van elders</a>.</p>'
        )
        pages = {
            "/blog/wijkkracht.html": ("Wijkkracht meten", "wijkkrachtmeter", links),
            "/blog/buurtkamer.html": ("De buurtkamer", "buurtkamerfonds", ""),
            "/blog/verdwijnt.html": ("Tijdelijk", "verdwijnwoordje", ""),
            "/blog/weg.html": ("Ook tijdelijk", "wegwijsplannetje", ""),
            "/blog/uitsitemap.html": ("Uit de sitemap", "sitemapverlater", ""),
            "/prive/geheim.html": ("Besloten", "privetuinwoord", ""),
        }
        for path, (title, word, extra) in pages.items():
            s.page(path, title, word, extra=extra)
        s.page(
            "/blog/elders.html",
            "Elders gecanoniseerd",
            "kanunnikwoord",
            canonical="https://elders.example.org/a/",
        )
        s.redirects["/blog/omleiding.html"] = f"http://localhost:{s.port}/blog/wijkkracht.html"
        listed = {u + p: "" for p in pages} | {u + "/blog/elders.html": "", u + "/blog/omleiding.html": ""}
        listed[u + "/blog/buurtkamer.html"] = "2022-05-01"
        s.sitemap("sitemap-pages.xml", listed)
        s.sitemap("sitemap-docs.xml.gz", {u + "/docs/jaarverslag.pdf": "2022-01-01"}, compressed=True)
        s.sitemap_index("sitemap_index.xml", [u + "/sitemap-pages.xml", u + "/sitemap-docs.xml.gz"])
        yield s


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sitemap-sync") / "index"


def test_first_sync_reads_the_sitemaps_and_obeys_robots(site: StaticSite, index_dir: Path) -> None:
    u = site.url
    report = sync(index_dir, u, max_download_mb=1, contact_url="https://zoeken.example.nl/over")
    assert report.kind == "sitemap"
    for search in searching(index_dir):
        assert search.found("wijkkrachtmeter") == [u + "/blog/wijkkracht.html"]
        assert search.found("koekoeksklokplan") == [u + "/docs/plan.pdf#page=2"]  # linked from a page
        assert search.found("boomklevertje") == [u + "/docs/jaarverslag.pdf#page=1"]  # in the gzipped sitemap
        assert search.found("kanunnikwoord") == [u + "/blog/elders.html"]  # its canonical is another site's
        assert search.results("privetuinwoord") == [] and search.results("menuwoordje") == []
    skipped = {s.source: s.reason for s in report.index.skipped_files}
    assert skipped[u + "/docs/groot.pdf"].startswith("too large: ")
    assert skipped[u + "/blog/omleiding.html"].startswith("redirects to another site (http://localhost:")
    assert not [p for p in site.requested() if p.startswith("/prive/")], "robots.txt disallows /prive/"
    assert site.requested()[0] == "/robots.txt"
    assert site.user_agents == {"Vindplaats/0.2 (search index sync; +https://zoeken.example.nl/over)"}
    sources = store.read_build_info(store.resolve(index_dir))["sources"]
    assert all(s.startswith(u + "/") for s in sources), "only the site's own URLs"


def test_second_sync_asks_only_what_may_have_changed(site: StaticSite, index_dir: Path) -> None:
    mark = len(site.log)
    report = sync(index_dir, site.url, max_download_mb=1)
    assert report.index.extracted == 0 and report.pdf_bytes == 0 and not report.written
    requested = site.requested(mark)
    assert "/blog/buurtkamer.html" not in requested  # its <lastmod> is the one we saw
    assert "/docs/jaarverslag.pdf" not in requested
    statuses = dict(site.log[mark:])
    assert statuses["/blog/wijkkracht.html"] == 304 and statuses["/docs/plan.pdf"] == 304


def test_deleted_gone_and_unlisted_pages_disappear(site: StaticSite, index_dir: Path) -> None:
    u = site.url
    (site.root / "blog" / "verdwijnt.html").unlink()
    site.gone.add("/blog/weg.html")
    site.page("/blog/buurtkamer.html", "De buurtkamer", "buurtkamerfeestje")
    listed = {
        u + p: ""
        for p in ("/blog/wijkkracht.html", "/blog/verdwijnt.html", "/blog/weg.html", "/blog/elders.html")
    }
    listed[u + "/blog/buurtkamer.html"] = "2023-02-02"
    site.sitemap("sitemap-pages.xml", listed)
    report = sync(index_dir, u, max_download_mb=1)
    # and the unlisted redirect and robots-disallowed page, which were listed as skipped
    assert (report.index.changed, report.index.deleted) == (1, 5)
    for search in searching(index_dir):
        assert search.found("buurtkamerfeestje") == [u + "/blog/buurtkamer.html"]
        for word in ("buurtkamerfonds", "verdwijnwoordje", "wegwijsplannetje", "sitemapverlater"):
            assert search.results(word) == [], word
        assert search.found("koekoeksklokplan") == [u + "/docs/plan.pdf#page=2"]


def test_a_site_without_sitemap_is_read_through_its_feed(tmp_path: Path) -> None:
    with StaticSite(tmp_path / "site") as site:
        u = site.url
        feed = '<link rel="alternate" type="application/rss+xml" title="Feed" href="/feed.xml">'
        site.write(
            "index.html",
            f"<!DOCTYPE html><html><head><title>Home</title>{feed}</head><body>Home</body></html>",
        )
        site.page("/a.html", "Eerste", "feedwoordeen")
        site.page("/b.html", "Tweede", "feedwoordtwee")
        items = "".join(f"<item><title>{p}</title><link>{u}/{p}</link></item>" for p in ("a.html", "b.html"))
        site.write(
            "feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>',
        )
        index_dir = tmp_path / "index"
        report = sync(index_dir, u)
        assert report.kind == "feed" and report.index.added == 2
        # The feed forgets b.html: it stays, as it is still there; then it is deleted: it goes.
        site.write(
            "feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items[: items.index("</item>") + 7]}</channel></rss>',
        )
        sync(index_dir, u)
        for search in searching(index_dir):
            assert search.found("feedwoordtwee") == [u + "/b.html"]
        (site.root / "b.html").unlink()
        assert sync(index_dir, u).index.deleted == 1
        for search in searching(index_dir):
            assert search.results("feedwoordtwee") == [] and search.found("feedwoordeen") == [u + "/a.html"]


def test_a_sync_replaces_an_index_built_from_a_folder(tiny_corpus: Path, tmp_path: Path) -> None:
    """The Docker image ships a corpus index; syncing a site into it starts afresh."""
    index_dir = tmp_path / "index"
    build_index(IndexerSettings(corpus_dir=tiny_corpus, index_dir=index_dir, workers=1))
    for search in searching(index_dir):
        assert search.results("zorgcoöperatie")
    with StaticSite(tmp_path / "site") as site:
        site.page("/a.html", "Eerste", "verhuiswoordje")
        site.sitemap("sitemap.xml", {site.url + "/a.html": ""})
        report = sync(index_dir, site.url)
        assert report.written and report.index.added == 1 and report.index.documents == 1
    for search in searching(index_dir):
        assert search.found("verhuiswoordje") == [site.url + "/a.html"]
        assert search.results("zorgcoöperatie") == []


def test_one_broken_page_does_not_block_the_sync(tmp_path: Path) -> None:
    with StaticSite(tmp_path / "site") as site:
        u = site.url
        site.page("/a.html", "Eerste", "standvastwoord")
        site.sitemap("sitemap.xml", {u + "/a.html": ""})
        index_dir = tmp_path / "index"
        sync(index_dir, u)
        site.broken |= {"/a.html", "/b.html"}
        site.page("/a.html", "Eerste", "gewijzigdwoord")
        site.page("/b.html", "Tweede", "nieuwwoordje")
        site.page("/c.html", "Derde", "derdewoordje")
        site.sitemap("sitemap.xml", {u + "/a.html": "", u + "/b.html": "", u + "/c.html": ""})
        report = sync(index_dir, u)
        skipped = {s.source: s.reason for s in report.index.skipped_files}
        assert skipped == {u + "/b.html": "server error: HTTP 500; tried again next sync"}
        for search in searching(index_dir):
            assert search.found("standvastwoord") == [u + "/a.html"]  # the version we had
            assert search.found("derdewoordje") == [u + "/c.html"]
        site.broken.clear()
        sync(index_dir, u)
        for search in searching(index_dir):
            assert search.found("gewijzigdwoord") == [u + "/a.html"] and search.found("nieuwwoordje") == [
                u + "/b.html"
            ]
            assert search.results("standvastwoord") == []
