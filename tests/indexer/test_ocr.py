"""Scanned PDFs are searchable: OCR with Tesseract, marked in the index, cached by file hash.

The scans here are made by the tests (text drawn into page images, no text layer); the real
municipal scans of ../shared/realworld are tested in test_realworld.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import IndexerSettings, build_index, store
from indexer.errors import EmptyDocument, NoTextLayer
from indexer.extract import extract_file

from ..fixtures import SCAN_LINES, write_pdf, write_scan_pdf


@pytest.fixture(scope="module")
def scan_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scans")
    (root / "pdf").mkdir()
    write_scan_pdf(root / "pdf" / "brief.pdf", [SCAN_LINES, []])  # a letter and a blank back page
    write_pdf(root / "pdf" / "tekst.pdf")  # a PDF with a text layer needs no OCR
    return root


def _passages(settings: IndexerSettings, source: str) -> list[dict[str, object]]:
    ix = store.open_index(settings.index_dir)
    with ix.searcher() as searcher:
        found = [dict(s) for s in searcher.documents(source=source) if s["record"] == "passage"]
    return sorted(found, key=lambda s: str(s["id"]))


def test_scanned_pages_are_read_marked_and_cached(scan_corpus: Path, tmp_path: Path) -> None:
    settings = IndexerSettings(corpus_dir=scan_corpus, index_dir=tmp_path / "index", workers=2)
    first = build_index(settings)
    # Both pages of the scan went through Tesseract; the blank back page is an empty page, not
    # a skip or an error.
    assert first.ocr_pages == 2 and first.ocr_cached == 0 and first.ocr_seconds > 0
    assert first.skips == []
    passages = _passages(settings, "pdf/brief.pdf")
    assert passages and {p["page"] for p in passages} == {1}
    assert all(p["ocr"] is True for p in passages)
    text = " ".join(str(p["content"]) for p in passages)
    assert "buurtmoestuin achter het wijkcentrum" in text
    assert all(p["ocr"] is False for p in _passages(settings, "pdf/tekst.pdf"))
    assert (tmp_path / "index.ocr-cache").is_dir()

    again = build_index(settings)  # a rebuild: the same pages come from the cache
    assert again.ocr_pages == 0 and again.ocr_cached == 2
    assert [p["content"] for p in _passages(settings, "pdf/brief.pdf")] == [p["content"] for p in passages]
    assert first.as_dict()["ocr"]["pages"] == 2 and again.as_dict()["ocr"]["cached"] == 2


def test_a_blank_scan_is_empty_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "leeg.pdf"
    write_scan_pdf(path, [[]])
    settings = IndexerSettings(index_dir=tmp_path / "index")
    with pytest.raises(EmptyDocument) as caught:
        extract_file(path, "leeg.pdf", settings)
    assert caught.value.reason == "empty: no words on any of 1 page(s), also not by OCR"


def test_without_tesseract_the_build_says_what_to_install(
    scan_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # a machine without the tesseract program
    settings = IndexerSettings(index_dir=tmp_path / "index")
    with pytest.raises(NoTextLayer) as caught:
        extract_file(scan_corpus / "pdf" / "brief.pdf", "pdf/brief.pdf", settings)
    assert caught.value.reason == (
        "no text layer: 2 page(s) of images without text; needs OCR (install tesseract-ocr-nld)"
    )


def test_ocr_can_be_switched_off(scan_corpus: Path, tmp_path: Path) -> None:
    settings = IndexerSettings(corpus_dir=scan_corpus, index_dir=tmp_path / "index", ocr=False)
    report = build_index(settings)
    skipped = {s.source: s.reason for s in report.skipped_files}
    assert skipped == {
        "pdf/brief.pdf": "no text layer: 2 page(s) of images without text; "
        "needs OCR (OCR is off: VINDPLAATS_OCR=false)"
    }
    assert report.ocr_pages == 0 and not (tmp_path / "index.ocr-cache").exists()


def test_ocr_stops_at_the_page_limit_and_says_so(scan_corpus: Path, tmp_path: Path) -> None:
    settings = IndexerSettings(index_dir=tmp_path / "index", ocr_max_pages=1)
    result = extract_file(scan_corpus / "pdf" / "brief.pdf", "pdf/brief.pdf", settings)
    assert result.ocr_pages == 1
    assert [(s.source, s.reason) for s in result.skips] == [
        (
            "pdf/brief.pdf page 2",
            "no text layer: not recognised, more than VINDPLAATS_OCR_MAX_PAGES=1 scanned pages in this file",
        )
    ]


def test_ocr_stops_before_the_time_limit_and_the_cache_continues(scan_corpus: Path, tmp_path: Path) -> None:
    pdf = scan_corpus / "pdf" / "brief.pdf"
    hurried = IndexerSettings(index_dir=tmp_path / "index", file_timeout=0.5)
    with pytest.raises(NoTextLayer, match=r"OCR stopped at the time limit of 0\.5 s"):
        extract_file(pdf, "pdf/brief.pdf", hurried)  # no time to read even one page
    patient = IndexerSettings(index_dir=tmp_path / "index")
    assert extract_file(pdf, "pdf/brief.pdf", patient).ocr_pages == 2
    result = extract_file(pdf, "pdf/brief.pdf", hurried)  # the pages read before come from the cache
    assert result.ocr_pages == 0 and result.ocr_cached == 2 and result.skips == []


def test_the_time_limit_is_named(scan_corpus: Path, tmp_path: Path) -> None:
    from indexer.extract import ocr
    from indexer.extract.pdftext import RawPage

    raw = [RawPage.plain("", has_images=True), RawPage.plain("", has_images=True)]
    settings = IndexerSettings(index_dir=tmp_path / "index", file_timeout=0.5)
    run = ocr.recognise_scans(scan_corpus / "pdf" / "brief.pdf", None, raw, {}, settings, started=0.0)
    assert run.pages == 0 and sorted(run.skipped) == [1, 2]
    assert run.skipped[1] == (
        "no text layer: OCR stopped at the time limit of 0.5 s (VINDPLAATS_FILE_TIMEOUT); "
        "the next build continues from the OCR cache"
    )
