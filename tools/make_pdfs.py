#!/usr/bin/env python3
"""Generate the PDF test corpus of Vindplaats.

Writes two PDFs from the original Dutch texts in ``tools/pdf_src/``:

* ``corpus/pdf/maatschappelijk-aanbesteden-manifest-2013.pdf``
  (single column, justified, hyphenated, table of contents with real page numbers)
* ``corpus/pdf/bzk-magazine-samenwerken-in-het-sociaal-domein-2014.pdf``
  (two-column magazine with leads, quote boxes and photo placeholders)

and the test fixture ``tests/data/pdf_passages.json`` with passages and
hyphenated words that are verified against the text pypdf extracts.

Run: ``.venv/bin/python tools/make_pdfs.py``  (deterministic output)

Layout notes
------------
* Lines are broken by our own greedy line breaker.  A word that does not fit is
  hyphenated with pyphen (``nl_NL``); at least three letters stay on each side.
* Words that contain a real hyphen ("Noord-Holland", "e-mail") are never broken
  and a suspended hyphen ("zorg- en") is glued to the next word, so a hyphen at
  the end of an extracted line is always a soft (hyphenation) hyphen.
* Columns are drawn one after the other (column 1 completely, then column 2),
  so text extraction reads each column in order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyphen  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.line_break import TextLine
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = ROOT / "tools" / "pdf_src"
OUT_DIR = ROOT / "corpus" / "pdf"
PASSAGES_JSON = ROOT / "tests" / "data" / "pdf_passages.json"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

MANIFEST_PDF = "maatschappelijk-aanbesteden-manifest-2013.pdf"
MAGAZINE_PDF = "bzk-magazine-samenwerken-in-het-sociaal-domein-2014.pdf"

HYPHENATOR = pyphen.Pyphen(lang="nl_NL")
MIN_FRAGMENT = 3  # letters that must stay on either side of a hyphenation point

# --------------------------------------------------------------------------
# Source parsing
# --------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # heading, subheading, lead, byline, para, bullets, figure, quote, newpage
    text: str = ""
    items: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def parse_source(path: Path) -> tuple[dict[str, str], list[Block]]:
    """Parse the small markdown dialect used in tools/pdf_src/*.md."""
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    if raw.startswith("---\n"):
        head, raw = raw[4:].split("\n---\n", 1)
        for line in head.splitlines():
            if line.strip() and not line.startswith("#"):
                key, value = line.split(":", 1)
                meta[key.strip()] = value.strip()
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", raw.strip()):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines or lines[0].startswith("<!--"):
            continue
        first = lines[0]
        if first.startswith("# "):
            kicker, _, title = first[2:].rpartition(" | ")
            blocks.append(Block("heading", title.strip(), extra={"kicker": kicker.strip()}))
            rest = lines[1:]
            if rest:
                blocks.append(Block("para", " ".join(rest)))
        elif first.startswith("## "):
            blocks.append(Block("subheading", first[3:].strip()))
        elif first.startswith("> "):
            blocks.append(Block("lead", " ".join(ln.lstrip("> ").strip() for ln in lines)))
        elif first.startswith(("Tekst: ", "Tekst en foto's: ")):
            blocks.append(Block("byline", " ".join(lines)))
        elif first.startswith("- "):
            items: list[str] = []
            for ln in lines:
                if ln.startswith("- "):
                    items.append(ln[2:].strip())
                else:
                    items[-1] += " " + ln
            blocks.append(Block("bullets", items=items))
        elif first.startswith("[foto"):
            m = re.fullmatch(r"\[foto (\d+) \| (.+)\]", " ".join(lines))
            assert m, chunk
            blocks.append(Block("figure", m.group(2), extra={"height": float(m.group(1))}))
        elif first.startswith("[citaat"):
            m = re.fullmatch(r"\[citaat \| (.+) \| (.+)\]", " ".join(lines))
            assert m, chunk
            blocks.append(Block("quote", m.group(1), extra={"speaker": m.group(2)}))
        elif first == "[nieuwe pagina]":
            blocks.append(Block("newpage"))
        else:
            blocks.append(Block("para", " ".join(lines)))
    return meta, blocks


# --------------------------------------------------------------------------
# Typesetting primitives
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    family: str
    style: str
    size: float
    leading: float  # line height in mm
    color: tuple[int, int, int] = (25, 25, 25)


@dataclass
class Line:
    text: str
    align: str  # "J" or "L"
    hyph: tuple[str, str, str] | None = None  # (word, left, right) if broken


@dataclass
class Item:
    """Something that occupies vertical space in a column."""

    kind: str  # line, space, block
    h: float
    line: Line | None = None
    style: Style | None = None
    indent: float = 0.0
    bullet: str = ""
    keep_next: bool = False
    seg: str = "body"  # text segment kind for the passage bookkeeping
    draw: Callable[[Doc, float, float, float], None] | None = None
    record: Callable[[Doc, int], None] | None = None


WORD_RE = re.compile(r"^([^\w]*)(\w+)([^\w]*)$")


def tokenize(text: str) -> list[str]:
    """Split into breakable units; glue en dashes and suspended hyphens."""
    units: list[str] = []
    glue_next = False
    for tok in text.split():
        if units and (glue_next or tok in ("–", "—")):
            units[-1] += " " + tok
        else:
            units.append(tok)
        # "zorg- en welzijn": never end a line on a suspended hyphen
        glue_next = tok.endswith("-") and len(tok) > 1
    return units


def set_style(pdf: FPDF, st: Style) -> None:
    pdf.set_font(st.family, st.style, st.size)
    pdf.set_text_color(*st.color)


def break_lines(
    pdf: FPDF,
    text: str,
    st: Style,
    width: float,
    hyphenate: bool = True,
    first_width: float | None = None,
) -> list[Line]:
    """Greedy line breaking with pyphen hyphenation of words at the margin."""
    set_style(pdf, st)
    units = tokenize(text)
    lines: list[Line] = []
    cur: list[str] = []
    i = 0

    def avail() -> float:
        return first_width if (first_width is not None and not lines) else width

    while i < len(units):
        unit = units[i]
        if pdf.get_string_width(" ".join([*cur, unit])) <= avail():
            cur.append(unit)
            i += 1
            continue
        if hyphenate:
            split = _hyphenate(pdf, cur, unit, avail())
            if split is not None:
                left, right, info = split
                lines.append(Line(" ".join([*cur, left]), "J", info))
                cur = []
                units[i] = right
                continue
        if not cur:  # a unit wider than the measure: put it on its own line
            cur.append(unit)
            i += 1
        lines.append(Line(" ".join(cur), "J"))
        cur = []
    if cur:
        lines.append(Line(" ".join(cur), "L"))
    for ln in lines:
        if " " not in ln.text:
            ln.align = "L"
    return lines


def _hyphenate(pdf: FPDF, cur: list[str], unit: str, width: float):
    m = WORD_RE.match(unit)
    if not m:
        return None
    pre, core, post = m.groups()
    if len(core) < 2 * MIN_FRAGMENT or any(ch.isdigit() or ch == "_" for ch in core):
        return None
    slack = width - pdf.get_string_width(" ".join(cur))
    if cur and slack < 0.07 * width:
        return None  # the line is already full enough
    for left, right in HYPHENATOR.iterate(core):
        if len(left) < MIN_FRAGMENT or len(right) < MIN_FRAGMENT:
            continue
        cand = pre + left + "-"
        if pdf.get_string_width(" ".join([*cur, cand])) <= width:
            return cand, right + post, (core, left, right)
    return None


def text_items(
    pdf: FPDF,
    text: str,
    st: Style,
    width: float,
    *,
    seg: str = "body",
    hyphenate: bool = True,
    indent: float = 0.0,
    bullet: str = "",
    first_indent: float = 0.0,
) -> list[Item]:
    lines = break_lines(
        pdf,
        text,
        st,
        width - indent,
        hyphenate,
        first_width=(width - indent - first_indent) if first_indent else None,
    )
    items = []
    for n, ln in enumerate(lines):
        items.append(
            Item(
                "line",
                st.leading,
                line=ln,
                style=st,
                indent=indent + (first_indent if n == 0 else 0.0),
                bullet=bullet if n == 0 else "",
                seg=seg,
            )
        )
    return items


# --------------------------------------------------------------------------
# Document with page bookkeeping
# --------------------------------------------------------------------------


class Doc(FPDF):
    def __init__(
        self,
        header_fn: Callable[[Doc], None] | None = None,
        footer_fn: Callable[[Doc], None] | None = None,
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.c_margin = 0
        self.header_fn = header_fn
        self.footer_fn = footer_fn
        # page -> list of (column, segment kind, text, soft-hyphenated?)
        self.segments: dict[int, list[tuple[int, str, str, bool]]] = defaultdict(list)
        self.hyph_records: list[tuple[int, str, str, str]] = []
        for fam, files in {
            "serif": {
                "": "DejaVuSerif",
                "B": "DejaVuSerif-Bold",
                "I": "DejaVuSerif-Italic",
            },
            "sans": {
                "": "DejaVuSans",
                "B": "DejaVuSans-Bold",
                "I": "DejaVuSans-Oblique",
            },
            "cserif": {"": "DejaVuSerifCondensed", "I": "DejaVuSerifCondensed-Italic"},
        }.items():
            for style, name in files.items():
                self.add_font(fam, style, str(FONT_DIR / f"{name}.ttf"))

    def header(self) -> None:
        if self.header_fn:
            self.header_fn(self)

    def footer(self) -> None:
        if self.footer_fn:
            self.footer_fn(self)

    # -- drawing helpers ---------------------------------------------------
    def line_at(self, x: float, y: float, w: float, st: Style, text: str, align: str) -> None:
        set_style(self, st)
        self.set_xy(x, y)
        al = {"J": Align.J, "L": Align.L, "C": Align.C, "R": Align.R}[align]
        frags = self._preload_font_styles(text, False)
        tl = TextLine(
            frags,
            text_width=self.get_string_width(text),
            number_of_spaces=text.count(" "),
            align=al,
            height=st.leading,
            max_width=w,
        )
        self._render_styled_text_line(tl, h=st.leading)

    def draw_item(self, it: Item, x: float, y: float, w: float, col: int) -> None:
        if it.kind == "line":
            assert it.line is not None and it.style is not None
            if it.bullet:
                self.line_at(x + it.indent - 4.5, y, 4.5, it.style, it.bullet, "L")
            self.line_at(x + it.indent, y, w - it.indent, it.style, it.line.text, it.line.align)
            hyph = it.line.hyph is not None
            self.segments[self.page].append((col, it.seg, it.line.text, hyph))
            if it.line.hyph is not None:
                word, left, right = it.line.hyph
                self.hyph_records.append((self.page, word, left, right))
        elif it.kind == "block":
            assert it.draw is not None
            it.draw(self, x, y, w)
            if it.record:
                it.record(self, col)


# --------------------------------------------------------------------------
# Column flow
# --------------------------------------------------------------------------


State = tuple[int, tuple[int, ...]]  # (next item index, indices of floated blocks)


def fill(items: list[Item], state: State, height: float, force: bool = False) -> tuple[list[int], State]:
    """Choose the items for one column of the given height.

    Returns the indices to draw (in order) and the state after the column.  A
    block (figure, quote) that does not fit floats to the top of the next
    column while the text after it continues in this one.  ``force`` places at
    least one item, so that an oversized item cannot stall the flow.
    """
    idx, floated = state
    pending = list(floated)
    placed: list[int] = []
    used = 0.0
    while pending and (used + items[pending[0]].h <= height + 1e-6 or (force and not placed)):
        used += items[pending[0]].h
        placed.append(pending.pop(0))
    if pending:
        return placed, (idx, tuple(pending))
    n = len(items)
    if not placed:
        while idx < n and items[idx].kind == "space":
            idx += 1
    run_start = idx  # first index of the contiguous run taken from the stream
    while idx < n:
        it = items[idx]
        need = it.h
        j = idx
        while items[j].keep_next and j + 1 < n:  # keep headings with what follows
            j += 1
            need += items[j].h
        if used + need > height + 1e-6 and not (force and not placed):
            if it.kind == "block" and not pending and placed:
                pending.append(idx)  # float the block to the next column
                idx += 1
                run_start = idx
                continue
            break
        placed.append(idx)
        used += it.h
        idx += 1

    def back_off() -> None:
        nonlocal idx
        placed.pop()
        idx -= 1

    if idx < n and idx - run_start >= 4:
        lines_before = [items[idx - k].kind == "line" for k in (1, 2, 3)]
        # a lone first line of a paragraph at the bottom (orphan)
        orphan = lines_before[0] and items[idx - 2].kind == "space"
        # a lone last line of a paragraph at the top of the next column (widow)
        widow = all(lines_before) and (idx + 1 >= n or items[idx + 1].kind == "space")
        if items[idx].kind == "line" and (orphan or widow):
            back_off()
        # never leave a heading (or the space that belongs to it) at the bottom
        while idx - run_start > 1 and (items[idx - 1].keep_next or items[idx - 1].kind == "space"):
            back_off()
    return placed, (idx, tuple(pending))


def place(doc: Doc, items: list[Item], x: float, y: float, w: float, col: int) -> float:
    """Draw items top-down; return the used height."""
    k = 0
    while k < len(items) and items[k].kind == "space":
        k += 1
    items = items[k:]
    while items and items[-1].kind == "space":
        items = items[:-1]
    y0 = y
    for it in items:
        if it.kind != "space":
            doc.draw_item(it, x, y, w, col)
        y += it.h
    return y - y0


def flow(
    doc: Doc,
    items: list[Item],
    *,
    top: float,
    region_top: float,
    bottom: float,
    left: float,
    col_w: float,
    gap: float,
    ncols: int,
    new_page: Callable[[], None],
    balance: bool,
) -> float:
    """Flow items over columns and pages; return the y below the last region.

    Columns are drawn one after the other, so that text extraction reads them
    in order.  On the last page of a flow the columns are balanced.
    """
    n = len(items)

    def done(st: State) -> bool:
        return st[0] >= n and not st[1]

    def run(st: State, height: float, force: bool) -> tuple[list[list[int]], State]:
        cols = []
        for _ in range(ncols):
            chosen, st = fill(items, st, height, force)
            cols.append(chosen)
        return cols, st

    state: State = (0, ())
    y = region_top
    while not done(state):
        avail = bottom - y
        cols, after = run(state, avail, force=(y == top))
        if done(after) and balance and ncols > 1:
            lo, hi = 0.0, avail
            for _ in range(40):
                mid = (lo + hi) / 2
                if done(run(state, mid, False)[1]):
                    hi = mid
                else:
                    lo = mid
            cols, after = run(state, hi, False)
        used = 0.0
        for c, chosen in enumerate(cols):
            x = left + c * (col_w + gap)
            used = max(used, place(doc, [items[k] for k in chosen], x, y, col_w, c + 1))
        state = after
        if not done(state):
            new_page()
            y = top
        else:
            y += used
    return y


def paragraph_space(h: float) -> Item:
    return Item("space", h)


# --------------------------------------------------------------------------
# The manifest (2013)
# --------------------------------------------------------------------------

M_LEFT, M_RIGHT, M_TOP, M_BOTTOM = 25.0, 25.0, 27.0, 274.0
M_WIDTH = 210.0 - M_LEFT - M_RIGHT
M_ACCENT = (0, 98, 110)
M_BODY = Style("serif", "", 10.5, 5.35)
M_SUB = Style("sans", "B", 11.0, 6.0, M_ACCENT)
M_CHAP = Style("sans", "B", 19.0, 9.0, M_ACCENT)


def build_manifest(
    meta: dict[str, str], blocks: list[Block], toc_pages: dict[str, int] | None = None
) -> tuple[Doc, dict[str, int]]:
    running_title = meta["title"]

    def header(doc: Doc) -> None:
        if doc.page == 1:
            return
        doc.set_font("sans", "I", 8)
        doc.set_text_color(110, 110, 110)
        doc.set_xy(M_LEFT, 11)
        doc.cell(M_WIDTH, 5, running_title, align="L")
        doc.set_draw_color(*M_ACCENT)
        doc.set_line_width(0.3)
        doc.line(M_LEFT, 17.5, 210 - M_RIGHT, 17.5)

    def footer(doc: Doc) -> None:
        doc.set_font("sans", "", 8.5)
        doc.set_text_color(110, 110, 110)
        doc.set_xy(M_LEFT, 282)
        doc.cell(M_WIDTH, 5, f"– {doc.page} –", align="C")

    doc = Doc(header, footer)
    doc.set_title(meta["title"])
    doc.set_author(meta["author"])
    doc.set_subject(meta["subject"])
    doc.set_keywords(meta["keywords"])
    doc.set_creator("tools/make_pdfs.py (fpdf2)")
    doc.set_lang("nl-NL")
    doc.set_creation_date(dt.datetime(2013, 5, 1, 10, 0, tzinfo=dt.UTC))

    # -- title page -----------------------------------------------------
    doc.add_page()
    doc.set_fill_color(*M_ACCENT)
    doc.rect(0, 0, 210, 118, style="F")
    doc.set_fill_color(232, 240, 240)
    doc.rect(0, 118, 210, 6, style="F")
    white = (255, 255, 255)
    title_main, _, title_sub = meta["title"].partition(" – ")
    doc.set_text_color(*white)
    doc.set_font("sans", "B", 30)
    doc.set_xy(M_LEFT, 52)
    doc.multi_cell(M_WIDTH, 13, title_main, align="L")
    doc.set_font("serif", "I", 20)
    doc.set_xy(M_LEFT, doc.get_y() + 2)
    doc.multi_cell(M_WIDTH, 10, title_sub, align="L")
    doc.set_font("sans", "", 10)
    doc.set_xy(M_LEFT, 24)
    doc.cell(M_WIDTH, 6, meta["label"], align="L")
    y = 142.0
    for line in break_lines(doc, meta["teaser"], Style("serif", "I", 12, 6.6), M_WIDTH, False):
        doc.line_at(
            M_LEFT,
            y,
            M_WIDTH,
            Style("serif", "I", 12, 6.6, (60, 60, 60)),
            line.text,
            "L",
        )
        y += 6.6
    doc.set_font("sans", "B", 11)
    doc.set_text_color(*M_ACCENT)
    doc.set_xy(M_LEFT, 232)
    doc.cell(M_WIDTH, 6, meta["author"], align="L")
    doc.set_font("sans", "", 10)
    doc.set_text_color(80, 80, 80)
    doc.set_xy(M_LEFT, 239)
    doc.cell(M_WIDTH, 6, meta["date_line"], align="L")

    # -- table of contents (fixed to page 2) -------------------------------
    chapters = [b for b in blocks if b.kind == "heading"]
    doc.add_page()
    set_style(doc, M_CHAP)
    doc.set_xy(M_LEFT, M_TOP + 4)
    doc.cell(M_WIDTH, 10, "Inhoud", align="L")
    y = M_TOP + 22
    toc_st = Style("serif", "", 11.5, 9.0)
    for ch in chapters:
        num, _, name = ch.text.partition(" ")
        page = str(toc_pages.get(ch.text, 0)) if toc_pages else "00"
        set_style(doc, toc_st)
        doc.set_xy(M_LEFT, y)
        doc.cell(10, 9, num, align="L")
        name_lines = break_lines(doc, name, toc_st, M_WIDTH - 10 - 22, hyphenate=False)
        for n, ln in enumerate(name_lines):
            if n:
                y += 6.0
            doc.line_at(M_LEFT + 10, y, M_WIDTH - 10, toc_st, ln.text, "L")
        set_style(doc, toc_st)
        name_end = M_LEFT + 10 + doc.get_string_width(name_lines[-1].text) + 2
        doc.set_draw_color(170, 170, 170)
        doc.set_line_width(0.2)
        doc.set_dash_pattern(dash=0.4, gap=1.2)
        doc.line(name_end, y + 6.2, 210 - M_RIGHT - 10, y + 6.2)
        doc.set_dash_pattern()
        doc.set_xy(210 - M_RIGHT - 9, y)
        doc.cell(9, 9, page, align="R")
        y += 9.0
    y += 8
    note_st = Style("serif", "I", 10, 5.4, (70, 70, 70))
    for line in break_lines(doc, meta["toc_note"], note_st, M_WIDTH, True):
        doc.draw_item(
            Item("line", note_st.leading, line=line, style=note_st, seg="note"),
            M_LEFT,
            y,
            M_WIDTH,
            1,
        )
        y += note_st.leading

    # -- chapters --------------------------------------------------------
    chapter_pages: dict[str, int] = {}
    sections: list[list[Block]] = []
    for b in blocks:
        if b.kind == "heading":
            sections.append([b])
        elif sections:
            sections[-1].append(b)
    for sec in sections:
        head = sec[0]
        doc.add_page()
        chapter_pages[head.text] = doc.page
        doc.start_section(head.text, level=0)
        num, _, name = head.text.partition(" ")
        set_style(doc, M_CHAP)
        doc.set_xy(M_LEFT, M_TOP + 2)
        doc.cell(14, 10, num, align="L")
        doc.multi_cell(M_WIDTH - 14, 10, name, align="L")
        y = doc.get_y() + 2
        doc.set_draw_color(*M_ACCENT)
        doc.set_line_width(0.6)
        doc.line(M_LEFT, y, M_LEFT + 30, y)
        y += 6
        items: list[Item] = []
        for b in sec[1:]:
            if b.kind == "para":
                items += text_items(doc, b.text, M_BODY, M_WIDTH)
                items.append(paragraph_space(2.4))
            elif b.kind == "subheading":
                if items and items[-1].kind == "space":
                    items[-1] = paragraph_space(4.0)
                sub = text_items(doc, b.text, M_SUB, M_WIDTH, seg="heading", hyphenate=False)
                for it in sub:
                    it.keep_next = True
                items += sub
                items.append(paragraph_space(0.8))
                items[-1].keep_next = True
            elif b.kind == "bullets":
                for entry in b.items:
                    items += text_items(doc, entry, M_BODY, M_WIDTH, indent=7.0, bullet="•")
                    items.append(paragraph_space(1.0))
                items[-1] = paragraph_space(2.4)
            else:
                raise ValueError(f"unsupported block in manifest: {b.kind}")
        flow(
            doc,
            items,
            top=M_TOP,
            region_top=y,
            bottom=M_BOTTOM,
            left=M_LEFT,
            col_w=M_WIDTH,
            gap=0,
            ncols=1,
            new_page=doc.add_page,
            balance=False,
        )
    return doc, chapter_pages


# --------------------------------------------------------------------------
# The BZK magazine (2014)
# --------------------------------------------------------------------------

Z_LEFT, Z_TOP, Z_BOTTOM = 16.0, 21.0, 280.0
Z_WIDTH = 210.0 - 2 * Z_LEFT
Z_GAP = 7.0
Z_COL = (Z_WIDTH - Z_GAP) / 2
Z_BLUE = (21, 66, 115)
Z_BODY = Style("cserif", "", 9.5, 4.45)
Z_SUB = Style("sans", "B", 9.2, 4.8, Z_BLUE)
Z_LEAD = Style("sans", "B", 10.2, 5.1, (30, 30, 30))
Z_TITLE = Style("sans", "B", 20.0, 8.6, Z_BLUE)
Z_KICKER = Style("sans", "B", 8.0, 4.5, (190, 80, 20))
Z_BYLINE = Style("sans", "I", 8.0, 4.2, (90, 90, 90))
Z_CAPTION = Style("sans", "I", 7.6, 3.5, (70, 70, 70))
Z_QUOTE = Style("serif", "I", 10.5, 5.2, Z_BLUE)
Z_SPEAKER = Style("sans", "B", 7.8, 4.0, (60, 60, 60))
Z_FOOTER = "BZK Magazine · nr. 3 · 2014 · pagina {n}"


def figure_item(doc: Doc, caption: str, height: float) -> Item:
    cap_lines = break_lines(doc, caption, Z_CAPTION, Z_COL, hyphenate=False)
    total = height + 1.8 + len(cap_lines) * Z_CAPTION.leading

    def draw(d: Doc, x: float, y: float, w: float) -> None:
        d.set_fill_color(200, 203, 207)
        d.rect(x, y, w, height, style="F")
        d.set_draw_color(170, 174, 180)
        d.set_line_width(0.2)
        d.line(x, y, x + w, y + height)
        d.line(x, y + height, x + w, y)
        yy = y + height + 1.8
        for ln in cap_lines:
            d.line_at(x, yy, w, Z_CAPTION, ln.text, "L")
            yy += Z_CAPTION.leading

    def record(d: Doc, col: int) -> None:
        d.segments[d.page].append((col, "caption", " ".join(ln.text for ln in cap_lines), False))

    return Item("block", total, draw=draw, record=record)


def quote_item(doc: Doc, quote: str, speaker: str) -> Item:
    pad = 4.0
    q_lines = break_lines(doc, quote, Z_QUOTE, Z_COL - 2 * pad, hyphenate=True)
    s_lines = break_lines(doc, "— " + speaker, Z_SPEAKER, Z_COL - 2 * pad, hyphenate=False)
    inner = len(q_lines) * Z_QUOTE.leading + 2.0 + len(s_lines) * Z_SPEAKER.leading
    box_h = inner + 2 * pad
    total = box_h + 3.0  # margin below the box

    def draw(d: Doc, x: float, y: float, w: float) -> None:
        y += 0.5
        d.set_fill_color(236, 241, 247)
        d.set_draw_color(*Z_BLUE)
        d.set_line_width(0.7)
        d.rect(x, y, w, box_h, style="DF")
        yy = y + pad
        for ln in q_lines:
            d.line_at(x + pad, yy, w - 2 * pad, Z_QUOTE, ln.text, "L")
            if ln.hyph:
                d.hyph_records.append((d.page, *ln.hyph))
            yy += Z_QUOTE.leading
        yy += 2.0
        for ln in s_lines:
            d.line_at(x + pad, yy, w - 2 * pad, Z_SPEAKER, ln.text, "L")
            yy += Z_SPEAKER.leading

    def record(d: Doc, col: int) -> None:
        text = ""
        for ln in q_lines:
            text += ln.text[:-1] if ln.hyph else ln.text + " "
        d.segments[d.page].append((col, "quote", text.strip(), False))

    return Item("block", total, draw=draw, record=record)


def build_magazine(
    meta: dict[str, str], blocks: list[Block], toc_pages: dict[str, int] | None = None
) -> tuple[Doc, dict[str, int]]:
    def header(doc: Doc) -> None:
        if doc.page == 1:
            return
        doc.set_font("sans", "B", 7.5)
        doc.set_text_color(*Z_BLUE)
        doc.set_xy(Z_LEFT, 9)
        doc.cell(40, 4, "BZK Magazine", align="L")
        doc.set_font("sans", "", 7.5)
        doc.set_text_color(110, 110, 110)
        doc.set_xy(Z_LEFT + 40, 9)
        doc.cell(Z_WIDTH - 40, 4, meta["theme"], align="R")
        doc.set_draw_color(*Z_BLUE)
        doc.set_line_width(0.4)
        doc.line(Z_LEFT, 14.2, 210 - Z_LEFT, 14.2)

    def footer(doc: Doc) -> None:
        doc.set_draw_color(190, 190, 190)
        doc.set_line_width(0.2)
        doc.line(Z_LEFT, 284.5, 210 - Z_LEFT, 284.5)
        doc.set_font("sans", "", 7.5)
        doc.set_text_color(90, 90, 90)
        doc.set_xy(Z_LEFT, 286)
        doc.cell(Z_WIDTH, 4, Z_FOOTER.format(n=doc.page), align="R")

    doc = Doc(header, footer)
    doc.set_title(meta["title"])
    doc.set_author(meta["author"])
    doc.set_subject(meta["subject"])
    doc.set_keywords(meta["keywords"])
    doc.set_creator("tools/make_pdfs.py (fpdf2)")
    doc.set_lang("nl-NL")
    doc.set_creation_date(dt.datetime(2014, 9, 15, 9, 0, tzinfo=dt.UTC))

    articles: list[list[Block]] = []
    for b in blocks:
        if b.kind in ("heading", "newpage") or not articles:
            articles.append([b])
        else:
            articles[-1].append(b)
    headings = [a[0] for a in articles if a[0].kind == "heading"]

    # -- cover -----------------------------------------------------------
    doc.add_page()
    doc.set_fill_color(*Z_BLUE)
    doc.rect(0, 0, 210, 46, style="F")
    doc.set_text_color(255, 255, 255)
    doc.set_font("sans", "B", 34)
    doc.set_xy(Z_LEFT, 12)
    doc.cell(120, 14, "BZK Magazine", align="L")
    doc.set_font("sans", "", 10)
    doc.set_xy(Z_LEFT, 29)
    doc.cell(Z_WIDTH, 5, meta["issue_line"], align="L")
    doc.set_xy(Z_LEFT, 35)
    doc.cell(
        Z_WIDTH,
        5,
        "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties",
        align="L",
    )
    doc.set_text_color(*Z_BLUE)
    doc.set_font("sans", "B", 27)
    doc.set_xy(Z_LEFT, 55)
    doc.multi_cell(Z_WIDTH, 11.5, meta["cover_title"], align="L")
    y = doc.get_y() + 2
    for ln in break_lines(doc, meta["cover_sub"], Style("serif", "I", 12.5, 6.4), Z_WIDTH, False):
        doc.line_at(
            Z_LEFT,
            y,
            Z_WIDTH,
            Style("serif", "I", 12.5, 6.4, (50, 50, 50)),
            ln.text,
            "L",
        )
        y += 6.4
    y += 4
    photo_h = 92
    doc.set_fill_color(200, 203, 207)
    doc.rect(Z_LEFT, y, Z_WIDTH, photo_h, style="F")
    doc.set_draw_color(170, 174, 180)
    doc.set_line_width(0.2)
    doc.line(Z_LEFT, y, Z_LEFT + Z_WIDTH, y + photo_h)
    doc.line(Z_LEFT, y + photo_h, Z_LEFT + Z_WIDTH, y)
    y += photo_h + 2
    doc.line_at(Z_LEFT, y, Z_WIDTH, Z_CAPTION, meta["cover_caption"], "L")
    doc.segments[1].append((1, "caption", meta["cover_caption"], False))
    y += 9
    set_style(doc, Style("sans", "B", 11, 6, Z_BLUE))
    doc.set_xy(Z_LEFT, y)
    doc.cell(Z_WIDTH, 6, "In dit nummer", align="L")
    y += 8
    for h in headings:
        page = str(toc_pages.get(h.text, 0)) if toc_pages else "00"
        kick = h.extra.get("kicker", "")
        doc.line_at(Z_LEFT, y, 10, Style("sans", "B", 9.5, 5.4, (190, 80, 20)), page, "L")
        doc.line_at(
            Z_LEFT + 10,
            y,
            Z_WIDTH - 10,
            Style("sans", "", 9.5, 5.4),
            f"{kick.capitalize()}: {h.text}" if kick else h.text,
            "L",
        )
        y += 5.6

    # -- articles --------------------------------------------------------
    article_pages: dict[str, int] = {}
    y = Z_BOTTOM  # force a new page for the first article

    def new_page() -> None:
        doc.add_page()

    for art in articles:
        head = art[0]
        if head.kind == "newpage":
            y = Z_BOTTOM
            continue
        title_lines = break_lines(doc, head.text, Z_TITLE, Z_WIDTH, hyphenate=False)
        if y > Z_BOTTOM - 75:
            new_page()
            y = Z_TOP + 2
        else:
            y += 7
            doc.set_draw_color(*Z_BLUE)
            doc.set_line_width(0.8)
            doc.line(Z_LEFT, y - 3.5, 210 - Z_LEFT, y - 3.5)
        article_pages[head.text] = doc.page
        doc.start_section(head.text, level=0)
        if head.extra.get("kicker"):
            doc.line_at(Z_LEFT, y, Z_WIDTH, Z_KICKER, head.extra["kicker"].upper(), "L")
            y += Z_KICKER.leading + 0.5
        for ln in title_lines:
            doc.line_at(Z_LEFT, y, Z_WIDTH, Z_TITLE, ln.text, "L")
            y += Z_TITLE.leading
        y += 2
        items: list[Item] = []
        for b in art[1:]:
            if b.kind == "lead":
                for ln in break_lines(doc, b.text, Z_LEAD, Z_WIDTH):
                    doc.line_at(Z_LEFT, y, Z_WIDTH, Z_LEAD, ln.text, ln.align)
                    doc.segments[doc.page].append((0, "lead", ln.text, ln.hyph is not None))
                    if ln.hyph:
                        doc.hyph_records.append((doc.page, *ln.hyph))
                    y += Z_LEAD.leading
                y += 1.5
            elif b.kind == "byline":
                doc.line_at(Z_LEFT, y, Z_WIDTH, Z_BYLINE, b.text, "L")
                y += Z_BYLINE.leading + 3
            elif b.kind == "para":
                first = not items or items[-1].kind != "space" or items[-1].h < 1
                items += text_items(doc, b.text, Z_BODY, Z_COL, first_indent=0.0 if first else 3.5)
                items.append(paragraph_space(1.2))
            elif b.kind == "subheading":
                if items and items[-1].kind == "space":
                    items[-1] = paragraph_space(2.6)
                sub = text_items(doc, b.text, Z_SUB, Z_COL, seg="heading", hyphenate=False)
                for it in sub:
                    it.keep_next = True
                items += sub
                items.append(paragraph_space(0.5))
                items[-1].keep_next = True
            elif b.kind == "figure":
                items.append(figure_item(doc, b.text, b.extra["height"]))
                items.append(paragraph_space(2.5))
            elif b.kind == "quote":
                items.append(quote_item(doc, b.text, b.extra["speaker"]))
                items.append(paragraph_space(1.0))
            elif b.kind == "bullets":
                for entry in b.items:
                    items += text_items(doc, entry, Z_BODY, Z_COL, indent=4.0, bullet="•")
                    items.append(paragraph_space(0.6))
                items[-1] = paragraph_space(1.2)
            else:
                raise ValueError(f"unsupported block in magazine: {b.kind}")
        y = flow(
            doc,
            items,
            top=Z_TOP,
            region_top=y,
            bottom=Z_BOTTOM,
            left=Z_LEFT,
            col_w=Z_COL,
            gap=Z_GAP,
            ncols=2,
            new_page=new_page,
            balance=True,
        )
    return doc, article_pages


# --------------------------------------------------------------------------
# Test fixture: passages and hyphenated words, verified with pypdf
# --------------------------------------------------------------------------


def normalise(raw: str) -> str:
    return " ".join(re.sub(r"-\n", "", raw).split())


def extract_pages(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(str(path)).pages]


SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý“‘(])")


def column_chunks(doc: Doc, page: int) -> list[tuple[int, str, str]]:
    """(column, kind, text) runs of consecutive segments of one kind in one column."""
    chunks: list[tuple[int, str, str]] = []
    cur_key = None
    buf = ""
    for col, kind, text, hyph in doc.segments.get(page, []):
        key = (col, kind)
        if key != cur_key or kind in ("caption", "quote"):
            if cur_key is not None:
                chunks.append((cur_key[0], cur_key[1], buf.strip()))
            cur_key, buf = key, ""
        buf += text[:-1] if hyph else text + " "
    if cur_key is not None:
        chunks.append((cur_key[0], cur_key[1], buf.strip()))
    return chunks


def candidate_sentences(chunk: str, complete_ends: bool) -> list[str]:
    sents = SENT_SPLIT.split(chunk)
    if not complete_ends:
        sents = sents[1:-1]  # the first and last may be cut by a column/page break
    return [s for s in sents if 7 <= len(s.split()) <= 30 and "“" not in s[1:-1]]


STOP_EDGE = {
    "de",
    "het",
    "een",
    "en",
    "of",
    "van",
    "in",
    "op",
    "met",
    "aan",
    "te",
    "voor",
    "dat",
    "die",
    "er",
    "maar",
    "om",
    "als",
    "bij",
    "tot",
    "uit",
    "naar",
    "zij",
    "ze",
    "is",
    "zijn",
    "we",
    "wij",
    "u",
    "je",
    "ook",
    "nog",
    "wel",
    "niet",
    "dan",
    "door",
}


def passage_options(sentence: str) -> list[str]:
    """The sentence itself when it is short, else distinctive 5-8 word parts of it."""
    words = sentence.split()
    if len(words) <= 20:
        return [sentence]
    scored = []
    for size in (8, 7, 6, 5):
        for start in range(len(words) - size + 1):
            part = words[start : start + size]
            while part and part[-1].strip(",;:").lower() in STOP_EDGE:
                part = part[:-1]
            while part and part[0].lower() in STOP_EDGE:
                part = part[1:]
            if len(part) < 5:
                continue
            text = " ".join(part).rstrip(",;:")
            score = sum(2 for w in part[1:] if w[:1].isupper())
            score += sum(2 for w in part if any(ch.isdigit() for ch in w))
            score += sum(1 for w in part if len(w.strip(",.;:")) >= 10)
            scored.append((-score, start, text))
    return [t for _, _, t in sorted(scored)]


def build_fixture(docs: dict[str, Doc], pages_text: dict[str, list[str]]) -> dict:
    norm = {f: [normalise(t) for t in texts] for f, texts in pages_text.items()}

    def occurrences(text: str) -> list[tuple[str, int]]:
        return [(f, i + 1) for f, pages in norm.items() for i, t in enumerate(pages) if text in t]

    passages: list[dict] = []
    where: list[tuple[int, str]] = []  # (column, segment kind) per passage, for the report
    for fname, doc in docs.items():
        is_mag = fname == MAGAZINE_PDF
        for page in range(1, doc.page + 1):
            picked_cols: set = set()
            chunks = column_chunks(doc, page)
            for col, kind, text in chunks:
                if kind in ("heading",):
                    continue
                cands = candidate_sentences(text, complete_ends=kind in ("quote", "caption", "lead"))
                if not cands:
                    continue
                key = (col, kind if kind in ("quote", "caption") else "body")
                if key in picked_cols:
                    continue
                limit = 1 if is_mag else 2
                if not is_mag and sum(1 for k in picked_cols if k[1] == "body") >= limit:
                    continue
                found = False
                for sent in cands[len(cands) // 3 :] + cands[: len(cands) // 3]:
                    for passage in passage_options(sent)[:12]:
                        if occurrences(passage) == [(fname, page)]:
                            passages.append({"file": f"pdf/{fname}", "page": page, "text": passage})
                            where.append((col, kind))
                            picked_cols.add(key if is_mag else (len(picked_cols), "body"))
                            found = True
                            break
                    if found:
                        break
    hyphenated: list[dict] = []
    seen: set[str] = set()
    for fname, doc in docs.items():
        best: list[tuple[int, int, str, str, str, int]] = []
        for page, word, left, right in doc.hyph_records:
            raw = pages_text[fname][page - 1]
            if len(word) < 8 or word.lower() in seen:
                continue
            if f"{left}-\n{right}" not in raw:
                continue
            only_broken = word.lower() not in raw.lower()
            best.append((0 if only_broken else 1, -len(word), word, left, right, page))
        best.sort()
        count = 0
        for _, _, word, left, right, page in best:
            if word.lower() in seen or count >= 5:
                continue
            seen.add(word.lower())
            count += 1
            hyphenated.append(
                {
                    "file": f"pdf/{fname}",
                    "page": page,
                    "word": word,
                    "broken_as": f"{left}-|{right}",
                }
            )
    return {"passages": passages, "hyphenated": hyphenated, "_where": where}


def verify_fixture(fixture: dict, pages_text: dict[str, list[str]]) -> None:
    norm = {f"pdf/{f}": [normalise(t) for t in texts] for f, texts in pages_text.items()}
    raw = {f"pdf/{f}": texts for f, texts in pages_text.items()}
    for p in fixture["passages"]:
        hits = [(f, i + 1) for f, pages in norm.items() for i, t in enumerate(pages) if p["text"] in t]
        assert hits == [(p["file"], p["page"])], (p, hits)
    for h in fixture["hyphenated"]:
        left, right = h["broken_as"].split("|")
        assert left.endswith("-")
        assert f"{left}\n{right}" in raw[h["file"]][h["page"] - 1], h


# --------------------------------------------------------------------------


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    PASSAGES_JSON.parent.mkdir(parents=True, exist_ok=True)

    m_meta, m_blocks = parse_source(SRC_DIR / "manifest.md")
    _, chapter_pages = build_manifest(m_meta, m_blocks)
    manifest, pages2 = build_manifest(m_meta, m_blocks, chapter_pages)
    assert pages2 == chapter_pages
    manifest.output(str(OUT_DIR / MANIFEST_PDF))

    z_meta, z_blocks = parse_source(SRC_DIR / "magazine.md")
    _, article_pages = build_magazine(z_meta, z_blocks)
    magazine, pages3 = build_magazine(z_meta, z_blocks, article_pages)
    assert pages3 == article_pages
    magazine.output(str(OUT_DIR / MAGAZINE_PDF))

    docs = {MANIFEST_PDF: manifest, MAGAZINE_PDF: magazine}
    pages_text = {f: extract_pages(OUT_DIR / f) for f in docs}
    fixture = build_fixture(docs, pages_text)
    where = fixture.pop("_where")
    verify_fixture(fixture, pages_text)
    mag = [w for p, w in zip(fixture["passages"], where, strict=False) if p["file"].endswith(MAGAZINE_PDF)]
    assert any(c == 2 and k == "body" for c, k in mag), "no passage from a second column"
    assert any(k == "quote" for _, k in mag), "no passage from a quote box"
    assert manifest.page >= 16 and magazine.page >= 8, (manifest.page, magazine.page)
    PASSAGES_JSON.write_text(json.dumps(fixture, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    for f, doc in docs.items():
        size = (OUT_DIR / f).stat().st_size
        print(f"{f}: {doc.page} pages, {size // 1024} KB")
    print("manifest chapters:", json.dumps(chapter_pages, ensure_ascii=False))
    print("magazine articles:", json.dumps(article_pages, ensure_ascii=False))
    print(
        f"{PASSAGES_JSON.relative_to(ROOT)}: {len(fixture['passages'])} passages, "
        f"{len(fixture['hyphenated'])} hyphenated words"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
