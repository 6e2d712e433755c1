"""PDF files -> one Document whose passages carry their page numbers.

Cascade:
1. Sniff: a file without a `%PDF-` header is "not a PDF".
2. Open with pypdf (non-strict, so damaged cross-reference tables are rebuilt); decrypt with
   the empty user password when encrypted (RC4 and AES, via `cryptography`); a file that
   needs a real password is "encrypted: password required".
3. Text per page with its font sizes and weights (`pdflayout.styled_lines`); pages without a
   usable text layer (scans, garbled fonts) are read by OCR (`ocr`, Tesseract, cached); then
   `pdftext.clean_pages`: running headers and footers out, headings from the type, line-end
   hyphenation undone with the lexicon, paragraphs rebuilt, garbage and image-only pages found.
4. Passages per page from the paragraphs (never across pages).
5. Metadata: title from the info dictionary or XMP only when its words occur in the first
   pages (stored titles are often stale: "Microsoft Word - x.doc", another document's title);
   else the largest text on page 1; else its first line. Date and author likewise.

A page that fails or has no usable text is reported as a partial skip; a document with no
usable page at all raises the most telling ExtractionError.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ..config import IndexerSettings
from ..documents import Document, Skip
from ..errors import (
    CorruptFile,
    EmptyDocument,
    EncryptedPdf,
    ExtractionError,
    NotAPdf,
    NoTextLayer,
    UnreadableText,
)
from ..passages import Block, make_passages
from ..text import fold, one_line
from ..urls import files_path
from . import Extraction
from .ocr import OcrRun, recognise_scans
from .pdflayout import Line, styled_lines
from .pdftext import CleanPage, RawPage, clean_pages

MAX_PAGES = 5000
HEADER_WINDOW = 1024
USELESS_TITLE = re.compile(
    r"^(microsoft\s+\w+\s*-|untitled|document\d*|binder\d*|\S+\.(doc|docx|pdf|txt|odt|indd|qxd))",
    re.I,
)


def _open(path: Path) -> PdfReader:
    with path.open("rb") as fh:
        head = fh.read(HEADER_WINDOW)
    if b"%PDF-" not in head:
        raise NotAPdf("no %PDF- header in the first 1024 bytes")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise EncryptedPdf()
            except DependencyError as exc:
                raise CorruptFile(f"cannot decrypt: {exc}") from exc
        count = len(reader.pages)
    except (EncryptedPdf, CorruptFile):
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedPdf() from exc
    except RecursionError as exc:
        raise CorruptFile("object references loop without end") from exc
    except Exception as exc:  # pypdf raises many unrelated types on damaged files
        raise CorruptFile(_message(exc)) from exc
    if count == 0:
        raise EmptyDocument("the PDF has no pages")
    if count > MAX_PAGES:
        raise CorruptFile(f"claims {count} pages, more than the {MAX_PAGES} we read")
    return reader


def _message(exc: BaseException) -> str:
    text = one_line(str(exc)) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:200]


def _has_images(page: Any, depth: int = 0) -> bool:
    """Whether the page (or a form XObject on it, one level deep) draws an image."""
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
        for ref in (xobjects or {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                return True
            # Scanners often wrap the page image in a form XObject.
            if obj.get("/Subtype") == "/Form" and depth == 0 and _has_images(obj, 1):
                return True
        return False
    except Exception:  # a broken resource dictionary: assume nothing
        return False


def _largest_text(lines: list[Line]) -> str:
    """The text set in the largest font on a page (a title page's title)."""
    sized = [(line.size, line.text) for line in lines if line.size and line.text.strip()]
    if not sized:
        return ""
    sizes = sorted(size for size, _ in sized)
    biggest, typical = sizes[-1], sizes[len(sizes) // 2]
    if biggest < 1.3 * typical:
        return ""  # no stand-out title on this page
    text = one_line(" ".join(t for size, t in sized if abs(size - biggest) < 0.1))
    return text[:200] if len(text) >= 8 else ""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]{3,}", fold(text).lower()))


def _trusted_title(candidate: str, first_pages: str) -> bool:
    words = _words(candidate)
    if not candidate or USELESS_TITLE.match(candidate) or not words:
        return False
    found = _words(first_pages)
    return len(words & found) >= 0.6 * len(words)


def _metadata(reader: PdfReader) -> dict[str, Any]:
    out: dict[str, Any] = {"title": "", "author": "", "date": None}
    try:
        info = reader.metadata
        if info is not None:
            out["title"] = one_line(str(info.title or ""))
            out["author"] = one_line(str(info.author or ""))
            created = info.creation_date
            out["date"] = created.date() if isinstance(created, datetime) else None
    except Exception:  # malformed info dictionaries and dates are common
        pass
    try:
        xmp = reader.xmp_metadata
        if xmp is not None:
            if not out["title"] and xmp.dc_title:
                out["title"] = one_line(next(iter(xmp.dc_title.values()), ""))
            if not out["author"] and xmp.dc_creator:
                out["author"] = one_line(", ".join(xmp.dc_creator))
            if out["date"] is None and isinstance(xmp.xmp_create_date, datetime):
                out["date"] = xmp.xmp_create_date.date()
    except Exception:
        pass
    return out


def _title(meta: dict[str, Any], raw: list[RawPage], pages: list[CleanPage], path: Path) -> str:
    first_text = " ".join(p.text for p in pages[:2])
    if _trusted_title(meta["title"], first_text):
        return str(meta["title"])
    for page in pages[:2]:
        if page.problem:
            continue
        largest = _largest_text(raw[page.number - 1].lines)
        if _words(largest):
            return largest
        break
    for page in pages:
        for par in page.paragraphs:
            if par.text:
                return par.text[:120]
    return path.stem


def _read_pages(reader: PdfReader) -> tuple[list[RawPage], dict[int, str]]:
    raw: list[RawPage] = []
    failures: dict[int, str] = {}
    for n, pdf_page in enumerate(reader.pages):
        images = _has_images(pdf_page)
        try:
            text, lines = styled_lines(pdf_page)
            raw.append(RawPage(text, lines, images))
        except Exception as exc:  # one damaged page must not lose the document
            failures[n + 1] = "corrupt: " + _message(exc)
            raw.append(RawPage("", [], images))
    return raw, failures


def _no_usable_page(pages: list[CleanPage], failures: dict[int, str], ocr: OcrRun) -> ExtractionError:
    """The most telling reason why a document has no usable page at all."""
    problems = {p.problem for p in pages}
    total = len(pages)
    if failures:
        return CorruptFile(next(iter(failures.values())).removeprefix("corrupt: "))
    if "unreadable text" in problems:
        return UnreadableText(f"text on {total} page(s) is garbled (a font without a Unicode map?)")
    if "no text layer" in problems:
        # Why OCR did not help: not installed, switched off, out of time, or page limit.
        why = ocr.unavailable or next(
            (
                r.removeprefix("no text layer: ")
                for r in ocr.skipped.values()
                if r.startswith("no text layer")
            ),
            "needs OCR",
        )
        return NoTextLayer(f"{total} page(s) of images without text; {why}")
    if ocr.pages or ocr.cached:
        return EmptyDocument(f"no words on any of {total} page(s), also not by OCR")
    return EmptyDocument(f"no words on any of {total} page(s)")


def extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    started = time.monotonic()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = _open(path)
    raw, failures = _read_pages(reader)
    ocr = recognise_scans(path, reader, raw, failures, settings, started)
    pages = clean_pages(raw)
    skips: list[Skip] = []
    for page in pages:
        reason = failures.get(page.number) or ocr.skipped.get(page.number) or page.problem
        if reason == "no text layer":
            reason = f"no text layer: {ocr.unavailable or 'needs OCR'}"
        elif reason == "unreadable text" and page.ocr:
            reason = "unreadable text: also after OCR"
        if reason and reason != "empty":
            skips.append(Skip(f"{source} page {page.number}", reason))
    usable = [p for p in pages if any(par.text and not par.is_heading for par in p.paragraphs)]
    if not usable:
        raise _no_usable_page(pages, failures, ocr)
    # Pages with only a heading (a chapter's title page) still set the heading that follows.
    blocks = [
        Block(par.text, page.number, par.start, par.is_heading) for page in pages for par in page.paragraphs
    ]
    recognised = {page.number for page in pages if page.ocr}
    passages = [
        replace(p, ocr=True) if p.page in recognised else p
        for p in make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
    ]
    meta = _metadata(reader)
    published: date | None = meta["date"]
    doc = Document(
        source=source,
        kind="pdf",
        title=_title(meta, raw, pages, path),
        url=files_path(source),
        file=source,
        passages=passages,
        published=published,
        author=str(meta["author"]),
        summary=" ".join(b.text for b in blocks if not b.is_heading)[:300],
        pages=len(pages),
    )
    return Extraction([doc], skips, ocr_pages=ocr.pages, ocr_cached=ocr.cached, ocr_seconds=ocr.seconds)
