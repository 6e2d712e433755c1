"""Writing documents into a build: one Whoosh writer, or several processes writing a segment each.

    with writer(ix, procs=2) as w:       # store.writer: the same function
        delete_sources(w, ["old.md"])
        add_document(w, doc)

Analysis and posting lists cost most of a build's CPU and Whoosh writes from one thread. With
`procs` > 1 the documents go, in batches of `BATCH_DOCS` taken in turn, to `procs` writer
processes that each write one segment of the build (Whoosh's `multisegment` layout: no final
merge); the parent keeps the index lock, applies deletions and merges old segments, then writes
the table of contents naming every segment. Batches are dealt out by position, not by who is
free, so the same corpus gives the same index. Whoosh's own `MpWriter(procs=…)` deals them to
whichever process is free and its processes outlive a killed parent; measured on 10,000
passages, its merging variant costs more CPU in total than one writer.

Segments are written as separate files rather than one compound file per segment: Whoosh copies
each part of a compound file into the heap of every process that opens it (see
`store.MappedStorage` for how the service reads separate files in place).

Writer processes end with their parent (`lifeline`) and report errors (a full disk) back to it;
a writer that dies fails the build, which the pipeline then discards.
"""

from __future__ import annotations

import contextlib
import itertools
import marshal
import multiprocessing
import operator
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import IndexWriter, PostingPool, SegmentWriter

from .documents import Document
from .errors import IndexStoreError
from .lifeline import Lifeline, lifeline, stop

_term = operator.itemgetter(1)
BATCH_DOCS = 16  # documents per message to a writer process
DEFAULT_OPTIONS: dict[str, Any] = {"limitmb": 256, "compound": False}
RUN_CHUNK = 10_000  # postings per record of a sorted run on disk


class ChunkedPostingPool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool with its sorted runs written in chunks.

    A segment's postings that do not fit in `limitmb` are sorted in runs on disk and merged when
    the segment is finished; at 100,000 passages every posting takes that path. Whoosh pickles
    and unpickles each posting on its own, which took a third of a build's CPU; one `marshal`
    record per `RUN_CHUNK` postings does the same work in a few C calls.
    """

    # Postings arrive document by document, so those of one (field, term) arrive in document
    # order, and a stable sort on (field, term) alone gives Whoosh's order. The buffer keeps a
    # list per field (a few), each sorted on its term bytes: comparing bytes, not five-item
    # tuples or (field, term) keys, made the sort 3-4 times faster (it was a sixth of a
    # writer's CPU, then a tenth). A posting that arrives out of document order (none do
    # today) falls back to sorting whole items.
    _last_docnum = -1
    _in_order = True
    currentsize: int
    runs: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fields: dict[str, list[Any]] = {}

    def add(self, item: Any) -> None:
        # item = (fieldname, tbytes, docnum, weight, vbytes); Whoosh's own add also asserts the
        # types and counts the size the same way, per posting.
        if item[2] < self._last_docnum:
            self._in_order = False
        self._last_docnum = item[2]
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        bucket = self._fields.get(item[0])
        if bucket is None:
            bucket = self._fields[item[0]] = []
            self.fieldnames.add(item[0])
        bucket.append(item)

    def _sort_current(self) -> list[Any]:
        """The buffer's postings in Whoosh's order (the buffer is emptied)."""
        fields, self._fields = self._fields, {}
        if not self._in_order:
            return sorted(item for bucket in fields.values() for item in bucket)
        out: list[Any] = []
        for name in sorted(fields):
            bucket = fields[name]
            bucket.sort(key=_term)
            out += bucket
        return out

    def save(self) -> None:
        current = self._sort_current()
        if current:
            path, f = self._new_run()
            self._write_run(f, current)
            self._add_run(path)
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> Any:
        if not self.runs:  # everything fitted in memory: sorted here, as Whoosh does
            return self._sort_current()
        return super().items(maxfiles)

    # A chunk is written as its length and its `marshal` bytes: `marshal.load` from a file
    # reads an object's parts in many small reads (1.5 µs a posting), `marshal.loads` of the
    # whole chunk's bytes does not.
    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        it = iter(items)
        while chunk := list(itertools.islice(it, RUN_CHUNK)):
            data = marshal.dumps(chunk)
            f.write(len(data).to_bytes(8, "little"))
            f.write(data)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while head := f.read(8):
                size = int.from_bytes(head, "little")
                data = f.read(size)
                if len(head) != 8 or len(data) != size:
                    raise IndexStoreError(f"posting run {path}: truncated chunk")
                yield from marshal.loads(data)
        finally:
            f.close()
            self._remove_run(path)


class _FieldLengths:
    """A finished segment's per-document reader whose field lengths are read once per document.

    Writing the postings, Whoosh asks for the length of a posting's document in its field for
    every posting (for each block's shortest and longest), and each answer is a column read
    through the segment's file (1.2 µs, against 0.37 µs from the list; 5-8 % of a build's CPU
    at 100,000 passages). Here a field's lengths are read on its first question, once per
    document, and kept in a list."""

    def __init__(self, reader: Any, doccount: int) -> None:
        self._reader = reader
        self._doccount = doccount
        self._lengths: dict[str, list[Any]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> Any:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._lengths[fieldname] = [read(n, fieldname, default) for n in range(self._doccount)]
        return lengths[docnum]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class _SegmentWriter(SegmentWriter):  # type: ignore[misc]
    def per_document_reader(self) -> Any:
        return _FieldLengths(super().per_document_reader(), self.docnum)


def segment_writer(ix: Any, _lk: bool = True, **options: Any) -> SegmentWriter:
    """Whoosh's writer of one segment, with `ChunkedPostingPool`, field lengths read once
    (`_FieldLengths`) and our default options."""
    options = {"codec": postings_codec(), **DEFAULT_OPTIONS, **options}
    w = _SegmentWriter(ix, _lk=_lk, **options)
    w.pool = ChunkedPostingPool(w._tempstorage, w.newsegment, limitmb=options["limitmb"])
    return w


def postings_codec() -> W3Codec:
    """Whoosh's codec with its posting blocks not compressed: stage 2 of every search decodes
    a block per term and document shown, and zlib was a quarter of that; builds skip
    compressing every block. The postings take 2.8 times the disk (read with `pread`, so not
    in a worker's memory); readers of either kind read both, as the flag is per block."""
    return W3Codec(compression=0)


def _write_segment(
    conn: Connection, line: Lifeline, folder: str, indexname: str, options: dict[str, Any]
) -> None:
    """A writer process: add the documents it is sent, then finish its segment and send it back."""
    line.attach()
    try:
        ix = whoosh_index.open_dir(folder, indexname=indexname)
        w = segment_writer(ix, _lk=False, **options)  # the parent holds the index lock
        while True:
            kind, payload = conn.recv()
            if kind == "docs":
                for doc in payload:
                    _add(w, doc)
                continue
            if kind == "commit" and w._added:
                # Not w._finish(): the writers share one temporary folder the parent removes.
                conn.send(("ok", w._finalize_segment()))
            else:
                w._close_segment()
                conn.send(("ok", None))
            return
    except BaseException as exc:  # hand the failure to the parent, which fails the build
        # Quietly when the parent no longer listens (it failed the build on another error).
        with contextlib.suppress(Exception):
            try:
                conn.send(("error", exc))
            except Exception:  # an exception that cannot be pickled
                conn.send(("error", IndexStoreError(f"index writer failed: {type(exc).__name__}: {exc}")))
        # End here, before the half-written segment's files are collected: closing them would
        # fail again (a full disk, a file-size limit) and print "Exception ignored in …" to the
        # terminal (Python 3.13 collects them while the exception is still being handled). The
        # parent discards the build.
        os._exit(1)


def _warm_up(schema: Any) -> None:
    """Load the stemmer and the compound lexicon once, before forking: the writers share them."""
    for name in schema.names():
        analyzer = getattr(schema[name], "analyzer", None)
        if analyzer is not None:
            for _ in analyzer("aanbestedingsprocedures gemeenten", mode="index"):
                pass


@dataclass(slots=True)
class _Child:
    process: Any  # multiprocessing.Process
    conn: Connection


class ParallelWriter:
    """`procs` processes writing one segment each, dealt documents in turn (see the module doc)."""

    def __init__(self, ix: Any, procs: int, **options: Any) -> None:
        options = {**DEFAULT_OPTIONS, **options}
        self._main = segment_writer(ix, **options)  # the lock, deletions, old segments
        self._children: list[_Child] = []
        self._batch: list[Document] = []
        self._turn = 0
        ctx = multiprocessing.get_context("fork")
        line = lifeline()
        _warm_up(ix.schema)
        try:
            for _ in range(procs):
                parent_end, child_end = ctx.Pipe(duplex=True)
                process = ctx.Process(
                    target=_write_segment,
                    args=(child_end, line, ix.storage.folder, ix.indexname, options),
                    daemon=True,
                    name="vindplaats-write",
                )
                process.start()
                child_end.close()
                self._children.append(_Child(process, parent_end))
        except BaseException:
            self.cancel()
            raise

    def add(self, doc: Document) -> None:
        self._batch.append(doc)
        if len(self._batch) >= BATCH_DOCS:
            self._flush()

    def delete_by_term(self, fieldname: str, text: str) -> None:
        self._main.delete_by_term(fieldname, text)

    def _flush(self) -> None:
        if not self._batch:
            return
        child = self._children[self._turn]
        self._turn = (self._turn + 1) % len(self._children)
        self._send(child, ("docs", self._batch))
        self._batch = []

    def _send(self, child: _Child, message: tuple[str, Any]) -> None:
        try:
            child.conn.send(message)
        except OSError:
            raise self._failure(child) from None

    def _failure(self, child: _Child) -> BaseException:
        """The error a writer process reported, or why it is gone."""
        with contextlib.suppress(EOFError, OSError):
            if child.conn.poll(5):
                status, payload = child.conn.recv()
                if status == "error" and isinstance(payload, BaseException):
                    return payload
        child.process.join(timeout=5)
        return IndexStoreError(
            f"index writer process ended unexpectedly (exit code {child.process.exitcode})"
        )

    def commit(self) -> None:
        self._flush()
        for child in self._children:
            self._send(child, ("commit", None))
        segments = []
        for child in self._children:
            try:
                status, payload = child.conn.recv()
            except (EOFError, OSError):
                raise self._failure(child) from None
            if status == "error":
                raise payload
            if payload is not None:
                segments.append(payload)
        main = self._main
        final = main._merge_segments(None, None, None)
        if main._added:
            final.append(main._finalize_segment())
        else:
            main._close_segment()
        main._commit_toc(final + segments)
        main._finish()
        self._stop()

    def cancel(self) -> None:
        self._stop(kill=True)
        if not self._main.is_closed:
            with contextlib.suppress(Exception):
                self._main.cancel()

    def _stop(self, kill: bool = False) -> None:
        for child in self._children:
            stop(child.process, child.conn, kill, wait=10)  # a writer may be finishing its segment
        self._children = []


Writer = IndexWriter | ParallelWriter


@contextmanager
def writer(ix: Any, procs: int = 1, purge: bool = False, **options: Any) -> Iterator[Any]:
    """A writer that commits on success and cancels on any error (`procs` > 1: ParallelWriter).

    With `purge` all segments are merged after the commit: Whoosh only marks deleted documents,
    and their words would stay in the term lists that suggestions and spelling corrections read
    (a deleted or unpublished post's words must not be suggested)."""
    w: Any = ParallelWriter(ix, procs, **options) if procs > 1 else segment_writer(ix, **options)
    try:
        yield w
        w.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            w.cancel()
        raise
    if purge:
        segment_writer(ix, **options).commit(optimize=True)


def delete_sources(w: Any, sources: Iterable[str]) -> None:
    for source in sources:
        w.delete_by_term("source", source)


def add_document(w: Any, doc: Document) -> int:
    """Write one document's doc record and passage records; returns the passage count."""
    if isinstance(w, ParallelWriter):
        w.add(doc)
        return len(doc.passages)
    return _add(w, doc)


def _add(w: IndexWriter, doc: Document) -> int:
    headings = list(dict.fromkeys(p.heading for p in doc.passages if p.heading))
    meta = " ; ".join(doc.categories + doc.tags)
    w.add_document(
        id=doc.id,
        doc_id=doc.id,
        record="doc",
        source=doc.source,
        kind=doc.kind,
        year=str(doc.published.year) if doc.published else "",
        published=doc.published.isoformat() if doc.published else "",
        category=",".join(c.replace(",", " ") for c in doc.categories),
        tag=",".join(t.replace(",", " ") for t in doc.tags),
        url=doc.url,
        title=doc.title,
        headings="\n".join(headings),
        body="\n".join([doc.title, *headings, meta, doc.body]),
        # The vocabulary for corrections counts documents, so it is indexed once per document
        # rather than per passage: half the postings of a build.
        spell=doc.title + "\n" + doc.body,
        author=doc.author,
        summary=doc.summary,
        pages=doc.pages,
        file=doc.file,
    )
    # Passages carry only what finding and showing them needs; filters apply to documents.
    for n, passage in enumerate(doc.passages):
        w.add_document(
            id=f"{doc.id}:{n}",
            doc_id=doc.id,
            record="passage",
            source=doc.source,
            content=passage.text,
            heading=passage.heading,
            page=passage.page if passage.page is not None else 0,
            start=passage.start,
            end=passage.end,
            ocr=passage.ocr,
        )
    return len(doc.passages)
