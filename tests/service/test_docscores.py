"""Stage 1's own BM25F top-k (`docscores`) finds what Whoosh's search finds, with its scores:
on the repository's corpus, across the segments of parallel writers and after an update."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import query as Q
from whoosh.query.compound import DefaultOr

from indexer import IndexerSettings, IndexReport
from service.docscores import DocScores, Part
from service.reader import Snapshot

from ..fixtures import across_segments_and_update, opened


def whoosh_top(
    snap: Snapshot, parts: list[Part], limit: int, only: set[int] | None
) -> list[tuple[float, int]]:
    queries: list[Q.Query] = []
    for terms, boost in parts:
        q = Q.Term("body", terms[0]) if len(terms) == 1 else Q.And([Q.Term("body", t) for t in terms])
        q.boost = boost
        queries.append(q)
    q = queries[0] if len(queries) == 1 else DefaultOr(queries)
    flt = None if only is None else {snap.docnums[i] for i in only}
    hits = snap.searcher.search(q, limit=limit, filter=flt)
    return [(float(score), snap.docsets.doc_index[docnum]) for docnum, score in hits.items()]


def body_terms(snap: Snapshot) -> list[str]:
    reader = snap.searcher.reader()
    return sorted(t.decode() if isinstance(t, bytes) else t for t in reader.field_terms("body"))


def assert_same(ours: list[tuple[float, int]], theirs: list[tuple[float, int]], what: object) -> None:
    assert [i for _, i in ours] == [i for _, i in theirs], what
    assert [s for s, _ in ours] == pytest.approx([s for s, _ in theirs], rel=1e-9), what


def check_queries(snap: Snapshot, seed: int, n: int) -> None:
    rng = random.Random(seed)
    terms = body_terms(snap)
    # Common words too: the ones many documents share are where the top k is decided.
    common = sorted(terms, key=lambda t: -snap.docsets.term("body", t).bit_count())[:40]
    for k in range(n):
        parts: list[Part] = []
        for _ in range(rng.randint(1, 5)):
            pool = common if rng.random() < 0.5 else terms
            words = tuple(rng.sample(pool, rng.choice((1, 1, 1, 2))))
            parts.append((words, rng.choice((1.0, 1.0, 0.3))))
        limit = rng.choice((1, 3, 10, 100))
        only = None
        if k % 3 == 0:
            only = set(rng.sample(range(snap.docsets.size), snap.docsets.size // 2))
        assert_same(snap.scores.top(parts, limit, only), whoosh_top(snap, parts, limit, only), parts)


def test_top_k_is_whooshs_on_the_corpus(corpus_build: tuple[IndexerSettings, IndexReport]) -> None:
    with opened(corpus_build[0].index_dir) as snap:
        check_queries(snap, seed=11, n=300)
        # A tiny cache evicts and reads again, with the same answers.
        snap.scores = DocScores(snap.searcher, snap.docsets.doc_index, snap.docnums, budget=50)
        check_queries(snap, seed=11, n=60)


def test_top_k_is_whooshs_across_segments_and_deletions(tmp_path: Path) -> None:
    seeds = iter((4, 5))
    across_segments_and_update(
        tmp_path, posts=40, seed=3, check=lambda snap: check_queries(snap, next(seeds), n=200)
    )
