"""Extraction: main content only, the right metadata, drafts and private posts left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.config import IndexerSettings
from indexer.errors import CorruptFile, NotAPdf, UnsupportedFormat
from indexer.extract import extract_file

from ..conftest import realworld

SETTINGS = IndexerSettings()


def one(path: Path, source: str = "x"):  # type: ignore[no-untyped-def]
    result = extract_file(path, source, SETTINGS)
    assert len(result.documents) == 1
    return result.documents[0]


def test_blog_page_keeps_article_and_drops_site_chrome(tiny_corpus: Path) -> None:
    doc = one(tiny_corpus / "blog" / "wijkteams-in-de-praktijk.html", "blog/wijkteams-in-de-praktijk.html")
    body = doc.body.lower()
    assert "vaste contactpersoon per gezin" in body
    for chrome in ("menulinkwoord", "zijbalkwoord", "voettekstwoord", "reactiewoord", "recente berichten"):
        assert chrome not in body
    assert doc.title == "Wijkteams in de praktijk"
    assert doc.url == "https://voorbeeld.nl/2014/wijkteams-in-de-praktijk/"
    assert doc.published is not None and doc.published.isoformat() == "2014-03-12"
    assert doc.categories == ["Sociaal domein"] and doc.tags == ["wijkteams"]
    assert any(p.heading == "Wat de coöperatie doet" for p in doc.passages)


LIST_PAGE = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Afspraken</title>
<link rel="canonical" href="https://voorbeeld.nl/afspraken/"></head><body><main><article>
<h1>Afspraken met de wijk</h1><div class="entry-content">
<p>De gemeente en de bewoners van de wijk maakten in het voorjaar een reeks afspraken over het
onderhoud van het groen, de speeltuin en het buurthuis aan de Lindelaan.</p>
<ul><li>Geen werkschema</li><li>Foto's van hoe het eruit moet zien</li><li>Een terugvaloptie</li></ul>
<table><tr><td>Groen</td><td>68.000 euro</td></tr><tr><td>Speeltuin</td><td>4.000 euro</td></tr></table>
<blockquote><p>Eerst kijken wat kan.</p><p>Dan pas wat moet.</p></blockquote>
<p>Na drie jaar kijken de gemeente en de bewoners samen of de afspraken werken en of het groen
er beter bij ligt dan toen de aannemer het onderhoud nog deed.</p>
</div></article></main></body></html>"""


def test_list_items_table_cells_and_quoted_paragraphs_stay_separate_blocks(tmp_path: Path) -> None:
    # A browser renders each item, cell and paragraph as a block of its own; passages keep those
    # boundaries as newlines (a result link's text fragment must not run across them).
    path = tmp_path / "afspraken.html"
    path.write_text(LIST_PAGE, encoding="utf-8")
    lines = one(path).body.split("\n")
    for block in [
        "Geen werkschema",
        "Foto's van hoe het eruit moet zien",
        "Een terugvaloptie",
        "Groen",
        "68.000 euro",
        "Eerst kijken wat kan.",
        "Dan pas wat moet.",
    ]:
        assert block in lines


def test_markdown_front_matter_and_plain_text(tiny_corpus: Path) -> None:
    doc = one(tiny_corpus / "notes" / "decentralisaties.md")
    assert doc.title == "Begrippen: decentralisaties"
    assert doc.url == "https://voorbeeld.nl/kennisbank/decentralisaties/"
    assert doc.tags == ["decentralisaties", "Wmo"]
    assert "overzicht van de wetten" in doc.body and "](" not in doc.body and "---" not in doc.body


def test_wxr_indexes_published_posts_only(tiny_corpus: Path) -> None:
    result = extract_file(tiny_corpus / "export" / "site.xml", "export/site.xml", SETTINGS)
    assert [d.title for d in result.documents] == ["Social return werkt"]
    doc = result.documents[0]
    assert doc.url == "https://voorbeeld.nl/social-return-werkt/"
    assert doc.categories == ["Participatie"] and doc.tags == ["social return"]
    assert sorted(s.reason for s in result.skips) == ["status draft", "status private"]
    assert "conceptwoord" not in doc.body.lower()


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"PK")
    with pytest.raises(UnsupportedFormat):
        extract_file(path, "x.docx", SETTINGS)


def test_pdf_pages_headers_and_hyphens(tiny_corpus: Path) -> None:
    doc = one(tiny_corpus / "pdf" / "proeftuin.pdf", "pdf/proeftuin.pdf")
    assert doc.kind == "pdf" and doc.pages == 3
    assert doc.title == "Proeftuin Veldhoven-Zuid"
    by_page = {p.page: " ".join(x.text for x in doc.passages if x.page == p.page) for p in doc.passages}
    assert "blauwe fietsenwerkplaats" in by_page[2] and "blauwe fietsenwerkplaats" not in by_page[1]
    assert "zevenenveertig deelnemers" in by_page[3]
    everything = doc.body
    assert "Pagina 2 van 3" not in everything  # running footer removed
    assert "rapport 2015" not in everything  # running header removed
    assert doc.url == "/files/pdf/proeftuin.pdf" and doc.file == "pdf/proeftuin.pdf"


def test_not_a_pdf_and_corrupt_pdf(tiny_corpus: Path) -> None:
    with pytest.raises(NotAPdf):
        extract_file(tiny_corpus / "pdf" / "geen-pdf.pdf", "x", SETTINGS)
    with pytest.raises(CorruptFile):
        extract_file(tiny_corpus / "pdf" / "kapot.pdf", "x", SETTINGS)


# --- real-world saved WordPress pages and exports --------------------------------------

WORDPRESS_PAGES = {
    "lemire.me_json-parsing_en.html": (
        "JSON parsing: simdjson vs. JSON for Modern C++",
        ["I use a Skylake processor with GNU GCC 8.3.", "0.091 GB/s"],
        ["Leave a Reply", "Proudly powered by WordPress"],
    ),
    "thenervousbreakdown.com_loneliest_en.html": (
        "The Loneliest Woman in the World",
        ["I stayed, because Ann was really about to deliver", "And of course they did get through it."],
        ["Leave a Reply", "TIM ANDERSON has done many amazing things in his short life."],
    ),
    "verfassungsblog.de_expertinnen_de.html": (
        "Expert*innen in der Krise",
        ["Selbstgewissheit abrüsten", "eine besondere Vorbildfunktion."],
        ["I know that I may withdraw my consent", "Comments under pseudonym are allowed"],
    ),
    "rete-mirabile.net_15-jahre_de.html": (
        "15 Jahre rete-mirabile.net",
        ["Vor zehn Jahren war Twitter", "Aktuell fallen mir wieder mehr Themen ein"],
        ["Deine E-Mail-Adresse wird nicht veröffentlicht", "Logo von Jonathas Mello"],
    ),
}


@pytest.mark.realworld
@pytest.mark.parametrize("name", sorted(WORDPRESS_PAGES))
def test_real_wordpress_pages(name: str) -> None:
    title, present, absent = WORDPRESS_PAGES[name]
    doc = one(realworld("wordpress", "html", name))
    body = " ".join(" ".join(f"{p.heading} {p.text}" for p in doc.passages).split())
    assert doc.title.startswith(title)
    for text in present:
        assert text in body
    for text in absent:
        assert text not in body


@pytest.mark.realworld
def test_real_wxr_theme_unit_test() -> None:
    result = extract_file(realworld("wordpress", "wxr", "theme-unit-test-data.xml"), "wxr.xml", SETTINGS)
    reasons = [s.reason for s in result.skips]
    assert "status draft" in reasons and "password protected" in reasons
    assert any(r.startswith("status future") for r in reasons)
    assert all(d.url.startswith("http") for d in result.documents)
    titles = {d.title for d in result.documents}
    assert True  # markup is reduced to text
    assert not any("<" in t for t in titles)
    assert "Markup: Title With Markup" in titles  # <em>, <b>, <sup> reduced to their text
    kinds = {s.reason for s in result.skips if s.reason.startswith("post type")}
    assert {"post type attachment", "post type nav_menu_item"} <= kinds
    assert len(result.documents) >= 60


@pytest.mark.realworld
def test_real_wxr_unicode_challenges_are_cleaned() -> None:
    result = extract_file(realworld("wordpress", "wxr", "wxr-utf-8-challenges.xml"), "u.xml", SETTINGS)
    assert len(result.documents) == 1
    title = result.documents[0].title
    assert "Road Not Taken" in title
    assert not any(ch in title for ch in "\u202e\u202d\u202a\u202c\u200b")


@pytest.mark.realworld
def test_real_malformed_wxr_is_a_clear_error() -> None:
    with pytest.raises(CorruptFile, match="XML parser"):
        extract_file(realworld("wordpress", "wxr", "malformed.xml"), "m.xml", SETTINGS)


@pytest.mark.realworld
def test_non_wordpress_xml_is_refused() -> None:
    with pytest.raises(UnsupportedFormat, match="not a WordPress export"):
        extract_file(realworld("dutch", "xml", "tk_kst-32545-143_motie.xml"), "m.xml", SETTINGS)


def test_text_quality_detector() -> None:
    from indexer.extract.pdftext import text_problem

    dutch = "Het sociale wijkteam werkt in de wijk met bewoners en professionals aan de buurt. " * 5
    shifted = "".join(chr((ord(c) - 97 + 3) % 26 + 97) if "a" <= c <= "z" else c for c in dutch)
    assert text_problem(dutch) == ""
    assert text_problem(shifted) == "unreadable text"  # a font without a Unicode map
    assert text_problem('5IJT\x01JT\x01BO\x01"SJBM\x016OJDPEF') == "unreadable text"
    assert text_problem("Привет, мир. 你好世界. مرحبا بالعالم. Hello world.") == ""
    assert text_problem("0 2 4 6 8") == "empty"


def test_site_name_is_stripped_only_when_it_is_the_site_name() -> None:
    from indexer.extract.html import strip_site_name

    sites = {"Maatschappelijk aanbesteden"}
    assert strip_site_name("Wmo 2015 – Maatschappelijk aanbesteden", sites) == "Wmo 2015"
    assert strip_site_name("Jeugdhulp - regionaal of lokaal", sites) == "Jeugdhulp - regionaal of lokaal"


@pytest.mark.realworld
def test_real_page_title_prefers_the_heading_over_a_generic_og_title() -> None:
    doc = one(realworld("dutch", "html", "denhelder_gemeenteraad-2015-08-31_agenda.html"))
    assert doc.title == "Gemeenteraad 31 augustus 2015 19:30:00"  # og:title says only "Vergadering"


def test_plain_text_file_takes_its_first_line_as_title(tmp_path: Path) -> None:
    path = tmp_path / "verslag.txt"
    path.write_text(
        "Verslag van de wijkavond\n\n" + "Bewoners bespraken het groen in de wijk. " * 12, "utf-8"
    )
    doc = one(path, "verslag.txt")
    assert doc.title == "Verslag van de wijkavond"
    assert doc.url == "/files/verslag.txt" and doc.file == "verslag.txt"
    assert "groen in de wijk" in doc.body
