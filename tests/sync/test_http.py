"""The polite fetcher on its own: what it does when a server is slow, untrusted or busy."""

from __future__ import annotations

import datetime as dt
import email.utils
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from indexer.config import IndexerSettings, load_settings
from indexer.errors import ConfigError, SyncError
from indexer.http import Fetcher
from indexer.sync import site_url

from .conftest import sync
from .static_site import StaticSite


def test_a_server_that_never_answers_is_a_timeout(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(
            SyncError, match=rf"^{url}/robots.txt: no answer in time \(VINDPLAATS_REQUEST_TIMEOUT\)$"
        ):
            sync(tmp_path / "index", url, request_timeout=0.5)
        assert time.monotonic() - started < 5
    assert not (tmp_path / "index").exists()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def untrusted_https(tmp_path: Path) -> Iterator[str]:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_untrusted_certificate_is_a_tls_error(untrusted_https: str, tmp_path: Path) -> None:
    with pytest.raises(
        SyncError,
        match=rf"^{untrusted_https}/robots.txt: cannot connect \(TLS error: .*CERTIFICATE_VERIFY_FAILED",
    ):
        sync(tmp_path / "index", untrusted_https)


def test_busy_server_retry_after_a_date_is_waited_out(tmp_path: Path) -> None:
    with StaticSite(tmp_path / "site") as site:
        site.page("/a.html", "Eerste", "geduldwoordje")
        site.sitemap("sitemap.xml", {site.url + "/a.html": ""})
        when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), usegmt=True)
        site.unavailable["/a.html"] = [when]
        started = time.monotonic()
        report = sync(tmp_path / "index", site.url)
        assert time.monotonic() - started >= 1.0  # HTTP dates have whole seconds
        assert report.http.retries == 1 and report.index.added == 1
        assert [status for path, status in site.log if path == "/a.html"] == [503, 200]


def test_site_urls_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert site_url("www.example.nl/") == "https://www.example.nl"
    for bad in ("", "ftp://example.nl", "https://example.nl/?p=1", "https://"):
        with pytest.raises(ConfigError):
            site_url(bad)
    with pytest.raises(
        ConfigError, match=r"VINDPLAATS_SITE_URL has value 'example\.nl': must start with http"
    ):
        monkeypatch.setenv("VINDPLAATS_SITE_URL", "example.nl")
        load_settings(IndexerSettings, {}, None)


def test_user_agent_names_the_contact() -> None:
    fetcher = Fetcher(IndexerSettings(contact_url="https://zoeken.example.nl"), "https://www.example.nl")
    assert fetcher.user_agent.endswith(" (search index sync; +https://zoeken.example.nl)")
    assert fetcher.user_agent.startswith("Vindplaats/")
