"""Stage 2 reads passage postings block by block (`passages.read_postings`); it must find what
Whoosh's own matchers find, step by step: across segments, after an update, and
on the repository's corpus."""

from __future__ import annotations

import random
from pathlib import Path

from indexer import IndexerSettings, IndexReport, build_index, update_index
from indexer.schema import PASSAGE_FIELDS
from service import passages
from service.reader import Snapshot, load_snapshot


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
        numbers = sorted(passages.passage_numbers(snap, docs))
        wanted = set(rng.sample(terms, min(len(terms), rng.randint(1, 8))))
        ours, theirs = passages.read_postings(snap, wanted, numbers), reference(snap, wanted, numbers)
        assert ours.keys() == theirs.keys()
        for docnum, hit in ours.items():
            assert hit.tf == theirs[docnum].tf and hit.positions == theirs[docnum].positions


def check_one_by_one(snap: Snapshot, term: str) -> None:
    """Each record on its own: the first wanted posting of a block may be the block's last."""
    for docnum in sorted(passages.passage_numbers(snap, snap.order)):
        ours, theirs = passages.read_postings(snap, {term}, [docnum]), reference(snap, {term}, [docnum])
        assert {d: h.tf for d, h in ours.items()} == {d: h.tf for d, h in theirs.items()}, docnum


def test_passage_postings_on_the_corpus(corpus_build: tuple[IndexerSettings, IndexReport]) -> None:
    snap = load_snapshot(corpus_build[0].index_dir)
    try:
        check(snap, seed=7, rounds=200)
    finally:
        snap.searcher.close()


def test_passage_postings_across_segments_and_deletions(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = ["wijkteam", "bewoners", "buurtkas", "zorg", "gemeente", "inkoop", "sociaal", "aanbesteding"]
    rng = random.Random(5)

    def post(n: int) -> str:
        # Long posts: several passages each, and postings lists of several blocks.
        paragraphs = "\n\n".join(" ".join(rng.choice(words) for _ in range(60)) for _ in range(6))
        return f"---\ntitle: Bericht {n}\n---\n{paragraphs}\n"

    for n in range(200):  # postings of several 128-posting blocks per segment
        (corpus / f"p{n}.md").write_text(post(n), "utf-8")
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1, writers=2)
    build_index(settings)
    snap = load_snapshot(settings.index_dir)
    try:
        assert len(snap.searcher.reader().leaf_readers()) == 2  # a segment per writer
        check(snap, seed=6, rounds=150)
        check_one_by_one(snap, "gemeent")
    finally:
        snap.searcher.close()
    (corpus / "p1.md").write_text(post(100), "utf-8")
    (corpus / "p2.md").unlink()
    (corpus / "p30.md").write_text(post(30), "utf-8")
    update_index(settings)
    snap = load_snapshot(settings.index_dir)
    try:
        check(snap, seed=8, rounds=150)
    finally:
        snap.searcher.close()
