"""/docs works without internet (issue 12): Swagger UI comes from the service itself and runs
under the page's Content-Security-Policy, with every request off 127.0.0.1 refused."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Request, Route, expect

from .support import Service

pytestmark = pytest.mark.browser

WATCH_CSP = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def test_docs_render_every_operation_offline(browser: Browser, service: Service) -> None:
    with urllib.request.urlopen(f"{service.url}/openapi.json", timeout=10) as response:
        spec = json.load(response)
    operations = sorted(f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item)
    context = browser.new_context()
    outside: list[str] = []
    errors: list[str] = []

    def network(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(request.url)
            route.abort("internetdisconnected")

    context.route("**/*", network)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{service.url}/docs")
        blocks = page.locator(".opblock-summary")
        expect(blocks).to_have_count(len(operations), timeout=15_000)
        shown = sorted(
            f"{b.locator('.opblock-summary-method').inner_text()} {b.locator('.opblock-summary-path').inner_text()}"
            for b in blocks.all()
        )
        assert [s.replace("\u200b", "") for s in shown] == operations
        expect(page.locator(".info .title")).to_contain_text("Vindplaats")
        # Open one operation: its parameters and documented answers are there, with the 404.
        page.locator("#operations-default-document_endpoint_documents__doc_id__get .opblock-summary").click()
        section = page.locator("#operations-default-document_endpoint_documents__doc_id__get")
        expect(section.locator(".responses-table .response-col_status", has_text="404")).to_be_visible()
        assert outside == [], outside
        assert page.evaluate("window.__violations") == []
        assert errors == []
    finally:
        context.close()
