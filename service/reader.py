"""The served index, opened once per process and reopened when a build swaps in a new one.

Whoosh searchers are not thread-safe: shared by many threads they raise "Block tag error" or
return wrong hits, and per-thread searchers cost memory and were slower still. Threads add no
throughput anyway (Whoosh holds the GIL), so each process has one searcher behind a lock and
the service scales with worker processes. `IndexHandle.use()` is the only way to reach it.

A snapshot is verified when it loads (file sizes and checksums against build.json, probe
queries); `/health` runs a probe query each time and reports recent search failures.

Each snapshot also keeps a table of document metadata in memory (titles, URLs, dates,
categories), so result lists and facets need no stored-field reads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import IndexerError
from indexer.store import check_files, open_index, probe, probe_sample, read_build_info, written_documents
from indexer.text import fold

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
            reader = self.searcher.reader()
            # An index without records has no columns (Whoosh raises NotImplementedError).
            cached = reader.column_reader(name) if reader.doc_count_all() else ()
            self.columns[name] = cached
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
    """

    def __init__(
        self,
        index_dir: Path,
        retry_seconds: float = 10.0,
        failure_window: float = 60.0,
        on_reload: Callable[[], None] | None = None,
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
            raise IndexUnavailable(
                f"index {self.index_dir} cannot be read: {type(exc).__name__}: {exc}"
            ) from exc

    def _maybe_reload(self) -> None:
        target = self._current_target()
        if self._snapshot is not None and target == str(self._snapshot.path):
            return
        rejected = self._rejected
        if rejected and rejected[0] == target:
            # Without any snapshot, retrying often is all there is to do.
            attempts = rejected[3] if self._snapshot is not None else 1
            wait = min(MAX_RETRY_SECONDS, self.retry_seconds * 2 ** (attempts - 1))
            if time.monotonic() - rejected[1] < wait:
                return
        try:
            fresh = self._load()
        except IndexUnavailable as exc:
            self._reject(target, str(exc))
            return
        sample = probe_sample(written_documents(fresh.info))
        problem = verify_snapshot(fresh, sample)
        if problem and self._snapshot is not None:
            fresh.searcher.close()
            self._reject(target, problem)
            return
        old, self._snapshot, self._sample = self._snapshot, fresh, sample
        self._damage, self._rejected, self._failure = problem, None, None
        if old is not None:
            old.searcher.close()
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
            try:
                yield snap
            except ServiceError:
                raise
            except Exception as exc:  # damaged index data surfaces as many unrelated types
                what = f"{type(exc).__name__}: {str(exc)[:200]}"
                self._failure = (time.monotonic(), what)
                log.exception("search failed on index %s", snap.path)
                raise SearchFailed(what) from exc

    def health(self) -> Health:
        """A real probe query (one document in turn of the build's sample) and recent failures."""
        with self._lock:
            self._maybe_reload()
            snap = self._snapshot
            if snap is None:
                return Health(False, self._damage or "no index loaded", None)
            if self._damage:
                return Health(False, self._damage, snap)
            sample = self._sample
            if sample:
                self._probe_turn = (self._probe_turn + 1) % len(sample)
                try:
                    probe(snap.searcher, [sample[self._probe_turn]])
                except IndexerError as exc:
                    return Health(False, f"probe query failed: {exc}", snap)
            if self._failure and time.monotonic() - self._failure[0] < self.failure_window:
                return Health(False, f"searches are failing: {self._failure[1]}", snap)
            stale = None
            if self._rejected:
                stale = f"newer build {self._rejected[0]} not loaded: {self._rejected[2]}"
            return Health(True, stale, snap)

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.searcher.close()
