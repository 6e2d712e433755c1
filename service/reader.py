"""The served index, opened once per process and reopened when a build swaps in a new one.

Whoosh searchers are not thread-safe: shared by many threads they raise "Block tag error" or
return wrong hits, and per-thread searchers cost memory and were slower still. Threads add no
throughput anyway (Whoosh holds the GIL), so each process has one searcher behind a lock and
the service scales with worker processes. `IndexHandle.use()` is the only way to reach it.

A snapshot is verified when it loads (file sizes and checksums against build.json, probe
queries); `/health` runs a probe query each time and reports recent search failures.

Each snapshot also keeps a table of document metadata in memory (titles, URLs, dates,
categories), document bitsets for coverage, totals and facets, and the index's vocabulary, so
result lists and facets need no stored-field reads and /suggest no scan of the index.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer import analysis
from indexer.doctable import DocTable, dense_index
from indexer.errors import IndexerError
from indexer.store import check_files, open_index, probe, probe_sample, read_build_info, written_documents

from .errors import IndexUnavailable, SearchFailed, ServiceError

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
    scores: Any = None  # docscores.DocScores: stage 1's BM25F per term
    vocabulary: Any = None  # spelling.Vocabulary
    titles: Any = None  # documents.TitleIndex
    served_sources: frozenset[str] = frozenset()  # corpus files that are documents (/files/…)
    pdf_urls: dict[str, str] = field(default_factory=dict)  # a PDF document's URL -> its id (viewer)
    pdf_sources: dict[str, str] = field(default_factory=dict)  # source of a PDF served at /files/ -> id
    columns: dict[str, Any] = field(default_factory=dict)
    # Document id -> its records' docnums (doc record and passages), read once from the postings.
    records: OrderedDict[str, tuple[int, ...]] = field(default_factory=OrderedDict)
    # (segment, offset) -> a decoded postings block (ids, weights, values), for stage 2.
    blocks: OrderedDict[tuple[int, int], tuple[Any, Any, Any]] = field(default_factory=OrderedDict)
    table: Any = None  # indexer.doctable.DocTable, when the build has one that fits

    def close(self) -> None:
        """Close the searcher and the term table (the files stay open until then)."""
        self.searcher.close()
        if self.table is not None:
            self.table.close()

    def column(self, name: str) -> Any:
        """A sortable field's values by document number, read without stored fields."""
        cached = self.columns.get(name)
        if cached is None:
            reader = self.searcher.reader()
            # An index without records has no columns (Whoosh raises NotImplementedError).
            cached = reader.column_reader(name) if reader.doc_count_all() else ()
            self.columns[name] = cached
        return cached

    @property
    def analyzer(self) -> Any:
        """The analyzer the index was built with; queries must use the same one."""
        # The searcher's schema, read when it opened: `index.schema` reads the TOC file again.
        return self.searcher.schema["content"].analyzer

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
    from .docscores import DocScores
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
    doc_index, snap.docnums = dense_index(searcher)
    for i, docnum in enumerate(snap.docnums):
        doc = _doc_info(searcher.stored_fields(docnum))
        snap.index_of[doc.id] = i
        snap.docs[doc.id] = doc
        snap.order.append(doc)
    try:
        table = snap.table = DocTable.open(path, snap.docnums)
    except IndexerError as exc:
        # Searches work from the postings without it, only slower; check_files reports the damage.
        log.warning("%s; searching without it", exc)
        table = None
    if table is None:
        log.info("index %s has no term table that fits it: terms are read from the postings", path)
    else:
        analysis.know_words(table.words())
    scores = snap.scores = DocScores(searcher, doc_index, snap.docnums, table=table)
    sets = snap.docsets = DocSets(searcher, doc_index, len(snap.order), scores.indexes_of, table)
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
    snap.pdf_urls = {d.url: d.id for d in snap.docs.values() if d.kind == "pdf"}
    snap.pdf_sources = {d.file: d.id for d in snap.docs.values() if d.kind == "pdf" and d.file}
    # What a snapshot holds lives as long as it is served: moved out of the collector's view,
    # a full collection no longer walks it (measured at 100,000 passages: full collections of
    # ~100 ms every ~190 searches, none after).
    gc.collect()
    gc.freeze()
    return snap


@dataclass(slots=True)
class Health:
    """What /health reports: `ok` is False when searches fail or cannot be trusted."""

    ok: bool
    reason: str | None  # why not ok; or, when ok, a newer build that could not be loaded
    snapshot: Snapshot | None


def verify_snapshot(snap: Snapshot, sample: list[tuple[str, int]]) -> str | None:
    """What is wrong with a loaded snapshot (damaged files, failing probe queries), or None."""
    try:
        problem = check_files(snap.path, snap.info)
    except OSError as exc:
        return f"index files unreadable: {exc}"
    if problem:
        return problem
    written = int(snap.info.get("documents", len(snap.docs)))
    if len(snap.docs) != written:
        return f"index holds {len(snap.docs)} readable documents, {written} were written"
    try:
        probe(snap.searcher, sample)
    except IndexerError as exc:
        return str(exc)
    return None


MAX_RETRY_SECONDS = 600.0


class IndexHandle:
    """One process's access to the index: a lock, a snapshot, reload on swap, and its health.

    A new build is swapped in only when it opens and passes `verify_snapshot`; otherwise the
    snapshot in use stays, and the failed build is tried again after `retry_seconds`, doubling
    up to `MAX_RETRY_SECONDS` (loading costs a moment under the lock; a damaged build does not
    heal, and a new build comes with a new path, tried at once). A service started
    on an index that cannot be opened runs without a snapshot: searches get
    `IndexUnavailable` (503) until a good build appears. A snapshot that opens but is damaged is
    served, reported as degraded. A search that fails inside `use()` raises `SearchFailed` and
    makes `/health` report degraded for `failure_window` seconds.

    Damage that happens while a snapshot is served (a failing disk under a running service) need
    not raise: a damaged term dictionary can simply find nothing. So `use()` also runs one probe
    query every `probe_interval` seconds (under a millisecond); when it fails, the snapshot is
    broken: every search answers `SearchFailed` (503) instead of wrong results, `/health` says
    why, and the next good build swapped in serves again.
    """

    def __init__(
        self,
        index_dir: Path,
        retry_seconds: float = 10.0,
        failure_window: float = 60.0,
        on_reload: Callable[[], None] | None = None,
        probe_interval: float = 1.0,
    ) -> None:
        self.index_dir = index_dir
        self.on_reload = on_reload  # e.g. a metrics counter
        self.retry_seconds = retry_seconds
        self.failure_window = failure_window
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._damage: str | None = None  # what is wrong with the snapshot in use (or the lack of one)
        # (target, when, why, attempts) of the last build that failed to load or verify
        self._rejected: tuple[str, float, str, int] | None = None
        self._failure: tuple[float, str] | None = None  # (when, what) of the last failed search
        self._sample: list[tuple[str, int]] = []  # the documents probe queries look up
        self._probe_turn = 0
        self.probe_interval = probe_interval
        self._probed_at = time.monotonic()
        self._broken: str | None = None  # a served snapshot that failed a probe since it loaded
        target = self._current_target()
        try:
            self._snapshot = self._load()
        except IndexUnavailable as exc:
            self._damage = str(exc)
            self._rejected = (target, time.monotonic(), str(exc), 1)
            log.error(
                "index %s cannot be opened: %s; searches answer 503 until a build loads", index_dir, exc
            )
            return
        self._sample = probe_sample(written_documents(self._snapshot.info))
        self._damage = verify_snapshot(self._snapshot, self._sample)
        if self._damage:
            log.error("index %s is damaged: %s; serving it anyway", index_dir, self._damage)

    def _current_target(self) -> str:
        return os.path.realpath(self.index_dir)

    def _load(self) -> Snapshot:
        try:
            return load_snapshot(self.index_dir)
        except IndexUnavailable:
            raise
        except Exception as exc:  # a damaged index fails while its documents are read
            raise IndexUnavailable(f"index {self.index_dir} cannot be read: {self._why(exc)}") from exc

    def _why(self, exc: Exception) -> str:
        """The files' checksums name a damaged file better than the parser's error does."""
        try:
            path = self.index_dir.resolve()
            problem = check_files(path, read_build_info(path))
        except (IndexerError, OSError):
            problem = None
        return problem or f"{type(exc).__name__}: {exc}"

    def reload_due(self) -> bool:
        """Whether the next `use()` would first load a build (seconds at 100,000 passages): a
        hint without the lock, for a caller that would rather load in a thread (`refresh`)."""
        return self._due(self._current_target())

    def refresh(self) -> None:
        """Load a new build now if one is due (what `use()` does first)."""
        with self._lock:
            self._maybe_reload()

    def _due(self, target: str) -> bool:
        """Whether `target` (the build the index path names) should be loaded now: it is not the
        one served, and it has not failed lately (retries back off)."""
        if self._snapshot is not None and target == str(self._snapshot.path):
            return False
        rejected = self._rejected
        if not rejected or rejected[0] != target:
            return True
        # Without any snapshot, retrying often is all there is to do.
        attempts = rejected[3] if self._snapshot is not None else 1
        wait = min(MAX_RETRY_SECONDS, self.retry_seconds * 2.0 ** (attempts - 1))
        return time.monotonic() - rejected[1] >= wait

    def _maybe_reload(self) -> None:
        target = self._current_target()
        if not self._due(target):
            return
        try:
            fresh = self._load()
        except IndexUnavailable as exc:
            self._reject(target, str(exc))
            return
        sample = probe_sample(written_documents(fresh.info))
        problem = verify_snapshot(fresh, sample)
        if problem and self._snapshot is not None:
            fresh.close()
            self._reject(target, problem)
            return
        old, self._snapshot, self._sample = self._snapshot, fresh, sample
        self._damage, self._rejected, self._failure, self._broken = problem, None, None, None
        if old is not None:
            old.close()
        log.info("index reloaded from %s", fresh.path)
        if self.on_reload is not None:
            self.on_reload()

    def _reject(self, target: str, problem: str) -> None:
        # A half-finished swap, a removed or damaged build: keep serving what we have.
        again = self._rejected is not None and self._rejected[0] == target
        if not again:
            log.warning("index at %s not loaded: %s", target, problem)
        attempts = self._rejected[3] + 1 if self._rejected is not None and again else 1
        self._rejected = (target, time.monotonic(), problem, attempts)
        if self._snapshot is None:
            self._damage = problem

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        """The snapshot, under the lock. Raise HTTP errors after the block, not inside it:
        anything raised inside that is not a ServiceError counts as a failed search."""
        with self._lock:
            self._maybe_reload()
            snap = self._snapshot
            if snap is None:
                raise IndexUnavailable(self._damage or f"index {self.index_dir} is not loaded")
            self._check(snap)
            try:
                yield snap
            except ServiceError:
                raise
            except Exception as exc:  # damaged index data surfaces as many unrelated types
                what = f"{type(exc).__name__}: {str(exc)[:200]}"
                self._failure = (time.monotonic(), what)
                log.exception("search failed on index %s", snap.path)
                raise SearchFailed(what) from exc

    def _next_probe(self) -> list[tuple[str, int]]:
        if not self._sample:
            return []
        self._probe_turn = (self._probe_turn + 1) % len(self._sample)
        return [self._sample[self._probe_turn]]

    def _check(self, snap: Snapshot) -> None:
        """Now and then a probe query; a broken snapshot answers no searches (see the class doc)."""
        now = time.monotonic()
        if self._broken is None and not self._damage and now - self._probed_at >= self.probe_interval:
            self._probed_at = now
            try:
                probe(snap.searcher, self._next_probe())
            except IndexerError as exc:
                self._broken = f"probe query failed: {exc}"
                log.error("index %s is damaged: %s; searches answer 503", snap.path, exc)
        if self._broken is not None:
            self._failure = (now, self._broken)
            raise SearchFailed(self._broken)

    def health(self) -> Health:
        """A real probe query (one document in turn of the build's sample) and recent failures."""
        with self._lock:
            self._maybe_reload()
            snap = self._snapshot
            if snap is None:
                return Health(False, self._damage or "no index loaded", None)
            if self._damage or self._broken:
                return Health(False, self._damage or self._broken, snap)
            try:
                probe(snap.searcher, self._next_probe())
            except IndexerError as exc:
                self._broken = f"probe query failed: {exc}"
                return Health(False, self._broken, snap)
            if self._failure and time.monotonic() - self._failure[0] < self.failure_window:
                return Health(False, f"searches are failing: {self._failure[1]}", snap)
            stale = None
            if self._rejected:
                stale = f"newer build {self._rejected[0]} not loaded: {self._rejected[2]}"
            return Health(True, stale, snap)

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
