"""The link lands on the answer, marked: the PDF viewer and text fragments, in real Chromium.

Runs on the real corpus/ (`corpus_service`): the manifest's page 7 in our PDF.js viewer, and
the saved blog pages, answered at their real URLs by Playwright (nothing leaves the machine).
"""

from __future__ import annotations

import io
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect
from pypdf import PdfReader

from indexer.documents import Document

from ..servers import free_port, get_json, running_service
from ..synced import write_synced_index
from .support import (
    CORPUS,
    CORPUS_SITE,
    SCREENSHOTS,
    STRICT_CSP,
    QuietHandler,
    Service,
    run_axe,
    saved_pages,
    summarize,
)

pytestmark = pytest.mark.browser

MANIFEST = "pdf/maatschappelijk-aanbesteden-manifest-2013.pdf"
MANIFEST_TITLE = "Maatschappelijk aanbesteden – Mogen wij u inspireren?"
# A sentence of the manifest's page 7; two of its words are hyphenated across lines there.
SENTENCE = (
    "Voor een gemeente van veertigduizend inwoners gaat het al snel om tientallen miljoenen "
    "euro's per jaar en om duizenden inwoners die een beroep doen op ondersteuning."
)
SENTENCE_WORDS = [
    "veertigduizend",
    "inwoners",
    "tientallen",
    "miljoenen",
    "duizenden",
    "beroep",
    "ondersteuning",
]
BLOCKING = {"serious", "critical"}
# Highlighted spans in PDF.js's text layer, per page, in reading order; a word hyphenated at a
# line end is two spans ("veertigdui-", "zend").
HIGHLIGHTS = """(n) => [...document.querySelectorAll(`.page[data-page-number="${n}"] .textLayer .highlight`)]
    .map((h) => h.textContent)"""


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    yield ctx
    ctx.close()


class Watch:
    """Every request of a browser context, console errors and CSP violations of its pages."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.violations: list[str] = []
        context.on("request", self._request)
        context.expose_binding("__cspViolation", lambda _source, text: self.violations.append(text))
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', "
            "(e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`))"
        )

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def page(self, context: BrowserContext) -> Page:
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        return page

    def external(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).hostname != "127.0.0.1"]


def strict_csp(context: BrowserContext, service: Service) -> None:
    """Serve the viewer page with the strict policy every HTML page will carry."""

    def add_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    context.route(re.compile(rf"^{re.escape(service.url)}/viewer\?"), add_policy)


def block_outside(context: BrowserContext, service: Service) -> None:
    """Nothing may leave the machine: any request not to the service fails here."""
    context.route(re.compile(rf"^(?!{re.escape(service.url)}/).*"), lambda route: route.abort())


def open_first_result(page: Page, service: Service, q: str, **params: str) -> str:
    query = "&".join(f"{k}={quote(v)}" for k, v in {"q": q, **params}.items())
    page.goto(f"{service.url}/?{query}")
    link = page.locator("ol.results > li h3 a").first
    href = link.get_attribute("href") or ""
    link.click()
    return href


def wait_for_highlights(page: Page, number: int) -> list[str]:
    page.locator(f'.page[data-page-number="{number}"] .textLayer .highlight').first.wait_for()
    texts: list[str] = page.evaluate(HIGHLIGHTS, number)
    return texts


def joined(texts: list[str]) -> str:
    return re.sub(r"-\s+", "", " ".join(texts)).lower()


def test_the_sentence_is_on_page_7_of_the_manifest() -> None:
    text = " ".join(PdfReader(CORPUS / MANIFEST).pages[6].extract_text().replace("-\n", "").split())
    assert SENTENCE in text  # the premise of the next test


def test_pdf_result_opens_page_7_with_the_sentence_highlighted(
    browser: Browser, context: BrowserContext, corpus_service: Service
) -> None:
    watch = Watch(context)
    strict_csp(context, corpus_service)
    block_outside(context, corpus_service)
    page = watch.page(context)
    href = open_first_result(page, corpus_service, SENTENCE)
    assert f"/viewer?file=/files/{MANIFEST}&page=7&q=" in href
    expect(page).to_have_title(re.compile("Pagina 7 – " + re.escape(MANIFEST_TITLE)))
    texts = wait_for_highlights(page, 7)
    marked = joined(texts)
    for word in SENTENCE_WORDS:
        assert word in marked, f"{word!r} is not highlighted on page 7 (highlights: {texts})"
    expect(page.locator("#pageno")).to_have_value("7")
    # The selected match is on page 7, and page 7 is what the reader sees.
    selected = page.locator(".textLayer .highlight.selected")
    expect(selected).to_have_count(1)
    assert selected.evaluate("(h) => h.closest('.page').dataset.pageNumber") == "7"
    box, frame = selected.bounding_box(), page.locator("#viewerContainer").bounding_box()
    assert box and frame and frame["y"] <= box["y"] <= frame["y"] + frame["height"]
    page.wait_for_timeout(300)  # let the other pages' text layers settle before the picture
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "viewer-pdf-page7.png")
    assert watch.external() == [], "the viewer made requests off the machine"
    assert watch.violations == [], f"Content-Security-Policy violations: {watch.violations}"
    assert watch.errors == []
    loaded = {urlsplit(u).path for u in watch.requests}
    assert f"/files/{MANIFEST}" in loaded and any(p.endswith("/pdf.worker.min.mjs") for p in loaded)


def test_viewer_keyboard(context: BrowserContext, corpus_service: Service) -> None:
    page = Watch(context).page(context)
    page.goto(f"{corpus_service.url}/viewer?file=/files/{MANIFEST}&page=7&q=wijkbudgetten")
    wait_for_highlights(page, 7)
    order = []
    for _ in range(11):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id || document.activeElement.className"))
    assert order == [
        "skip",
        "back",
        "prev",
        "pageno",
        "next",
        "zoomout",
        "zoom",
        "zoomin",
        "download",
        "original",
        "viewerContainer",
    ]
    for key, shown in [("PageDown", "8"), ("PageDown", "9"), ("PageUp", "8"), ("End", "19"), ("Home", "1")]:
        page.keyboard.press(key)
        expect(page.locator("#pageno")).to_have_value(shown)
    page.locator("#pageno").fill("12")
    page.locator("#pageno").press("Enter")
    expect(page.locator("#status")).to_have_text("Pagina 12 van 19")
    expect(page.locator('.page[data-page-number="12"] .textLayer')).to_be_attached()
    before = page.locator("#zoom").input_value()
    page.locator("#zoomin").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#zoom")).not_to_have_value(before)
    # The page field takes its own keys: Home there moves the caret, not the document.
    page.locator("#pageno").focus()
    page.keyboard.press("Home")
    expect(page.locator("#pageno")).to_have_value("12")


def test_viewer_has_no_serious_accessibility_violations(
    browser: Browser, corpus_service: Service, axe_source: Path
) -> None:
    # axe is injected as an inline script, which the page's own policy forbids.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL", bypass_csp=True)
    try:
        page = Watch(context).page(context)
        page.goto(f"{corpus_service.url}/viewer?file=/files/{MANIFEST}&page=7&q=wijkbudgetten")
        wait_for_highlights(page, 7)
        violations = run_axe(page, axe_source)
        print(f"axe on the viewer: {summarize(violations)}")
        assert [v["id"] for v in violations if v["impact"] in BLOCKING] == [], summarize(violations)
        # PDF.js's page landmarks are labelled in Dutch.
        assert page.locator('.page[data-page-number="7"]').get_attribute("aria-label") == "Pagina 7"
    finally:
        context.close()


def test_viewer_fits_a_phone(browser: Browser, corpus_service: Service) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        watch = Watch(context)
        strict_csp(context, corpus_service)
        page = watch.page(context)
        page.goto(f"{corpus_service.url}/viewer?file=/files/{MANIFEST}&page=7&q={quote(SENTENCE)}")
        assert "veertigduizend" in joined(wait_for_highlights(page, 7))
        page.wait_for_timeout(300)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        for control in [
            "#prev",
            "#pageno",
            "#next",
            "#zoomout",
            "#zoom",
            "#zoomin",
            "#download",
            "#original",
        ]:
            box = page.locator(control).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, control
            assert box["height"] >= 24, f"{control} is too small to tap"
        frame = page.locator("#viewerContainer").bounding_box()
        assert frame and frame["height"] > 844 / 2, "the document keeps most of the screen"
        page.locator("#next").tap()
        expect(page.locator("#pageno")).to_have_value("8")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#prev").tap()
        expect(page.locator("#pageno")).to_have_value("7")
        page.wait_for_timeout(300)
        page.screenshot(path=SCREENSHOTS / "viewer-phone.png")
        assert watch.violations == [] and watch.errors == []
    finally:
        context.close()


def test_viewer_refuses_a_foreign_pdf(context: BrowserContext, corpus_service: Service) -> None:
    watch = Watch(context)
    block_outside(context, corpus_service)
    page = watch.page(context)
    response = page.goto(f"{corpus_service.url}/viewer?file=https://elders.example/rapport.pdf")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Deze PDF kan niet worden geopend")
    expect(page.locator("main")).to_contain_text("geen PDF uit de kennisbank")
    assert watch.external() == []


# --- a synced site's PDF: fetched by the service, shown by the viewer ---------------------------

MAGAZINE = CORPUS / "pdf" / "bzk-magazine-samenwerken-in-het-sociaal-domein-2014.pdf"
MAGAZINE_SENTENCE = "Ze laten wel zien dat samenwerken in het sociaal domein meer is dan een modewoord."


@dataclass
class SyncedSite:
    service: Service
    site: str
    fetched: list[str]


@pytest.fixture(scope="module")
def synced_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncedSite]:
    """A WordPress-like site holding the magazine, and the service on an index of its PDF."""
    root = tmp_path_factory.mktemp("synced-site")
    uploads = root / "site" / "wp-content" / "uploads" / "2014"
    uploads.mkdir(parents=True)
    shutil.copy(MAGAZINE, uploads / "samenwerken.pdf")
    fetched: list[str] = []

    class Uploads(QuietHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(Uploads, directory=str(root / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    port = free_port()
    write_synced_index(
        root / "index",
        MAGAZINE,
        [f"{site}/wp-content/uploads/2014/samenwerken.pdf"],
    )
    try:
        with running_service(root / "index", root / "site", port, root / "service.log") as url:
            yield SyncedSite(Service(url), site, fetched)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_synced_sites_pdf_opens_in_the_viewer_through_the_service(
    context: BrowserContext, synced_site: SyncedSite
) -> None:
    service = synced_site.service
    watch = Watch(context)
    strict_csp(context, service)
    page = watch.page(context)
    href = open_first_result(page, service, MAGAZINE_SENTENCE)
    assert f"/viewer?file={synced_site.site}/wp-content/uploads/2014/samenwerken.pdf&page=2&" in href
    marked = joined(wait_for_highlights(page, 2))
    for word in ["samenwerken", "sociaal", "domein", "modewoord"]:
        assert word in marked
    expect(page.locator("#original")).to_have_attribute(
        "href", f"{synced_site.site}/wp-content/uploads/2014/samenwerken.pdf#page=2"
    )
    # The browser asked only the service; the service fetched the site's file.
    assert not [u for u in watch.requests if u.startswith(synced_site.site)]
    assert "/wp-content/uploads/2014/samenwerken.pdf" in synced_site.fetched
    assert watch.violations == [] and watch.errors == []


# --- blog results: text fragments ------------------------------------------------------------


def serve_saved_pages(context: BrowserContext) -> dict[str, Path]:
    pages = saved_pages()

    def answer(route: Route) -> None:
        url = route.request.url.split("#", 1)[0]
        if url in pages:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=pages[url].read_bytes())
        else:  # the saved pages' theme CSS and scripts: not needed, never fetched
            route.fulfill(status=404, body="")

    context.route(f"{CORPUS_SITE}/**", answer)
    return pages


def fragment_parts(url: str) -> list[str]:
    directive = url.split("#:~:text=", 1)[1]
    return [unquote(part) for part in directive.split(",")]


RENDERED_TEXT = "() => document.body.innerText.split(/\\s+/).join(' ').toLowerCase()"


def occurs_in_order(text: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        at = text.find(" ".join(part.split()).lower(), at)
        if at < 0:
            return False
    return True


def test_blog_result_scrolls_to_and_marks_the_passage(
    context: BrowserContext, corpus_service: Service
) -> None:
    serve_saved_pages(context)
    page = Watch(context).page(context)
    href = open_first_result(
        page, corpus_service, "stichting maaiers aanhanger vrijwilligersvergoeding", type="blog"
    )
    assert href.startswith(f"{CORPUS_SITE}/2015/04/ekelenbroek-maait-zelf/#:~:text=")
    page.wait_for_url(re.compile(r"#:~:text="))
    page.wait_for_load_state("load")
    parts = fragment_parts(page.url)
    assert occurs_in_order(page.evaluate(RENDERED_TEXT), parts), parts
    # Chromium scrolled the passage into view: the paragraph that starts with textStart is on
    # screen, well below the top of the post.
    paragraph = page.locator("p", has_text=parts[0]).first
    expect(paragraph).to_be_in_viewport()
    assert page.evaluate("() => scrollY") > 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "blog-text-fragment.png")
    # And marked it: ::target-text is the text the fragment selected; colour it to count it.
    page.add_style_tag(content="::target-text { background-color: rgb(255, 0, 255) !important; }")
    page.wait_for_timeout(100)
    picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    colours = {colour: n for n, colour in picture.getcolors(maxcolors=1 << 24) or []}
    magenta = colours.get((255, 0, 255), 0)
    assert magenta > 2000, "Chromium did not mark the passage"


def test_every_blog_passage_fragment_is_on_its_page(context: BrowserContext, corpus_service: Service) -> None:
    page = context.new_page()
    page.route("**/*", lambda route: route.fulfill(status=404, body=""))
    checked = 0
    for url, path in saved_pages().items():
        doc_id = Document(source=str(path.relative_to(CORPUS)), kind="blog", title="", url="").id
        detail: dict[str, Any] = get_json(f"{corpus_service.url}/documents/{doc_id}")
        assert detail["url"] == url
        page.set_content(path.read_text(encoding="utf-8"))
        text = page.evaluate(RENDERED_TEXT)
        for passage in detail["passages"]:
            assert "#:~:text=" in passage["url"], passage["text"][:80]
            parts = fragment_parts(passage["url"])
            assert occurs_in_order(text, parts), f"{parts} not on {url}"
            checked += 1
    assert checked > 100
    print(f"{checked} passage fragments of {len(saved_pages())} blog pages occur on their rendered page")
