"""The service keeps its index in step with the site: a background sync on an interval, swapped
in while searches go on, run by one process only."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service import ServiceSettings, create_app
from service.config import load_service_settings
from service.errors import ConfigError
from service.syncer import BackgroundSync

from .conftest import sync
from .static_site import StaticSite


def test_new_pages_are_found_without_a_restart(tmp_path: Path) -> None:
    with StaticSite(tmp_path / "site") as site:
        site.page("/a.html", "Eerste", "beginwoordje")
        site.sitemap("sitemap.xml", {site.url + "/a.html": ""})
        index_dir = tmp_path / "index"
        sync(index_dir, site.url)
        settings = ServiceSettings(index=index_dir, site_url=site.url, sync_interval=1)
        with TestClient(create_app(settings)) as client:
            site.page("/b.html", "Tweede", "nieuwkomertje")
            site.sitemap("sitemap.xml", {site.url + "/a.html": "", site.url + "/b.html": ""})
            syncer = client.app.state.syncer  # type: ignore[attr-defined]
            deadline = time.monotonic() + 60
            results: list[dict[str, str]] = []
            while not (results and syncer.runs) and time.monotonic() < deadline:
                response = client.get("/search", params={"q": "nieuwkomertje"})
                assert response.status_code == 200  # searching goes on while the sync runs
                results = response.json()["results"]
                time.sleep(0.2)
            assert [r["document_url"] for r in results] == [site.url + "/b.html"]
            assert "error" not in syncer.last and syncer.last["site"] == site.url, syncer.last


def test_one_scheduler_per_index(tmp_path: Path) -> None:
    """Several uvicorn workers each start a timer; one runs the syncs."""
    with StaticSite(tmp_path / "site") as site:
        site.page("/a.html", "Eerste", "beginwoordje")
        site.sitemap("sitemap.xml", {site.url + "/a.html": ""})
        index_dir = tmp_path / "index"
        sync(index_dir, site.url)
        settings = ServiceSettings(index=index_dir, site_url=site.url, sync_interval=1)
        timers = [BackgroundSync(settings) for _ in range(3)]
        for timer in timers:
            timer.start()
        try:
            deadline = time.monotonic() + 60
            while sum(t.runs for t in timers) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for timer in timers:
                timer.stop()
        assert sorted(t.runs > 0 for t in timers) == [False, False, True]
        assert all("error" not in t.last for t in timers)


def test_an_interval_needs_a_site(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VINDPLAATS_SYNC_INTERVAL", "900")
    with pytest.raises(ConfigError, match="VINDPLAATS_SYNC_INTERVAL needs VINDPLAATS_SITE_URL"):
        load_service_settings()
