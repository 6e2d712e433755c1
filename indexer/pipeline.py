"""Build or update an index: discover -> extract (in worker processes) -> write -> swap.

    build_index(settings)  -> IndexReport   every file, into a fresh index
    update_index(settings) -> IndexReport   only new, changed and deleted files
    apply_changes(settings, todo, keep, ...) -> IndexReport   a source that lists its own
                                            changes (a synced site, see `sync`)

All write into a new build directory, verify it (`store.verify_build`: counts and probe
queries) and only then swap it in (see `store`), so a failure at any point, a killed process
or a full disk included, leaves the served index as it was. An update first checks the build it
starts from (checksums and probe queries) and does a full build instead when that one is
damaged, saying so in its report. Documents are written in source order, so two builds of the
same corpus give the same index.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import store, tablewriter
from .config import IndexerSettings
from .documents import Document, Skip
from .errors import IndexStoreError
from .schema import SCHEMA_VERSION
from .sources import SourceItem, scan
from .workers import ExtractionPool, Outcome, extract_all

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
# A skip's source names a part of a file: "x.pdf page 3", "export.xml item 12 …", "note.md field date".
PART_OF_FILE = re.compile(r" (?:page \d+|item \d+|field \w+)")


@dataclass(slots=True)
class IndexReport:
    files: int = 0  # source files seen
    extracted: int = 0  # files (re)extracted in this run
    documents: int = 0
    passages: int = 0
    pdf_pages: int = 0
    skips: list[Skip] = field(default_factory=list)
    seconds: float = 0.0
    slowest: tuple[str, float] = ("", 0.0)  # the file that took longest to extract
    index_dir: Path | None = None
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0  # sources kept as they were (apply_changes)
    ocr_pages: int = 0  # scanned pages recognised by Tesseract in this run
    ocr_cached: int = 0  # scanned pages whose text came from the OCR cache
    ocr_seconds: float = 0.0
    table_terms: int = 0  # terms in the build's term table (doctable)
    table_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the run did differently, and why

    @property
    def skipped_files(self) -> list[Skip]:
        """Whole files that are not in the index (as opposed to skipped parts of a file)."""
        return [s for s in self.skips if not PART_OF_FILE.search(s.source)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "documents": self.documents,
            "passages": self.passages,
            "pdf_pages": self.pdf_pages,
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skips],
            "seconds": round(self.seconds, 3),
            "ocr": {
                "pages": self.ocr_pages,
                "cached": self.ocr_cached,
                "seconds": round(self.ocr_seconds, 3),
            },
            "table": {"terms": self.table_terms, "seconds": round(self.table_seconds, 3)},
            "notes": list(self.notes),
        }


def _in_order(
    files: Sequence[SourceItem], settings: IndexerSettings, progress: Progress | None, pool: ExtractionPool
) -> Iterator[Outcome]:
    """Extraction outcomes in source order, as soon as each is available.

    Workers finish in any order; holding early finishers back until their predecessors arrive
    keeps the index identical from build to build while writing overlaps extraction.
    """
    position = {f.source: n for n, f in enumerate(files)}
    waiting: dict[int, Outcome] = {}
    next_up = 0
    for done, outcome in enumerate(extract_all(files, settings, pool), start=1):
        if progress:
            progress(done, len(files), outcome.file.source)
        waiting[position[outcome.file.source]] = outcome
        while next_up in waiting:
            yield waiting.pop(next_up)
            next_up += 1


def _write(
    ix: Any,
    outcomes: Iterable[Outcome],
    report: IndexReport,
    manifest: dict[str, Any],
    delete: list[str],
    settings: IndexerSettings,
) -> None:
    # Deletions purge: Whoosh only marks deleted documents, and their words would stay in the
    # term lists that suggestions and spelling corrections read.
    purge = bool(delete)
    with store.writer(ix, procs=settings.writer_count, purge=purge, limitmb=settings.writer_memory_mb) as w:
        store.delete_sources(w, delete)
        for outcome in outcomes:
            entry: dict[str, Any] = {"sha1": _fingerprint(outcome.file), "documents": [], "skips": []}
            if outcome.extraction is None:
                entry["skips"].append([outcome.file.source, outcome.reason])
            else:
                for doc in outcome.extraction.documents:
                    store.add_document(w, doc)
                    entry["documents"].append(_doc_summary(doc))
                entry["skips"].extend([s.source, s.reason] for s in outcome.extraction.skips)
                report.ocr_pages += outcome.extraction.ocr_pages
                report.ocr_cached += outcome.extraction.ocr_cached
                report.ocr_seconds += outcome.extraction.ocr_seconds
            manifest[outcome.file.source] = entry
            if outcome.seconds > report.slowest[1]:
                report.slowest = (outcome.file.source, outcome.seconds)


def _fingerprint(file: SourceItem) -> str:
    """The item's SHA-1, or "" when it cannot be read now (it is then extracted again next time)."""
    try:
        return file.sha1
    except OSError:
        return ""


def _doc_summary(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "passages": len(doc.passages), "pages": doc.pages, "kind": doc.kind}


def _finish(
    build_dir: Path,
    settings: IndexerSettings,
    manifest: dict[str, Any],
    report: IndexReport,
    started: float,
    found_skips: list[Skip],
    extra: dict[str, Any] | None = None,
) -> IndexReport:
    docs = [d for entry in manifest.values() for d in entry["documents"]]
    report.documents = len(docs)
    report.passages = sum(d["passages"] for d in docs)
    report.pdf_pages = sum(d["pages"] for d in docs if d["kind"] == "pdf")
    report.skips = [Skip(src, reason) for entry in manifest.values() for src, reason in entry["skips"]]
    report.skips += found_skips
    report.files = len(manifest) + len(found_skips)
    # Before build.json, which records its checksum.
    table_started = time.monotonic()
    report.table_terms = tablewriter.write_table(build_dir, procs=settings.writer_count)
    report.table_seconds = time.monotonic() - table_started
    store.write_build_info(
        build_dir,
        {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "corpus_dir": str(settings.corpus_dir),
            "documents": report.documents,
            "passages": report.passages,
            "pdf_pages": report.pdf_pages,
            "sources": manifest,
            **(extra or {}),
        },
    )
    store.verify_build(build_dir, store.read_build_info(build_dir))
    store.swap(settings.index_dir, build_dir)
    report.seconds = time.monotonic() - started
    report.index_dir = settings.index_dir
    return report


def build_index(
    settings: IndexerSettings, progress: Progress | None = None, notes: list[str] | None = None
) -> IndexReport:
    started = time.monotonic()
    files, found_skips = scan(settings.corpus_dir)
    with _new_build(settings, fresh=True) as (build_dir, ix, pool):
        report = IndexReport(extracted=len(files), added=len(files), notes=list(notes or []))
        manifest: dict[str, Any] = {}
        _write(ix, _in_order(files, settings, progress, pool), report, manifest, [], settings)
        return _finish(build_dir, settings, manifest, report, started, found_skips)


@contextmanager
def _new_build(settings: IndexerSettings, fresh: bool) -> Iterator[tuple[Path, Any, ExtractionPool]]:
    """An extraction pool, a new build directory (empty, or a copy of the served build) and its
    index open for writing. Any failure removes the directory; a disk error becomes one line."""
    # The extraction processes start before any index file is open, so they hold none.
    with ExtractionPool(settings) as pool:
        build_dir = store.new_build_dir(settings.index_dir) if fresh else store.copy_build(settings.index_dir)
        try:
            if fresh:
                ix = store.create_index(build_dir, settings.analysis, settings.stemmer, settings.decompound)
            else:
                ix = store.open_index_in(build_dir)
            yield build_dir, ix, pool
        except OSError as exc:
            store.discard(build_dir)
            raise store.write_error(build_dir, exc) from exc
        except BaseException:
            store.discard(build_dir)
            raise


def base_problem(index_dir: Path) -> str | None:
    """Why the served build cannot be the base of an update (damaged, unreadable, another
    schema), or None."""
    try:
        current = store.resolve(index_dir)
        info = store.read_build_info(current)
        if info.get("schema_version") != SCHEMA_VERSION:
            return f"it has schema version {info.get('schema_version')!r}, this code writes {SCHEMA_VERSION}"
        problem = store.check_files(current, info)
        if problem:
            return problem
        store.verify_build(current, info)
    except IndexStoreError as exc:
        return str(exc)
    except OSError as exc:
        return f"its files cannot be read: {exc}"
    return None


def update_index(settings: IndexerSettings, progress: Progress | None = None) -> IndexReport:
    """Re-extract new and changed files, drop deleted ones; a full build if there is no sound base."""
    if not settings.index_dir.exists():
        return build_index(settings, progress)
    problem = base_problem(settings.index_dir)
    if problem:
        note = f"the served index cannot be updated ({problem}): rebuilt every file instead"
        log.warning("%s", note)
        return build_index(settings, progress, notes=[note])
    started = time.monotonic()
    current = store.resolve(settings.index_dir)
    info = store.read_build_info(current)
    old: dict[str, Any] = dict(info.get("sources") or {})
    files, found_skips = scan(settings.corpus_dir)
    present = {f.source for f in files}
    todo = [f for f in files if f.source not in old or old[f.source]["sha1"] != _fingerprint(f)]
    deleted = [source for source in old if source not in present]
    report = IndexReport(
        extracted=len(todo),
        added=sum(1 for f in todo if f.source not in old),
        changed=sum(1 for f in todo if f.source in old),
        deleted=len(deleted),
    )
    with _new_build(settings, fresh=False) as (build_dir, ix, pool):
        manifest = {k: v for k, v in old.items() if k in present}
        outcomes = _in_order(todo, settings, progress, pool)
        _write(ix, outcomes, report, manifest, [f.source for f in todo] + deleted, settings)
        return _finish(build_dir, settings, manifest, report, started, found_skips)


def apply_changes(
    settings: IndexerSettings,
    todo: list[SourceItem],
    keep: set[str],
    *,
    state: dict[str, dict[str, Any]],
    extra: dict[str, Any],
    fresh: bool,
    progress: Progress | None = None,
) -> IndexReport:
    """Extract `todo` (new and changed items), keep the sources in `keep` as they are, drop the rest.

    For a source that knows its own changes, such as a synced site: it cannot list every item's
    fingerprint without fetching it, so it says what to keep. `fresh` starts from an empty index
    (`keep` is then ignored). `state` is merged into the manifest entries of the sources it names
    (a site's ETags, modified dates), `extra` into build.json: both are written with the build,
    so a failure leaves the previous state with the previous index.
    """
    started = time.monotonic()
    problem = None if fresh else base_problem(settings.index_dir)
    if problem:
        raise IndexStoreError(f"the served index {settings.index_dir} cannot be updated ({problem})")
    old: dict[str, Any] = {}
    if not fresh:
        old = dict(store.read_build_info(store.resolve(settings.index_dir)).get("sources") or {})
    redo = {item.source for item in todo}
    kept = {source: entry for source, entry in old.items() if source in keep and source not in redo}
    report = IndexReport(
        extracted=len(todo),
        added=sum(1 for source in redo if source not in old),
        changed=sum(1 for source in redo if source in old),
        deleted=sum(1 for source in old if source not in kept and source not in redo),
        unchanged=len(kept),
    )
    with _new_build(settings, fresh) as (build_dir, ix, pool):
        manifest = dict(kept)
        outcomes = _in_order(todo, settings, progress, pool)
        delete = [source for source in old if source not in kept]
        _write(ix, outcomes, report, manifest, delete, settings)
        for source, entry in manifest.items():
            entry.update(state.get(source, {}))
        return _finish(build_dir, settings, manifest, report, started, [], extra)
