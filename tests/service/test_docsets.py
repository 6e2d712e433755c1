"""Document sets read from the postings agree with Whoosh, also after an update (two segments,
deleted documents), and follow the index through a reload."""

from __future__ import annotations

from pathlib import Path

from indexer import IndexerSettings, build_index, update_index
from indexer.doctable import posting_blocks
from service.reader import load_snapshot


def post(title: str, body: str) -> str:
    return f"---\ntitle: {title}\ncategories: [Wmo]\n---\n{body}\n"


def test_posting_ids_agree_with_whoosh_across_segments_and_deletions(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(6):
        (corpus / f"p{n}.md").write_text(post(f"Wijkteam {n}", "Het wijkteam helpt bewoners. " * 30), "utf-8")
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1)
    build_index(settings)
    (corpus / "p1.md").write_text(post("Buurtkas", "Een buurtkas voor bewoners. " * 30), "utf-8")
    (corpus / "p2.md").unlink()
    update_index(settings)
    snap = load_snapshot(settings.index_dir)
    reader = snap.searcher.reader()
    for field in ("body", "title", "headings", "content"):
        for term in [t.decode() if isinstance(t, bytes) else t for t in reader.field_terms(field)]:
            live = [d for d in reader.postings(field, term).all_ids() if not reader.is_deleted(d)]
            found = [d for docnums, _ in posting_blocks(reader, field, term) for d in docnums]
            assert found == live, (field, term)
    # The sets count documents, not records: four posts still say "wijkteam", one "buurtkas".
    assert snap.docsets.term("body", "wijkteam").bit_count() == 4
    assert snap.docsets.term("body", "buurtkas").bit_count() == 1
    assert snap.docsets.value("category", "WMO").bit_count() == 5
