"""Turn one source file into Documents: one entry point, a suffix -> extractor table.

    extract_file(path, source, settings) -> Extraction(documents, skips)

Each extractor returns the same shape. A whole-file failure raises an ExtractionError
subclass whose `reason` goes into the build report; partial losses (a WXR draft, a scanned
page inside a text PDF) are returned as `skips` beside the documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import IndexerSettings
from ..documents import Document, Skip
from ..errors import UnsupportedFormat


@dataclass(slots=True)
class Extraction:
    documents: list[Document] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    ocr_pages: int = 0  # scanned pages recognised by Tesseract for this file
    ocr_cached: int = 0  # scanned pages whose OCR text came from the cache
    ocr_seconds: float = 0.0


Extractor = Callable[[Path, str, IndexerSettings], Extraction]


def _extractors() -> dict[str, Extractor]:
    # Imported lazily so that a worker process pays only for the formats it meets.
    from . import html, markdown, pdf, wxr

    return {
        ".html": html.extract,
        ".htm": html.extract,
        ".md": markdown.extract,
        ".txt": markdown.extract,
        ".xml": wxr.extract,
        ".pdf": pdf.extract,
    }


SUFFIXES = (".html", ".htm", ".md", ".txt", ".xml", ".pdf")


def extract_file(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    extractor = _extractors().get(path.suffix.lower())
    if extractor is None:
        raise UnsupportedFormat(path.suffix or "no suffix")
    return extractor(path, source, settings)
