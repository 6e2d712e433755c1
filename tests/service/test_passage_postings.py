"""Stage 2 reads passage postings block by block (`passages.read_postings`), per term only in
the passages of the documents whose body has it (`passages.term_passages`); it must find what
Whoosh's own matchers find, step by step over every wanted passage: across segments, after an
update, and on the repository's corpus, whether its blocks are decoded or taken from the
snapshot's cache of decoded blocks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer import IndexerSettings, IndexReport, build_index, update_index
from indexer.schema import PASSAGE_FIELDS
from service import passages
from service.reader import Snapshot

from ..fixtures import opened, word_posts


def reference(snap: Snapshot, terms: set[str], docnums: list[int]) -> dict[int, passages.Hit]:
    """Whoosh's public matcher methods over the whole reader (deleted documents filtered)."""
    reader = snap.searcher.reader()
    hits: dict[int, passages.Hit] = {}
    for fieldname in PASSAGE_FIELDS:
        for term in terms:
            if (fieldname, term) in reader:
                passages._step_through(reader.postings(fieldname, term), fieldname, term, docnums, 0, hits)
    return hits


def check(snap: Snapshot, seed: int, rounds: int) -> None:
    rng = random.Random(seed)
    reader = snap.searcher.reader()
    terms = sorted(
        {t.decode() if isinstance(t, bytes) else t for f in PASSAGE_FIELDS for t in reader.field_terms(f)}
    )
    for n in range(rounds):
        # Every document now and then: every posting wanted, the last of each block too.
        docs = snap.order if n % 10 == 0 else rng.sample(snap.order, rng.randint(1, min(12, len(snap.order))))
        owners = passages.passage_numbers(snap, docs)
        numbers = sorted(owners)
        wanted = set(rng.sample(terms, min(len(terms), rng.randint(1, 8))))
        theirs = reference(snap, wanted, numbers)
        every = passages.read_postings(snap, dict.fromkeys(wanted, numbers))
        pruned = passages.read_postings(snap, passages.term_passages(snap, wanted, owners))
        for ours in (every, pruned):
            assert ours.keys() == theirs.keys()
            for docnum, hit in ours.items():
                assert hit.tf == theirs[docnum].tf and hit.positions == theirs[docnum].positions


def check_one_by_one(snap: Snapshot, term: str) -> None:
    """Each record on its own: the first wanted posting of a block may be the block's last."""
    for docnum in sorted(passages.passage_numbers(snap, snap.order)):
        ours, theirs = passages.read_postings(snap, {term: [docnum]}), reference(snap, {term}, [docnum])
        assert {d: h.tf for d, h in ours.items()} == {d: h.tf for d, h in theirs.items()}, docnum


def test_passage_postings_on_the_corpus(corpus_build: tuple[IndexerSettings, IndexReport]) -> None:
    with opened(corpus_build[0].index_dir) as snap:
        check(snap, seed=7, rounds=200)


def test_passage_postings_across_segments_and_deletions(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    rng = random.Random(5)
    # Long posts: several passages each, and postings of several 128-posting blocks per segment.
    word_posts(corpus, range(200), rng, paragraphs=6, words=(60, 60))
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1, writers=2)
    build_index(settings)
    with opened(settings.index_dir) as snap:
        assert len(snap.searcher.reader().leaf_readers()) == 2  # a segment per writer
        check(snap, seed=6, rounds=150)
        check_one_by_one(snap, "gemeent")
        assert snap.blocks, "stage 2 keeps the blocks it decoded"
    word_posts(corpus, [1, 30], rng, paragraphs=6, words=(60, 60))
    (corpus / "p2.md").unlink()
    update_index(settings)
    with opened(settings.index_dir) as snap:
        check(snap, seed=8, rounds=150)


def test_a_small_block_cache_evicts_and_still_reads_right(
    corpus_build: tuple[IndexerSettings, IndexReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passages, "MAX_CACHED_BLOCKS", 3)
    with opened(corpus_build[0].index_dir) as snap:
        check(snap, seed=9, rounds=60)
        assert 0 < len(snap.blocks) <= 3
