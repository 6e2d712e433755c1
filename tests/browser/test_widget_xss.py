"""Untrusted data stays text: titles, snippets and links from the index or a hostile API."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Route, expect

from .support import XSS_TITLE, Console, Service, Widget

pytestmark = pytest.mark.browser

COUNT_ELEMENTS = """
return {
  img: root.querySelectorAll('img').length + document.querySelectorAll('img').length,
  script: root.querySelectorAll('script').length,
  handlers: [...root.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
  marks: [...root.querySelectorAll('mark')].map((m) => m.textContent),
  xss: window.__xss,
};
"""


def test_markup_in_indexed_documents_is_shown_as_text(
    widget: Widget, service: Service, console: Console
) -> None:
    api = service.search("onerror", per_page=5)
    assert api["results"][0]["title"] == XSS_TITLE
    assert "&lt;img" in api["results"][0]["snippet"]

    widget.open().search("onerror")
    option = widget.options.first
    expect(option.locator(".t")).to_have_text(XSS_TITLE)
    assert "<img" in option.locator(".t").inner_text()
    expect(option.locator(".s")).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(option.locator(".s")).to_contain_text("<script>window.__xss=2</script>")
    widget.page.wait_for_timeout(100)  # give a broken image's onerror a chance to fire
    found = widget.shadow_eval(COUNT_ELEMENTS)
    assert found == {"img": 0, "script": 0, "handlers": 0, "marks": ["onerror"], "xss": None}
    assert widget.page.evaluate("() => typeof window.__xss") == "undefined"
    assert console.errors == []


HOSTILE_RESPONSE = {
    "query": "gevaar",
    "total": 2,
    "suggestion": None,
    "results": [
        {
            "type": "blog",
            "title": "<b>vet</b><img src=x onerror=window.__xss=3>",
            "url": "javascript:window.__xss=4",
            "date": "2014-03-12",
            "page": None,
            "snippet": '<img src=x onerror="window.__xss=5"><mark onclick="window.__xss=6">a</mark> <mark>b</mark>'
            " <MARK>c</MARK> &lt;i&gt;d&lt;/i&gt; &amp;amp; &#x3C;e&#62;",
        },
        {
            "type": "pdf",
            "title": "veilig",
            "url": "https://voorbeeld.nl/ok.pdf#page=2",
            "page": 2,
            "date": None,
            "snippet": "<mark>ok</mark>",
        },
    ],
}


def test_only_exact_mark_tags_and_http_links_survive_a_hostile_api(widget: Widget, page: Page) -> None:
    def hostile(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(HOSTILE_RESPONSE),
            headers={"Access-Control-Allow-Origin": "*"},
        )

    widget.open()
    page.route("**/search?*", hostile)
    widget.search("gevaar")
    expect(widget.options).to_have_count(2)
    first, second = widget.options.nth(0), widget.options.nth(1)
    expect(first.locator(".t")).to_have_text("<b>vet</b><img src=x onerror=window.__xss=3>")
    expect(first.locator(".s")).to_have_text(
        '<img src=x onerror="window.__xss=5"><mark onclick="window.__xss=6">a b <MARK>c</MARK> <i>d</i> &amp; <e>'
    )
    assert first.get_attribute("href") is None, "a javascript: URL must not become a link"
    expect(second).to_have_attribute("href", "https://voorbeeld.nl/ok.pdf#page=2")
    expect(second.locator(".b")).to_have_text("PDF · p. 2")

    widget.input.press("ArrowDown")
    widget.input.press("Enter")  # the unsafe result: nothing happens
    first.click()
    page.wait_for_timeout(100)
    found = widget.shadow_eval(COUNT_ELEMENTS)
    assert found == {"img": 0, "script": 0, "handlers": 0, "marks": ["b", "ok"], "xss": None}
    assert page.url.startswith(widget.host.url)
