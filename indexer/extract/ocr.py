"""Text for scanned pages: render with PDFium, recognise with Tesseract, cache by file hash.

A page needs OCR when its text layer is missing (images and no words) or unreadable (the
quality check's verdict: a font without a Unicode map, for instance). Such a page is rendered
by `pypdfium2` at `VINDPLAATS_OCR_DPI` (300, as the Woo platform does), or at the resolution
of the scan itself when that is finer (a 2400 dpi typewriter scan on a small page), within a
pixel budget, and read by Tesseract (`pytesseract`) with the Dutch and English models.

Tesseract's word confidences are kept: a page it reads with low confidence (a script it has
no model for) counts as unreadable, like a garbled text layer.

Costs and limits: OCR runs in the extraction process of the file, so the per-file time and
memory limits apply to it too. Before each page the remaining time is checked against the
slowest page so far; pages that no longer fit, or beyond `VINDPLAATS_OCR_MAX_PAGES`, are
reported as skipped with the reason. Every recognised page is written to the cache at once
(key: SHA-256 of the file, page, scale, languages, Tesseract version), so a rebuild, an update
or a build that ran out of time continues where the last one stopped and never reads a page
twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import IndexerSettings
from ..text import map_private_use
from .pdftext import RawPage, text_problem

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # per rendered page: ~A4 at 600 dpi; bounds memory on giant pages
MIN_CONFIDENCE = 55.0  # Tesseract's mean word confidence below which a page is unreadable
CACHE_FORMAT = 1  # bump when what is cached changes
TIME_MARGIN = 0.85  # share of the file time limit OCR may use; the rest is for cleaning up
INSTALL_HINT = "needs OCR (install tesseract-ocr-nld)"


@dataclass(slots=True)
class OcrRun:
    pages: int = 0  # pages recognised by Tesseract in this run
    cached: int = 0  # pages whose text came from the cache
    seconds: float = 0.0
    unavailable: str = ""  # why no OCR ran: the text of a "no text layer" skip
    skipped: dict[int, str] = field(default_factory=dict)  # page -> why it was not recognised


@dataclass(frozen=True, slots=True)
class Engine:
    version: str
    languages: str


def needs_ocr(page: RawPage) -> bool:
    problem = text_problem(map_private_use(page.text))
    return (problem == "empty" and page.has_images) or problem == "unreadable text"


def cache_dir(settings: IndexerSettings) -> Path:
    if settings.ocr_cache is not None:
        return settings.ocr_cache
    index = settings.index_dir
    return index.parent / (index.name + ".ocr-cache")


def engine(settings: IndexerSettings) -> Engine | str:
    """The Tesseract to use, or why there is none."""
    if not settings.ocr:
        return "needs OCR (OCR is off: VINDPLAATS_OCR=false)"
    try:
        import pytesseract

        version = str(pytesseract.get_tesseract_version())
        installed = set(pytesseract.get_languages(config=""))
    except Exception:  # not installed, not on PATH, or not runnable
        return INSTALL_HINT
    wanted = [lang for lang in settings.ocr_languages.split("+") if lang]
    if "nld" in wanted and "nld" not in installed:
        return INSTALL_HINT
    missing = [lang for lang in wanted if lang not in installed]
    if missing:
        return f"needs OCR (install the Tesseract model for {', '.join(missing)})"
    return Engine(version, "+".join(wanted))


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _scale(page: Any, reader_page: Any, dpi: int) -> float:
    """Render scale (pixels per point): the setting's dpi, or the scan's own when finer."""
    width, height = page.get_size()
    scale = dpi / 72.0
    try:
        for ref in (reader_page["/Resources"]["/XObject"] or {}).values():
            image = ref.get_object()
            if image.get("/Subtype") == "/Image" and width and height:
                native = max(float(image["/Width"]) / width, float(image["/Height"]) / height)
                scale = max(scale, min(native, 2400 / 72.0))
    except Exception:  # no images at the top level (a form XObject): the setting's dpi
        pass
    if width * height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / (width * height)) ** 0.5
    return round(scale, 3)


def _recognise(image: Any, eng: Engine, timeout: float) -> tuple[str, float]:
    """Tesseract's text (lines and paragraphs kept) and its mean word confidence."""
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang=eng.languages, output_type=pytesseract.Output.DICT, timeout=max(1.0, timeout)
    )
    out: list[str] = []
    where: tuple[int, int, int] | None = None
    weighted = letters = 0.0
    for n, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        here = (data["block_num"][n], data["par_num"][n], data["line_num"][n])
        if where is not None:
            out.append(" " if here == where else ("\n" if here[:2] == where[:2] else "\n\n"))
        out.append(word)
        where = here
        confidence = float(data["conf"][n])
        if confidence >= 0:
            weighted += confidence * len(word)
            letters += len(word)
    return "".join(out), (weighted / letters if letters else 0.0)


class _Cache:
    def __init__(self, root: Path, file_hash: str, eng: Engine, settings: IndexerSettings) -> None:
        self.folder = root / file_hash[:2] / file_hash
        self.suffix = f"{eng.languages}-{settings.ocr_dpi}-t{eng.version}-f{CACHE_FORMAT}.json"

    def _path(self, number: int) -> Path:
        return self.folder / f"p{number}-{self.suffix}"

    def get(self, number: int) -> tuple[str, float] | None:
        try:
            data = json.loads(self._path(number).read_text("utf-8"))
            return str(data["text"]), float(data["confidence"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, number: int, text: str, confidence: float) -> None:
        path = self._path(number)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps({"text": text, "confidence": confidence}), "utf-8")
            tmp.replace(path)  # atomic: a parallel build reads the old state or the new one
        except OSError as exc:
            log.warning("OCR cache %s is not writable: %s", self.folder, exc)


def _recognised(text: str, confidence: float) -> RawPage:
    page = RawPage.plain(text, has_images=True, ocr=True)
    if confidence < MIN_CONFIDENCE and text.strip():
        page.problem = "unreadable text"  # words Tesseract itself does not trust stay out
    return page


def _apply(run: OcrRun, raw: list[RawPage], number: int, text: str, confidence: float) -> None:
    """Put the recognised text in place of the page's text layer, or say why not."""
    if not text.strip() and raw[number - 1].text.strip():
        # A garbled text layer over nothing OCR can read (glyphs PDFium cannot draw either).
        run.skipped[number] = "unreadable text: garbled text layer, and OCR found no words"
        return
    raw[number - 1] = _recognised(text, confidence)
    if raw[number - 1].problem:
        run.skipped[number] = _low_confidence(confidence)


def _low_confidence(confidence: float) -> str:
    return f"unreadable text: OCR confidence {confidence:.0f} % (a script without a Tesseract model?)"


def recognise_scans(
    path: Path,
    reader: Any,
    raw: list[RawPage],
    failures: dict[int, str],
    settings: IndexerSettings,
    started: float,
) -> OcrRun:
    """Replace the pages without a usable text layer by their OCR text, in place."""
    run = OcrRun()
    todo = [n for n, page in enumerate(raw, start=1) if n not in failures and needs_ocr(page)]
    if not todo:
        return run
    eng = engine(settings)
    if isinstance(eng, str):
        run.unavailable = eng
        return run
    cache = _Cache(cache_dir(settings), _file_hash(path), eng, settings)
    deadline = started + TIME_MARGIN * settings.file_timeout
    slowest = 0.0
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # extraction already runs one process per core
    document: Any = None
    try:
        for count, number in enumerate(todo, start=1):
            hit = cache.get(number)
            if hit is not None:
                _apply(run, raw, number, *hit)
                run.cached += 1
                continue
            if count > settings.ocr_max_pages:
                run.skipped[number] = (
                    f"no text layer: not recognised, more than VINDPLAATS_OCR_MAX_PAGES="
                    f"{settings.ocr_max_pages} scanned pages in this file"
                )
                continue
            left = deadline - time.monotonic()
            if left < 1.5 * slowest or left <= 1.0:
                run.skipped[number] = (
                    f"no text layer: OCR stopped at the time limit of {settings.file_timeout:g} s "
                    "(VINDPLAATS_FILE_TIMEOUT); the next build continues from the OCR cache"
                )
                continue
            begun = time.monotonic()
            try:
                if document is None:
                    import pypdfium2

                    document = pypdfium2.PdfDocument(str(path))
                page = document[number - 1]
                scale = _scale(page, reader.pages[number - 1], settings.ocr_dpi)
                image = page.render(scale=scale, grayscale=True).to_pil()
                text, confidence = _recognise(image, eng, left)
            except Exception as exc:  # a page PDFium cannot render or Tesseract cannot read
                run.skipped[number] = f"no text layer: OCR failed: {type(exc).__name__}: {str(exc)[:120]}"
                continue
            took = time.monotonic() - begun
            slowest = max(slowest, took)
            run.seconds += took
            run.pages += 1
            cache.put(number, text, confidence)
            _apply(run, raw, number, text, confidence)
    finally:
        if document is not None:
            document.close()
    return run
