"""Fixtures for syncing live sites: a real WordPress (session), PDFs made on the spot, searching.

The fixture site holds, besides what each test adds: two published posts with categories and
tags, a page, a draft, a private post, a password-protected post and a scheduled post, two PDFs
in the media library (one linked from a post) and a PDF outside the media library that a post
links to. Every distinctive word below occurs in exactly one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from indexer.config import IndexerSettings
from indexer.sync import SyncReport, sync_site
from service import ServiceSettings, create_app

from ..fixtures import FONT_DIR
from ..wordpress import WordPress, missing_packages

FILLER = (
    "De gemeente werkt samen met bewoners, zorgaanbieders en vrijwilligers aan een wijk waarin "
    "iedereen mee kan doen. Dat vraagt om afspraken over geld, verantwoordelijkheid en ruimte "
    "voor eigen initiatief, en om een raad die de voortgang volgt."
)


def make_pdf(title: str, pages: list[str]) -> bytes:
    """A small Dutch PDF: `title` large on page 1, then each page's text (with filler)."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if number == 1:
            pdf.set_font("DejaVu", size=22)
            pdf.multi_cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, f"{text} {FILLER}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def paragraph(word: str, topic: str) -> str:
    return f"<p>Over {topic}: het {word} laat zien hoe het anders kan. {FILLER}</p>"


@dataclass
class FixtureSite:
    wp: WordPress
    posts: dict[str, int] = field(default_factory=dict)  # name -> post id
    pdfs: dict[str, str] = field(default_factory=dict)  # name -> file URL
    media: dict[str, int] = field(default_factory=dict)  # name -> attachment id


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPress]:
    missing = missing_packages()
    if missing:
        pytest.skip(
            f"a WordPress test site needs the Debian packages {', '.join(missing)} (.ci/run installs them)"
        )
    site = WordPress.start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def fixture_site(wordpress: WordPress) -> FixtureSite:
    wp = wordpress
    site = FixtureSite(wp)
    magazine = make_pdf(
        "Wijkmagazine voorjaar",
        [
            "Het wijkmagazine opent met de buurt.",
            "De reigerbegroting van het wijkteam.",
            "De scholeksterregeling.",
        ],
    )
    manifest = make_pdf(
        "Manifest samen doen", ["Wij willen samen doen.", "Het tureluurmanifest als belofte."]
    )
    report = make_pdf("Verslag van de avond", ["Het wulpverslag van de bewonersavond."])
    site.media["magazine"], site.pdfs["magazine"] = wp.add_pdf(magazine, "wijkmagazine.pdf", "Wijkmagazine")
    site.media["manifest"], site.pdfs["manifest"] = wp.add_pdf(manifest, "manifest.pdf", "Manifest")
    site.pdfs["verslag"] = wp.put_file(
        "documenten/verslag.pdf", report
    )  # uploaded by FTP: not in the library
    links = (
        f'<p>Lees het <a href="{site.pdfs["magazine"]}">wijkmagazine</a>, het '
        f'<a href="/documenten/verslag.pdf">verslag</a> en een '
        f'<a href="https://elders.example.org/extern.pdf">stuk van elders</a>.</p>'
    )
    site.posts["buurtbudget"] = wp.create_post(
        "Buurtbudget in Zandvoorde",
        "<h2>Het begin</h2>" + paragraph("kraanvogelproject", "het buurtbudget") + links,
        categories=["Sociaal domein"],
        tags=["buurtbudget", "wijkteams"],
        date="2024-03-12 10:00:00",
    )
    site.posts["inkoop"] = wp.create_post(
        "Inkoop met maatschappelijke waarde",
        paragraph("dwarsfluitregeling", "inkoop") + paragraph("aanbestedingskalender", "de planning"),
        categories=["Inkoop & aanbesteden"],
        tags=["sroi"],
        date="2023-06-01 09:00:00",
    )
    site.posts["over"] = wp.create_post(
        "Over dit platform", paragraph("lantaarnpaalcollectief", "ons"), post_type="page"
    )
    site.posts["draft"] = wp.create_post(
        "Concept kievietsbloemfonds", paragraph("kievietsbloemfonds", "x"), status="draft"
    )
    site.posts["private"] = wp.create_post(
        "Intern zilvermeeuwakkoord", paragraph("zilvermeeuwakkoord", "x"), status="private"
    )
    site.posts["protected"] = wp.create_post(
        "Beveiligd oeverzwaluwplan",
        paragraph("oeverzwaluwplan", "x"),
        password="geheim",
        excerpt="oeverzwaluwplan",
    )
    site.posts["scheduled"] = wp.create_post(
        "Straks ijsvogelconvenant", paragraph("ijsvogelconvenant", "x"), date="2031-01-01 10:00:00"
    )
    # Written long ago: only the id listing, not the "modified after" query, sees these again.
    wp.set_modified([*site.posts.values(), *site.media.values()], "2024-04-01 12:00:00")
    return site


@pytest.fixture
def scratch(fixture_site: FixtureSite) -> Iterator[list[int]]:
    """Ids of posts a test adds to the shared site; deleted after the test, so the next test
    module finds the fixture site as described above."""
    ids: list[int] = []
    yield ids
    for post_id in ids:
        fixture_site.wp.delete(post_id)


SECRET_WORDS = ("kievietsbloemfonds", "zilvermeeuwakkoord", "oeverzwaluwplan", "ijsvogelconvenant")


def sync(index_dir: Path, site: str, full: bool = False, progress: Any = None, **settings: Any) -> SyncReport:
    """`python -m indexer sync SITE --index INDEX_DIR`, in process."""
    config = IndexerSettings(index_dir=index_dir, site_url=site, workers=2, **settings)
    return sync_site(config, full=full, progress=progress)


class Search:
    """The service on an index, as a visitor uses it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def results(self, q: str, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/search", params={"q": q, **params})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def raw(self, q: str) -> dict[str, Any]:
        data: dict[str, Any] = self.client.get("/search", params={"q": q}).json()
        return data

    def suggestions(self, q: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.client.get("/suggest", params={"q": q}).json()["suggestions"]
        return data

    def found(self, word: str) -> list[str]:
        """The site's own URLs of the results for `word` (a PDF's with `#page=N`)."""
        return [r["file_url"] for r in self.results(word)]


def searching(index_dir: Path) -> Iterator[Search]:
    with TestClient(create_app(ServiceSettings(index=index_dir))) as client:
        yield Search(client)
