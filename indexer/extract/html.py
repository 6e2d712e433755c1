"""Saved web pages (WordPress and others) -> one Document.

Cascade:
1. Metadata from the page head: `<link rel=canonical>`, `og:title`/`<title>`,
   `article:published_time`, `article:section` (categories), `article:tag` (tags), and
   WordPress's `rel="category tag"` / `rel="tag"` links as a fallback.
2. Main content from trafilatura (comments excluded, precision favoured): menus, sidebars, footers and comment
   forms are boilerplate and never indexed.
3. Fallbacks from trafilatura's own metadata for title and date.
The main content keeps its headings, so passages know the section they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura

from ..config import IndexerSettings
from ..documents import Document, document_kind
from ..errors import CorruptFile, EmptyDocument
from ..passages import Block, make_passages
from ..text import clean_text, one_line
from ..urls import files_path, web_url
from . import Extraction

SEPARATORS = "–—|·:-"
MAX_BYTES = 20 * 1024 * 1024


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _head_metadata(tree: Any) -> dict[str, Any]:
    def meta(prop: str) -> list[str]:
        return [
            v.strip()
            for v in tree.xpath(f'//meta[@property="{prop}" or @name="{prop}"]/@content')
            if v.strip()
        ]

    # The page's own address: a canonical link or og:url, if it is a real http(s) URL.
    addresses = [web_url(u) for u in tree.xpath('//link[@rel="canonical"]/@href') + meta("og:url")]
    categories = meta("article:section") or [
        one_line(a.text_content()) for a in tree.xpath('//a[@rel="category tag"]')
    ]
    tags = meta("article:tag") or [one_line(a.text_content()) for a in tree.xpath('//a[@rel="tag"]')]
    titles = meta("og:title") + [one_line(t.text_content()) for t in tree.xpath("//title")]
    return {
        "url": next((u for u in addresses if u), ""),
        "titles": [t for t in titles if t],  # og:title first, then <title>
        "date": next(iter(meta("article:published_time") or meta("DC.date")), None),
        "categories": list(dict.fromkeys(c for c in categories if c)),
        "tags": list(dict.fromkeys(t for t in tags if t)),
        "author": (meta("author") or meta("DC.creator") or [""])[0],
        "site_name": (meta("og:site_name") or [""])[0],
        "h1": [one_line(h.text_content()) for h in tree.xpath("//h1")][:3],
    }


def strip_site_name(title: str, sites: set[str]) -> str:
    """ "Wmo 2015 – Maatschappelijk aanbesteden" -> "Wmo 2015", but only for the site's own name:
    "Jeugdhulp - regionaal of lokaal" keeps its second half."""
    for site in sorted((one_line(s) for s in sites), key=len, reverse=True):
        for sep in SEPARATORS:
            suffix, prefix = f" {sep} {site}", f"{site} {sep} "
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].strip()
            if title.startswith(prefix) and len(title) > len(prefix):
                return title[len(prefix) :].strip()
    return title


def choose_title(head: dict[str, Any], result: Any) -> str:
    """The page's title: an <h1> that the <title> or og:title repeats (maybe with " – Site"
    after it), else og:title, else <title>, without the site's name."""
    for heading in head["h1"]:
        for candidate in head["titles"]:
            rest = candidate[len(heading) :].lstrip()
            if heading and candidate.startswith(heading) and (not rest or rest[0] in SEPARATORS):
                return str(heading)
    sites = {s for s in (head["site_name"], result.sitename, result.hostname) if s}
    first = head["titles"][0] if head["titles"] else result.title or ""
    return strip_site_name(one_line(first), sites)


# trafilatura's elements that render as blocks of their own. A list, table or quote is not one
# block but one per item, cell or paragraph (as the WXR extractor splits <li>, <td>, <p>), so a
# passage keeps the page's block boundaries as newlines: a result link's text fragment must not
# run from one list item into the next.
BLOCK_ELEMENTS = {"p", "head", "list", "item", "table", "row", "cell", "quote", "code"}


def _block_texts(element: Any) -> Iterator[tuple[str, bool]]:
    if not any(child.tag in BLOCK_ELEMENTS for child in element):
        yield " ".join(element.itertext()), element.tag == "head"
        return
    yield element.text or "", False
    for child in element:
        yield from _block_texts(child)
        yield child.tail or "", False


def body_blocks(body: Any) -> list[Block]:
    """Blocks from trafilatura's internal XML (head, p, list, quote, table ...)."""
    blocks: list[Block] = []
    offset = 0
    for element in body:
        for raw, is_heading in _block_texts(element):
            text = " ".join(clean_text(raw).split())
            if not text:
                continue
            blocks.append(Block(text, None, offset, is_heading=is_heading))
            offset += len(text) + 2
    return blocks


def extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise CorruptFile(f"page of {len(raw)} bytes is larger than {MAX_BYTES}")
    try:
        tree = lxml.html.fromstring(raw)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise CorruptFile(f"HTML parser: {exc}") from exc
    head = _head_metadata(tree)
    # The tree parsed above goes to trafilatura too: one parse per page, and lxml honours the
    # page's declared encoding.
    result = trafilatura.bare_extraction(
        tree,
        include_comments=False,
        include_tables=True,
        favor_precision=True,  # drops donation boxes and author bios that recall mode keeps
        with_metadata=True,
        output_format="python",
    )
    if result is None or isinstance(result, dict) or result.body is None:
        raise EmptyDocument("no main content found")
    blocks = body_blocks(result.body)
    passages = make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
    title = choose_title(head, result) or path.stem
    if not passages:
        raise EmptyDocument("no text in main content")
    summary = " ".join(b.text for b in blocks if not b.is_heading)[:300]
    doc = Document(
        source=source,
        kind=document_kind(source)[0],  # a saved page under kennisbank/ is a reference page
        title=title,
        url=head["url"] or files_path(source),
        # A saved page without an address of its own can only be read from here (the service
        # serves it sandboxed, scripts never run).
        file="" if head["url"] else source,
        passages=passages,
        published=parse_date(head["date"]) or parse_date(result.date),
        author=one_line(head["author"] or result.author or ""),
        categories=head["categories"] or list(result.categories or []),
        tags=head["tags"] or list(result.tags or []),
        summary=summary,
    )
    return Extraction([doc])
