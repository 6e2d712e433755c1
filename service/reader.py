"""The served index, opened once per process and reopened when a build swaps in a new one.

Whoosh searchers are not thread-safe: shared by many threads they raise "Block tag error" or
return wrong hits, and per-thread searchers cost memory and were slower still. Threads add no
throughput anyway (Whoosh holds the GIL), so each process has one searcher behind a lock and
the service scales with worker processes. `IndexHandle.use()` is the only way to reach it.

Each snapshot also keeps a table of document metadata in memory (titles, URLs, dates,
categories), so result lists and facets need no stored-field reads.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError
from indexer.store import open_index, read_build_info
from indexer.text import fold

from .errors import IndexUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DocInfo:
    id: str
    kind: str
    title: str
    url: str
    source: str
    published: str  # ISO date or ""
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    summary: str
    pages: int
    file: str  # the corpus file served at /files/ as this document, or ""

    @property
    def year(self) -> str:
        return self.published[:4]


@dataclass(slots=True)
class Snapshot:
    path: Path
    index: Any
    searcher: Any
    info: dict[str, Any]
    docs: dict[str, DocInfo] = field(default_factory=dict)
    folded_titles: list[tuple[str, str]] = field(default_factory=list)  # (folded title, doc id)
    # Spelling corrections found so far: an edit-distance scan of the vocabulary is slow and
    # the same misspellings come back; the cache lives and dies with this index snapshot.
    corrections: dict[tuple[str, int], str | None] = field(default_factory=dict)
    completions: dict[str, list[str]] = field(default_factory=dict)  # prefix -> commonest words
    columns: dict[str, Any] = field(default_factory=dict)
    served_sources: frozenset[str] = frozenset()  # corpus files that are documents (/files/…)
    pdf_urls: dict[str, str] = field(default_factory=dict)  # a PDF document's URL -> its id (viewer)
    pdf_sources: dict[str, str] = field(default_factory=dict)  # source of a PDF served at /files/ -> id

    def column(self, name: str) -> Any:
        """A sortable field's values by document number, read without stored fields."""
        cached = self.columns.get(name)
        if cached is None:
            cached = self.columns[name] = self.searcher.reader().column_reader(name)
        return cached

    @property
    def analyzer(self) -> Any:
        """The analyzer the index was built with; queries must use the same one."""
        return self.index.schema["content"].analyzer

    @property
    def passages(self) -> int:
        return int(self.info.get("passages", 0))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def load_snapshot(index_dir: Path) -> Snapshot:
    try:
        path = index_dir.resolve(strict=True)
        ix = open_index(index_dir)
        info = read_build_info(path)
    except (IndexerError, OSError) as exc:
        raise IndexUnavailable(str(exc)) from exc
    searcher = ix.searcher()
    snap = Snapshot(path, ix, searcher, info)
    for stored in searcher.documents(record="doc"):
        doc = DocInfo(
            id=stored["doc_id"],
            kind=stored.get("kind", ""),
            title=stored.get("title", ""),
            url=stored.get("url", ""),
            source=stored.get("source", ""),
            published=stored.get("published", ""),
            categories=_split(stored.get("category")),
            tags=_split(stored.get("tag")),
            author=stored.get("author", ""),
            summary=stored.get("summary", ""),
            pages=int(stored.get("pages") or 0),
            file=stored.get("file") or "",
        )
        snap.docs[doc.id] = doc
        snap.folded_titles.append((fold(doc.title.lower()), doc.id))
    snap.served_sources = frozenset(d.file for d in snap.docs.values() if d.file)
    snap.pdf_urls = {d.url: d.id for d in snap.docs.values() if d.kind == "pdf"}
    snap.pdf_sources = {d.file: d.id for d in snap.docs.values() if d.kind == "pdf" and d.file}
    return snap


class IndexHandle:
    """One process's access to the index: a lock, a snapshot, and reload on swap."""

    def __init__(self, index_dir: Path, on_reload: Callable[[], None] | None = None) -> None:
        self.index_dir = index_dir
        self.on_reload = on_reload  # e.g. a metrics counter
        self._lock = threading.Lock()
        self._snapshot = load_snapshot(index_dir)

    def _current_target(self) -> str:
        return os.path.realpath(self.index_dir)

    def _maybe_reload(self) -> None:
        target = self._current_target()
        if target == str(self._snapshot.path):
            return
        try:
            fresh = load_snapshot(self.index_dir)
        except IndexUnavailable as exc:
            # A half-finished swap or a removed index: keep serving what we have.
            log.warning("new index at %s not loaded: %s", target, exc)
            return
        old, self._snapshot = self._snapshot, fresh
        old.searcher.close()
        log.info("index reloaded from %s", target)
        if self.on_reload is not None:
            self.on_reload()

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        with self._lock:
            self._maybe_reload()
            yield self._snapshot

    def close(self) -> None:
        with self._lock:
            self._snapshot.searcher.close()
