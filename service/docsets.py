"""Sets of documents as bitsets: which documents hold a term, match a filter, fill a facet.

Documents are numbered densely (0 … N-1, in index order) and a set of them is a Python int
whose bit i stands for document i: union, intersection and counting are single C operations
over N/8 bytes (1.25 KB at 10,000 documents), so coverage, totals and facets need no scoring
and no stored fields. A term's set is read once from the build's term table
(`indexer.doctable`; from the postings of a doc-record field for a build without one) and
kept in a bounded LRU per index snapshot; facet values' sets are built with the snapshot.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from indexer.doctable import FIELDS as TABLE_FIELDS
from indexer.doctable import DocTable, Postings, from_indexes
from indexer.text import fold

__all__ = ["from_indexes"]  # for the modules that build sets

MAX_CACHED_TERMS = 4096  # at 10,000 documents at most ~5 MB of bitsets per worker


def members(bits: int) -> Iterator[int]:
    """The document indexes in a bitset, ascending."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for byte_no, byte in enumerate(raw):
        while byte:
            low = byte & -byte
            yield byte_no * 8 + low.bit_length() - 1
            byte ^= low


def has(bits: int, index: int) -> bool:
    return bool((bits >> index) & 1)


def facet_key(value: str) -> str:
    """Filters and facets match without regard to case or accents ("wmo" = "Wmo")."""
    return " ".join(fold(value.lower()).split())


class DocSets:
    """Per-snapshot document sets: terms (cached), facet values, filters."""

    def __init__(
        self,
        searcher: Any,
        doc_index: Any,
        size: int,
        indexes_of: Callable[[str, str], Sequence[int] | None] | None = None,
        table: DocTable | None = None,
    ) -> None:
        self.searcher = searcher
        self.doc_index = doc_index  # docnum -> dense document index (doc records only), -1 else
        self.size = size
        # A term's dense document indexes where another per-snapshot table already has them
        # (stage 1's scores read the same postings), or None: the postings are read here.
        self.indexes_of = indexes_of
        # The build's term table (`indexer.doctable`): a term's set is one record read.
        self.table = table
        self._postings = Postings(searcher, doc_index, [])
        self.all = (1 << size) - 1
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.facets: dict[str, dict[str, int]] = {}  # counted facet -> key -> bitset
        self.labels: dict[str, dict[str, str]] = {}  # facet -> key -> label to show
        # Facets only filtered on (tags: thousands of values on a big site) keep their members
        # as arrays, 4 bytes a document instead of N/8 bytes a value.
        self._members: dict[str, dict[str, Any]] = {}

    def term(self, field: str, text: str) -> int:
        """The documents whose doc record has `text` in `field`."""
        key = (field, text)
        bits = self._terms.get(key)
        if bits is not None:
            self._terms.move_to_end(key)
            return bits
        if self.table is not None and field in TABLE_FIELDS:
            bits = self.table.bits(field, text)
        elif (known := self.indexes_of(field, text) if self.indexes_of else None) is not None:
            bits = from_indexes(known, self.size)
        else:
            bits = from_indexes(self._postings.indexes(field, text), self.size)
        self._terms[key] = bits
        if len(self._terms) > MAX_CACHED_TERMS:
            self._terms.popitem(last=False)
        return bits

    def terms_all(self, field: str, terms: Iterable[str]) -> int:
        bits = self.all
        for t in terms:
            bits &= self.term(field, t)
            if not bits:
                break
        return bits

    # --- facets and filters --------------------------------------------------------------

    def add_facet_values(self, facet: str, values: Iterable[tuple[int, str]], counted: bool = True) -> None:
        """(document index, value) pairs of one facet; `counted` facets get counts."""
        members: dict[str, list[int]] = {}
        labels = self.labels.setdefault(facet, {})
        for index, value in values:
            key = facet_key(value)
            if key:
                members.setdefault(key, []).append(index)
                labels.setdefault(key, value)
        if counted:
            self.facets[facet] = {key: from_indexes(ids, self.size) for key, ids in members.items()}
        else:
            self._members[facet] = {key: array("I", ids) for key, ids in members.items()}

    def value(self, facet: str, value: str) -> int:
        key = facet_key(value)
        if facet in self._members:
            return from_indexes(self._members[facet].get(key, ()), self.size)
        return self.facets.get(facet, {}).get(key, 0)

    def counts(self, facet: str, within: int) -> dict[str, int]:
        """Label -> number of documents of `within` with that value, commonest first."""
        labels = self.labels.get(facet, {})
        found = [
            (labels[key], n)
            for key, bits in self.facets.get(facet, {}).items()
            if (n := (bits & within).bit_count())
        ]
        return dict(sorted(found, key=lambda kv: (-kv[1], kv[0])))
