"""Result links: text fragments for web pages (WICG Text Fragments), viewer links for PDFs."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from service.links import passage_links, text_directive, viewer_url, with_text_fragment
from service.reader import DocInfo


def doc(kind: str, url: str, source: str = "x", file: str = "") -> DocInfo:
    return DocInfo("id", kind, "Titel", url, source, "", (), (), "", "", 3, file)


def decoded(directive: str) -> list[str]:
    assert directive.startswith("text=")
    return [unquote(part) for part in directive.removeprefix("text=").split(",")]


def test_a_short_first_sentence_is_the_whole_text_start() -> None:
    assert text_directive("Wat kost het groen in ons dorp?\nDe rest volgt.") == (
        "text=Wat%20kost%20het%20groen%20in%20ons%20dorp%3F"
    )


def test_a_long_sentence_becomes_start_and_end() -> None:
    text = (
        "Van het geld koopt de stichting twee maaiers en een aanhanger, sluit ze een verzekering "
        "af en betaalt ze een vrijwilligersvergoeding. Wat overblijft gaat naar een fonds."
    )
    assert decoded(text_directive(text) or "") == [
        "Van het geld koopt de",
        "betaalt ze een vrijwilligersvergoeding.",
    ]


def test_dash_ampersand_and_comma_are_percent_encoded() -> None:
    directive = text_directive("Zorg- en welzijnsorganisaties, V&V en de Wmo-raad.") or ""
    assert "-" not in directive.removeprefix("text=") and "&" not in directive
    assert directive.count(",") == 0  # one textStart: a comma would start textEnd
    assert "%2D" in directive and "%26" in directive and "%2C" in directive
    assert decoded(directive) == ["Zorg- en welzijnsorganisaties, V&V en de Wmo-raad."]


def test_the_words_come_from_the_first_block_only() -> None:
    # Passage text keeps the page's blocks as lines: a list item is its own block.
    assert decoded(text_directive("Geen werkschema\nFoto's van hoe het eruit moet zien.") or "") == [
        "Geen werkschema"
    ]


@pytest.mark.parametrize(
    "text",
    [
        # an inline element boundary extracted as a space: "<b>Wmo</b>-loket" -> "Wmo -loket"
        "Het Wmo -loket in de wijk is op dinsdag en donderdag open voor iedere bewoner van Zandvoorde.",
        # NFKC turned an ellipsis into three dots: the page itself has "…"
        "Het loket... is op dinsdag en donderdag open voor iedere bewoner van de wijk Zandvoorde.",
    ],
)
def test_words_the_page_may_not_hold_are_never_used(text: str) -> None:
    directive = text_directive(text) or ""
    start = decoded(directive)[0]
    assert start.startswith("is op dinsdag en") or start.startswith("in de wijk is")
    assert "-loket" not in directive and "..." not in unquote(directive)


def test_nothing_usable_gives_no_fragment() -> None:
    assert text_directive("") is None
    assert text_directive("– … – … – … – … – … – … – … – … – … – … – … – … –") is None
    assert with_text_fragment("https://voorbeeld.nl/a/", "") == "https://voorbeeld.nl/a/"


def test_fragment_goes_after_an_existing_anchor_and_only_on_http_links() -> None:
    assert (
        with_text_fragment("https://voorbeeld.nl/a/#kop", "Kort.")
        == "https://voorbeeld.nl/a/#kop:~:text=Kort."
    )
    assert with_text_fragment("https://voorbeeld.nl/a/", "Kort.") == "https://voorbeeld.nl/a/#:~:text=Kort."
    assert with_text_fragment("javascript:alert(1)", "Kort.") == "javascript:alert(1)"


def test_pdf_links_go_to_the_viewer_and_keep_the_plain_file() -> None:
    local = doc("pdf", "/files/pdf/Een%20rapport.pdf", "pdf/Een rapport.pdf", "pdf/Een rapport.pdf")
    assert viewer_url(local, 7, "sociaal & domein") == (
        "/viewer?file=/files/pdf/Een%2520rapport.pdf&page=7&q=sociaal%20%26%20domein"
    )
    remote = doc("pdf", "https://site.nl/wp-content/uploads/2014/r.pdf")
    links = passage_links(remote, 2, "tekst")
    assert links == {
        "url": "/viewer?file=https://site.nl/wp-content/uploads/2014/r.pdf&page=2",
        "file_url": "https://site.nl/wp-content/uploads/2014/r.pdf#page=2",
    }


def test_a_note_served_as_plain_text_gets_no_fragment() -> None:
    note = doc("blog", "/files/notes/a.md", "notes/a.md", "notes/a.md")
    assert passage_links(note, None, "Een korte zin.")["url"] == "/files/notes/a.md"
