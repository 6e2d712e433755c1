"""Writing a build's term table (`doctable`), on every core.

The table's records are independent of one another, so the terms are dealt out in turn to
`procs` processes (forked once the segments are committed, when the writers have finished and
the cores are idle); each opens the build, works out its share and sends the records back,
and this process writes them into one hash file. At 100,000 passages the work is a pass over
some 5 million postings in Python: about 6 s in one process.
"""

from __future__ import annotations

import contextlib
import marshal
import multiprocessing
import os
import sys
import zlib
from array import array
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from . import analysis
from .doctable import (
    BITS_SHARE,
    FIELDS,
    MAX_WORDS,
    SCORED,
    TABLE_FILE,
    TABLE_VERSION,
    WORDS_KEY,
    Postings,
    dense_index,
    docnums_digest,
    from_indexes,
    matcher_blocks,
    table_key,
    table_writer,
)
from .errors import IndexStoreError
from .lifeline import Lifeline, lifeline, stop
from .store import open_reader

Entry = tuple[bytes, bytes]
BATCH = 2000  # records a process sends at a time


def _entries(build_dir: Path, share: int, shares: int) -> Iterator[Entry]:
    """The table's records for the terms of this share (`_field_share`: one in `shares`, by a
    hash of the term); the last share also has the documents' record lists and the words'
    analysis."""
    ix = open_reader(build_dir)
    try:
        with ix.searcher() as searcher:
            doc_index, docnums = dense_index(searcher)
            size = len(docnums)
            postings = Postings(searcher, doc_index, docnums)
            reader = searcher.reader()
            for field in FIELDS:
                if field not in searcher.schema:
                    continue
                for text, (ids, scores) in _field_share(reader, postings, field, share, shares).items():
                    if not ids:
                        continue  # only deleted records have it
                    value = ids.tobytes() + scores.tobytes() if field == SCORED else ids.tobytes()
                    yield table_key("i", field, text), value
                    if len(ids) * BITS_SHARE > size:
                        yield (
                            table_key("b", field, text),
                            from_indexes(ids, size).to_bytes((size + 7) // 8, "little"),
                        )
            if share == shares - 1:
                yield from _records(reader)
                yield WORDS_KEY, marshal.dumps(_word_table(reader))
    finally:
        ix.close()


def _field_share(
    reader: Any, postings: Postings, field: str, share: int, shares: int
) -> dict[str, tuple[array[int], array[float]]]:
    """Term -> (dense indexes, BM25F scores; no scores but for `body`) for the terms of `field`
    in this share (by a hash of the term), read segment by segment: asked term by term of the
    whole index, each term costs a lookup in every segment (40 µs a term, most of the time
    for the short lists of titles and headings)."""
    out: dict[str, tuple[array[int], array[float]]] = {}
    for leaf, offset in reader.leaf_readers():
        for text in leaf.field_terms(field):
            if shares > 1 and zlib.crc32(text.encode()) % shares != share:
                continue
            blocks = matcher_blocks(leaf.postings(field, text), offset)
            if field == SCORED:
                ids, scores = postings.scores_of(text, blocks)
            else:
                ids, scores = postings.indexes_from(blocks), array("d")
            known = out.get(text)
            if known is None:
                out[text] = (ids, scores)
            else:  # segments come in docnum order: appending keeps the lists ascending
                known[0].extend(ids)
                known[1].extend(scores)
    return out


def _records(reader: Any) -> Iterator[Entry]:
    """Per document id: the docnums of its records (its doc record and passages)."""
    if not reader.doc_count_all() or not reader.has_column("doc_id"):
        return
    column = reader.column_reader("doc_id")
    records: dict[str, array[int]] = {}
    for docnum in reader.all_doc_ids():
        records.setdefault(column[docnum], array("i")).append(docnum)
    for doc_id, docnums in records.items():
        yield table_key("r", "doc_id", doc_id), docnums.tobytes()


def _word_table(reader: Any) -> dict[str, tuple[str, ...]]:
    """The index's words (the `spell` field: folded surface words) -> their `word_terms`;
    of a vocabulary larger than MAX_WORDS, the commonest."""
    if "spell" not in reader.schema:
        return {}
    words = list(reader.field_terms("spell"))
    if len(words) > MAX_WORDS:
        counted = sorted((-ti.doc_frequency(), w) for w, ti in reader.iter_field("spell"))
        words = [w.decode() if isinstance(w, bytes) else w for _, w in counted[:MAX_WORDS]]
    return {w: analysis.folded_word_terms(w) for w in words}


def _work_share(conn: Connection, line: Lifeline, build_dir: Path, share: int, shares: int) -> None:
    """A table process: send its share of records in batches, then "done"."""
    line.attach()
    try:
        batch: list[Entry] = []
        for entry in _entries(build_dir, share, shares):
            batch.append(entry)
            if len(batch) >= BATCH:
                conn.send(("entries", batch))
                batch = []
        conn.send(("entries", batch))
        conn.send(("done", None))
    except BaseException as exc:  # the parent fails the build with this message
        with contextlib.suppress(Exception):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        os._exit(1)


def _shared_entries(build_dir: Path, procs: int) -> Iterator[Entry]:
    """The records from `procs` processes, as they arrive."""
    ctx = multiprocessing.get_context("fork")
    line = lifeline()
    children: dict[Connection, Any] = {}
    try:
        for share in range(procs):
            parent_end, child_end = ctx.Pipe(duplex=False)
            process = ctx.Process(
                target=_work_share,
                args=(child_end, line, build_dir, share, procs),
                daemon=True,
                name="vindplaats-table",
            )
            process.start()
            child_end.close()
            children[parent_end] = process
        waiting = set(children)
        while waiting:
            for ready in wait(list(waiting)):
                conn = ready if isinstance(ready, Connection) else None
                assert conn is not None  # only pipes are waited on
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    code = children[conn].exitcode
                    raise IndexStoreError(
                        f"term table process for {build_dir} ended unexpectedly (exit code {code})"
                    ) from None
                if kind == "entries":
                    yield from payload
                elif kind == "done":
                    waiting.discard(conn)
                else:
                    raise IndexStoreError(f"cannot write the term table of {build_dir}: {payload}")
    finally:
        # Every record has arrived, or the build fails: either way the processes are done.
        for conn, process in children.items():
            stop(process, conn, kill=True)


def write_table(build_dir: Path, procs: int = 1) -> int:
    """Write the term table of a committed build with `procs` processes; returns its number
    of terms."""
    path = build_dir / TABLE_FILE
    ix = open_reader(build_dir)
    try:
        with ix.searcher() as searcher:
            _, docnums = dense_index(searcher)
    finally:
        ix.close()
    terms = 0
    try:
        writer = table_writer(path)
        try:
            entries = _entries(build_dir, 0, 1) if procs <= 1 else _shared_entries(build_dir, procs)
            for key, value in entries:
                writer.add(key, value)
                terms += key.startswith(b"i\x00")
            writer.extras = {
                "version": TABLE_VERSION,
                "documents": len(docnums),
                "docnums": docnums_digest(docnums),
                "byteorder": sys.byteorder,
                "fields": list(FIELDS),
            }
        finally:
            writer.close()
    except OSError as exc:
        raise IndexStoreError(f"cannot write the term table {path}: {exc}") from exc
    return terms
