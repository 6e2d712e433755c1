"""Every response tells the browser what it may do: no inline script on pages, nothing at all
from JSON, no MIME sniffing, and no search query in the Referer sent to result sites."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _policy(response_headers: dict[str, str]) -> dict[str, str]:
    policy = response_headers["content-security-policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def test_html_pages_allow_only_their_own_files(client: TestClient) -> None:
    for path in ["/", "/?q=wijkteams", "/?q=wijkteams&doc=onbekend"]:
        response = client.get(path)
        assert response.headers["content-type"].startswith("text/html")
        policy = _policy(dict(response.headers))
        assert (
            policy["script-src"] == "script-src 'self'"
            and "unsafe" not in response.headers["content-security-policy"]
        )
        assert policy["frame-ancestors"] == "frame-ancestors 'self'"
        assert policy["object-src"] == "object-src 'none'" and policy["base-uri"] == "base-uri 'none'"
        assert "<script>" not in response.text and " style=" not in response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_json_and_scripts_may_load_nothing(client: TestClient) -> None:
    for path in ["/search?q=wijkteams", "/suggest?q=wijk", "/health", "/widget.js", "/search?q="]:
        response = client.get(path)
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_page_stylesheet_is_served_and_cached_by_version(client: TestClient) -> None:
    page = client.get("/").text
    href = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    css = client.get(href)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]
    assert client.get("/static/../config.py").status_code == 404
    assert client.get("/static/.hidden.js").status_code == 404
