"""Markdown parsed by a real parser (markdown-it-py), front-matter dates, and content kinds."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import IndexerSettings, build_index
from indexer.documents import Document
from indexer.extract import Extraction, extract_file
from indexer.extract.markdown import markdown_blocks

from ..conftest import REPO

SETTINGS = IndexerSettings()

NOTE = """---
title: Werken met wijkteams
date: 12 maart 2014
---
Wijkteams in Oosterwaarde
=========================

Het wijkteam van Oosterwaarde werkt sinds 2014 met een vaste contactpersoon per gezin, zodat
bewoners hun verhaal maar één keer hoeven te vertellen. Meer staat in het [jaarverslag][jv] en
in de <b>evaluatie</b> van de gemeente.<script>stuurWachtwoord('geheimwoord')</script>

Wat het team doet
-----------------

- [ ] huisbezoek binnen een week
- [x] één plan per gezin

| Aanvrager | Gemeente |
|-----------|----------|
| Het gezin | Oosterwaarde |
| De school | Westerwaarde |

```
artikel 2.3.1 lid 4
```

<div class="kader">Een kader met <em>uitleg</em><style>.x{color:red}</style></div>

## Contact

Bel het wijkteam op werkdagen.

[jv]: https://example.org/jaarverslag-2014 "Jaarverslag"
"""


def _extract(tmp_path: Path, source: str, text: str) -> Extraction:
    path = tmp_path / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return extract_file(path, source, SETTINGS)


def _doc(result: Extraction) -> Document:
    assert len(result.documents) == 1
    return result.documents[0]


def test_markdown_structure_is_parsed(tmp_path: Path) -> None:
    result = _extract(tmp_path, "blog/wijkteams.md", NOTE)
    doc = _doc(result)
    assert result.skips == []
    assert doc.published is not None and doc.published.isoformat() == "2014-03-12"
    assert doc.passages[0].heading == "Wijkteams in Oosterwaarde"  # a setext heading
    blocks = markdown_blocks(NOTE.split("---\n", 2)[2])
    assert [b.text for b in blocks if b.is_heading] == [
        "Wijkteams in Oosterwaarde",
        "Wat het team doet",
        "Contact",
    ]
    lines = doc.body.splitlines()
    # A table keeps its rows: one line each, cells named by their column.
    assert "Aanvrager: Het gezin | Gemeente: Oosterwaarde" in lines
    assert "Aanvrager: De school | Gemeente: Westerwaarde" in lines
    assert "huisbezoek binnen een week" in lines and "één plan per gezin" in lines
    body = doc.body
    assert "[ ]" not in body and "[x]" not in body
    assert "in het jaarverslag en in de evaluatie van de gemeente." in body  # reference link resolved
    assert "example.org" not in body and "[jv]" not in body
    assert "artikel 2.3.1 lid 4" in body  # code is kept as text
    assert "Een kader met uitleg" in body
    for hidden in ("geheimwoord", "stuurWachtwoord", "color:red", "<b>", "<div", "<em>"):
        assert hidden not in body


def test_a_date_in_words_or_a_bad_date_is_never_dropped_silently(tmp_path: Path) -> None:
    good = _doc(_extract(tmp_path, "a.md", "---\ndate: 3 oktober 2016\n---\nTekst over de wijk."))
    assert good.published is not None and good.published.isoformat() == "2016-10-03"
    result = _extract(tmp_path, "notes/b.md", "---\ndate: 32 maart 2014\n---\nTekst over de wijk.")
    assert _doc(result).published is None
    assert [(s.source, s.reason) for s in result.skips] == [
        ("notes/b.md field date", "front matter date '32 maart 2014' is not a date")
    ]


def test_a_bad_date_shows_in_the_build_report(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "notes").mkdir(parents=True)
    (corpus / "notes" / "b.md").write_text("---\ndate: ergens in 2014\n---\nTekst over de wijk.", "utf-8")
    report = build_index(IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1))
    assert report.documents == 1 and report.skipped_files == []
    assert [(s.source, s.reason) for s in report.skips] == [
        ("notes/b.md field date", "front matter date 'ergens in 2014' is not a date")
    ]


@pytest.mark.parametrize(
    ("source", "front", "kind"),
    [
        ("notes/begrippen.md", "", "kennisbank"),
        ("site/kennisbank/faq.md", "", "kennisbank"),
        ("blog/uitleg.md", "type: kennisbank\n", "kennisbank"),
        ("notes/nieuws.md", "type: blog\n", "blog"),
        ("blog/verslag.md", "", "blog"),
        ("kennisbank/lijst.txt", None, "kennisbank"),
    ],
)
def test_document_kind_from_folder_or_front_matter(
    tmp_path: Path, source: str, front: str | None, kind: str
) -> None:
    text = "Een uitleg over de Wmo voor raadsleden."
    if front is not None:
        text = f"---\n{front}title: Uitleg\n---\n{text}"
    assert _doc(_extract(tmp_path, source, text)).kind == kind


def test_an_unknown_type_is_reported(tmp_path: Path) -> None:
    result = _extract(tmp_path, "notes/x.md", "---\ntype: podcast\n---\nEen uitleg over de Wmo.")
    assert _doc(result).kind == "kennisbank"
    assert [s.reason for s in result.skips] == ["front matter type 'podcast' is neither blog nor kennisbank"]


def test_saved_page_in_a_kennisbank_folder(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Wat is de Wmo?</title></head><body><article><h1>Wat is de Wmo?</h1>"
        "<p>De Wet maatschappelijke ondersteuning regelt dat gemeenten inwoners helpen die niet op "
        "eigen kracht kunnen meedoen. Denk aan begeleiding, dagbesteding en hulp in het huishouden."
        "</p></article></body></html>"
    )
    assert _doc(_extract(tmp_path, "kennisbank/wmo.html", html)).kind == "kennisbank"
    assert _doc(_extract(tmp_path, "blog/wmo.html", html)).kind == "blog"


def test_corpus_notes_are_kennisbank_with_readable_tables() -> None:
    notes = sorted((REPO / "corpus" / "notes").glob("*.md"))
    docs = {p.name: _doc(extract_file(p, f"notes/{p.name}", SETTINGS)) for p in notes}
    assert {d.kind for d in docs.values()} == {"kennisbank"}
    faq = docs["veelgestelde-vragen-subsidie-inkoop-aanbesteden.md"].body.splitlines()
    assert (
        "Wie neemt het initiatief? Subsidie: De aanvrager | Inkoop: De gemeente | Aanbesteden: De gemeente "
        "| Maatschappelijk aanbesteden: De gemeente, samen met de samenleving"
    ) in faq
    checklist = docs["checklist-geschikt-voor-maatschappelijk-aanbesteden.md"].body
    assert "[ ]" not in checklist and "Gaat het om een maatschappelijk probleem" in checklist
