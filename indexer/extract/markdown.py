"""Markdown files with YAML front matter (and plain .txt files) -> one Document.

Front matter keys: `title`, `date`, `url`, `categories`, `tags`, `author` (all optional; the
title falls back to the first heading, then the file name). Markdown syntax is reduced to plain
text: headings become passage headings, links keep their text, tables keep their cells.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..config import IndexerSettings
from ..documents import Document
from ..errors import CorruptFile, EmptyDocument
from ..passages import Block, make_passages
from ..text import clean_text, one_line
from ..urls import files_path, web_url
from . import Extraction
from .html import parse_date

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: keep alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: keep link text
    (re.compile(r"<[^>]+>"), " "),  # inline HTML tags
    (re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # emphasis, code
]
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def _inline(text: str) -> str:
    for pattern, replacement in INLINE:
        text = pattern.sub(replacement, text)
    return text


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [one_line(str(v)) for v in value if str(v).strip()]
    return [one_line(str(value))]


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(str(value)) if value else None


def markdown_blocks(body: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    offset = 0

    def flush() -> None:
        nonlocal paragraph
        text = " ".join(clean_text(_inline(" ".join(paragraph))).split())
        if text:
            blocks.append(Block(text, None, offset))
        paragraph = []

    in_code = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        heading = HEADING.match(stripped) if not in_code else None
        if heading:
            flush()
            blocks.append(Block(one_line(_inline(heading[1])), None, offset, is_heading=True))
        elif not stripped:
            flush()
        elif TABLE_RULE.match(stripped):
            continue
        else:
            if stripped.startswith(("- ", "* ", "+ ")) or re.match(r"^\d+[.)]\s", stripped):
                flush()  # list items are paragraphs of their own
            paragraph.append(re.sub(r"^([-*+>]|\d+[.)])\s+", "", stripped).replace("|", " "))
        offset += len(line) + 1
    flush()
    return blocks


def extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    raw = path.read_text(encoding="utf-8", errors="replace")
    meta: dict[str, Any] = {}
    match = FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match[1])
        except yaml.YAMLError as exc:
            raise CorruptFile(f"front matter: {exc}".splitlines()[0]) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise CorruptFile("front matter is not a mapping of keys to values")
        meta = loaded or {}
        raw = raw[match.end() :]
    blocks = markdown_blocks(raw)
    passages = make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
    if not passages:
        raise EmptyDocument("no text after front matter")
    first_heading = next((b.text for b in blocks if b.is_heading), "")
    if not first_heading and path.suffix.lower() == ".txt" and len(blocks[0].text) <= 150:
        first_heading = blocks[0].text  # a plain text file's first line is its title
    url = web_url(str(meta.get("url") or ""))
    return Extraction(
        [
            Document(
                source=source,
                kind="blog",
                title=one_line(str(meta.get("title") or first_heading or path.stem)),
                url=url or files_path(source),
                file="" if url else source,
                passages=passages,
                published=_date(meta.get("date")),
                author=one_line(str(meta.get("author") or "")),
                categories=_as_list(meta.get("categories") or meta.get("category")),
                tags=_as_list(meta.get("tags")),
                summary=" ".join(b.text for b in blocks if not b.is_heading)[:300],
            )
        ]
    )
