"""Syncing a real WordPress (plain permalinks): what the public sees is found at the site's own
URLs, nothing unpublished ever is, and later syncs follow edits, deletions and new PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import store
from indexer.sync import SyncReport

from .conftest import SECRET_WORDS, FixtureSite, Search, make_pdf, paragraph, searching, sync

pytestmark = pytest.mark.wordpress


@pytest.fixture(scope="module")
def synced(fixture_site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyncReport]:
    index_dir = tmp_path_factory.mktemp("wp-sync") / "index"
    report = sync(index_dir, fixture_site.wp.url)
    print(f"first sync: {report.http.requests} requests, {report.http.bytes} bytes, {report.seconds:.2f} s")
    return index_dir, report


@pytest.fixture(scope="module")
def search(synced: tuple[Path, SyncReport]) -> Iterator[Search]:
    yield from searching(synced[0])


def test_first_sync_finds_posts_pages_and_pdf_pages_at_the_sites_urls(
    fixture_site: FixtureSite, synced: tuple[Path, SyncReport], search: Search
) -> None:
    wp, posts, pdfs = fixture_site.wp, fixture_site.posts, fixture_site.pdfs
    index_dir, report = synced
    assert report.kind == "wordpress" and report.api == f"{wp.url}/index.php?rest_route=/"
    [post] = search.results("kraanvogelproject")
    assert post["document_url"] == f"{wp.url}/?p={posts['buurtbudget']}" and post["type"] == "blog"
    assert post["title"] == "Buurtbudget in Zandvoorde" and post["date"] == "2024-03-12"
    assert post["categories"] == ["Sociaal domein"] and sorted(post["tags"]) == ["buurtbudget", "wijkteams"]
    [inkoop] = search.results("dwarsfluitregeling")
    assert inkoop["categories"] == ["Inkoop & aanbesteden"] and inkoop["tags"] == ["sroi"]
    assert search.found("lantaarnpaalcollectief") == [f"{wp.url}/?page_id={posts['over']}"]
    # PDF pages land on the site's own file, on the right page.
    assert search.found("reigerbegroting") == [pdfs["magazine"] + "#page=2"]
    assert search.found("scholeksterregeling") == [pdfs["magazine"] + "#page=3"]
    assert search.found("tureluurmanifest") == [
        pdfs["manifest"] + "#page=2"
    ]  # in the library, linked nowhere
    assert search.found("wulpverslag") == [pdfs["verslag"] + "#page=1"]  # linked, not in the library
    [magazine] = search.results("reigerbegroting")
    assert magazine["type"] == "pdf" and magazine["title"] == "Wijkmagazine voorjaar"
    sources = store.read_build_info(store.resolve(index_dir))["sources"]
    assert not [s for s in sources if "elders.example.org" in s], "a PDF on another site was fetched"
    assert report.index.added == len(sources) == 7  # 2 posts, 1 page, 1 protected post, 3 PDFs
    skipped = {s.source: s.reason for s in report.index.skipped_files}
    assert skipped == {f"{wp.url}/?p={posts['protected']}": "password protected"}


def test_unpublished_posts_are_never_found(
    fixture_site: FixtureSite, synced: tuple[Path, SyncReport], search: Search
) -> None:
    for word in SECRET_WORDS:
        assert search.results(word) == [], word
        title_word = {"kievietsbloemfonds": "Concept", "oeverzwaluwplan": "Beveiligd"}.get(word, word)
        assert search.results(f"{title_word} {word}") == []
        assert [s for s in search.suggestions(word[:7]) if word[:7] in s["text"].lower()] == [], word
        misspelt = word[:-2] + word[-1] + word[-2]
        assert word not in (search.raw(misspelt).get("suggestion") or ""), word
    # Not a trace in the index files either (their terms are stored as plain UTF-8).
    blob = b"".join(p.read_bytes() for p in store.resolve(synced[0]).iterdir() if p.is_file())
    assert b"kraanvogelproj" in blob  # the check can see words
    for word in SECRET_WORDS:
        assert word[:10].encode() not in blob, word


def test_a_sync_with_nothing_changed_downloads_no_pdf_and_extracts_nothing(
    fixture_site: FixtureSite, synced: tuple[Path, SyncReport]
) -> None:
    wp = fixture_site.wp
    index_dir, first = synced
    served = store.resolve(index_dir)
    mark = len(wp.access_log())
    report = sync(index_dir, wp.url)
    print(
        f"no-change sync: {report.http.requests} requests, {report.http.bytes} bytes, {report.seconds:.2f} s"
    )
    assert report.pdf_bytes == 0 and report.index.extracted == 0 and report.fetched == 0
    assert not report.written and store.resolve(index_dir) == served
    assert report.index.unchanged == len(store.read_build_info(served)["sources"])
    pdf_requests = [(path, status) for _, path, status, _ in wp.access_log()[mark:] if path.endswith(".pdf")]
    assert sorted(status for _, status in pdf_requests) == [304, 304, 304]
    assert report.http.requests == first.http.requests  # the same listings; PDFs answered 304


def test_edits_deletions_and_unpublishing_show_after_the_next_sync(
    fixture_site: FixtureSite, synced: tuple[Path, SyncReport], search: Search, scratch: list[int]
) -> None:
    wp = fixture_site.wp
    index_dir, _ = synced
    words = {
        "edit": "fazantenoverleg",
        "trash": "patrijzenpact",
        "delete": "kwartelkompas",
        "draft": "korhoenderkaart",
        "private": "wielewaalwijzer",
    }
    ids = {name: wp.create_post(f"Bericht: {name}", paragraph(word, name)) for name, word in words.items()}
    scheduled = wp.create_post(
        "Gepland bericht", paragraph("roerdompregister", "later"), date="2031-05-05 10:00:00"
    )
    wp.set_modified(scheduled, "2024-01-01 10:00:00")
    scratch += [*ids.values(), scheduled]
    report = sync(index_dir, wp.url)
    assert report.index.added == 5 and report.index.deleted == 0
    for word in words.values():
        assert len(search.results(word)) == 1, word
    assert search.results("roerdompregister") == []

    wp.update_post(ids["edit"], post_content=paragraph("boomkruiperbudget", "de nieuwe versie"))
    wp.trash(ids["trash"])
    wp.delete(ids["delete"])
    wp.update_post(ids["draft"], post_status="draft")
    wp.update_post(ids["private"], post_status="private")
    wp.publish_scheduled(scheduled)  # WP-Cron's doing: the modified date stays in 2024
    report = sync(index_dir, wp.url)
    assert (report.index.added, report.index.changed, report.index.deleted) == (1, 1, 4)
    assert search.found("boomkruiperbudget") == [f"{wp.url}/?p={ids['edit']}"]
    assert search.results("fazantenoverleg") == []
    for name in ("trash", "delete", "draft", "private"):
        assert search.results(words[name]) == [], name
        assert [s for s in search.suggestions(words[name][:8]) if words[name][:8] in s["text"].lower()] == []
    assert search.found("roerdompregister") == [f"{wp.url}/?p={scheduled}"]


def test_a_replaced_pdf_is_found_with_its_new_pages(
    fixture_site: FixtureSite, synced: tuple[Path, SyncReport], search: Search
) -> None:
    wp = fixture_site.wp
    index_dir, _ = synced
    replacement = make_pdf(
        "Manifest samen doen, tweede druk", ["Wij willen samen doen.", "Nu met het klauwierplan."]
    )
    wp.replace_pdf(fixture_site.media["manifest"], replacement)
    report = sync(index_dir, wp.url)
    assert report.index.changed == 1 and report.index.extracted == 1
    assert report.pdf_bytes == len(replacement)
    assert search.found("klauwierplan") == [fixture_site.pdfs["manifest"] + "#page=2"]
    assert search.results("tureluurmanifest") == []
