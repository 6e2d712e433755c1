"""Markdown files with YAML front matter (and plain .txt files) -> one Document.

Front matter keys: `title`, `date`, `url`, `categories`, `tags`, `author`, `type` (all
optional; the title falls back to the first heading, then the file name). The body is parsed
by markdown-it-py (CommonMark with tables), and reduced to plain text block by block:

* headings, ATX (`## Kop`) and setext (`Kop` over `---`), become passage headings;
* paragraphs and list items become paragraphs; a task list item loses its `[ ]`/`[x]` box;
* links and images keep their text (reference links too: definitions are resolved, not shown);
* a table becomes one line per row: "Aanvrager: De gemeente | Looptijd: één jaar", with the
  row's label first when the header's first cell is empty, or "cel · cel" without a header;
* code blocks are kept as text (they are content: a verordening's article number, a formula);
* HTML is reduced to its text, never passed on: tags are dropped, and so is everything inside
  `<script>` and `<style>`.

A front-matter `date` in ISO form or in words ("12 maart 2014", parsed by `dateparser` for
Dutch and English) is the publication date; one that is no date is reported as a partial skip
naming the value, and the document is indexed without it. Documents under a `notes/` or
`kennisbank/` folder, or with `type: kennisbank`, are of kind "kennisbank" (see
`documents.document_kind`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..config import IndexerSettings
from ..documents import Document, Skip, document_kind
from ..errors import CorruptFile, EmptyDocument
from ..passages import Block, make_passages
from ..text import clean_text, one_line
from ..urls import files_path, web_url
from . import Extraction
from .html import parse_date

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
TASK_BOX = re.compile(r"^\[[ xX]\]\s+")
HIDDEN_TAGS = re.compile(r"<\s*(/?)\s*(script|style)\b", re.I)
SENTENCE_MARK = (".", "!", "?", ":", ";")


@cache
def _parser() -> MarkdownIt:
    # CommonMark passes raw HTML through as tokens, which are reduced to text below.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [one_line(str(v)) for v in value if str(v).strip()]
    return [one_line(str(value))]


def parse_front_matter_date(value: Any) -> date | None:
    """A date from front matter: a YAML date, an ISO string or Dutch/English words."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = one_line(str(value))
    if not text:
        return None
    found = parse_date(text)
    if found is not None:
        return found
    import dateparser  # only for dates in words: its language data loads on first use

    parsed = dateparser.parse(
        text,
        languages=["nl", "en"],
        # A whole date, day first as the Dutch write it, and nothing relative ("morgen").
        settings={
            "REQUIRE_PARTS": ["day", "month", "year"],
            "DATE_ORDER": "DMY",
            "PARSERS": ["absolute-time"],
        },
    )
    return parsed.date() if parsed is not None else None


def _inline(token: Token) -> str:
    """The text of an inline token: links and images keep their text, HTML tags go."""
    out: list[str] = []
    hidden = 0  # inside an inline <script> or <style>
    for child in token.children or []:
        if child.type == "html_inline":
            match = HIDDEN_TAGS.match(child.content)
            if match:
                hidden = max(0, hidden - 1) if match[1] else hidden + 1
            continue
        if hidden:
            continue
        if child.type in {"text", "code_inline"}:
            out.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)  # the alt text
    return " ".join(clean_text("".join(out)).split())


def _html_text(html: str) -> str:
    import lxml.html

    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # not even a fragment: nothing worth keeping
        return ""
    for element in fragment.xpath("//script|//style|//comment()"):
        element.drop_tree()
    return " ".join(clean_text(fragment.text_content()).split())


def _row_lines(rows: list[list[str]], has_header: bool) -> list[str]:
    header = rows[0] if has_header and any(rows[0]) else []
    body = rows[1:] if has_header else rows
    if not header:
        return [" · ".join(c for c in row if c) for row in rows if any(row)]
    lines = []
    labelled = not header[0]  # an empty top-left cell: the first column names the rows
    for row in body:
        cells = [(h, c) for h, c in zip(header, row, strict=False) if c]
        if labelled and row and row[0]:
            label = row[0]
            rest = " | ".join(f"{h}: {c}" if h else c for h, c in cells[1:])
            lines.append(f"{label}{'' if label.endswith(SENTENCE_MARK) else ' –'} {rest}".strip())
        else:
            lines.append(" | ".join(f"{h}: {c}" if h else c for h, c in cells))
    return [line for line in lines if line] or [" · ".join(c for c in header if c)]


def _table(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """Lines of the table starting at tokens[i]; returns them and the index after the table."""
    rows: list[list[str]] = []
    has_header = False
    while tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "thead_open":
            has_header = True
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(_inline(token))
        i += 1
    return _row_lines(rows, has_header), i + 1


def markdown_blocks(body: str) -> list[Block]:
    tokens = _parser().parse(body)
    line_starts = [0]
    for line in body.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    blocks: list[Block] = []
    in_item = False

    def offset(token: Token) -> int:
        return line_starts[min(token.map[0], len(line_starts) - 1)] if token.map else 0

    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            text = _inline(tokens[i + 1])
            if text:
                blocks.append(Block(text, None, offset(token), is_heading=True))
            i += 3
            continue
        if kind == "list_item_open":
            in_item = True
        elif kind == "paragraph_open":
            text = _inline(tokens[i + 1])
            if in_item:
                text = TASK_BOX.sub("", text)
                in_item = False  # only an item's first paragraph carries the box
            if text:
                blocks.append(Block(text, None, offset(token)))
            i += 3
            continue
        elif kind == "table_open":
            start = offset(token)
            lines, i = _table(tokens, i)
            blocks.extend(Block(line, None, start) for line in lines)
            continue
        elif kind in {"fence", "code_block"}:
            code = "\n".join(" ".join(line.split()) for line in clean_text(token.content).splitlines())
            if code.strip():
                blocks.append(Block(code.strip(), None, offset(token)))
        elif kind == "html_block":
            text = _html_text(token.content)
            if text:
                blocks.append(Block(text, None, offset(token)))
        i += 1
    return blocks


def _front_matter(raw: str) -> tuple[dict[str, Any], str]:
    match = FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        loaded = yaml.safe_load(match[1])
    except yaml.YAMLError as exc:
        raise CorruptFile(f"front matter: {exc}".splitlines()[0]) from exc
    if loaded is not None and not isinstance(loaded, dict):
        raise CorruptFile("front matter is not a mapping of keys to values")
    return loaded or {}, raw[match.end() :]


def extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    raw = path.read_text(encoding="utf-8", errors="replace")
    meta, raw = _front_matter(raw)
    blocks = markdown_blocks(raw) if path.suffix.lower() == ".md" else text_blocks(raw)
    passages = make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
    if not passages:
        raise EmptyDocument("no text after front matter")
    skips: list[Skip] = []
    published = None
    if meta.get("date") not in (None, ""):
        published = parse_front_matter_date(meta["date"])
        if published is None:
            skips.append(
                Skip(
                    f"{source} field date", f"front matter date {one_line(str(meta['date']))!r} is not a date"
                )
            )
    kind, problem = document_kind(source, meta.get("type"))
    if problem:
        skips.append(Skip(f"{source} field type", problem))
    first_heading = next((b.text for b in blocks if b.is_heading), "")
    if not first_heading and path.suffix.lower() == ".txt" and len(blocks[0].text) <= 150:
        first_heading = blocks[0].text  # a plain text file's first line is its title
    url = web_url(str(meta.get("url") or ""))
    doc = Document(
        source=source,
        kind=kind,
        title=one_line(str(meta.get("title") or first_heading or path.stem)),
        url=url or files_path(source),
        file="" if url else source,
        passages=passages,
        published=published,
        author=one_line(str(meta.get("author") or "")),
        categories=_as_list(meta.get("categories") or meta.get("category")),
        tags=_as_list(meta.get("tags")),
        summary=" ".join(b.text for b in blocks if not b.is_heading)[:300],
    )
    return Extraction([doc], skips)


def text_blocks(body: str) -> list[Block]:
    """Plain text: paragraphs are separated by blank lines; no markup is interpreted."""
    blocks = []
    offset = 0
    for chunk in re.split(r"\n\s*\n", body):
        text = " ".join(clean_text(chunk).split())
        if text:
            blocks.append(Block(text, None, body.find(chunk, offset)))
        offset += len(chunk)
    return blocks
