"""End to end: the real `python -m indexer build` and `python -m service` on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO
from .servers import build, free_port, running_service

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    root = tmp_path_factory.mktemp("e2e")
    built = build("corpus", root / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stderr
    assert "skipped: 0 files" in built.stdout
    with running_service(root / "index", "corpus", port, root / "service.log", workers=2) as url:
        yield url


def search(base: str, q: str, **params: Any) -> dict[str, Any]:
    status, body, _ = get(base + "/search?" + urllib.parse.urlencode({"q": q, **params}))
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def test_search_over_http_and_pdf_deep_link(server: str) -> None:
    data = search(server, "sociaal domein", type="pdf")
    hit = data["results"][0]
    assert (
        hit["url"].startswith(server + "/viewer?file=/files/pdf/") and f"&page={hit['page']}&" in hit["url"]
    )
    assert hit["file_url"].startswith(server + "/files/pdf/") and hit["file_url"].endswith(
        f"#page={hit['page']}"
    )
    status, body, headers = get(hit["file_url"].split("#")[0])
    assert status == 200 and headers["content-type"] == "application/pdf" and body.startswith(b"%PDF")
    status, body, headers = get(hit["url"])
    assert (
        status == 200 and headers["content-type"].startswith("text/html") and b'id="viewerContainer"' in body
    )


def test_health_and_page_and_widget(server: str) -> None:
    status, body, _ = get(server + "/health")
    assert status == 200 and json.loads(body)["documents"] >= 37
    status, body, _ = get(server + "/?q=wijkteams")
    assert status == 200 and "resultaten voor" in body.decode()
    status, _, headers = get(server + "/widget.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and headers["etag"]


@pytest.mark.parametrize(
    "q", ["", "x" * 10_000, '"', "AND OR NOT (", "*", "<script>alert(1)</script>", "title:", "\x00"]
)
def test_no_query_gives_5xx_over_http(server: str, q: str) -> None:
    status, body, _ = get(server + "/search?" + urllib.parse.urlencode({"q": q}))
    assert status in (200, 422), body


def test_cors_for_other_sites(server: str) -> None:
    request = urllib.request.Request(server + "/search?q=wmo", headers={"Origin": "https://gemeente.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


def test_files_cannot_escape_the_corpus(server: str) -> None:
    for path in ["/files/../pyproject.toml", "/files/%2e%2e/pyproject.toml", "/files/..%2F..%2Fetc%2Fpasswd"]:
        assert get(server + path)[0] == 404


def test_index_path_is_required(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "--index", str(tmp_path / "missing")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr
