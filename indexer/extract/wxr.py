"""WordPress WXR exports -> one Document per published post or page.

Only items with post type `post` or `page`, status `publish` and no password are indexed.
Drafts, private and scheduled posts, attachments and menu items are counted as skips so the
report accounts for every item. Any WXR version (1.0-1.2) and either namespace scheme
(http or https) is accepted. An XML file that is not a WXR export is skipped as a whole.

Every document gets the item's own http(s) link; a relative link ("/?p=12") is resolved against
the export's site URL (`wp:base_site_url`, else the channel's `<link>`), and an item whose link
is empty or not http(s) is skipped with that reason. The export file itself is never served:
it holds the drafts, private posts and post passwords.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from ..config import IndexerSettings
from ..documents import Document, Skip
from ..errors import CorruptFile, UnsupportedFormat
from ..passages import Block, make_passages
from ..text import clean_text, one_line
from ..urls import web_url
from . import Extraction
from .html import parse_date

INDEXED_TYPES = {"post", "page"}
BLOCK_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "td",
    "th",
    "dd",
    "dt",
    "figcaption",
}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCK_XPATH = " | ".join(f".//{tag}" for tag in sorted(BLOCK_TAGS))


def _child_text(item: Any, local_name: str) -> str:
    for child in item:
        if isinstance(child.tag, str) and lxml.etree.QName(child).localname == local_name:
            return child.text or ""
    return ""


def _wp(item: Any, name: str) -> str:
    """Text of a `wp:` element, whatever the export's namespace version."""
    for child in item:
        if not isinstance(child.tag, str):
            continue
        qname = lxml.etree.QName(child)
        if qname.localname == name and "wordpress.org/export" in (qname.namespace or ""):
            return (child.text or "").strip()
    return ""


def content_blocks(markup: str) -> list[Block]:
    """Paragraph and heading blocks of post content (classic or Gutenberg markup).

    Classic-editor content has no <p> tags (WordPress adds them on display), so text outside
    block elements is split into paragraphs at blank lines.
    """
    if not markup.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return [Block(one_line(markup))]
    for bad in root.xpath("//script|//style|//iframe|//form"):
        bad.drop_tree()
    blocks: list[Block] = []
    offset = 0

    def add(text: str | None, heading: bool = False) -> None:
        nonlocal offset
        for chunk in (text or "").split("\n\n"):
            chunk = " ".join(clean_text(chunk).split())
            if chunk:
                blocks.append(Block(chunk, None, offset, is_heading=heading))
                offset += len(chunk) + 2

    def walk(element: Any) -> None:
        add(element.text)
        for child in element:
            if isinstance(child.tag, str):
                if child.tag in HEADING_TAGS:
                    add(child.text_content(), heading=True)
                elif child.tag in BLOCK_TAGS or not child.xpath(BLOCK_XPATH):
                    add(child.text_content())
                else:
                    walk(child)
            add(child.tail)

    walk(root)
    return blocks


def plain_title(raw: str) -> str:
    """Titles may carry markup ("Markup: Title <em>With</em> Italics")."""
    if not raw.strip():
        return ""
    try:
        return one_line(lxml.html.fragment_fromstring(raw, create_parent="span").text_content())
    except (lxml.etree.ParserError, ValueError):
        return one_line(raw)


def extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = lxml.etree.parse(str(path), parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise CorruptFile(f"XML parser: {exc}") from exc
    root = tree.getroot()
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise UnsupportedFormat(
            f"XML with root <{lxml.etree.QName(root).localname}> is not a WordPress export"
        )
    out = Extraction()
    # Relative item links ("/?p=12") are resolved against the export's own site address.
    site = next(
        (u for u in (web_url(_wp(channel, key)) for key in ("base_site_url", "base_blog_url")) if u),
        web_url(channel.findtext("link")),
    )
    for n, item in enumerate(channel.iter("item")):
        post_type = _wp(item, "post_type") or "post"
        status = _wp(item, "status") or "publish"
        title = plain_title(_child_text(item, "title"))
        label = f"{source} item {n + 1} ({post_type} {title[:60]!r})"
        if post_type not in INDEXED_TYPES:
            out.skips.append(Skip(label, f"post type {post_type}"))
            continue
        if status != "publish":
            out.skips.append(Skip(label, f"status {status}"))
            continue
        if _wp(item, "post_password"):
            out.skips.append(Skip(label, "password protected"))
            continue
        raw_link = one_line(item.findtext("link") or "")
        post_id = _wp(item, "post_id")
        if not raw_link and post_id.isdigit():
            # WordPress answers ?p=ID (posts) and ?page_id=ID (pages) for any published item.
            raw_link = f"/?{'page_id' if post_type == 'page' else 'p'}={post_id}"
        link = web_url(raw_link, site)
        if not link:
            reason = "no link" if not raw_link else f"link {raw_link[:80]!r} is not an http(s) URL"
            out.skips.append(Skip(label, reason + (" and the export names no site URL" if not site else "")))
            continue
        blocks = content_blocks(_child_text(item, "encoded"))
        passages = make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
        if not passages and not title:
            out.skips.append(Skip(label, "empty: no title and no content"))
            continue
        categories: list[str] = []
        tags: list[str] = []
        for cat in item.findall("category"):
            name = one_line(cat.text or "")
            if name:
                (tags if cat.get("domain") == "post_tag" else categories).append(name)
        out.documents.append(
            Document(
                source=source,
                kind="blog",
                title=title or "(zonder titel)",
                url=link,
                passages=passages,
                published=parse_date(_wp(item, "post_date")) or parse_date(item.findtext("pubDate")),
                author=one_line(_child_text(item, "creator")),
                categories=list(dict.fromkeys(categories)),
                tags=list(dict.fromkeys(tags)),
                summary=" ".join(b.text for b in blocks if not b.is_heading)[:300],
                key=f"wxr:{post_id or n}",
            )
        )
    return out
