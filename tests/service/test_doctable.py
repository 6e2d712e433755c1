"""The build's term table (`indexer.doctable`) holds exactly what the postings give, searches
answer the same with it and without it, and a table that is damaged or belongs to another
build is not used."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import IndexerSettings, IndexReport, analysis, build_index, tablewriter, update_index
from indexer.doctable import FIELDS, SCORED, TABLE_FILE, DocTable, Postings, from_indexes
from indexer.errors import IndexStoreError
from indexer.store import check_files, read_build_info
from service.reader import Snapshot
from service.search import SearchRequest, run_search

from ..fixtures import across_segments_and_update, damage, opened, word_posts

QUERIES = (
    "wijkteams",
    "sociaal domein",
    "hoe begin ik als gemeente met maatschappelijk aanbesteden",
    "zorgcoöperatie oprichten",
    "wmo",
    "buurtkas bewoners",
    '"maatschappelijk aanbesteden"',
    "social procurement",
)


def terms_of(snap: Snapshot, field: str) -> list[str]:
    return list(snap.searcher.reader().field_terms(field))


def assert_table_is_postings(snap: Snapshot) -> None:
    table = snap.table
    assert table is not None
    postings = Postings(snap.searcher, snap.docsets.doc_index, snap.docnums)
    for field in FIELDS:
        for text in terms_of(snap, field):
            if field == SCORED:
                # The very floats: stage 1's ties and order must not depend on the table.
                assert table.scores(text) == postings.scores(text), text
            want = postings.indexes(field, text)
            assert table.indexes(field, text) == want, (field, text)
            assert table.bits(field, text) == from_indexes(want, snap.docsets.size), (field, text)
    assert table.scores("woordzonderdocumenten") == postings.scores("woordzonderdocumenten")
    reader = snap.searcher.reader()
    for doc_id in snap.docs:
        assert table.records(doc_id) == tuple(reader.postings("doc_id", doc_id).all_ids()), doc_id
    words = table.words()
    assert sorted(words) == sorted(terms_of(snap, "spell"))
    assert all(words[w] == analysis.folded_word_terms(w) for w in words)


def test_the_table_holds_what_the_postings_give(corpus_build: tuple[IndexerSettings, IndexReport]) -> None:
    with opened(corpus_build[0].index_dir) as snap:
        assert_table_is_postings(snap)
        terms = sum(len(terms_of(snap, f)) for f in FIELDS)
    assert corpus_build[1].as_dict()["table"]["terms"] == terms  # the build report says so


def test_the_table_across_segments_deletions_and_updates(tmp_path: Path) -> None:
    across_segments_and_update(tmp_path, posts=30, seed=8, check=assert_table_is_postings)


def answers(snap: Snapshot) -> list[object]:
    out: list[object] = []
    for q in QUERIES:
        for page in (1, 2):
            found = run_search(snap, SearchRequest(q, page=page, per_page=5), None)
            found.pop("took_ms")
            out.append(found)
    return out


def without_table(build: Path, into: Path) -> Path:
    copy = shutil.copytree(build, into)
    (copy / TABLE_FILE).unlink()
    info = read_build_info(copy)
    del info["files"][TABLE_FILE]
    (copy / "build.json").write_text(json.dumps(info), "utf-8")
    return copy


def test_searches_answer_the_same_without_the_table(
    corpus_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    build = corpus_build[0].index_dir.resolve()
    with opened(build) as snap:
        assert snap.table is not None
        with_table = answers(snap)
    assert any(a["results"] for a in with_table)  # type: ignore[index]
    analysis.know_words({})
    plain = without_table(build, tmp_path / "plain")
    with opened(plain) as snap:
        assert snap.table is None
        assert answers(snap) == with_table


def test_a_damaged_table_is_not_used(own_build: IndexerSettings, tmp_path: Path) -> None:
    build = own_build.index_dir.resolve()
    with opened(build) as snap:
        before = answers(snap)
    damage(build, TABLE_FILE)
    assert "doctable.hsh does not match its checksum" in (check_files(build, read_build_info(build)) or "")
    with opened(build) as snap:
        assert snap.table is None  # searched from the postings instead
        assert answers(snap) == before


def test_a_table_of_another_build_is_not_used(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    word_posts(corpus, range(12), random.Random(2))
    # One writer: the table is written in this process (with more, by as many processes).
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1, writers=1)
    build_index(settings)
    old = settings.index_dir.resolve()
    (corpus / "p4.md").unlink()
    update_index(settings)
    new = settings.index_dir.resolve()
    assert new != old
    with opened(new) as snap:
        assert snap.table is not None
        before = answers(snap)
        docnums = snap.docnums
    # The old build's table, recorded as the new one's: it numbers 12 documents, not 11.
    shutil.copyfile(old / TABLE_FILE, new / TABLE_FILE)
    info = read_build_info(new)
    info["files"][TABLE_FILE] = read_build_info(old)["files"][TABLE_FILE]
    (new / "build.json").write_text(json.dumps(info), "utf-8")
    assert DocTable.open(new, docnums) is None
    with opened(new) as snap:
        assert snap.table is None
        assert answers(snap) == before


def _broken_share(build_dir: Path, share: int, shares: int) -> Iterator[tuple[bytes, bytes]]:
    if share == 1:
        raise OSError(f"no space left on device: {build_dir}")
    yield b"i\x00body\x00x", b""


def test_a_failing_table_process_fails_the_build_and_keeps_the_served_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    word_posts(corpus, range(8), random.Random(5))
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1, writers=2)
    build_index(settings)
    served = settings.index_dir.resolve()
    word_posts(corpus, range(8, 12), random.Random(6))
    monkeypatch.setattr(tablewriter, "_entries", _broken_share)
    with pytest.raises(IndexStoreError, match=r"cannot write the term table .*no space left on device"):
        build_index(settings)
    assert settings.index_dir.resolve() == served
    with opened(settings.index_dir) as snap:
        assert len(snap.docs) == 8 and snap.table is not None
    builds = [p.name for p in served.parent.iterdir() if not p.name.startswith(".")]
    assert builds == [served.name]  # the failed build is gone
