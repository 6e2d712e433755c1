"""A site that fails mid-sync: a clear one-line error naming the URL, the served index exactly as
it was, and the next sync recovers."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import store
from indexer.errors import SyncError

from ..servers import REPO
from .conftest import FixtureSite, paragraph, searching, sync

pytestmark = pytest.mark.wordpress


def snapshot(index_dir: Path) -> tuple[Path, str, list[str]]:
    """What a reader of the index sees: the build it points at, its build.json, all builds."""
    current = store.resolve(index_dir)
    info = hashlib.sha1((current / store.BUILD_INFO).read_bytes()).hexdigest()
    return current, info, sorted(p.name for p in store.builds_dir(index_dir).iterdir())


@pytest.fixture(scope="module")
def index_dir(fixture_site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wp-failures") / "index"
    sync(path, fixture_site.wp.url)
    return path


@pytest.fixture
def healed(fixture_site: FixtureSite) -> Iterator[None]:
    yield
    fixture_site.wp.heal()


def test_web_server_stopped_mid_sync(fixture_site: FixtureSite, index_dir: Path, scratch: list[int]) -> None:
    wp = fixture_site.wp
    post = wp.create_post("Nieuw tijdens storing", paragraph("stormvogelstation", "de storing"))
    scratch.append(post)
    before = snapshot(index_dir)
    seen: list[str] = []

    def stop_after_listing_posts(done: int, total: int, label: str) -> None:
        seen.append(label)
        if label == "post: changed":
            wp.stop_apache()

    try:
        with pytest.raises(SyncError) as failure:
            sync(index_dir, wp.url, progress=stop_after_listing_posts)
    finally:
        wp.start_apache()
    message = str(failure.value)
    assert message.startswith(wp.url + "/") and "cannot connect" in message and "\n" not in message
    assert "post: all ids" in seen, "the sync was under way"
    assert snapshot(index_dir) == before
    for search in searching(index_dir):
        assert search.results("stormvogelstation") == [] and search.results("kraanvogelproject")
    report = sync(index_dir, wp.url)
    assert report.index.added == 1
    for search in searching(index_dir):
        assert search.found("stormvogelstation") == [f"{wp.url}/?p={post}"]


@pytest.mark.usefixtures("healed")
def test_a_server_error_then_recovery(fixture_site: FixtureSite, index_dir: Path, scratch: list[int]) -> None:
    wp = fixture_site.wp
    scratch.append(wp.create_post("Nieuw na de fout", paragraph("pijlstaartplan", "de fout")))
    before = snapshot(index_dir)
    wp.fail("/wp/v2/media", 500)
    with pytest.raises(SyncError, match=r"rest_route=/wp/v2/media.*: HTTP 500 \(test_failure\)$"):
        sync(index_dir, wp.url)
    assert snapshot(index_dir) == before
    wp.heal()
    assert sync(index_dir, wp.url).index.added == 1


@pytest.mark.usefixtures("healed")
def test_malformed_json_is_an_error_naming_the_url(fixture_site: FixtureSite, index_dir: Path) -> None:
    wp = fixture_site.wp
    before = snapshot(index_dir)
    wp.fail("/wp/v2/pages", 200, body='[{"id": 12, "title": {"rendered": "Half')
    with pytest.raises(SyncError, match=r"rest_route=/wp/v2/pages.*: malformed JSON"):
        sync(index_dir, wp.url)
    assert snapshot(index_dir) == before


@pytest.mark.usefixtures("healed")
def test_too_many_requests_waits_as_asked_then_continues(fixture_site: FixtureSite, index_dir: Path) -> None:
    wp = fixture_site.wp
    wp.fail("/wp/v2/posts", 429, count=1, retry_after=1)
    report = sync(index_dir, wp.url)
    assert report.http.retries == 1 and report.http.by_status[429] == 1
    assert report.seconds >= 1.0


@pytest.mark.usefixtures("healed")
def test_a_server_that_stays_unavailable_is_an_error(fixture_site: FixtureSite, index_dir: Path) -> None:
    wp = fixture_site.wp
    before = snapshot(index_dir)
    wp.fail("/wp/v2/types", 503, retry_after=3600)  # a pause longer than we wait in one sync
    with pytest.raises(
        SyncError, match=r"types.*: HTTP 503 after 1 attempts, Retry-After 3600; try again later"
    ):
        sync(index_dir, wp.url)
    wp.fail("/wp/v2/pages", 503, retry_after=0)
    with pytest.raises(SyncError, match=r"pages.*: HTTP 503 after 4 attempts"):
        sync(index_dir, wp.url)
    assert snapshot(index_dir) == before


def test_command_line_exit_codes(fixture_site: FixtureSite, index_dir: Path) -> None:
    wp = fixture_site.wp

    def run() -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "indexer",
            "sync",
            wp.url,
            "--index",
            str(index_dir),
            "--workers",
            "2",
        ]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    done = run()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"sync {wp.url}: read through WordPress REST API at {wp.url}/index.php?rest_route=/"
    )
    assert "requests (" in done.stdout and "unchanged" in done.stdout
    wp.stop_apache()
    try:
        done = run()
    finally:
        wp.start_apache()
    assert done.returncode == 3 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {wp.url}/robots.txt: cannot connect") and "index is unchanged" in line
