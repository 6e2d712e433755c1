"""The font size and weight of each line of a PDF page, and the headings they reveal.

Headings are found from how the text is set, never from a table of contents:

1. `styled_lines`: pypdf's text visitor reports every text run with its font and size; the runs
   are cut into the same lines `extract_text` gives, and each line gets the size (scaled by the
   text and graphics matrices) and weight that most of its letters have.
2. `body_style`: the size most letters of the document are set in is the body text. Without
   a dominant size (an OCR layer whose size follows each scanned word) style says nothing.
3. `find_headings`: a short line set clearly larger than the body, or bold in a regular body,
   is a heading candidate. Consecutive candidates in one style are one heading (two-line
   headings stay whole); a run that is too long or ends a sentence is an emphasised paragraph
   (a bold lead), not a heading. A short upper-case line right above a heading is its kicker
   ("VOORWOORD" above "Honderd dagen" gives "Voorwoord: Honderd dagen").
4. A table-of-contents page (four or more lines that start or end with page numbers in order)
   yields no headings after its first entry, and the heading it shows is not carried onto the
   pages that follow.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .hyphens import join_hyphenated

BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibold|extrabold|ultrabold|[,-]b$", re.I)
FORCE_BOLD = 1 << 18  # FontDescriptor /Flags bit 19
LARGER = 1.15  # a heading is set at least this much larger than the body ...
BOLD_MIN = 0.88  # ... or bold and at least this large (sans subheads are often a bit smaller)
SAME_SIZE = 0.6  # points: lines of one heading share their size
MAX_HEADING_LINES = 3
MAX_HEADING_WORDS = 24
MAX_LINE_WORDS = 14
MAX_KICKER_WORDS = 5
TABLE_HEADER = re.compile(r"(?:\s\d[\d.,]*){2,}\s*$")
TOC_MIN_LINES = 4
TOC_START = re.compile(r"^(\d{1,3})\s+[^\W\d_]")
TOC_END = re.compile(r"[^\W\d_][^\d]*?(?:\s*\.{2,}\s*|\s+)(\d{1,3})$")


@dataclass(slots=True)
class Line:
    text: str
    size: float = 0.0  # effective font size in points; 0 when unknown
    bold: bool = False


@dataclass(frozen=True, slots=True)
class BodyStyle:
    size: float
    bold: bool


@dataclass(slots=True)
class Segment:
    """A heading, or a run of body lines between headings."""

    heading: str = ""
    lines: list[Line] | None = None
    reset: bool = False  # a heading that applies to nothing (after a table of contents)


def _bold(font: Any, cache: dict[int, bool]) -> bool:
    if font is None:
        return False
    key = id(font)
    if key not in cache:
        cache[key] = _font_is_bold(font)
    return cache[key]


def _font_is_bold(font: Any) -> bool:
    try:
        if BOLD_NAME.search(str(font.get("/BaseFont", "")).split("+")[-1]):
            return True
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and font.get("/DescendantFonts"):
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        if descriptor is None:
            return False
        descriptor = descriptor.get_object()
        weight = float(descriptor.get("/FontWeight", 0) or 0)
        flags = int(descriptor.get("/Flags", 0) or 0)
        return weight >= 600 or bool(flags & FORCE_BOLD)
    except Exception:  # a malformed font dictionary says nothing about weight
        return False


def _scale(cm: Any, tm: Any) -> float:
    """Vertical scale of the text matrix times the current transformation matrix."""
    try:
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        return math.hypot(c, d) or 1.0
    except (TypeError, IndexError):
        return 1.0


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def styled_lines(page: Any) -> tuple[str, list[Line]]:
    """The page's text (as `extract_text` gives it) and its lines with their style.

    When the visitor's runs do not add up to the text (a pypdf path that bypasses it), the
    lines come back without style rather than with a wrong one.
    """
    runs: list[tuple[str, float, bool]] = []
    fonts: dict[int, bool] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        runs.append((text, float(size or 0.0) * _scale(cm, tm), _bold(font, fonts)))

    text = page.extract_text(visitor_text=visit) or ""
    if "".join(run[0] for run in runs) != text:
        return text, [Line(line) for line in text.split("\n")]
    lines: list[Line] = []
    parts: list[str] = []
    weights: Counter[tuple[float, bool]] = Counter()

    def finish() -> None:
        line = "".join(parts)
        if weights:
            size = Counter({s: 0 for s, _ in weights})
            for (s, _), n in weights.items():
                size[s] += n
            bold = sum(n for (_, b), n in weights.items() if b) >= 0.8 * sum(weights.values())
            lines.append(Line(line, size.most_common(1)[0][0], bold))
        else:
            lines.append(Line(line))
        parts.clear()
        weights.clear()

    for run_text, size, bold in runs:
        for n, piece in enumerate(run_text.split("\n")):
            if n:
                finish()
            parts.append(piece)
            if _letters(piece):
                weights[(round(size, 1), bold)] += _letters(piece)
    finish()
    return text, lines


def body_style(pages: list[list[Line]]) -> BodyStyle | None:
    """The size (and weight) most letters are set in, if one size clearly dominates."""
    sizes: Counter[float] = Counter()
    bold: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            if line.size:
                n = _letters(line.text)
                sizes[line.size] += n
                if line.bold:
                    bold[line.size] += n
    total = sum(sizes.values())
    if not total:
        return None
    size, count = sizes.most_common(1)[0]
    if count < 0.3 * total:
        return None
    return BodyStyle(size, bold[size] > 0.5 * count)


def _candidate(line: Line, body: BodyStyle) -> bool:
    words = line.text.split()
    if not words or len(words) > MAX_LINE_WORDS or not line.size:
        return False
    if not any(sum(ch.isalpha() for ch in word) >= 3 for word in words):
        return False  # "IR", "2": a logo's letters or a lone number
    if TABLE_HEADER.search(line.text):
        return False  # "Balans 2023 2022": the bold header row of a table
    if line.size >= LARGER * body.size:
        return True
    return line.bold and not body.bold and line.size >= BOLD_MIN * body.size


def _same_style(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) < SAME_SIZE and a.bold == b.bold


def _kicker(line: Line, heading: Line) -> bool:
    words = line.text.split()
    letters = [ch for ch in line.text if ch.isalpha()]
    return (
        0 < len(words) <= MAX_KICKER_WORDS
        and len(letters) >= 3
        and all(ch.isupper() for ch in letters)
        and line.size < heading.size
        and not line.text.rstrip().endswith((".", ",", ";"))
    )


def _kicker_text(text: str) -> str:
    lowered = " ".join(text.split()).lower()
    return lowered[:1].upper() + lowered[1:]


def toc_entries(lines: list[Line], page_count: int) -> int:
    """Index of the first table-of-contents entry on the page, or -1 if it is no such page."""
    starts: list[tuple[int, int]] = []
    ends: list[tuple[int, int]] = []
    for n, line in enumerate(lines):
        text = " ".join(line.text.split())
        if len(text.split()) > MAX_LINE_WORDS:
            continue
        if match := TOC_END.search(text):
            ends.append((n, int(match[1])))
        if match := TOC_START.match(text):
            starts.append((n, int(match[1])))
    for entries in (ends, starts):
        numbers = [number for _, number in entries]
        if (
            len(entries) >= TOC_MIN_LINES
            and numbers == sorted(numbers)
            and 0 < max(numbers) <= max(page_count, 1)
        ):
            return entries[0][0]
    return -1


def find_headings(lines: list[Line], body: BodyStyle, page_count: int) -> list[Segment]:
    """Split one page's lines into headings and the body text between them."""
    toc_from = toc_entries(lines, page_count)
    limit = toc_from if toc_from >= 0 else len(lines)
    segments: list[Segment] = []
    run: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i < limit and _candidate(line, body):
            group = [line]
            while (
                i + len(group) < limit
                and len(group) < MAX_HEADING_LINES + 1
                and _same_style(lines[i + len(group)], line)
                and _candidate(lines[i + len(group)], body)
            ):
                group.append(lines[i + len(group)])
            text = " ".join(" ".join(g.text for g in group).split())
            if (
                len(group) <= MAX_HEADING_LINES
                and len(text.split()) <= MAX_HEADING_WORDS
                and not text.endswith((".", ",", ";", ":", "-"))
            ):
                text = join_heading_lines(group, text)
                if run and _kicker(run[-1], line):
                    text = f"{_kicker_text(run.pop().text)}: {text}"
                if run:
                    segments.append(Segment(lines=run))
                    run = []
                segments.append(Segment(heading=text))
                i += len(group)
                continue
            run.extend(group)
            i += len(group)
            continue
        run.append(line)
        i += 1
    if run:
        segments.append(Segment(lines=run))
    if toc_from >= 0:
        segments.append(Segment(reset=True))
    return segments


def join_heading_lines(group: list[Line], text: str) -> str:
    """A heading broken over lines with a soft hyphen is joined like body text."""
    if len(group) == 1:
        return text
    return " ".join(" ".join(join_hyphenated([g.text for g in group])).split())
