"""The PDF viewer's server side: what it opens (only indexed PDFs), what it marks, what it fetches.

A synced WordPress site's PDFs live on the site; an index holding such documents is written
here the way a sync writes one (the real extractor on a real PDF, the site's URL as the
document's URL), and a local HTTP server plays the site.
"""

from __future__ import annotations

import html as htmllib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport
from service import ServiceSettings, create_app
from service.routes import viewer as viewer_routes

from ..fixtures import write_pdf
from ..synced import write_synced_index

PDF_FILE = "/files/pdf/proeftuin.pdf"


def viewer(client: TestClient, **params: Any) -> Any:
    return client.get("/viewer", params=params)


# --- corpus PDFs ----------------------------------------------------------------------------


def test_result_link_opens_the_viewer_on_the_page_with_the_query_words(client: TestClient) -> None:
    hit = client.get("/search", params={"q": "blauwe fietsenwerkplaats"}).json()["results"][0]
    page = client.get(hit["url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'data-page="2"' in html and 'value="2"' in html and "van 3" in html
    assert 'data-pdf="files/pdf/proeftuin.pdf"' in html
    # The words to mark are the page's own spellings of the query's terms.
    assert 'data-words=\'["blauwe", "fietsenwerkplaats"]\'' in html
    assert 'href="files/pdf/proeftuin.pdf" download' in html
    assert 'href="files/pdf/proeftuin.pdf#page=2">Open het originele bestand' in html
    assert "<script>" not in html and 'type="module" src="viewer/static/viewer.mjs?v=' in html
    assert page.headers["content-security-policy"].startswith("default-src 'self';")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_marked_words_follow_the_search_analysis(client: TestClient) -> None:
    # Stemming and compounds as in search: "ondersteuning" finds the compound on page 2,
    # "gemeenteraden" the singular on page 3; stopwords and other pages' words are not marked.
    html = viewer(client, file=PDF_FILE, page=2, q="de ondersteuning").text
    assert "data-words='[\"maatschappelijkeondersteuningsconsulent\"]'" in html
    html = viewer(client, file=PDF_FILE, page=3, q="gemeenteraden zevenenveertig fietsenwerkplaats").text
    assert 'data-words=\'["zevenenveertig", "gemeenteraad"]\'' in html
    html = viewer(client, file=PDF_FILE, page=1, q="fietsenwerkplaats").text
    assert "data-words='[]'" in html and "staan niet letterlijk op pagina 1" in html


def test_the_query_is_shown_escaped(client: TestClient) -> None:
    html = viewer(client, file=PDF_FILE, page=1, q='<img src=x onerror="alert(1)">').text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_page_is_kept_within_the_document(client: TestClient) -> None:
    assert 'data-page="3"' in viewer(client, file=PDF_FILE, page=99).text
    assert 'data-page="1"' in viewer(client, file=PDF_FILE, page="zeven").text
    assert 'data-page="1"' in viewer(client, file=PDF_FILE, page=-4).text


def test_a_pdf_is_also_accepted_by_its_indexed_url(client: TestClient) -> None:
    html = viewer(client, file="/files/pdf/proeftuin.pdf#page=2", page=2).text
    assert 'data-pdf="files/pdf/proeftuin.pdf"' in html
    # Its absolute link as an answer gives it (the file_url a visitor may copy) works too.
    html = viewer(client, file="http://testserver/files/pdf/proeftuin.pdf#page=2", page=2).text
    assert 'data-pdf="files/pdf/proeftuin.pdf"' in html


@pytest.mark.parametrize(
    ("file", "status", "message"),
    [
        ("", 400, "geen PDF opgegeven"),
        ("javascript:alert(1)", 400, "geen geldig adres"),
        ("pdf/proeftuin.pdf", 400, "geen geldig adres"),
        ("/files/pdf/kapot.pdf", 404, "geen PDF uit de kennisbank"),  # skipped at build: not indexed
        ("/files/export/site.xml", 404, "geen PDF uit de kennisbank"),
        ("/files/notes/decentralisaties.md", 404, "geen PDF uit de kennisbank"),
        ("/files/../pyproject.toml", 404, "geen PDF uit de kennisbank"),
        ("/files/pdf/proeftuin.pdf/../../../etc/passwd", 404, "geen PDF uit de kennisbank"),
        ("https://evil.example/x.pdf", 404, "alleen PDF's die in de zoekindex staan"),
        ("http://test.local/files/pdf/kapot.pdf", 404, "geen PDF uit de kennisbank"),
        ("/files/" + "x" * 3000, 400, "te lang"),
    ],
)
def test_only_pdfs_of_the_index_are_opened(client: TestClient, file: str, status: int, message: str) -> None:
    response = viewer(client, file=file)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Deze PDF kan niet worden geopend" in response.text and message in htmllib.unescape(response.text)
    assert "viewerContainer" not in response.text
    assert "<script" not in response.text
    # The proxy refuses the same things, with the same message, as plain text.
    proxied = client.get("/viewer/pdf", params={"file": file})
    assert proxied.status_code == status and message in proxied.text


def test_the_proxy_sends_a_corpus_pdf_to_its_files_url(client: TestClient) -> None:
    response = client.get("/viewer/pdf", params={"file": PDF_FILE}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "../files/pdf/proeftuin.pdf"


def test_without_the_pdfjs_build_the_link_opens_the_pdf_itself(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viewer_routes, "pdfjs_version", lambda: None)
    response = client.get("/viewer", params={"file": PDF_FILE, "page": 2}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "files/pdf/proeftuin.pdf#page=2"


def test_pdfjs_and_viewer_assets_are_served_from_the_service(client: TestClient) -> None:
    version = viewer_routes.pdfjs_version()
    assert version, "PDF.js is not built: run `make viewer`"
    base = f"/viewer/pdfjs/{version}/"
    for path, media_type in [
        ("build/pdf.min.mjs", "text/javascript"),
        ("build/pdf.worker.min.mjs", "text/javascript"),
        ("web/pdf_viewer.mjs", "text/javascript"),
        ("web/pdf_viewer.css", "text/css"),
        ("cmaps/Adobe-Japan1-UCS2.bcmap", "application/octet-stream"),
        ("standard_fonts/FoxitSerif.pfb", "application/octet-stream"),
        ("wasm/openjpeg.wasm", "application/wasm"),
    ]:
        response = client.get(base + path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media_type), path
        assert "immutable" in response.headers["cache-control"]
    # Script goes out pre-compressed to browsers that take gzip, as is to others.
    raw = (viewer_routes.PDFJS_DIR / "build" / "pdf.worker.min.mjs").read_bytes()
    packed = client.get(base + "build/pdf.worker.min.mjs", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == raw
    assert int(packed.headers["content-length"]) < len(raw) / 2
    plain = client.get(base + "build/pdf.worker.min.mjs", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw
    assert "Accept-Encoding" in plain.headers["vary"]
    assert client.get(base + "build/pdf.worker.min.mjs.gz").status_code == 404
    svg = client.get(base + "web/images/loading.svg")
    assert svg.status_code == 200 and "sandbox" in svg.headers["content-security-policy"]
    for bad in [
        "VERSION",
        "LICENSE",
        "build/pdf.mjs.map",
        "../viewer/viewer.mjs",
        "../../app.py",
        ".hidden.js",
    ]:
        assert client.get(base + bad).status_code == 404, bad
    assert client.get("/viewer/pdfjs/0.0.1/build/pdf.min.mjs").status_code == 404
    script = client.get("/viewer/static/viewer.mjs")
    assert script.status_code == 200 and "PDFFindController" in script.text
    assert "must-revalidate" in script.headers["cache-control"]
    assert client.get("/viewer/static/nope.mjs").status_code == 404
    assert client.get("/viewer/static/..%2fviewer.html").status_code == 404


# --- a synced site's PDFs: exactly the indexed URLs, fetched by the service ----------------------


class Site(BaseHTTPRequestHandler):
    pdf = b""
    requests: ClassVar[list[str]] = []  # one list per server: the fixture makes a subclass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path == "/wp-content/uploads/proeftuin.pdf":
            self._send(200, "application/pdf", self.pdf)
        elif self.path == "/wp-content/uploads/groot.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4\n" + b"0" * 2_100_000)
        elif self.path == "/wp-content/uploads/zonder-lengte.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()  # no Content-Length: the size shows only while reading
            self.wfile.write(b"%PDF-1.4\n" + b"0" * 3_000_000)
        elif self.path == "/wp-content/uploads/html.pdf":
            self._send(200, "text/html", b"<!DOCTYPE html><title>Niet gevonden</title>")
        elif self.path == "/wp-content/uploads/elders.pdf":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/x.pdf")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, media_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, type[Site]]]:
    pdf = tmp_path_factory.mktemp("site") / "proeftuin.pdf"
    write_pdf(pdf)
    handler = type("SiteHandler", (Site,), {"pdf": pdf.read_bytes(), "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


REMOTE = ["proeftuin.pdf", "groot.pdf", "zonder-lengte.pdf", "html.pdf", "elders.pdf", "weg.pdf"]


@pytest.fixture(scope="module")
def synced(
    site: tuple[str, type[Site]],
    tiny_build: tuple[IndexerSettings, IndexReport],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """An index of PDF documents that live on the site, as a sync writes it."""
    base, _ = site
    index = tmp_path_factory.mktemp("synced") / "index"
    urls = [f"{base}/wp-content/uploads/{name}" for name in REMOTE]
    write_synced_index(index, tiny_build[0].corpus_dir / "pdf" / "proeftuin.pdf", urls)
    app = create_app(ServiceSettings(index=index, viewer_max_mb=1))
    with TestClient(app) as test_client:
        yield test_client


def test_a_synced_pdf_links_to_the_viewer_with_its_site_url(
    synced: TestClient, site: tuple[str, type[Site]]
) -> None:
    base, _ = site
    hit = synced.get("/search", params={"q": "zevenenveertig"}).json()["results"][0]
    assert hit["document_url"].startswith(f"{base}/wp-content/uploads/")
    assert hit["file_url"] == hit["document_url"] + "#page=3"
    assert hit["url"] == "http://testserver/viewer?file=" + hit["document_url"] + "&page=3&q=zevenenveertig"
    html = synced.get(hit["url"].removeprefix("http://zoek.test")).text
    assert f'data-pdf="viewer/pdf?file={quote(hit["document_url"], safe="")}"' in html
    assert f'href="{hit["document_url"]}#page=3">Open het originele bestand' in html


def test_the_service_fetches_exactly_the_indexed_pdf(
    synced: TestClient, site: tuple[str, type[Site]]
) -> None:
    base, handler = site
    response = synced.get("/viewer/pdf", params={"file": f"{base}/wp-content/uploads/proeftuin.pdf"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == handler.pdf
    assert response.headers["x-content-type-options"] == "nosniff"
    assert handler.requests[-1] == "/wp-content/uploads/proeftuin.pdf"


def test_no_open_proxy(synced: TestClient, site: tuple[str, type[Site]]) -> None:
    base, handler = site
    before = len(handler.requests)
    for url in [
        f"{base}/wp-content/uploads/niet-geindexeerd.pdf",  # same site, not in the index
        f"{base}/wp-admin/",
        f"{base}/wp-content/uploads/proeftuin.pdf?x=1",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ]:
        response = synced.get("/viewer/pdf", params={"file": url})
        assert response.status_code in {400, 404}, url
    assert len(handler.requests) == before, "nothing outside the index was fetched"


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("groot.pdf", 502, "groter dan 1 MB"),
        ("html.pdf", 502, "geen PDF"),
        ("elders.pdf", 502, "ander adres"),
        ("weg.pdf", 404, "foutcode 404"),
    ],
)
def test_what_the_site_sends_is_checked(
    synced: TestClient, site: tuple[str, type[Site]], name: str, status: int, message: str
) -> None:
    base, _ = site
    response = synced.get("/viewer/pdf", params={"file": f"{base}/wp-content/uploads/{name}"})
    assert response.status_code == status and message in response.text


def test_a_site_that_hides_the_size_is_cut_off_at_the_limit(
    synced: TestClient, site: tuple[str, type[Site]]
) -> None:
    base, _ = site
    response = synced.get("/viewer/pdf", params={"file": f"{base}/wp-content/uploads/zonder-lengte.pdf"})
    assert response.status_code == 200 and len(response.content) == 1_000_000
