"""Real-browser tests of the search box: Debian's chromium driven by Playwright.

One session builds a tiny index, starts the real service on a free port, and a plain static
server on another port (a different origin) with host pages that embed the widget the way a site
owner would. Every test gets a fresh browser context, so tests share no state.

Needs /usr/bin/chromium (`apt-get install chromium`) and axe-core
(`npm ci --prefix tests/browser`). Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from service.config import DEFAULT_SYNONYMS

from ..servers import build, free_port, running_service
from .support import (
    ADMIN_TOKEN,
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    CORPUS,
    SITE,
    Console,
    Host,
    QuietHandler,
    Service,
    Widget,
    host_pages,
    write_corpus,
)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real service (`python -m service`) on a tiny index, on a free port."""
    root = tmp_path_factory.mktemp("vindplaats")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    write_corpus(corpus)
    port = free_port()
    built = build(corpus, index, f"http://127.0.0.1:{port}")
    assert built.returncode == 0, f"indexer build failed:\n{built.stdout}\n{built.stderr}"
    # The owner page on, with its own search log and a synonyms file it may append to.
    db, synonyms = root / "analytics.sqlite3", root / "synonyms.txt"
    shutil.copy(DEFAULT_SYNONYMS, synonyms)
    env = {
        "VINDPLAATS_ADMIN_TOKEN": ADMIN_TOKEN,
        "VINDPLAATS_ANALYTICS_DB": str(db),
        "VINDPLAATS_SYNONYMS": str(synonyms),
    }
    with running_service(index, corpus, port, root / "service.log", env=env) as url:
        yield Service(url, db, synonyms)


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real service on the repository's corpus/ (the manifest, the magazine, the blog)."""
    root = tmp_path_factory.mktemp("vindplaats-corpus")
    port = free_port()
    built = build(CORPUS, root / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, f"indexer build failed:\n{built.stdout}\n{built.stderr}"
    with running_service(root / "index", CORPUS, port, root / "service.log") as url:
        yield Service(url)


@pytest.fixture(scope="session")
def host(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """A plain static site on another origin whose pages embed the widget."""
    docroot = tmp_path_factory.mktemp("host")
    for name, html in host_pages(service.url).items():
        (docroot / name).write_text(html, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(QuietHandler, directory=str(docroot)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Host(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh page; links to the fixture site are answered locally, never from the network."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="nl-NL")

    def site(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<!DOCTYPE html><title>doel</title><p>doel")

    context.route(f"{SITE}/**", site)
    pg = context.new_page()
    pg.set_default_timeout(5000)
    pg.on("console", console.on_message)
    pg.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    yield pg
    context.close()


@pytest.fixture
def widget(page: Page, host: Host) -> Widget:
    return Widget(page, host)


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE} is missing): run `npm ci --prefix tests/browser`")
    return AXE
