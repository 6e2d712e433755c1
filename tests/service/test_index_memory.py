"""How a worker holds the index (issue 11): mapped where it is looked up, read where it is scattered.

The term dictionary is memory-mapped (the page cache holds it once for every worker);
postings and stored fields are read with `pread`, so the blocks and records a result page
reads do not pull whole files into each worker's RSS. Both keep working when a prune deletes
the build under a served snapshot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import IndexerSettings
from service.config import DEFAULT_SYNONYMS
from service.search import SearchRequest, run_search
from service.synonyms import Synonyms

from ..fixtures import opened

MAPS = Path("/proc/self/maps")


def mapped_files(folder: Path) -> set[str]:
    return {
        Path(line.split(None, 5)[5]).name
        for line in MAPS.read_text().splitlines()
        if len(line.split(None, 5)) > 5 and line.split(None, 5)[5].startswith(str(folder))
    }


@pytest.fixture
def build(own_build: IndexerSettings) -> Path:
    return own_build.index_dir.resolve()


@pytest.mark.skipif(not MAPS.exists(), reason="needs Linux's /proc")
def test_term_tables_are_mapped_and_postings_and_stored_fields_are_not(build: Path) -> None:
    with opened(build) as snap:
        page = run_search(snap, SearchRequest("fietsenwerkplaats"), Synonyms(DEFAULT_SYNONYMS))
        assert page["total"] == 1 and "<mark>" in page["results"][0]["passages"][0]["snippet"]
        mapped = mapped_files(build)
        assert any(name.endswith(".trm") for name in mapped), mapped
        assert not any(name.endswith((".pst", "_stored.col")) for name in mapped), mapped


def test_a_served_snapshot_still_answers_with_snippets_after_its_files_are_deleted(build: Path) -> None:
    with opened(build) as snap:
        for name in list(build.iterdir()):
            name.unlink()  # what a prune does to an old build that a worker still serves
        page = run_search(snap, SearchRequest("wijkteams"), Synonyms(DEFAULT_SYNONYMS))
        assert page["total"] >= 1
        snippets = [p["snippet"] for r in page["results"] for p in r["passages"]]
        assert any("<mark>" in s and "wijkteam" in s.lower() for s in snippets), snippets
