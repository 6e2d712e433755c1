"""Helpers for the browser tests: the fixture corpus, host pages, and a handle on the widget."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import ConsoleMessage, Page

from ..servers import get_json

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
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
CORPUS = REPO / "corpus"
# The corpus blog pages are saved pages of this site; tests answer its URLs with the saved files.
CORPUS_SITE = "https://www.maatschappelijkaanbesteden.nl"
# What the service is to send on every HTML page (issue 8): the viewer must work under it.
STRICT_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
# Result links of the fixture corpus point here; the `page` fixture answers them, offline.
SITE = "https://voorbeeld.nl"

# --- the fixture corpus ----------------------------------------------------------------------

FILLER = (
    "Gemeenten, zorgaanbieders en bewoners zoeken samen naar een goede verdeling van taken. "
    "Dat vraagt om vertrouwen, om heldere afspraken over geld en om ruimte voor initiatief uit de "
    "wijk zelf. In de praktijk blijkt dat een lange adem nodig is, omdat de ene bestuursperiode de "
    "andere niet is en omdat ervaringen pas na een paar jaar zichtbaar worden in de cijfers."
)

# file name -> (title, date, path on SITE, opening sentences)
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
PDF = REPO / "corpus" / "pdf" / "bzk-magazine-samenwerken-in-het-sociaal-domein-2014.pdf"


def markdown_doc(title: str, date: str, path: str, intro: str) -> str:
    front = (
        f"---\ntitle: {json.dumps(title)}\ndate: {date}\nurl: {SITE}{path}\n"
        "categories: [Sociaal domein]\n---\n"
    )
    return f"{front}\n# {title}\n\n{intro} {FILLER}\n\n## Verder\n\n{FILLER} {intro}\n"


# Title and body carry markup as literal text (escaped in the HTML source): the widget must show
# it as text and never let it become elements.
XSS_TITLE = 'Beveiligingstest <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
_XSS_ESCAPED = (
    'Beveiligingstest &lt;img src=x onerror="window.__xss=1"&gt; &lt;script&gt;window.__xss=2&lt;/script&gt;'
)
XSS_HTML = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>{_XSS_ESCAPED}</title>
<link rel="canonical" href="{SITE}/beveiligingstest/">
<meta property="article:published_time" content="2016-01-20">
</head><body><main><article>
<h1>{_XSS_ESCAPED}</h1>
<p>Deze beveiligingstest bevat opmaak als gewone tekst: &lt;img src=x onerror="window.__xss=1"&gt;
en &lt;script&gt;window.__xss=2&lt;/script&gt; horen letterlijk in de zoekresultaten te staan.
{FILLER}</p>
<p>Nog een alinea over de beveiligingstest, zodat er genoeg tekst is voor een passage. {FILLER}</p>
</article></main></body></html>
"""


def write_corpus(corpus: Path) -> None:
    for name, doc in DOCS.items():
        (corpus / name).write_text(markdown_doc(*doc), encoding="utf-8")
    (corpus / "beveiligingstest.html").write_text(XSS_HTML, encoding="utf-8")
    (corpus / PDF.name).write_bytes(PDF.read_bytes())


def saved_pages() -> dict[str, Path]:
    """Canonical URL -> saved page, for the corpus blog pages."""
    pages = {}
    for path in sorted((CORPUS / "blog").glob("*.html")):
        match = re.search(r'<link rel="canonical" href="([^"]+)"', path.read_text(encoding="utf-8"))
        assert match, f"{path} has no canonical link"
        pages[match[1]] = path
    return pages


# --- servers ---------------------------------------------------------------------------------


ADMIN_TOKEN = "browser-test-beheer-token-0123456789"


@dataclass
class Service:
    url: str
    analytics_db: Path | None = None
    synonyms: Path | None = None

    def search(self, q: str, **params: Any) -> Any:
        return get_json(f"{self.url}/search?{urlencode({'q': q, **params})}")

    def log_rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of the service's search log (written by its thread: may lag a moment)."""
        assert self.analytics_db is not None
        if not self.analytics_db.exists():
            return []
        with sqlite3.connect(self.analytics_db, timeout=10) as conn:
            return list(conn.execute(sql, args))

    def wait_for_log(
        self, sql: str, args: tuple[Any, ...] = (), timeout: float = 10
    ) -> list[tuple[Any, ...]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.log_rows(sql, args)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


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
    """A site owner's page: the two pasted lines, on another origin than the service."""
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
<p>Hier staat de rest van de pagina van de <a href="#over">site-eigenaar</a>.</p>
</main></body></html>
"""


def host_pages(service_url: str) -> dict[str, str]:
    widget = "<vindplaats-search></vindplaats-search>"
    options = (
        f'<vindplaats-search endpoint="{service_url}/" max-results="2" type="pdf" '
        'label="Zoek in de PDF\'s" show-label placeholder="Zoek een passage" '
        'text-all="Alle PDF-resultaten">'
        f'<form action="{service_url}/" class="fallback"><input name="q" aria-label="Zoeken"></form>'
        "</vindplaats-search>"
    )
    return {
        "index.html": host_page(service_url, widget),
        "hostile.html": host_page(service_url, widget, HOSTILE_CSS),
        "options.html": host_page(service_url, options),
    }


@dataclass
class Host:
    url: str


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- the browser -----------------------------------------------------------------------------


@dataclass
class Console:
    """Console errors and uncaught exceptions of a page."""

    errors: list[str] = field(default_factory=list)

    def on_message(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)


def run_axe(page: Page, axe: Path) -> list[dict[str, Any]]:
    """Run axe-core on the page (open shadow roots included); return its violations."""
    # Evaluated through DevTools rather than added as a <script>: the page's CSP (rightly)
    # refuses inline scripts, and the test must not weaken it to run its tools.
    page.evaluate(axe.read_text(encoding="utf-8") + "\n;undefined")
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
        self.input = page.locator("vindplaats-search input[role=combobox]")
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
        """Type q the way a person does, key by key."""
        self.input.click()
        self.input.fill("")
        self.input.press_sequentially(q, delay=15)
        return self

    def shadow_eval(self, script: str) -> Any:
        """Evaluate the body `script` with `root` bound to the widget's shadow root."""
        return self.page.evaluate(
            "() => { const root = document.querySelector('vindplaats-search').shadowRoot; " + script + " }"
        )
