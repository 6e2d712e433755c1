"""The items a live site yields, and the fetching that WordPress and sitemap sources share.

    PostItem      a WordPress post or page from the REST API: its rendered HTML -> one Document
    DownloadedItem a page or PDF saved to a temporary file -> the unchanged HTML or PDF extractor
    SkippedItem   something we saw but do not index (password protected, too large, robots.txt)
    Changes       what a sync found: items to extract, sources to keep, state for the manifest
    fetch_document(...)  one conditional GET of a page or PDF, judged into Changes

Every item keeps the site's own URL (a post's `link`, a PDF's file URL, which the service turns
into `…pdf#page=N`). Only http(s) URLs are ever stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html

from ..config import IndexerSettings
from ..documents import Document, Skip
from ..errors import EmptyDocument, Refused
from ..extract import Extraction
from ..extract.html import parse_date
from ..http import HTML, PDF, Fetcher, host_key, is_web_url, save_path
from ..passages import make_passages
from ..text import one_line
from . import SourceItem

# Servers that do not know what a PDF is; the bytes decide then.
GENERIC_TYPES = (
    "application/octet-stream",
    "binary/octet-stream",
    "application/x-pdf",
    "application/download",
)


def fingerprint(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(slots=True)
class PostItem:
    """A published post of any public type, as the REST API renders it to an anonymous visitor."""

    source: str  # "wp:<rest_base>/<id>"
    fields: dict[str, Any]  # title/content/excerpt HTML, link, date, author, categories, tags
    sha1: str = ""

    def __post_init__(self) -> None:
        self.sha1 = self.sha1 or fingerprint(self.fields)

    def extract(self, settings: IndexerSettings) -> Extraction:
        # Imported here: the worker processes load the extractors, the sync process need not.
        from ..extract.wxr import content_blocks, plain_title

        f = self.fields
        blocks = content_blocks(f["content"])
        passages = make_passages(blocks, settings.passage_min_words, settings.passage_max_words)
        title = plain_title(f["title"])
        if not passages and not title:
            raise EmptyDocument("no title and no content")
        excerpt = " ".join(b.text for b in content_blocks(f["excerpt"]))
        summary = excerpt or " ".join(b.text for b in blocks if not b.is_heading)
        doc = Document(
            source=self.source,
            kind="blog",
            title=title or "(zonder titel)",
            url=f["link"],
            passages=passages,
            published=parse_date(f["date"]),
            author=one_line(f["author"]),
            categories=list(f["categories"]),
            tags=list(f["tags"]),
            summary=summary[:300],
        )
        return Extraction([doc])


@dataclass(slots=True)
class DownloadedItem:
    """A page or PDF of the site, downloaded to `path`; extracted as a corpus file would be."""

    source: str  # the URL it was fetched from
    sha1: str  # of the downloaded bytes
    path: Path
    kind: str  # "pdf" or "html"
    published: str = ""  # a date to fall back on (a media item's upload date)

    def extract(self, settings: IndexerSettings) -> Extraction:
        from ..extract import html, pdf

        extractor = pdf.extract if self.kind == "pdf" else html.extract
        extraction = extractor(self.path, self.source, settings)
        for doc in extraction.documents:
            # A page's canonical URL counts when it is on the site; anything else is the URL we read.
            if self.kind == "pdf" or not (is_web_url(doc.url) and host_key(doc.url) == host_key(self.source)):
                doc.url = self.source
            doc.file = ""  # the site's own file: this service never serves it at /files/
            doc.published = doc.published or parse_date(self.published)
        return extraction


@dataclass(slots=True)
class SkippedItem:
    """Seen on the site but not indexed; listed in the report with its reason."""

    source: str
    label: str  # what the report shows (the public URL)
    reason: str
    sha1: str = ""

    def __post_init__(self) -> None:
        self.sha1 = self.sha1 or "skip:" + fingerprint(self.reason)

    def extract(self, settings: IndexerSettings) -> Extraction:
        return Extraction(skips=[Skip(self.label, self.reason)])


@dataclass(slots=True)
class Changes:
    """What a sync found, against the previous manifest `old` (safe to fill from several threads)."""

    old: dict[str, Any]
    todo: list[SourceItem] = field(default_factory=list)
    keep: set[str] = field(default_factory=set)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    pdf_bytes: int = 0  # PDF bodies downloaded in this run
    fetched: int = 0  # items whose content came in this run (REST items, pages with a body)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, item: SourceItem, **state: Any) -> None:
        """Extract `item` unless the manifest already holds these very contents."""
        with self._lock:
            entry = self.old.get(item.source)
            if entry is not None and entry.get("sha1") == item.sha1:
                self.keep.add(item.source)
            else:
                self.todo.append(item)
            self.state[item.source] = state

    def unchanged(self, source: str, **state: Any) -> None:
        """Keep a source of the previous build as it is (its manifest entry gets `state` merged)."""
        with self._lock:
            self.keep.add(source)
            self.state[source] = state

    def received(self, pdf_bytes: int = 0) -> None:
        """Count one item whose content came in (and its bytes, for a PDF)."""
        with self._lock:
            self.fetched += 1
            self.pdf_bytes += pdf_bytes

    @property
    def sources(self) -> set[str]:
        return self.keep | {item.source for item in self.todo}

    def ordered(self) -> list[SourceItem]:
        """Items to extract in source order: fetched in any order, written the same every time."""
        return sorted(self.todo, key=lambda item: item.source)


# Manifest keys a source may carry beyond the pipeline's own (sha1, documents, skips).
STATE_KEYS = ("etag", "last_modified", "lastmod", "modified", "link", "links", "via")


def normalise(url: str, base: str, site: str) -> str | None:
    """`url` (maybe relative to `base`) as an absolute http(s) URL on the site, or None."""
    try:
        absolute = urllib.parse.urljoin(base, url.strip())
        parts = urllib.parse.urlsplit(absolute)
    except ValueError:
        return None
    if not is_web_url(absolute) or host_key(absolute) != host_key(site):
        return None
    site_parts = urllib.parse.urlsplit(site)
    scheme = site_parts.scheme if parts.netloc == site_parts.netloc else parts.scheme
    return urllib.parse.urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def pdf_links(markup: str | bytes, base: str, site: str) -> list[str]:
    """PDFs on the site that an HTML fragment or page links to or embeds."""
    if not markup or not markup.strip():
        return []
    try:
        root = lxml.html.fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: list[str] = []
    for raw in root.xpath("//a/@href | //object/@data | //embed/@src | //iframe/@src"):
        url = normalise(str(raw), base, site)
        if url and urllib.parse.urlsplit(url).path.lower().endswith(".pdf"):
            found.append(url)
    return list(dict.fromkeys(found))


def fetch_document(
    fetcher: Fetcher,
    url: str,
    changes: Changes,
    tmp: Path,
    n: int,
    *,
    kinds: tuple[str, ...] = ("pdf",),
    published: str = "",
    via: str = "",
    extra: dict[str, Any] | None = None,
) -> list[str]:
    """Fetch one PDF (or page, when `kinds` allows "html") into `changes`, conditionally when
    the manifest holds its ETag or Last-Modified; returns the PDFs a page links to.

    A 304 keeps the previous build's documents (and links); a 404 or 410 leaves the URL out of
    `changes`, so the sync deletes it; a 500 keeps the previous version (or skips a new URL);
    other refusals are skipped with their reason. `via` (how the URL was found) and `extra` go
    into its manifest entry.
    """
    tags = {"via": via, **(extra or {})}
    entry = changes.old.get(url) or {}
    path = save_path(tmp, url, n)
    try:
        with path.open("wb") as out:
            response = fetcher.get(
                url,
                accept=PDF + HTML if "html" in kinds else PDF,
                etag=str(entry.get("etag", "")),
                last_modified=str(entry.get("last_modified", "")),
                to=out,
            )
    except Refused as exc:
        changes.add(SkippedItem(url, url, exc.reason), **tags)
        return []
    status = response.status
    if status == 304 and entry:
        changes.unchanged(url, **tags)
        return list(entry.get("links", []))
    if status >= 500:
        # One broken file must not block every later sync: keep what we had, or skip it for now.
        # (A busy server's 503s and 429s were retried and stopped the sync in the fetcher.)
        if entry:
            changes.unchanged(url, **tags)
        else:
            changes.add(SkippedItem(url, url, f"server error: HTTP {status}; tried again next sync"), **tags)
        return list(entry.get("links", []))
    if status in (404, 410):
        return []
    if status != 200:
        reason = f"not public: HTTP {status}" if status in (401, 403) else f"HTTP {status}"
        changes.add(SkippedItem(url, url, reason), **tags)
        return []
    kind = _kind(response.content_type, path)
    if kind not in kinds:
        wanted = " or ".join("a PDF" if k == "pdf" else "a page" for k in kinds)
        served = response.content_type or "no content type"
        changes.add(SkippedItem(url, url, f"not {wanted}: served as {served}"), **tags)
        return []
    state: dict[str, Any] = {
        "etag": response.headers.get("ETag", ""),
        "last_modified": response.headers.get("Last-Modified", ""),
        **tags,
    }
    links: list[str] = []
    changes.received(response.size if kind == "pdf" else 0)
    if kind != "pdf":
        links = pdf_links(path.read_bytes(), response.url, fetcher.site)
        state["links"] = links
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    changes.add(DownloadedItem(url, digest, path, kind, published), **state)
    return links


def _kind(content_type: str, path: Path) -> str | None:
    if content_type in HTML:
        return "html"
    with path.open("rb") as fh:
        head = fh.read(1024)
    if content_type in PDF or (content_type in GENERIC_TYPES and b"%PDF-" in head):
        return "pdf"
    return None


def run_all(
    fetcher: Fetcher,
    jobs: Sequence[Callable[[], object]],
    label: str,
    progress: Callable[[int, int, str], None] | None,
) -> None:
    """Run fetch jobs with as many threads as requests may be in flight; the first error stops them."""
    pool = ThreadPoolExecutor(max_workers=fetcher.concurrency)
    try:
        futures = [pool.submit(job) for job in jobs]
        for done, future in enumerate(futures, start=1):
            future.result()
            if progress:
                progress(done, len(futures), label)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
