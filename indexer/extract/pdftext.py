"""Clean the raw text pypdf gives for each page of a PDF.

Stages, applied to the whole document because some need to see every page:

1. `clean_text`: NFKC (ligatures ﬁ -> fi), private-use glyph mapping, no control characters,
   bidi marks, U+FFFF or bullet glyphs.
2. Running headers and footers: lines in the top or bottom three lines of a page that recur,
   up to digits, on many pages ("Pagina 3 van 17", "Manifest – Mogen wij u inspireren?"), and
   lone page numbers, are removed so they do not make every page match.
3. Line-end hyphenation: "maatschap-" + "pelijk" -> "maatschappelijk", while real hyphens stay:
   "Noord-|Holland", "zorg- en welzijnsorganisaties", "e-|mail", "Wmo-|beleid".
4. Paragraphs: lines are joined into paragraphs; a paragraph ends at a blank line or at a short
   line that ends a sentence. Numbered or short title-like lines become headings.
5. Quality: a page is "no text layer" (nothing but images), "unreadable text" (control
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

EDGE_LINES = 3
PAGE_NUMBER = re.compile(
    r"^(?:[-–—|·\s]*(?:pagina|page|blz\.?|p\.)?\s*\d{1,4}(?:\s*(?:van|of|/)\s*\d{1,4})?[-–—|·\s]*)$",
    re.I,
)
HYPHEN_END = re.compile(r"(\S*?)([^\W\d_]+)-$")
CONJUNCTION_START = re.compile(r"^(en|of|tot|noch|and|or|to)\b")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*\.?)\s+\S")
SENTENCE_END = (".", "!", "?", ":", "”", '"', "’", ")")


@dataclass(slots=True)
class Paragraph:
    text: str
    start: int
    is_heading: bool = False


@dataclass(slots=True)
class CleanPage:
    number: int  # 1-based
    paragraphs: list[Paragraph] = field(default_factory=list)
    problem: str = ""  # "", "no text layer", "unreadable text", "empty"

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers/footers and page numbers from each page's lines."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_edge_key(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(edges)
    text_pages = sum(1 for lines in pages if lines)
    threshold = max(2, int(0.4 * text_pages + 0.999))
    repeated = {key for key, n in counts.items() if n >= threshold and text_pages >= 2}
    out = []
    for lines in pages:
        keep = list(lines)
        for index in list(range(min(EDGE_LINES, len(lines)))) + list(
            range(max(EDGE_LINES, len(lines) - EDGE_LINES), len(lines))
        ):
            line = lines[index]
            if _edge_key(line) in repeated or PAGE_NUMBER.match(line):
                keep[index] = ""
        remaining = [line for line in keep if line]
        if not remaining:
            # Every line repeats on other pages: the pages say the same thing, not a header.
            remaining = [line for line in lines if not PAGE_NUMBER.match(line)]
        out.append(remaining)
    return out


def join_hyphenated(lines: list[str]) -> list[str]:
    """Undo hyphenation at line ends, keeping hyphens that belong to the words."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        while i + 1 < len(lines):
            match = HYPHEN_END.search(line)
            nxt = lines[i + 1].lstrip()
            if not match or not nxt:
                break
            left = match.group(2)
            if CONJUNCTION_START.match(nxt):
                break  # "zorg- en welzijnsorganisaties": a real hyphen, then a new word
            first, _, rest = nxt.partition(" ")
            if nxt[0].islower() and left.islower() and len(left) >= 2 and left.isalpha():
                line = line[:-1] + first  # "maatschap-" + "pelijk"
            else:
                line = line + first  # "Noord-" + "Holland", "e-" + "mail", "Wmo-" + "beleid"
            lines[i + 1] = rest
            if rest:
                break
            i += 1  # the next line was a single word: keep joining onto this one
        out.append(line)
        i += 1
    return [line for line in out if line.strip()]


def _is_heading(line: str, typical: float) -> bool:
    words = line.split()
    if not words or len(words) > 12 or line.endswith((".", ",", ";", ":")):
        return False
    if NUMBERED_HEADING.match(line) and len(line) < 0.8 * typical and not line[0:4].isdigit():
        return any(ch.isalpha() for ch in line)
    return False


def paragraphs(lines: list[str]) -> list[Paragraph]:
    if not lines:
        return []
    lengths = [len(line) for line in lines if len(line) > 20]
    typical = statistics.median(lengths) if lengths else 60.0
    out: list[Paragraph] = []
    current: list[str] = []
    offset = 0

    def flush(heading: bool = False) -> None:
        nonlocal current, offset
        text = " ".join(" ".join(current).split())
        if text:
            out.append(Paragraph(text, offset, heading))
            offset += len(text) + 2
        current = []

    for line in lines:
        if _is_heading(line, typical):
            flush()
            current = [line]
            flush(heading=True)
            continue
        current.append(line)
        if line.endswith(SENTENCE_END) and len(line) < 0.75 * typical:
            flush()
    flush()
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


def clean_pages(raw_pages: list[str], has_images: list[bool]) -> list[CleanPage]:
    """Run stages 1-5 over all pages of one document."""
    # Judge quality before cleaning: cleaning turns the control characters of a font without
    # a Unicode map into spaces, hiding the evidence.
    problems = [text_problem(map_private_use(text)) for text in raw_pages]
    cleaned = [clean_text(text) for text in raw_pages]
    line_lists = [
        [line for line in text.split("\n") if line.strip()] if not problem else []
        for text, problem in zip(cleaned, problems, strict=True)
    ]
    line_lists = strip_running_lines(line_lists)
    pages: list[CleanPage] = []
    for n, (lines, problem, images) in enumerate(zip(line_lists, problems, has_images, strict=True)):
        if problem == "empty" and images:
            problem = "no text layer"
        page = CleanPage(n + 1, problem=problem)
        if not problem:
            page.paragraphs = paragraphs(join_hyphenated(lines))
            if not page.paragraphs:
                page.problem = "no text layer" if images else "empty"
        pages.append(page)
    return pages
