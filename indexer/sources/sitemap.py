"""The sitemap source: any site without a REST API, through its sitemaps or, failing that, its feed.

    sync_sitemap(fetcher, robots_sitemaps, changes, tmp, full)  # fills `changes`

Pages are found in the sitemaps robots.txt names, else `/wp-sitemap.xml`, `/sitemap.xml` or
`/sitemap_index.xml` (sitemap indexes are followed, gzipped sitemaps inflated). Without any
sitemap, the RSS/Atom feed the home page announces (or `/feed/`) lists the recent pages, and
the pages of earlier syncs are checked again, as a feed forgets old items.

Each page is fetched conditionally (ETag / Last-Modified), or not at all when the sitemap's
`<lastmod>` is the one we saw last time. Its main content goes through the HTML extractor; the
same-site PDFs it links to through the PDF extractor. A page gone from the sitemap, or
answering 404 or 410, is deleted.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from ..errors import Refused, SyncError
from ..http import HTML, XML, Fetcher
from .web import Changes, SkippedItem, fetch_document, normalise, run_all

# Relative to the site's address, which may be a folder (https://example.nl/blog).
GUESSES = ("wp-sitemap.xml", "sitemap.xml", "sitemap_index.xml")
FEED_GUESSES = ("feed/", "rss.xml", "atom.xml", "index.xml")
MAX_SITEMAPS = 200
MAX_PAGES = 50_000

Progress = Callable[[int, int, str], None]


def _xml(fetcher: Fetcher, url: str) -> Any | None:
    """A parsed XML document at `url`, or None when there is none (404, HTML, not XML)."""
    try:
        response = fetcher.get(url, accept=XML)
    except Refused:
        return None
    if response.status >= 500:
        raise SyncError(f"{url}: HTTP {response.status}")
    if response.status != 200:
        return None
    body = response.body
    if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz, served as a file rather than encoded
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflate.decompress(body, fetcher.max_bytes)
        except zlib.error as exc:
            raise SyncError(f"{url}: corrupt gzip file ({exc})") from None
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError:
        return None


def _local(element: Any) -> str:
    return lxml.etree.QName(element).localname if isinstance(element.tag, str) else ""


def read_sitemaps(fetcher: Fetcher, start: list[str]) -> dict[str, str] | None:
    """Page URL -> lastmod ("" when absent) from the sitemaps at `start`, following indexes.

    None when not one of them is a sitemap."""
    queue = list(dict.fromkeys(start))
    seen: set[str] = set()
    pages: dict[str, str] = {}
    found = False
    site = fetcher.site
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        root = _xml(fetcher, url)
        if root is None or _local(root) not in ("urlset", "sitemapindex"):
            continue
        found = True
        for entry in root:
            values = {_local(child): (child.text or "").strip() for child in entry}
            target = normalise(values.get("loc", ""), url, site)
            if not target:
                continue
            if _local(root) == "sitemapindex":
                queue.append(target)
            elif len(pages) < MAX_PAGES:
                pages.setdefault(target, values.get("lastmod", ""))
    return pages if found else None


def _feed(fetcher: Fetcher) -> list[str]:
    """Pages the site's feed lists (the one the home page announces, else a usual address)."""
    site = fetcher.site
    candidates: list[str] = []
    response = fetcher.get(site, accept=HTML)
    if response.status >= 500:
        raise SyncError(f"{site}: HTTP {response.status}")
    if response.status == 200 and response.content_type in HTML and response.body.strip():
        try:
            tree = lxml.html.fromstring(response.body)
            xpath = '//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href'
            candidates = [u for raw in tree.xpath(xpath) if (u := normalise(str(raw), response.url, site))]
        except (ValueError, lxml.etree.ParserError):
            pass
    candidates += [u for guess in FEED_GUESSES if (u := normalise(guess, site + "/", site))]
    for url in dict.fromkeys(candidates):
        root = _xml(fetcher, url)
        pages = (
            [u for link in feed_entries(root) if (u := normalise(link, url, site))]
            if root is not None
            else []
        )
        if pages:
            return list(dict.fromkeys(pages))
    return []


def feed_entries(root: Any) -> list[str]:
    """The item links of an RSS 2.0 or Atom feed.

    Not trafilatura's feed helper: it filters links by its own idea of a content URL and drops
    some that are plainly the site's (a host given as an IP address, for one)."""
    links: list[str] = []
    for element in root.iter():
        name = _local(element)
        if name == "item":  # RSS: <item><link>URL</link>
            links += [(c.text or "").strip() for c in element if _local(c) == "link"][:1]
        elif name == "entry":  # Atom: <entry><link rel="alternate" href="URL"/>
            hrefs = [
                c.get("href", "")
                for c in element
                if _local(c) == "link" and c.get("rel", "alternate") == "alternate"
            ]
            links += hrefs[:1]
    return [link for link in links if link]


def sync_sitemap(
    fetcher: Fetcher,
    robots_sitemaps: list[str],
    changes: Changes,
    tmp: Path,
    full: bool,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fill `changes` with the site's pages and the PDFs they link to; returns the sync state."""
    site = fetcher.site
    start = [u for raw in robots_sitemaps if (u := normalise(raw, site, site))]
    pages = read_sitemaps(fetcher, start or [u for g in GUESSES if (u := normalise(g, site + "/", site))])
    mode = "sitemap"
    if pages is None:
        mode = "feed"
        # A feed lists only recent pages: the ones found before stay until they answer 404 or 410.
        earlier = {s: e.get("lastmod", "") for s, e in changes.old.items() if e.get("via") == "feed"}
        pages = {**earlier, **dict.fromkeys(_feed(fetcher), "")}
        if not pages:
            raise SyncError(f"{site}: no REST API, sitemap or feed found; nothing to sync")
    linked: dict[str, list[str]] = {}

    def one(n: int, url: str, lastmod: str) -> None:
        entry = changes.old.get(url)
        if not full and entry and lastmod and entry.get("lastmod") == lastmod:
            changes.unchanged(url, via=mode)  # the sitemap says so: not even a conditional request
            linked[url] = list(entry.get("links", []))
            return
        tags = {"lastmod": lastmod}
        try:
            linked[url] = fetch_document(
                fetcher, url, changes, tmp, n, kinds=("html", "pdf"), via=mode, extra=tags
            )
        except Refused as exc:
            changes.add(SkippedItem(url, url, exc.reason), via=mode, **tags)

    jobs = [partial(one, n, u, m) for n, (u, m) in enumerate(sorted(pages.items()))]
    run_all(fetcher, jobs, "pages", progress)
    pdfs = sorted({u for found in linked.values() for u in found} - set(pages))

    def pdf(n: int, url: str) -> None:
        try:
            fetch_document(fetcher, url, changes, tmp, n, kinds=("pdf",), via="link")
        except Refused as exc:
            changes.add(SkippedItem(url, url, exc.reason), via="link")

    offset = len(jobs)
    run_all(fetcher, [partial(pdf, offset + n, u) for n, u in enumerate(pdfs)], "PDFs", progress)
    return {"mode": mode}
