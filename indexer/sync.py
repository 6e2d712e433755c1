"""Sync a live site into the index: a source finds what changed, the pipeline writes it.

    report = sync_site(settings)     # VINDPLAATS_SITE_URL, or sync_site(settings, "https://…")

One run: take the index's sync lock; read the previous build's manifest and sync state; read
robots.txt; find the WordPress REST API (`sources.wordpress`) or else the sitemaps or feed
(`sources.sitemap`); collect the items that are new or changed, the sources to keep, and the
per-item state (modified dates, ETags); then `pipeline.apply_changes` extracts the new items in
worker processes into a copy of the served index and swaps it in, build.json and state together.

Any failure before the swap (the site down, a 5xx, malformed JSON, a timeout) raises SyncError
and leaves the served index and its state as they were, so the next sync redoes the same
window. A run that finds nothing to change writes nothing. The first sync of a site (or of an
index built from a folder) starts a fresh index; later ones are incremental.
"""

from __future__ import annotations

import fcntl
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import store
from .config import IndexerSettings
from .documents import Skip
from .errors import ConfigError, IndexStoreError, SyncError
from .http import Fetcher, Stats, is_web_url
from .pipeline import IndexReport, apply_changes, base_problem
from .sources.sitemap import sync_sitemap
from .sources.web import Changes
from .sources.wordpress import find_api, sync_wordpress

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class SyncReport:
    site: str
    kind: str = ""  # "wordpress", "sitemap" or "feed"
    api: str = ""  # the REST API root, for WordPress
    index: IndexReport = field(default_factory=IndexReport)
    http: Stats = field(default_factory=Stats)
    pdf_bytes: int = 0  # PDF bodies downloaded (0 when every PDF answered 304)
    fetched: int = 0  # items whose content was downloaded (REST items, pages, PDFs)
    written: bool = False  # False: nothing had changed, the index was left as it was
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "kind": self.kind,
            "api": self.api,
            "added": self.index.added,
            "changed": self.index.changed,
            "deleted": self.index.deleted,
            "unchanged": self.index.unchanged,
            "extracted": self.index.extracted,
            "written": self.written,
            "requests": self.http.requests,
            "not_modified": self.http.not_modified,
            "retries": self.http.retries,
            "bytes_downloaded": self.http.bytes,
            "pdf_bytes_downloaded": self.pdf_bytes,
            "items_fetched": self.fetched,
            **self.index.as_dict(),
            "seconds": round(self.seconds, 3),
        }


def site_url(raw: str) -> str:
    """The site's address as the state keys it: scheme, host and path, no query, no trailing slash."""
    value = raw.strip()
    if not value:
        raise ConfigError("no site to sync: give its URL or set VINDPLAATS_SITE_URL")
    if "://" not in value:
        value = "https://" + value
    if not is_web_url(value) or "?" in value or "#" in value:
        raise ConfigError(f"site URL must be an http:// or https:// address without query, got {raw!r}")
    return value.rstrip("/")


@contextmanager
def sync_lock(index_dir: Path) -> Iterator[None]:
    """One sync per index at a time (the service's timer and a cron job may overlap)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    path = index_dir.parent / f".{index_dir.name}.sync.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncError(f"another sync of {index_dir} is running (lock {path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _previous(index_dir: Path) -> dict[str, Any]:
    """The served build's manifest and sync state; {} (a full sync) when there is no sound one."""
    if not index_dir.exists():
        return {}
    problem = base_problem(index_dir)
    if problem:
        log.warning("the served index cannot be updated (%s): syncing everything again", problem)
        return {}
    try:
        return store.read_build_info(store.resolve(index_dir))
    except IndexStoreError:
        return {}  # unreadable: start afresh rather than trust it


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def sync_site(
    settings: IndexerSettings,
    site: str | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Bring the index up to date with the site; see the module docstring."""
    started = time.monotonic()
    site = site_url(site or settings.site_url)
    report = SyncReport(site)
    with sync_lock(settings.index_dir):
        info = _previous(settings.index_dir)
        previous: dict[str, Any] = info["sync"] if isinstance(info.get("sync"), dict) else {}
        same_site = bool(previous) and previous.get("site") == site
        old: dict[str, Any] = dict(info.get("sources") or {}) if same_site else {}
        since = None if full or not same_site else _parse_time(previous.get("server_time"))
        fetcher = Fetcher(settings, site)
        report.http = fetcher.stats
        changes = Changes(old)
        with tempfile.TemporaryDirectory(prefix="vindplaats-sync-") as tmp:
            robots_sitemaps = fetcher.load_robots()
            api = find_api(fetcher, site)
            if api is not None:
                state = sync_wordpress(api, changes, since, Path(tmp), progress)
                report.kind, report.api = "wordpress", api.root
                server_time = api.server_time or datetime.now(UTC)
            else:
                server_time = datetime.now(UTC)
                state = sync_sitemap(fetcher, robots_sitemaps, changes, Path(tmp), full, progress)
                report.kind = str(state.get("mode", "sitemap"))
            report.pdf_bytes, report.fetched = changes.pdf_bytes, changes.fetched
            if not same_site or _dirty(changes):
                extra = {
                    "sync": {
                        "site": site,
                        "kind": report.kind,
                        **state,
                        "server_time": server_time.isoformat(timespec="seconds"),
                    }
                }
                report.index = apply_changes(
                    settings,
                    changes.ordered(),
                    changes.keep,
                    state=changes.state,
                    extra=extra,
                    fresh=not same_site,
                    progress=_extract_progress(progress),
                )
                report.written = True
            else:
                report.index = _unchanged_report(settings.index_dir, old, len(changes.keep))
    report.seconds = time.monotonic() - started
    return report


def _dirty(changes: Changes) -> bool:
    """Whether anything differs from the previous build: new or changed items, deletions, state."""
    if changes.todo or set(changes.old) - changes.keep:
        return True
    return any(
        changes.old[source].get(key) != value
        for source, state in changes.state.items()
        for key, value in state.items()
        if source in changes.old
    )


def _unchanged_report(index_dir: Path, manifest: dict[str, Any], kept: int) -> IndexReport:
    docs = [d for entry in manifest.values() for d in entry.get("documents", [])]
    return IndexReport(
        files=len(manifest),
        documents=len(docs),
        passages=sum(d["passages"] for d in docs),
        pdf_pages=sum(d["pages"] for d in docs if d["kind"] == "pdf"),
        skips=[Skip(src, reason) for entry in manifest.values() for src, reason in entry.get("skips", [])],
        index_dir=index_dir,
        unchanged=kept,
    )


def _extract_progress(progress: Progress | None) -> Progress | None:
    if progress is None:
        return None
    return lambda done, total, source: progress(done, total, f"extract {source}")
