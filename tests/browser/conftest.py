"""Real-browser tests of the search box: Debian's chromium driven by Playwright.

One session builds a tiny index, starts the real service on a free port and a plain static
server on another port (a different origin) with host pages that embed the widget the way a site
owner would. Every page gets a fresh context, so tests don't share state.

Needs /usr/bin/chromium (`apt-get install chromium`) and axe-core
(`npm ci --prefix tests/browser`). Run alone with `pytest -m browser`.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = REPO / "var" / "screenshots"
# Result links of the fixture corpus point here; tests answer them with page.route, offline.
SITE = "https://voorbeeld.nl"

XSS_TITLE = 'Beveiligingstest <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real-browser test (chromium + Playwright)")


# --- the fixture corpus -------------------------------------------------------------------

FILLER = (
    "Gemeenten, zorgaanbieders en bewoners zoeken samen naar een goede verdeling van taken. "
    "Dat vraagt om vertrouwen, om heldere afspraken over geld en om ruimte voor initiatief uit de "
    "wijk zelf. In de praktijk blijkt dat een lange adem nodig is, omdat de ene bestuursperiode de "
    "andere niet is en omdat ervaringen pas na een paar jaar zichtbaar worden in de cijfers."
)

DOCS = {
    "wijkteams.md": (
        "Wijkteams in het sociaal domein",
        "2014-03-12",
        "/wijkteams/",
        "Sinds de decentralisaties werken veel gemeenten met wijkteams in het sociaal domein. "
        "Een wijkteam bundelt kennis van zorg, welzijn en werk, zodat een bewoner met één vraag "
        "niet langs vijf loketten hoeft.",
    ),
    "decentralisaties.md": (
        "De drie decentralisaties en het sociaal domein",
        "2013-11-05",
        "/decentralisaties/",
        "Met de Wmo, de Jeugdwet en de Participatiewet kregen gemeenten er in het sociaal domein "
        "veel taken bij. De decentralisaties gingen gepaard met forse bezuinigingen.",
    ),
    "keukentafel.md": (
        "Het keukentafelgesprek in de praktijk",
        "2015-06-30",
        "/keukentafelgesprek/",
        "Het keukentafelgesprek is het hart van de toegang tot het sociaal domein. De consulent "
        "brengt samen met de bewoner in beeld wat er nodig is en wat het eigen netwerk kan doen.",
    ),
    "begroting.md": (
        "Tekorten op de begroting voor het sociaal domein",
        "2018-02-01",
        "/tekorten/",
        "Veel gemeenten kampen met tekorten in het sociaal domein. De raad wil grip op de "
        "uitgaven voor jeugdhulp en Wmo, maar de vraag naar ondersteuning blijft stijgen.",
    ),
}


def markdown_doc(title: str, date: str, path: str, intro: str) -> str:
    front = f"---\ntitle: {json.dumps(title)}\ndate: {date}\nurl: {SITE}{path}\ncategories: [Sociaal domein]\n---\n"
    return f"{front}\n# {title}\n\n{intro} {FILLER}\n\n## Verder\n\n{FILLER} {intro}\n"


# Title and body carry markup as literal text (escaped in the HTML source): the widget must
# show it as text and never let it become elements.
XSS_HTML = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>Beveiligingstest &lt;img src=x onerror="window.__xss=1"&gt; &lt;script&gt;window.__xss=2&lt;/script&gt;</title>
<link rel="canonical" href="{SITE}/beveiligingstest/">
<meta property="article:published_time" content="2016-01-20">
</head><body><main><article>
<h1>Beveiligingstest &lt;img src=x onerror="window.__xss=1"&gt; &lt;script&gt;window.__xss=2&lt;/script&gt;</h1>
<p>Deze beveiligingstest bevat opmaak als gewone tekst: &lt;img src=x onerror="window.__xss=1"&gt;
en &lt;script&gt;window.__xss=2&lt;/script&gt; horen letterlijk in de zoekresultaten te staan.
{FILLER}</p>
<p>Nog een alinea over de beveiligingstest, zodat er genoeg tekst is voor een passage. {FILLER}</p>
</article></main></body></html>
"""


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@dataclass
class Service:
    url: str

    def search(self, q: str, **params: Any) -> Any:
        return get_json(f"{self.url}/search?{urlencode({'q': q, **params})}")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("vindplaats")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, doc in DOCS.items():
        (corpus / name).write_text(markdown_doc(*doc), encoding="utf-8")
    (corpus / "beveiligingstest.html").write_text(XSS_HTML, encoding="utf-8")
    shutil.copy(REPO / "corpus/pdf/bzk-magazine-samenwerken-in-het-sociaal-domein-2014.pdf", corpus)
    index = root / "index"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    build = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--index", str(index), "--base-url", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, f"indexer build failed:\n{build.stdout}\n{build.stderr}"
    log = (root / "service.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service",
            "--index",
            str(index),
            "--port",
            str(port),
            "--workers",
            "1",
            "--corpus",
            str(corpus),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get_json(f"{url}/health")["status"] == "ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"service did not start:\n{(root / 'service.log').read_text()}")
            time.sleep(0.1)
        yield Service(url)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


HOSTILE_CSS = """
input { font-size: 40px !important; border: 10px solid red !important; padding: 30px !important; }
li { display: none !important; color: red !important; }
mark { background: black !important; color: white !important; }
a, span, p, time { color: red !important; font-size: 30px !important; }
ul { list-style: square !important; padding: 40px !important; }
* { font-family: "Comic Sans MS", cursive !important; line-height: 3 !important; letter-spacing: 4px !important; }
body { color: green; text-transform: uppercase; font-size: 24px; }
"""


def host_page(service_url: str, body: str, css: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Gemeente Voorbeeld – Zoeken</title>
<style>body {{ font: 16px/1.5 Georgia, serif; margin: 0 auto; max-width: 52rem; padding: 1rem; }}
{css}</style>
<script src="{service_url}/widget.js" defer></script>
</head><body>
<header><p>Gemeente Voorbeeld · Kennisbank sociaal domein</p></header>
<main><h1>Zoek in de kennisbank</h1>
{body}
<p>Hier staat de rest van de pagina van de site-eigenaar.</p>
</main></body></html>
"""


@dataclass
class Host:
    url: str
    pages: dict[str, str] = field(default_factory=dict)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def host(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """A plain static site on another origin that embeds the widget."""
    docroot = tmp_path_factory.mktemp("host")
    widget = "<vindplaats-search></vindplaats-search>"
    pages = {
        "index.html": host_page(service.url, widget),
        "hostile.html": host_page(service.url, widget, HOSTILE_CSS),
        "options.html": host_page(
            service.url,
            f'<vindplaats-search endpoint="{service.url}/" max-results="2" type="pdf" '
            'label="Zoek in de PDF\'s" show-label '
            'placeholder="Zoek een passage" text-all="Alle PDF-resultaten"></vindplaats-search>',
        ),
    }
    for name, html in pages.items():
        (docroot / name).write_text(html, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(QuietHandler, directory=str(docroot)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Host(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Console:
    errors: list[str] = field(default_factory=list)

    def on_message(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
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


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE} missing): run `npm ci --prefix tests/browser`")
    return AXE


def run_axe(page: Page, axe: Path) -> list[dict[str, Any]]:
    """Run axe-core on the page (shadow roots included); return its violations."""
    page.add_script_tag(path=str(axe))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def summarize(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} violation(s)"]
    for v in violations:
        targets = [str(node["target"]) for node in v["nodes"]][:3]
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes) {targets}")
    return "\n".join(lines)


class Widget:
    """The search box on a host page, reached through its (open) shadow root."""

    def __init__(self, page: Page, host: Host) -> None:
        self.page = page
        self.host = host
        self.input = page.locator("vindplaats-search input")
        self.listbox = page.locator("vindplaats-search [role=listbox]")
        self.options = page.locator("vindplaats-search [role=option]")
        self.status = page.locator("vindplaats-search [role=status]")
        self.message = page.locator("vindplaats-search .pop p")
        self.all_link = page.locator("vindplaats-search a.all")

    def open(self, name: str = "index.html") -> Widget:
        self.page.goto(f"{self.host.url}/{name}")
        self.input.wait_for()
        return self

    def search(self, q: str) -> Widget:
        self.input.click()
        self.input.fill("")
        self.input.press_sequentially(q, delay=15)
        return self

    def shadow_eval(self, script: str) -> Any:
        """Evaluate `script` with `root` bound to the widget's shadow root."""
        return self.page.evaluate(
            f"() => {{ const root = document.querySelector('vindplaats-search').shadowRoot; {script} }}"
        )


@pytest.fixture
def widget(page: Page, host: Host) -> Widget:
    return Widget(page, host)
