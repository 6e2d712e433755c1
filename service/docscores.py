"""Stage 1's scores: BM25F of the doc records' `body`, as Whoosh computes it, without matchers.

Whoosh scores a query by walking a tree of matchers, a dozen Python method calls per posting
(`id`, `weight`, `score`, the union's bookkeeping, the collector's heap), and its block-max
skipping rarely skips a block here, so a top-k search over a few thousand postings took most
of a search's time at 100,000 passages. The score of one term in one document depends only on
the snapshot (IDF, the document's field length, the average length), so each term's scores are
computed once (at build time, into the build's term table, `indexer.doctable`; for a build
without one, straight from its posting blocks) and kept in a bounded LRU per snapshot; a
query adds the arrays of its terms and takes the top k. Same formula, same field lengths (the
index's quantised ones), same tie order (lower document number first) as Whoosh's
`searcher.search(q, limit=k)` over an `Or` of the terms; `tests/service/test_docscores.py`
holds the two side by side.
"""

from __future__ import annotations

import heapq
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from indexer.doctable import SCORED, DocTable, Postings

FIELD = SCORED
# 12 bytes a posting (document index + score): at most ~12 MB per worker; at 10,000 documents
# that keeps a few thousand terms of a few hundred documents each.
MAX_CACHED_POSTINGS = 1_000_000

# (terms that must all be in a document, boost): one alternative of a query, whose score in a
# document is the sum of its terms' scores, times the boost.
Part = tuple[tuple[str, ...], float]


class DocScores:
    """Per snapshot: each term's BM25F score in every doc record that has it (cached)."""

    def __init__(
        self,
        searcher: Any,
        doc_index: Any,
        docnums: list[int],
        budget: int = MAX_CACHED_POSTINGS,
        table: DocTable | None = None,
    ) -> None:
        self.postings = Postings(searcher, doc_index, docnums)
        # The build's precomputed scores, when it has them: a term is one record read, not a
        # pass over its postings (the same floats; `tests/service/test_docscores.py`).
        self.table = table
        self.budget = budget
        self._terms: OrderedDict[str, tuple[array[int], array[float]]] = OrderedDict()
        self._cached = 0

    def term(self, text: str) -> tuple[array[int], array[float]]:
        """(dense indexes, scores) of the doc records with `text` in `body`, ascending."""
        cached = self._terms.get(text)
        if cached is not None:
            self._terms.move_to_end(text)
            return cached
        ids, scores = self.table.scores(text) if self.table is not None else self.postings.scores(text)
        self._terms[text] = (ids, scores)
        self._cached += len(ids)
        while self._cached > self.budget and len(self._terms) > 1:
            _, (old, _) = self._terms.popitem(last=False)
            self._cached -= len(old)
        return ids, scores

    def indexes_of(self, field: str, text: str) -> array[int] | None:
        """The dense indexes of the doc records with `text` in `field` when this table holds
        them already (a document set then needs no postings read), else None."""
        cached = self._terms.get(text) if field == FIELD else None
        return cached[0] if cached is not None else None

    def top(self, parts: Iterable[Part], limit: int, only: set[int] | None = None) -> list[tuple[float, int]]:
        """(score, dense index) of the best `limit` documents for the union of `parts`
        (within `only` when given), best first, ties by index; a part with a term no
        document has adds nothing."""
        acc: dict[int, float] = {}
        get = acc.get
        for terms, boost in parts:
            lists = [self.term(t) for t in terms]
            if not all(ids for ids, _ in lists):
                continue
            if len(lists) == 1:
                ids, scores = lists[0]
                if boost == 1.0:
                    for i, s in zip(ids, scores, strict=True):
                        acc[i] = get(i, 0.0) + s
                else:
                    for i, s in zip(ids, scores, strict=True):
                        acc[i] = get(i, 0.0) + s * boost
                continue
            # All words of a multi-word alternative: the sum of their scores where all occur.
            both: dict[int, float] = dict(zip(*lists[0], strict=True))
            for ids, scores in lists[1:]:
                both = {i: both[i] + s for i, s in zip(ids, scores, strict=True) if i in both}
            for i, s in both.items():
                acc[i] = get(i, 0.0) + s * boost
        items = acc.items() if only is None else ((i, s) for i, s in acc.items() if i in only)
        best = heapq.nlargest(limit, items, key=lambda kv: (kv[1], -kv[0]))
        return [(s, i) for i, s in best]
