"""The doc records' term table: per term, which documents have it and its BM25F score there.

A search needs, for each of its words, the set of documents that hold it (coverage, totals,
facets) and, for stage 1, the word's BM25F score in each of them. Worked out from Whoosh's
postings, that is a decode and a Python step per posting: at 100,000 passages most of the
time of a query whose words a worker had not seen yet. Both depend on the build alone (its
documents, field lengths, IDF), so a build works them out once for every term of the doc
records' fields and writes them beside the segments (`TABLE_FILE`, a Whoosh hash file;
`tablewriter` writes it). A search then reads one record a term: dense document indexes
(`int32`), for `body` followed by the scores (`float64`, the very floats Whoosh's BM25F gives),
and for a word in many documents also the document bitset. The table also holds each
document's record numbers (its passages, for stage 2) and the analysis of the index's words
(`analysis.word_terms`, for snippets), which a worker takes in when it loads the build.

Documents are numbered densely in docnum order of their live doc records (`doc_numbers`), the
order the service numbers them in. The table records how many there are and a checksum of
their docnums, and `DocTable.open` refuses a table that does not fit the index it is opened
with; the service then works from the postings as before.

The table is read with `pread`, not mapped, for the reason `store.PositionalFile` gives: a
worker reads a few scattered records a query, and mapped pages would count in its RSS.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh.filedb.filetables import HashReader, HashWriter
from whoosh.filedb.structfile import StructFile

from .errors import IndexStoreError
from .store import PositionalFile, check_files, read_build_info

TABLE_FILE = "doctable.hsh"
WORDS_KEY = b"words"
# Words whose analysis a table carries: a worker keeps them all (~250 bytes a word).
MAX_WORDS = 100_000
TABLE_VERSION = 1
FIELDS = ("body", "title", "headings")  # the fields of doc records a search asks about
SCORED = "body"  # the field stage 1 ranks documents by
# A word in more than 1/32 of the documents also gets its bitset (N/8 bytes, smaller than its
# 4 bytes a document then): built from indexes, it would cost a Python step per document.
BITS_SHARE = 32


def doc_numbers(searcher: Any) -> list[int]:
    """The docnums of the live doc records, ascending: dense document index -> docnum."""
    return sorted(searcher.document_numbers(record="doc"))


def docnums_digest(docnums: Sequence[int]) -> int:
    return zlib.crc32(array("i", docnums).tobytes())


def posting_blocks(reader: Any, field: str, text: str) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """A term's postings as (document numbers, weights), a block at a time where Whoosh allows."""
    for leaf, offset in reader.leaf_readers():
        if (field, text) in leaf:
            yield from matcher_blocks(leaf.postings(field, text), offset)


def matcher_blocks(m: Any, offset: int = 0) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """One segment's postings of a term (its matcher `m`), as (document numbers + `offset`,
    weights) a block at a time.

    Whoosh's `all_ids()` steps through postings with three method calls each; a segment's
    plain posting matcher keeps each block's ids as a tuple, read here directly (five times
    faster on the long lists of common words). Segments with deletions (their matcher
    filters) and other matchers step through with their methods."""
    if not all(hasattr(m, a) for a in ("_read_ids", "_read_weights", "_next_block", "_ids", "_atend")):
        pairs = []
        while m.is_active():
            pairs.append((offset + m.id(), m.weight()))
            m.next()
        if pairs:
            ids, weights = zip(*pairs, strict=True)
            yield ids, weights
        return
    while m.is_active():
        m._read_ids()
        m._read_weights()
        start = m._i
        yield [offset + d for d in m._ids[start:]], m._weights[start:]
        m._i = len(m._ids)
        m._next_block()


def from_indexes(indexes: Iterable[int], size: int) -> int:
    """A bitset (bit i = document i) of dense document indexes."""
    raw = bytearray((size + 7) // 8)
    for i in indexes:
        raw[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(raw, "little")


class Postings:
    """A term's documents and BM25F scores worked out from the postings of one searcher."""

    def __init__(self, searcher: Any, doc_index: Sequence[int], docnums: Sequence[int]) -> None:
        self.searcher = searcher
        self.doc_index = doc_index  # docnum -> dense document index, -1 for passages
        self.docnums = docnums  # dense document index -> docnum
        weighting = searcher.weighting
        self.k1 = float(weighting.K1)
        self.b = float(getattr(weighting, "_field_B", {}).get(SCORED, weighting.B))
        self._norms: list[float] | None = None

    def _norm_table(self) -> list[float]:
        """Per dense index: BM25's length normalisation K1 × (1 − B + B × length / average)."""
        if self._norms is None:
            reader = self.searcher.reader()
            avgfl = self.searcher.avg_field_length(SCORED) or 1
            k1, b = self.k1, self.b
            # The expression as Whoosh's `scoring.bm25` groups it, so the floats are identical.
            self._norms = [
                k1 * ((1 - b) + b * reader.doc_field_length(d, SCORED, 1) / avgfl) for d in self.docnums
            ]
        return self._norms

    def indexes(self, field: str, text: str) -> array[int]:
        """The dense indexes of the doc records with `text` in `field`, ascending."""
        reader = self.searcher.reader()
        if (field, text) not in reader:
            return array("i")
        return self.indexes_from(posting_blocks(reader, field, text))

    def indexes_from(self, blocks: Iterable[tuple[Sequence[int], Sequence[float]]]) -> array[int]:
        """The dense indexes of the doc records among the posting `blocks`."""
        found: array[int] = array("i")
        doc_index = self.doc_index
        for docnums, _ in blocks:
            found.extend([i for i in [doc_index[d] for d in docnums] if i >= 0])
        return found

    def scores(self, text: str) -> tuple[array[int], array[float]]:
        """(dense indexes, BM25F scores) of the doc records with `text` in `body`, ascending."""
        reader = self.searcher.reader()
        if (SCORED, text) not in reader:
            return array("i"), array("d")
        return self.scores_of(text, posting_blocks(reader, SCORED, text))

    def scores_of(
        self, text: str, blocks: Iterable[tuple[Sequence[int], Sequence[float]]]
    ) -> tuple[array[int], array[float]]:
        """(dense indexes, BM25F scores) from the posting `blocks` of `text` in `body`."""
        ids: array[int] = array("i")
        scores: array[float] = array("d")
        norms = self._norm_table()
        idf = self.searcher.idf(SCORED, text)
        k1p = self.k1 + 1
        doc_index = self.doc_index
        for docnums, weights in blocks:
            # Comprehensions over whole blocks: twice as fast as a loop that appends.
            block = [doc_index[d] for d in docnums]
            if -1 in block:  # not a doc record (`body` is theirs only, but be sure)
                kept = [(i, tf) for i, tf in zip(block, weights, strict=True) if i >= 0]
                block, weights = [i for i, _ in kept], [tf for _, tf in kept]
            ids.extend(block)
            scores.extend(
                [idf * ((tf * k1p) / (tf + norms[i])) for i, tf in zip(block, weights, strict=True)]
            )
        return ids, scores


def dense_index(searcher: Any) -> tuple[array[int], list[int]]:
    """(docnum -> dense index or -1, dense index -> docnum) of a searcher's doc records."""
    docnums = doc_numbers(searcher)
    doc_index = array("i", [-1]) * searcher.reader().doc_count_all()
    for i, docnum in enumerate(docnums):
        doc_index[docnum] = i
    return doc_index, docnums


def table_key(kind: str, field: str, text: str) -> bytes:
    return f"{kind}\x00{field}\x00{text}".encode()


def table_writer(path: Path) -> Any:
    """A Whoosh hash file writer for a new table at `path` (it owns the file: close it)."""
    return HashWriter(StructFile(open(path, "wb")))


class DocTable:
    """A build's term table, opened for the dense numbering `docnums` of the same build."""

    def __init__(self, hashes: Any, size: int) -> None:
        self._hashes = hashes
        self.size = size

    @classmethod
    def open(cls, build_dir: Path, docnums: Sequence[int]) -> DocTable | None:
        """The table, or None when the build has none (written before tables were) or it does
        not fit these documents; raises IndexStoreError when it is damaged or unreadable."""
        path = build_dir / TABLE_FILE
        recorded = (read_build_info(build_dir).get("files") or {}).get(TABLE_FILE)
        if recorded is None:
            return None  # not written with this build
        # Damage inside the table would give wrong answers, not errors: its checksum decides.
        problem = check_files(build_dir, {"files": {TABLE_FILE: recorded}})
        if problem:
            raise IndexStoreError(f"build {build_dir.name}: {problem}")
        try:
            fh = open(path, "rb")  # noqa: SIM115 (the table's reader owns it until `close`)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexStoreError(f"cannot open the term table {path}: {exc}") from exc
        try:
            hashes = HashReader(PositionalFile(fh, name=TABLE_FILE), os.fstat(fh.fileno()).st_size)
        except Exception as exc:  # a damaged table fails in the reader's header parsing
            fh.close()
            raise IndexStoreError(f"the term table {path} is unreadable: {exc}") from exc
        extras = hashes.extras if isinstance(hashes.extras, dict) else {}
        fits = (
            extras.get("version") == TABLE_VERSION
            and extras.get("documents") == len(docnums)
            and extras.get("docnums") == docnums_digest(docnums)
            and extras.get("byteorder") == sys.byteorder
            and extras.get("fields") == list(FIELDS)
        )
        if not fits:
            hashes.close()
            return None
        return cls(hashes, len(docnums))

    def indexes(self, field: str, text: str) -> array[int]:
        ids: array[int] = array("i")
        value = self._hashes.get(table_key("i", field, text))
        if value is not None:
            ids.frombytes(value[: len(value) // 3] if field == SCORED else value)
        return ids

    def scores(self, text: str) -> tuple[array[int], array[float]]:
        ids: array[int] = array("i")
        scores: array[float] = array("d")
        value = self._hashes.get(table_key("i", SCORED, text))
        if value is not None:
            cut = len(value) // 3  # 4 bytes of index and 8 of score a document
            ids.frombytes(value[:cut])
            scores.frombytes(value[cut:])
        return ids, scores

    def records(self, doc_id: str) -> tuple[int, ...]:
        """The docnums of a document's records, ascending; () for an unknown id."""
        ids: array[int] = array("i")
        value = self._hashes.get(table_key("r", "doc_id", doc_id))
        if value is not None:
            ids.frombytes(value)
        return tuple(ids)

    def words(self) -> dict[str, tuple[str, ...]]:
        """Folded word -> its `analysis.word_terms`, for the index's commonest words."""
        value = self._hashes.get(WORDS_KEY)
        words = marshal.loads(value) if value is not None else {}
        return words if isinstance(words, dict) else {}

    def bits(self, field: str, text: str) -> int:
        """The documents with `text` in `field` as a bitset."""
        value = self._hashes.get(table_key("b", field, text))
        if value is not None:
            return int.from_bytes(value, "little")
        return from_indexes(self.indexes(field, text), self.size)

    def close(self) -> None:
        if not self._hashes.is_closed:
            self._hashes.close()
