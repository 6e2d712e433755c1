"""axe-core finds no serious or critical problems on the results page or the open search box."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import Service, Widget, run_axe, summarize

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def check(page: Page, axe: Path, what: str) -> None:
    violations = run_axe(page, axe)
    print(f"axe on {what}: {summarize(violations)}")
    assert [v["id"] for v in violations if v["impact"] in BLOCKING] == [], summarize(violations)


def test_results_page_has_no_serious_violations(page: Page, service: Service, axe_source: Path) -> None:
    page.goto(f"{service.url}/?q=sociaal+domein")
    expect(page.locator("ol.results > li").first).to_be_visible()
    check(page, axe_source, "/?q=sociaal+domein")


def test_open_widget_has_no_serious_violations(widget: Widget, axe_source: Path) -> None:
    widget.open().search("sociaal domein")
    expect(widget.options.first).to_be_visible()
    widget.input.press("ArrowDown")
    check(widget.page, axe_source, "host page, widget open")


def test_widget_suggestion_state_has_no_serious_violations(widget: Widget, axe_source: Path) -> None:
    widget.open("options.html").search("sociaal domijn")
    expect(widget.message).to_contain_text("sociaal domein")  # what ran, or "Bedoelde u"
    check(widget.page, axe_source, "host page, widget with a corrected query")


def test_the_page_with_its_list_open_has_no_serious_violations(
    page: Page, service: Service, axe_source: Path
) -> None:
    page.goto(f"{service.url}/?q=wijkteams")
    box = page.get_by_role("combobox")
    box.fill("")
    box.press_sequentially("sociaal domein", delay=15)
    expect(page.locator("vindplaats-search .vp-box [role=option]").first).to_be_visible()
    box.press("ArrowDown")
    check(page, axe_source, "results page, search-as-you-type list open")
