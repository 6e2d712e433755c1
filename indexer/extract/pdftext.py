"""Clean the raw text pypdf gives for each page of a PDF.

Stages, applied to the whole document because some need to see every page:

1. `clean_text` per line: NFKC (ligatures ﬁ -> fi), private-use glyph mapping, no control
   characters, bidi marks, U+FFFF or bullet glyphs. Each line keeps its font size and weight.
2. Running headers and footers: lines in the top or bottom three lines of a page that recur,
   up to digits, on many pages ("Pagina 3 van 17", "Manifest – Mogen wij u inspireren?"), and
   lone page numbers, are removed so they do not make every page match.
3. Headings from font size and weight (`pdflayout`); without usable style information
   (OCR text, one font throughout) only short numbered lines ("2.1 Aanpak") are headings.
4. Line-end hyphenation undone with the lexicon (`hyphens`): "Reac-|ties" -> "Reacties",
   while "Noord-|Holland", "zorg- en welzijn", "e-|mail", "Wmo-|beleid" keep their hyphen.
5. Paragraphs: lines are joined into paragraphs; a paragraph ends at a short line that ends a
   sentence, or where the type changes (a caption or quote after body text).
6. Quality: a page is "no text layer" (nothing but images), "unreadable text" (control
   characters, unmapped glyphs, or words that mix scripts letter by letter) or usable.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ..text import clean_text, map_private_use
from .hyphens import join_hyphenated
from .pdflayout import SAME_SIZE, BodyStyle, Line, Segment, body_style, find_headings, toc_entries

EDGE_LINES = 3
PAGE_NUMBER = re.compile(
    r"^(?:[-–—|·\s]*(?:pagina|page|blz\.?|p\.)?\s*\d{1,4}(?:\s*(?:van|of|/)\s*\d{1,4})?[-–—|·\s]*)$",
    re.I,
)
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*\.?)\s+[A-ZÀ-Ý]")  # "2.1 Aanpak", not "10 december"
SENTENCE_END = (".", "!", "?", ":", "”", '"', "’", ")")


@dataclass(slots=True)
class Paragraph:
    text: str
    start: int
    is_heading: bool = False  # a heading; "" as its text ends the heading before it


@dataclass(slots=True)
class RawPage:
    """What extraction got from one page: pypdf's text and its styled lines, or OCR text."""

    text: str
    lines: list[Line]
    has_images: bool = False
    ocr: bool = False
    problem: str = ""  # a verdict made before cleaning (OCR text Tesseract had no confidence in)

    @classmethod
    def plain(cls, text: str, has_images: bool = False, ocr: bool = False) -> RawPage:
        return cls(text, [Line(line) for line in text.split("\n")], has_images, ocr)


@dataclass(slots=True)
class CleanPage:
    number: int  # 1-based
    paragraphs: list[Paragraph] = field(default_factory=list)
    problem: str = ""  # "", "no text layer", "unreadable text", "empty"
    ocr: bool = False  # the text was recognised from the page image

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs if p.text)


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def strip_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running headers/footers and page numbers from each page's lines."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_edge_key(line.text) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(edges)
    text_pages = sum(1 for lines in pages if lines)
    threshold = max(2, int(0.4 * text_pages + 0.999))
    repeated = {key for key, n in counts.items() if n >= threshold and text_pages >= 2}
    out = []
    for lines in pages:
        keep: list[Line | None] = list(lines)
        for index in list(range(min(EDGE_LINES, len(lines)))) + list(
            range(max(EDGE_LINES, len(lines) - EDGE_LINES), len(lines))
        ):
            line = lines[index]
            if _edge_key(line.text) in repeated or PAGE_NUMBER.match(line.text):
                keep[index] = None
        remaining = [line for line in keep if line is not None]
        if not remaining:
            # Every line repeats on other pages: the pages say the same thing, not a header.
            remaining = [line for line in lines if not PAGE_NUMBER.match(line.text)]
        out.append(remaining)
    return out


def _is_numbered_heading(line: str, typical: float) -> bool:
    words = line.split()
    if not words or len(words) > 12 or line.endswith((".", ",", ";", ":")):
        return False
    if NUMBERED_HEADING.match(line) and len(line) < 0.8 * typical and not line[0:4].isdigit():
        return any(ch.isalpha() for ch in line)
    return False


def _style_change(a: Line, b: Line) -> bool:
    return bool(a.size and b.size) and (abs(a.size - b.size) >= SAME_SIZE or a.bold != b.bold)


def paragraphs(lines: list[Line], typical: float, numbered_headings: bool = False) -> list[Paragraph]:
    """Join body lines into paragraphs (offsets are filled in by the caller)."""
    texts = join_hyphenated([line.text for line in lines])
    kept = [(text, line) for text, line in zip(texts, lines, strict=True) if text.strip()]
    out: list[Paragraph] = []
    current: list[str] = []
    previous: Line | None = None

    def flush(heading: bool = False) -> None:
        nonlocal current
        text = " ".join(" ".join(current).split())
        if text:
            out.append(Paragraph(text, 0, heading))
        current = []

    for text, line in kept:
        if numbered_headings and _is_numbered_heading(text, typical):
            flush()
            current = [text]
            flush(heading=True)
            previous = line
            continue
        if previous is not None and _style_change(previous, line):
            flush()
        current.append(text)
        if text.endswith(SENTENCE_END) and len(text) < 0.75 * typical:
            flush()
        previous = line
    flush()
    return out


def _typical_length(lines: list[Line]) -> float:
    lengths = [len(line.text) for line in lines if len(line.text) > 20]
    return statistics.median(lengths) if lengths else 60.0


def page_paragraphs(
    lines: list[Line], body: BodyStyle | None, page_count: int, numbered_headings: bool = True
) -> list[Paragraph]:
    """Headings and paragraphs of one page, with offsets into the page text."""
    typical = _typical_length(lines)
    if body is not None:
        segments = find_headings(lines, body, page_count)
        numbered = False
    else:
        segments = [Segment(lines=lines)]
        # Without styles a numbered line may be a heading, unless the page lists contents.
        numbered = numbered_headings and toc_entries(lines, page_count) < 0
    out: list[Paragraph] = []
    for segment in segments:
        if segment.reset:
            out.append(Paragraph("", 0, is_heading=True))
        elif segment.lines is None:
            out.append(Paragraph(segment.heading, 0, is_heading=True))
        else:
            out.extend(paragraphs(segment.lines, typical, numbered))
    offset = 0
    for par in out:
        par.start = offset
        if par.text:
            offset += len(par.text) + 2
    return out


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "UNKNOWN"
    word = name.split(" ", 1)[0]
    return "CJK" if word in {"CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "IDEOGRAPHIC"} else word


def text_problem(text: str) -> str:
    """'' for usable text, else why the page's text cannot be trusted."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return "empty"
    bad = sum(1 for ch in visible if unicodedata.category(ch) in {"Cc", "Co", "Cn", "Cs"} or ch == "\ufffd")
    if bad / len(visible) > 0.1:
        return "unreadable text"
    letters = [ch for ch in visible if ch.isalpha()]
    if len(letters) < 3:
        return "empty"
    tokens = [t for t in text.split() if sum(ch.isalpha() for ch in t) >= 3]
    if tokens:
        mixed = 0
        for token in tokens:
            scripts = {_script(ch) for ch in token if ch.isalpha()}
            scripts.discard("LATIN")
            if len(scripts) >= 2 or (
                scripts
                and any(_script(ch) == "LATIN" for ch in token if ch.isalpha())
                and len(token) > 3
                and not scripts <= {"CJK"}
            ):
                mixed += 1
        if mixed / len(tokens) > 0.3:
            return "unreadable text"
        latin = [t for t in tokens if all(_script(ch) == "LATIN" for ch in t if ch.isalpha())]
        letters = [ch.lower() for t in latin for ch in t if ch.isalpha()]
        if len(letters) >= 200:
            # Vowels are about 35-40 % of the letters of any European language; text from a
            # font without a Unicode map (shifted codes) has far fewer.
            vowels = sum(1 for ch in letters if ch in "aeiouyàáâäèéêëìíîïòóôöùúûü")
            if vowels / len(letters) < 0.2:
                return "unreadable text"
        if len(latin) >= 10:
            no_vowel = sum(1 for t in latin if not re.search(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]", t, re.I))
            if no_vowel / len(latin) > 0.35:
                return "unreadable text"
    return ""


def _clean_lines(lines: list[Line]) -> list[Line]:
    out = []
    for line in lines:
        for piece in clean_text(line.text).split("\n"):
            if piece.strip():
                out.append(Line(piece, line.size, line.bold))
    return out


def clean_pages(raw_pages: list[RawPage]) -> list[CleanPage]:
    """Run stages 1-6 over all pages of one document."""
    # Judge quality before cleaning: cleaning turns the control characters of a font without
    # a Unicode map into spaces, hiding the evidence.
    problems = [page.problem or text_problem(map_private_use(page.text)) for page in raw_pages]
    line_lists = [
        _clean_lines(page.lines) if not problem else []
        for page, problem in zip(raw_pages, problems, strict=True)
    ]
    line_lists = strip_running_lines(line_lists)
    body = body_style([lines for lines, page in zip(line_lists, raw_pages, strict=True) if not page.ocr])
    pages: list[CleanPage] = []
    for n, (lines, problem, raw) in enumerate(zip(line_lists, problems, raw_pages, strict=True)):
        if problem == "empty" and raw.has_images and not raw.ocr:
            problem = "no text layer"
        page = CleanPage(n + 1, problem=problem, ocr=raw.ocr)
        if not problem:
            # OCR text has no type to read headings from, and a letterhead's "10 december 2024"
            # is no numbered heading: the heading of the page before goes on.
            page.paragraphs = page_paragraphs(lines, None if raw.ocr else body, len(raw_pages), not raw.ocr)
            if not any(p.text and not p.is_heading for p in page.paragraphs):
                page.problem = "no text layer" if raw.has_images and not raw.ocr else "empty"
        pages.append(page)
    return pages
