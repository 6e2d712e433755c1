"""Running it like a real service (issue 12): metrics, self-hosted /docs, favicon, robots,
caching headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from indexer import IndexerSettings, IndexReport
from service import ServiceSettings, create_app
from service.metrics import record_sync


def scrape(client: TestClient, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    before = scrape(client)
    for doc in ["onbekend-1", "onbekend-2", "<script>"]:
        assert client.get(f"/documents/{doc}").status_code == 404
    assert client.get("/search", params={"q": "wijkteams"}).status_code == 200
    after = scrape(client)
    route = {"route": "/documents/{doc_id}", "method": "GET", "status": "404"}
    assert value(after, "vindplaats_http_requests_total", **route) - value(
        before, "vindplaats_http_requests_total", **route
    ) == pytest.approx(3)
    assert not any("onbekend" in str(labels) or "script" in str(labels) for _, labels in after), (
        "raw paths never become labels"
    )
    search = {"route": "/search", "method": "GET"}
    count = "vindplaats_http_request_duration_seconds_count"
    assert value(after, count, **search) - value(before, count, **search) == pytest.approx(1)
    assert value(after, "vindplaats_http_requests_in_flight") == pytest.approx(1)  # the scrape itself


def test_metrics_count_searches_and_searches_without_results(client: TestClient) -> None:
    before = scrape(client)
    client.get("/search", params={"q": "wijkteams"})
    client.get("/search", params={"q": "xqzvbnietsgevonden"})
    client.get("/", params={"q": "xqzvbnietsgevonden"})
    after = scrape(client)

    def delta(name: str, via: str) -> float:
        return value(after, name, via=via) - value(before, name, via=via)

    assert delta("vindplaats_searches_total", "api") == 2
    assert delta("vindplaats_zero_result_searches_total", "api") == 1
    assert delta("vindplaats_searches_total", "page") == 1
    assert delta("vindplaats_zero_result_searches_total", "page") == 1


def test_metrics_show_the_served_index_and_sync_runs(client: TestClient) -> None:
    health = client.get("/health").json()
    before = scrape(client)
    record_sync("ok")
    record_sync("failed")
    record_sync("ok")
    samples = scrape(client)
    assert value(samples, "vindplaats_index_documents") == health["documents"]
    assert value(samples, "vindplaats_index_passages") == health["passages"]
    assert 0 <= value(samples, "vindplaats_index_build_age_seconds") < 24 * 3600
    assert value(samples, "vindplaats_sync_runs_total", result="ok") - value(
        before, "vindplaats_sync_runs_total", result="ok"
    ) == pytest.approx(2)
    assert ("vindplaats_index_reloads_total", ()) in samples


def test_metrics_token_when_set(tiny_build: tuple[IndexerSettings, IndexReport]) -> None:
    settings = ServiceSettings(index=tiny_build[0].index_dir, metrics_token="geheim-token")
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer fout"}).status_code == 401
        assert scrape(client, Authorization="Bearer geheim-token")


def test_index_reloads_are_counted(tmp_path: Path, tiny_corpus: Path) -> None:
    from indexer import build_index

    settings = IndexerSettings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", workers=1)
    build_index(settings)
    with TestClient(create_app(ServiceSettings(index=settings.index_dir))) as client:
        before = value(scrape(client), "vindplaats_index_reloads_total")
        build_index(settings)  # a new build swaps in; the next request loads it
        client.get("/health")
        assert value(scrape(client), "vindplaats_index_reloads_total") == before + 1


def test_docs_are_served_from_here_under_the_page_policy(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "cdn" not in policy
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert all(url.startswith("/") for url in assets), "nothing from another host"
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/assets/0.0.0/swagger-ui.css").status_code == 404
    assert client.get("/docs/assets/x/../../config.py").status_code == 404


def test_favicon(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg") and b"<script" not in icon.content
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', client.get("/").text)
    assert href, "the search page names its icon"
    linked = client.get(href.group(1))
    assert linked.status_code == 200 and linked.content == icon.content


def test_result_pages_are_not_for_search_engines(client: TestClient) -> None:
    noindex = '<meta name="robots" content="noindex">'
    assert noindex in client.get("/", params={"q": "wijkteams"}).text
    assert noindex in client.get("/", params={"q": "xqzvbnietsgevonden"}).text
    assert noindex not in client.get("/").text, "the start page may be found"


def test_search_answers_may_be_cached_for_a_minute(client: TestClient) -> None:
    for path, params in [("/search", {"q": "wijkteams"}), ("/suggest", {"q": "wijk"}), ("/", {"q": "wmo"})]:
        response = client.get(path, params=params)
        assert response.headers["cache-control"] == "public, max-age=60", path
        assert client.head(path, params=params).headers["cache-control"] == "public, max-age=60"
    for path in ["/search?q=", "/documents/onbekend", "/metrics", "/health"]:
        assert "public" not in client.get(path).headers.get("cache-control", ""), path
