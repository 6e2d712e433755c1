"""A page built from hostile documents runs no script, whatever is clicked (issue 8, item 2).

The corpus is an attacker's: markup and script in titles, bodies, categories and tags of every
source kind; `javascript:`, `data:` and mixed-case links as canonical URL, og:url, front matter
`url` and WXR `<link>`. Every payload would set `window.__pwned` (or open a dialog). The real
indexer builds it, the real service serves it, Debian's Chromium opens `/`, `/?q=…` and
`/?q=…&doc=…` for every result and the search box on another site, and clicks every link.

Nothing may run: no dialog, `window.__pwned` never set on any page reached. A CSP violation
is allowed only where it is an injection being blocked: a saved page of the corpus that is
served under /files/ with its original `<script>` (its `sandbox` policy refuses it, and each
one reached must be seen refused). Our own pages never cause one: their markup is escaped,
so the policy has nothing to refuse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Route

from ..servers import build, free_port, get_json, running_service
from .support import FILLER, SITE, QuietHandler, host_page

pytestmark = pytest.mark.browser

WORD = "aanvalstest"  # in every document, so one query finds them all


def pwn(tag: str) -> str:
    return f"window.__pwned='{tag}';alert('{tag}')"


LINKS = [
    f"javascript:{pwn('canonical')}//",
    f"JaVaScRiPt:{pwn('mixed')}",
    f"  javascript:{pwn('spaces')}",
    f"java\tscript:{pwn('tab')}",
    "data:text/html,<script>alert(document.domain)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    f"vbscript:{pwn('vb')}",
    "//evil.example/x",
]
MARKUP = [
    f'<img src=x onerror="{pwn("img")}">',
    f"<script>{pwn('script')}</script>",
    f'"><svg onload="{pwn("svg")}">',
    f"</title><script>{pwn('title')}</script>",
    f'<a href="javascript:{pwn("a")}">klik</a>',
    f'<iframe srcdoc="<script>{pwn("srcdoc")}</script>"></iframe>',
]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def saved_page(n: int, link: str) -> str:
    """A saved page whose head and body carry markup as text and real script as elements."""
    title = _escape(f"Aanval {n} {MARKUP[n % len(MARKUP)]}")
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="{_escape(link)}"><meta property="og:url" content="{_escape(LINKS[(n + 1) % len(LINKS)])}">
<meta property="article:published_time" content="2016-0{1 + n % 9}-10">
<meta property="article:section" content="{_escape(MARKUP[(n + 1) % len(MARKUP)])}">
<meta property="article:tag" content="{_escape(MARKUP[(n + 2) % len(MARKUP)])}">
<script>{pwn(f"saved-head-{n}")}</script>
</head><body onload="{pwn(f"saved-body-{n}")}"><main><article>
<h1>{title}</h1>
<p>{WORD} {n}: deze pagina bevat opmaak als tekst: {_escape(MARKUP[(n + 3) % len(MARKUP)])} en echte elementen
<img src=x onerror="{pwn(f"saved-img-{n}")}"> <a href="javascript:{pwn(f"saved-a-{n}")}">een link</a>. {FILLER}</p>
<script>{pwn(f"saved-script-{n}")}</script>
<p>Nog een alinea over wijkteams en de gemeente, zodat er genoeg tekst is. {FILLER}</p>
</article></main></body></html>
"""


def note(n: int, link: str) -> str:
    def yaml(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    return (
        f"---\ntitle: {yaml('Notitie ' + str(n) + ' ' + MARKUP[n % len(MARKUP)])}\ndate: 2017-03-0{1 + n}\n"
        f"url: {yaml(link)}\ncategories: [{yaml(MARKUP[(n + 1) % len(MARKUP)])}]\n"
        f"tags: [{yaml(MARKUP[(n + 2) % len(MARKUP)])}, {yaml('</a><b>vet</b>')}]\n---\n\n"
        f"# Notitie {n} {MARKUP[(n + 3) % len(MARKUP)]}\n\n{WORD} in een notitie met "
        f"<script>{pwn(f'md-{n}')}</script> en [een link](javascript:{pwn(f'md-link-{n}')}). {FILLER}\n\n{FILLER}\n"
    )


WXR_ITEM = """<item><title><![CDATA[Bericht {n} {title}]]></title><link>{link}</link>
<content:encoded><![CDATA[<p>{word} in een bericht {n}: {markup} <img src=x onerror="{pwn}"> {filler}</p>]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date>2018-05-0{day} 09:00:00</wp:post_date><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>
<category domain="category" nicename="c{n}"><![CDATA[{category}]]></category>
<category domain="post_tag" nicename="t{n}"><![CDATA[{tag}]]></category></item>"""

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Aanvalssite</title><link>https://voorbeeld.nl</link><wp:base_site_url>https://voorbeeld.nl</wp:base_site_url>
{items}</channel></rss>"""


def export() -> str:
    items = []
    for n, link in enumerate([*LINKS[:4], "https://voorbeeld.nl/veilig/", "/?p=6"], start=1):
        items.append(
            WXR_ITEM.format(
                n=n,
                title=MARKUP[n % len(MARKUP)].replace("]]>", ""),
                link=_escape(link),
                word=WORD,
                markup=_escape(MARKUP[(n + 1) % len(MARKUP)]),
                pwn=pwn(f"wxr-{n}"),
                filler=FILLER,
                day=n,
                category=MARKUP[(n + 2) % len(MARKUP)],
                tag=MARKUP[(n + 3) % len(MARKUP)],
            )
        )
    return WXR.format(items="\n".join(items))


def write_pdf(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.set_title(f"PDF {MARKUP[1]}")
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    for page in range(2):
        pdf.add_page()
        pdf.set_font("DejaVu", size=11)
        text = f"{WORD} op pagina {page + 1}: {MARKUP[page]} {MARKUP[page + 2]} {FILLER} {FILLER}"
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


def write_hostile_corpus(corpus: Path) -> None:
    (corpus / "blog").mkdir(parents=True)
    for n, link in enumerate(LINKS):
        (corpus / "blog" / f"aanval-{n}.html").write_text(saved_page(n, link), encoding="utf-8")
    (corpus / "notes").mkdir()
    for n, link in enumerate(LINKS[:5]):
        (corpus / "notes" / f"notitie-{n}.md").write_text(note(n, link), encoding="utf-8")
    (corpus / "export").mkdir()
    (corpus / "export" / "site.xml").write_text(export(), encoding="utf-8")
    (corpus / "pdf").mkdir()
    write_pdf(corpus / "pdf" / "aanval.pdf")


@dataclass
class Hostile:
    url: str
    host_url: str
    results: list[dict[str, object]]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    root = tmp_path_factory.mktemp("hostile")
    corpus, index = root / "corpus", root / "index"
    write_hostile_corpus(corpus)
    port = free_port()
    built = build(corpus, index, f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stdout + built.stderr
    docroot = root / "host"
    docroot.mkdir()
    with running_service(index, corpus, port, root / "service.log") as url:
        (docroot / "index.html").write_text(
            host_page(url, "<vindplaats-search max-results='8'></vindplaats-search>"), encoding="utf-8"
        )
        server = ThreadingHTTPServer(
            ("127.0.0.1", free_port()), partial(QuietHandler, directory=str(docroot))
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            found = get_json(f"{url}/search?{urlencode({'q': WORD, 'per_page': 50})}")
            yield Hostile(url, f"http://127.0.0.1:{server.server_address[1]}", found["results"])
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


@dataclass
class Watch:
    """Everything that would show that script ran, or that the CSP had to step in."""

    dialogs: list[str] = field(default_factory=list)
    violations: list[tuple[str, str]] = field(default_factory=list)  # (page URL, message)
    pwned: list[tuple[str, object]] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(self, page: Page, msg: ConsoleMessage) -> None:
        # A directive refusing something, or the policy's `sandbox` refusing all script.
        if "Content Security Policy" in msg.text or "sandboxed and the 'allow-scripts'" in msg.text:
            self.violations.append((page.url, msg.text))

    def check(self, page: Page) -> None:
        page.wait_for_timeout(50)  # a broken image's onerror fires after load
        self.visited.add(page.url)
        try:
            marker = page.evaluate("() => [window.__pwned, window.__violations || []]")
        except Exception:  # a sandboxed document without scripts: nothing can have run there
            return
        if marker[0] is not None:
            self.pwned.append((page.url, marker[0]))
        for text in marker[1]:
            self.violations.append((page.url, text))


REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  (window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="nl-NL")

    def network(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        elif route.request.url.startswith(SITE):
            route.fulfill(
                status=200, content_type="text/html", body="<!DOCTYPE html><title>doel</title><p>doel"
            )
        else:
            route.abort()

    ctx.route("**/*", network)
    ctx.add_init_script(REPORT_CSP)
    yield ctx
    ctx.close()


def _watched(context: BrowserContext, watch: Watch) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", watch.on_dialog)
    page.on("console", lambda msg: watch.on_console(page, msg))
    page.on("popup", lambda popup: watch.check(popup))
    return page


def _ours(url: str, service: str, host: str) -> bool:
    return (url.startswith((service, host)) and "/files/" not in url) or url == "about:blank"


def _click_every_link(page: Page, url: str, watch: Watch, seen: set[str]) -> int:
    """Check every link of `url` and click each one whose target no page before had (the
    header, facets and pager repeat on every page; the same href leads to the same page)."""
    page.goto(url)
    watch.check(page)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map((e) => e.getAttribute('href'))")
    for href in hrefs:
        assert href.startswith(("http://", "https://", "/", "?", "#")) and not href.startswith("//"), (
            url,
            href,
        )
    clicked = 0
    for n, href in enumerate(hrefs):
        target = urljoin(url, href)
        if target in seen:
            continue
        seen.add(target)
        clicked += 1
        page.goto(url)
        link = page.locator("a[href]").nth(n)
        if not link.is_visible() and link.evaluate("(a) => !!a.closest('details:not([open])')"):
            continue  # the phone's filter disclosure: the same links as the visible facets
        if link.evaluate("(a) => a.getBoundingClientRect().right < 0"):
            link.focus()  # the skip link: off screen until a keyboard user reaches it
            link.press("Enter")
        else:
            link.click()
        page.wait_for_load_state()
        watch.check(page)
    return clicked


def test_every_link_on_every_page_of_hostile_results(context: BrowserContext, hostile: Hostile) -> None:
    kinds = {str(r["type"]) for r in hostile.results}
    assert len(hostile.results) >= 12 and kinds == {"blog", "pdf", "kennisbank"}, hostile.results
    watch = Watch()
    page = _watched(context, watch)
    pages = [f"{hostile.url}/", f"{hostile.url}/?{urlencode({'q': WORD})}"]
    pages += [f"{hostile.url}/?{urlencode({'q': WORD, 'doc': r['id']})}" for r in hostile.results]
    seen: set[str] = set()
    clicked = sum(_click_every_link(page, url, watch, seen) for url in pages)
    assert clicked > 50, clicked
    assert watch.dialogs == [] and watch.pwned == [], (watch.dialogs, watch.pwned)
    assert len([u for u in watch.visited if "/files/blog/" in u]) == len(LINKS), "every saved page opened"
    _only_blocked_injections(watch, hostile)


def test_every_result_of_the_search_box_on_another_site(context: BrowserContext, hostile: Hostile) -> None:
    watch = Watch()
    page = _watched(context, watch)
    options = page.locator("vindplaats-search [role=option]")
    page.goto(f"{hostile.host_url}/index.html")
    page.locator("vindplaats-search input[role=combobox]").press_sequentially(WORD, delay=15)
    options.first.wait_for()
    count = options.count()
    assert count >= 6
    for n in range(count):
        page.goto(f"{hostile.host_url}/index.html")
        page.locator("vindplaats-search input[role=combobox]").press_sequentially(WORD, delay=15)
        option = options.nth(n)
        option.wait_for()
        href = option.get_attribute("href")
        assert href is None or href.startswith(("http://", "https://")), href
        option.click()
        page.wait_for_load_state()
        watch.check(page)
    assert watch.dialogs == [] and watch.pwned == [], (watch.dialogs, watch.pwned)
    _only_blocked_injections(watch, hostile)


def _only_blocked_injections(watch: Watch, hostile: Hostile) -> None:
    on_our_pages = [v for v in watch.violations if _ours(v[0], hostile.url, hostile.host_url)]
    assert on_our_pages == [], on_our_pages
    for url, message in watch.violations:
        assert "/files/blog/" in url, (url, message)  # a saved page's own script, refused
    blocked_pages = {url for url, _ in watch.violations}
    saved = {u for u in watch.visited if "/files/blog/" in u}
    assert blocked_pages == saved, "each saved page reached had its script refused"
