"""The served index, opened once per process and reopened when a build swaps in a new one.

Whoosh searchers are not thread-safe: shared by many threads they raise "Block tag error" or
return wrong hits, and per-thread searchers cost memory and were slower still. Threads add no
throughput anyway (Whoosh holds the GIL), so each process has one searcher behind a lock and
the service scales with worker processes. `IndexHandle.use()` is the only way to reach it.

Each snapshot also keeps a table of document metadata in memory (titles, URLs, dates,
categories), document bitsets for coverage, totals and facets, and the index's vocabulary, so
result lists and facets need no stored-field reads and /suggest no scan of the index.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError
from indexer.store import open_index, read_build_info

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
    headings: str = ""  # the document's headings, one a line

    @property
    def year(self) -> str:
        return self.published[:4]


@dataclass(slots=True)
class Snapshot:
    """One build of the index as a process reads it, with what it derives once per build.

    Documents are numbered densely in index order (`order[i]`, `docnums[i]`); `docsets`
    holds document bitsets over those numbers (terms, facet values) and `vocabulary` the
    index's words for spelling and completion. Nothing here grows with the number of
    queries beyond the bounded LRUs inside them.
    """

    path: Path
    index: Any
    searcher: Any
    info: dict[str, Any]
    docs: dict[str, DocInfo] = field(default_factory=dict)
    order: list[DocInfo] = field(default_factory=list)  # dense document index -> document
    docnums: list[int] = field(default_factory=list)  # dense document index -> doc record docnum
    index_of: dict[str, int] = field(default_factory=dict)  # document id -> dense index
    by_date: list[int] = field(default_factory=list)  # dense indexes, newest first
    docsets: Any = None  # DocSets
    vocabulary: Any = None  # spelling.Vocabulary
    titles: Any = None  # documents.TitleIndex
    served_sources: frozenset[str] = frozenset()  # corpus files that are documents (/files/…)
    columns: dict[str, Any] = field(default_factory=dict)

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


def _doc_info(stored: dict[str, Any]) -> DocInfo:
    return DocInfo(
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
        headings=stored.get("headings") or "",
    )


def load_snapshot(index_dir: Path) -> Snapshot:
    # Imported here: both build on the snapshot, which must not import them at module level.
    from .docsets import DocSets
    from .documents import TitleIndex
    from .spelling import Vocabulary

    # The previous snapshot's objects may be collected again once it is dropped (see below).
    gc.unfreeze()
    try:
        path = index_dir.resolve(strict=True)
        ix = open_index(index_dir)
        # Keep what answers use, not the build's per-file bookkeeping (megabytes at 10,000 files).
        info = {
            k: v for k, v in read_build_info(path).items() if not isinstance(v, (dict, list)) or len(v) <= 100
        }
    except (IndexerError, OSError) as exc:
        raise IndexUnavailable(str(exc)) from exc
    searcher = ix.searcher()
    snap = Snapshot(path, ix, searcher, info)
    reader = searcher.reader()
    doc_index = array("i", [-1]) * reader.doc_count_all()
    for docnum in sorted(searcher.document_numbers(record="doc")):
        doc = _doc_info(searcher.stored_fields(docnum))
        doc_index[docnum] = len(snap.order)
        snap.index_of[doc.id] = len(snap.order)
        snap.docs[doc.id] = doc
        snap.order.append(doc)
        snap.docnums.append(docnum)
    sets = snap.docsets = DocSets(searcher, doc_index, len(snap.order))
    docs = list(enumerate(snap.order))
    sets.add_facet_values("type", ((i, d.kind) for i, d in docs))
    sets.add_facet_values("year", ((i, d.year) for i, d in docs if d.year))
    sets.add_facet_values("category", ((i, c) for i, d in docs for c in d.categories))
    sets.add_facet_values("tag", ((i, t) for i, d in docs for t in d.tags), counted=False)
    snap.by_date = sorted(
        range(len(snap.order)), key=lambda i: snap.order[i].published or "0000", reverse=True
    )
    snap.vocabulary = Vocabulary(reader)
    snap.titles = TitleIndex(snap.order)
    snap.served_sources = frozenset(d.file for d in snap.docs.values() if d.file)
    # What a snapshot holds lives as long as it is served: moved out of the collector's view,
    # a full collection no longer walks it (measured at 100,000 passages: full collections of
    # ~100 ms every ~190 searches, none after).
    gc.collect()
    gc.freeze()
    return snap


class IndexHandle:
    """One process's access to the index: a lock, a snapshot, and reload on swap."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
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

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        with self._lock:
            self._maybe_reload()
            yield self._snapshot

    def close(self) -> None:
        with self._lock:
            self._snapshot.searcher.close()
