"""Pretty permalinks: the REST API lives at /wp-json/, and links follow a change of structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FixtureSite, searching, sync

pytestmark = pytest.mark.wordpress


def test_pretty_permalinks_and_a_change_of_structure(fixture_site: FixtureSite, tmp_path: Path) -> None:
    wp = fixture_site.wp
    index_dir = tmp_path / "index"
    sync(index_dir, wp.url)
    wp.set_permalinks(pretty=True)
    try:
        status, _, body = wp.get("/wp-json/wp/v2/types")
        assert status == 200 and body.startswith(b"{")
        report = sync(index_dir, wp.url)
        # No post was edited, yet every link changed: the id listing's links show it.
        assert report.api == wp.url + "/wp-json/" and report.index.changed >= 3
        for search in searching(index_dir):
            assert search.found("kraanvogelproject") == [wp.url + "/2024/03/buurtbudget-in-zandvoorde/"]
            assert search.found("lantaarnpaalcollectief") == [wp.url + "/over-dit-platform/"]
            assert search.found("reigerbegroting") == [fixture_site.pdfs["magazine"] + "#page=2"]
        assert sync(index_dir, wp.url).index.extracted == 0
    finally:
        wp.set_permalinks(pretty=False)
