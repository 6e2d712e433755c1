"""Every file of ../shared/realworld is indexed or skipped with its specific reason; none hangs.

Expected outcomes come from shared/realworld/MANIFEST.md. The whole folder is built once, the
way a site owner would run the indexer over it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from indexer import IndexerSettings, IndexReport, build_index, store
from indexer.config import IndexerSettings as Settings
from indexer.documents import Skip
from indexer.extract import Extraction
from indexer.sources import SourceFile
from indexer.text import fold
from indexer.workers import extract_all

from ..conftest import REALWORLD

pytestmark = pytest.mark.realworld

# file -> ("indexed", [texts that must be in it], [texts that must not]) or ("skipped", reason prefix)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "pdf/annotations_text-highlight-ink.pdf": ("indexed", ["Some text."], ["Highlight comment"]),
    "pdf/bogus-page-count-213M_broken.pdf": ("skipped", "corrupt: "),
    "pdf/broken_header-only-9-bytes.pdf": ("skipped", "corrupt: "),
    "pdf/broken_junk-before-header_empty-startxref.pdf": ("skipped", "corrupt: "),
    "pdf/broken_startxref-pointer-wrong_helloworld.pdf": ("indexed", ["Hello, world!"], []),
    "pdf/broken_xref-keyword-missing.pdf": ("indexed", ["Reduced test-case"], []),
    "pdf/broken_zlib-stream-corrupted_zen-of-python.pdf": ("indexed", ["Beautiful is better than ugly."], []),
    # The text layer is garbled (no ToUnicode map), but the embedded font draws: OCR reads it.
    "pdf/cid-truetype_no-tounicode_garbled.pdf": (
        "indexed",
        ["This is an Arial Unicode PDF from OpenOffice."],
        [],
    ),
    "pdf/enc_aes256-r6_empty-user-password.pdf": ("indexed", ["pdf encryption test"], []),
    "pdf/enc_aes256-r6_user-foo_owner-bar.pdf": ("skipped", "encrypted: password required"),
    "pdf/enc_rc4-40_empty-user-password_dmca-18p.pdf": ("indexed", ["Copyright Office Summary"], []),
    "pdf/enc_user-password_openpassword_libreoffice.pdf": ("skipped", "encrypted: password required"),
    "pdf/forms_acroform_libreoffice.pdf": ("indexed", ["Example for a Form"], []),
    "pdf/forms_irs-1040v_incremental-4-updates.pdf": ("indexed", ["What Is Form 1040-V"], []),
    "pdf/garbage_plaintext-tekst.pdf": ("skipped", "not a PDF"),
    "pdf/garbage_random-bytes.pdf": ("skipped", "not a PDF"),
    "pdf/incremental-update_pdf20-words-have-spacing.pdf": (
        "indexed",
        ["PDF 2.0 Words Have Spacing"],
        ["Need Spacing"],
    ),
    "pdf/japanese_dvipdfm_legacy-encoding.pdf": ("skipped", "unreadable text"),
    "pdf/ligatures_ff-fi-fl-ffi-ffl.pdf": ("indexed", ["fffiflffiffl"], ["ﬁ"]),
    "pdf/many-pages_55p_pdkids.pdf": ("indexed", ["The Buried Moon"], []),
    "pdf/multicolumn_latex-2col.pdf": (
        "indexed",
        ["adipiscing elit", "two columns filled with Lorem"],
        ["adip-"],
    ),
    "pdf/multilang_arabic-russian-chinese.pdf": ("indexed", ["Привет, мир", "你好世界"], []),
    "pdf/pdfa-1b_crazyones.pdf": ("indexed", ["The misfits."], []),
    "pdf/rotated-page2-90.pdf": ("indexed", ["This is my second page."], []),
    "pdf/rotated-pages_90-180-270-360_arabic.pdf": ("indexed", ["habibi"], []),
    # Scans without a text layer are read by OCR (Tesseract); these need it installed.
    "pdf/scan_gutenberg-page_no-text.pdf": (
        "indexed",
        ["went tip-toeing along a path amongst the trees"],
        [],
    ),
    "pdf/scan_jbig2_rotate270_no-text.pdf": ("indexed", ["It Doesn't Work"], []),
    "pdf/scan_with-ocr-text-layer_vicksburg.pdf": ("indexed", ["dangerous for use"], []),
    "pdf/tounicode-oneline-cmap_arabic.pdf": ("indexed", ["habibi"], []),
    "pdf/type3-font_matplotlib.pdf": ("skipped", "empty: no words"),
    "dutch/pdf/denhelder_besluitenlijst-raad-2015-06-29.pdf": (
        "indexed",
        ["Er is bericht van verhindering"],
        [],
    ),
    "dutch/pdf/emmen_toezeggingen-commissie_ocrmypdf.pdf": (
        "indexed",
        ["heb ik u een aantal toezeggingen gedaan"],
        [],
    ),
    "dutch/pdf/emmen_toezeggingen-commissie_scan-no-text.pdf": (
        "indexed",
        ["heb ik u een aantal toezeggingen gedaan", "Toezegging toelichting verhoging vaste tarief"],
        [],
    ),
    "dutch/pdf/ministerraad_besluitenlijst-2025-01-10.pdf": (
        "indexed",
        ["in de Tuinzaal van het Catshuis"],
        [],
    ),
    "dutch/pdf/overijssel_jaarstukken-2023.pdf": ("indexed", ["In ons meerjarenbeleidsplan 2021-2024"], []),
    "dutch/pdf/rijksoverheid_kamerbrief-draagmoederschap-2011.pdf": (
        "indexed",
        ["Draagmoederschap is een complex onderwerp"],
        ["Pagina 2 van 3"],
    ),
    "dutch/pdf/tk_ah-tk-20202021-3235_kamervragen-tozo.pdf": (
        "indexed",
        ["Tijdelijke overbruggingsregeling zelfstandig ondernemers"],
        [],
    ),
    "dutch/pdf/tk_kst-32545-143_motie.pdf": ("indexed", ["gehoord de beraadslaging"], []),
    "dutch/pdf/tk_verslag-schriftelijk-overleg_undefined-unicode.pdf": (
        "indexed",
        ["Inbreng van de leden van de GroenLinks-PvdA-fractie"],
        ["\uffff"],
    ),
    "dutch/pdf/typewriter-linzensoep_image-only.pdf": (
        "indexed",
        ["Linzensoep a la Waterman", "laurier, kruidnagel, kerrie, zout"],
        [],
    ),
    "dutch/pdf/vws_toegankelijkheidsonderzoek-2025_39p.pdf": (
        "indexed",
        ["heeft 17 problemen", "functiebeperking"],
        ["\ue01e"],
    ),
    "dutch/html/denhelder_gemeenteraad-2015-08-31_agenda.html": ("indexed", ["exploitatie van Zeestad"], []),
    # trafilatura takes the page's <h1> ("Vragen van de leden … (ingezonden 3 juni 2021)") for a
    # title and leaves it out of the body; the questions and answers themselves are indexed.
    "dutch/html/tk_ah-tk-20202021-3235_kamervragen-tozo.html": (
        "indexed",
        ["Tijdelijke overbruggingsregeling zelfstandig ondernemers (TOZO)"],
        [],
    ),
    "dutch/html/tk_kst-32545-143_motie.html": ("indexed", ["gehoord de beraadslaging"], []),
    "dutch/xml/tk_ah-tk-20202021-3235_kamervragen-tozo.xml": ("skipped", "unsupported format"),
    "dutch/xml/tk_kst-32545-143_motie.xml": ("skipped", "unsupported format"),
    "wordpress/html/lemire.me_json-parsing_en.html": ("indexed", ["0.091 GB/s"], ["Leave a Reply"]),
    "wordpress/html/rete-mirabile.net_15-jahre_de.html": ("indexed", ["Vor zehn Jahren war Twitter"], []),
    "wordpress/html/thenervousbreakdown.com_loneliest_en.html": (
        "indexed",
        ["And of course they did get through it."],
        [],
    ),
    "wordpress/html/verfassungsblog.de_expertinnen_de.html": (
        "indexed",
        ["eine besondere Vorbildfunktion."],
        ["If you enjoyed reading this post"],
    ),
    "wordpress/wxr/malformed.xml": ("skipped", "corrupt: XML parser"),
    "wordpress/wxr/theme-unit-test-data.xml": ("indexed", [], []),
    "wordpress/wxr/wxr-utf-8-challenges.xml": ("indexed", ["Robert Frost"], []),
}


@pytest.fixture(scope="module")
def realworld_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[IndexerSettings, IndexReport, float]:
    if not REALWORLD.exists():
        pytest.skip(f"{REALWORLD} is not present")
    settings = IndexerSettings(corpus_dir=REALWORLD, index_dir=tmp_path_factory.mktemp("rw") / "index")
    started = time.monotonic()
    report = build_index(settings)
    return settings, report, time.monotonic() - started


def _texts(settings: IndexerSettings) -> dict[str, str]:
    ix = store.open_index(settings.index_dir)
    out: dict[str, list[str]] = {}
    with ix.searcher() as searcher:
        for stored in searcher.documents():
            parts = out.setdefault(stored["source"], [])
            parts.append(
                stored.get("title", "") + " " + stored.get("headings", "") + " " + stored.get("content", "")
            )
    return {k: " ".join(" ".join(v).split()) for k, v in out.items()}


def test_every_file_is_accounted_for(realworld_build: tuple[IndexerSettings, IndexReport, float]) -> None:
    settings, report, seconds = realworld_build
    files = sorted(
        p.relative_to(REALWORLD).as_posix()
        for p in REALWORLD.rglob("*")
        if p.suffix in {".pdf", ".html", ".xml"}
    )
    assert sorted(EXPECTED) == files, "MANIFEST and this table disagree"
    skipped = {s.source: s.reason for s in report.skipped_files}
    texts = _texts(settings)
    problems = []
    for source, expected in EXPECTED.items():
        if expected[0] == "skipped":
            reason = skipped.get(source, "(indexed)")
            if not reason.startswith(expected[1]):
                problems.append(f"{source}: expected skip '{expected[1]}…', got {reason!r}")
            if source in texts:
                problems.append(f"{source}: skipped but has records in the index")
            continue
        if source in skipped:
            problems.append(f"{source}: expected indexed, skipped: {skipped[source]}")
            continue
        text = texts.get(source, "")
        problems += [f"{source}: lacks {m!r}" for m in expected[1] if m not in text]
        problems += [f"{source}: contains {m!r}" for m in expected[2] if m in text]
    assert not problems, "\n".join(problems)
    print(
        f"\nrealworld: {report.files} files, {report.documents} documents, {report.pdf_pages} PDF pages, "
        f"{len(report.skipped_files)} files skipped, in {seconds:.1f} s"
    )


def test_stale_pdf_title_is_not_trusted(realworld_build: tuple[IndexerSettings, IndexReport, float]) -> None:
    ix = store.open_index(realworld_build[0].index_dir)
    with ix.searcher() as searcher:
        doc = searcher.document(source="dutch/pdf/denhelder_besluitenlijst-raad-2015-06-29.pdf", record="doc")
    assert doc is not None and doc["title"].startswith("Besluitenlijst raadsvergadering 29 juni 2015")


def _slow(path: Path, source: str, settings: Settings) -> Extraction:
    if "slow" in source:
        time.sleep(30)
    if "hungry" in source:
        hoard = [bytearray(64 * 1024 * 1024) for _ in range(100)]
        del hoard
    return Extraction(skips=[Skip(source, "fine")])


def test_a_hanging_or_greedy_file_is_stopped_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.sources.folder.extract_file", _slow)
    files = [SourceFile(tmp_path / name, name) for name in ("slow.pdf", "hungry.pdf", "fine.pdf")]
    settings = Settings(file_timeout=2, memory_limit_mb=512, workers=2)
    started = time.monotonic()
    outcomes = {o.file.source: o for o in extract_all(files, settings)}
    assert time.monotonic() - started < 15
    assert outcomes["slow.pdf"].reason == "resource limit: took longer than 2 s"
    assert outcomes["hungry.pdf"].reason.startswith("resource limit:")
    assert outcomes["fine.pdf"].extraction is not None


# --- OCR of the real scans ---------------------------------------------------------------

EMMEN_SCAN = "dutch/pdf/emmen_toezeggingen-commissie_scan-no-text.pdf"
EMMEN_TWIN = "dutch/pdf/emmen_toezeggingen-commissie_ocrmypdf.pdf"  # OCRmyPDF's text layer


def _search(settings: IndexerSettings, q: str) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from service import ServiceSettings, create_app

    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as client:
        response = client.get("/search", params={"q": q, "per_page": 50})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


@pytest.mark.parametrize("word", ["toezeggingen", "commissievergadering"])
def test_scanned_letter_is_found_on_its_page(
    realworld_build: tuple[IndexerSettings, IndexReport, float], word: str
) -> None:
    ix = store.open_index(realworld_build[0].index_dir)
    pages: dict[str, dict[int, bool]] = {}
    with ix.searcher() as searcher:
        for source in (EMMEN_SCAN, EMMEN_TWIN):
            pages[source] = {
                s["page"]: s["ocr"]
                for s in searcher.documents(source=source)
                if s["record"] == "passage" and word in s["content"].lower()
            }
    # On the pages where OCRmyPDF's text layer has it, and marked as recognised text.
    assert pages[EMMEN_SCAN] and set(pages[EMMEN_SCAN]) == set(pages[EMMEN_TWIN])
    assert all(pages[EMMEN_SCAN].values()) and not any(pages[EMMEN_TWIN].values())
    hit = next(r for r in _search(realworld_build[0], word) if r["source"] == EMMEN_SCAN)
    assert hit["page"] in pages[EMMEN_SCAN] and hit["file_url"].endswith(f"#page={hit['page']}")
    if word == "commissievergadering":
        assert set(pages[EMMEN_SCAN]) == {1}


def test_image_only_recipe_is_found_by_its_name(
    realworld_build: tuple[IndexerSettings, IndexReport, float],
) -> None:
    # The folder's MANIFEST.md describes the recipe too; among the PDFs the recipe comes first.
    pdfs = [r for r in _search(realworld_build[0], "linzensoep") if r["type"] == "pdf"]
    assert pdfs[0]["source"] == "dutch/pdf/typewriter-linzensoep_image-only.pdf" and pdfs[0]["page"] == 1


def test_ocr_text_matches_the_ocrmypdf_twin(
    realworld_build: tuple[IndexerSettings, IndexReport, float],
) -> None:
    """Our OCR of the scan against OCRmyPDF's text layer of the same letter, page by page.

    Measured 2026-12-01 (Tesseract 5.3.0, nld+eng, 300 dpi): the twin's words found in ours
    99.3 % (page 1) and 98.8 % (page 2), Jaccard 0.986 and 0.988. The bounds leave room for
    another Tesseract version's noise."""
    ix = store.open_index(realworld_build[0].index_dir)
    with ix.searcher() as searcher:
        words: dict[tuple[str, int], set[str]] = {}
        for source in (EMMEN_SCAN, EMMEN_TWIN):
            for s in searcher.documents(source=source):
                if s["record"] == "passage":
                    words.setdefault((source, s["page"]), set()).update(
                        re.findall(r"[^\W\d_]{3,}", fold(s["content"]).lower())
                    )
    for page in (1, 2):
        ours, twin = words[(EMMEN_SCAN, page)], words[(EMMEN_TWIN, page)]
        recall = len(ours & twin) / len(twin)
        jaccard = len(ours & twin) / len(ours | twin)
        print(f"\nEmmen page {page}: {recall:.3f} of the twin's words, Jaccard {jaccard:.3f}")
        assert recall >= 0.95 and jaccard >= 0.9


def test_build_report_counts_ocr(realworld_build: tuple[IndexerSettings, IndexReport, float]) -> None:
    report = realworld_build[1]
    # Emmen (2), the recipe, the book page, the JBIG2 scan and the garbled Arial page. The
    # Japanese page is read too, but PDFium cannot draw its glyphs either: the file stays
    # skipped as unreadable, and a skipped file reports no pages.
    assert report.ocr_pages + report.ocr_cached == 6
    skipped = {s.source: s.reason for s in report.skipped_files}
    assert skipped["pdf/japanese_dvipdfm_legacy-encoding.pdf"].startswith("unreadable text")
