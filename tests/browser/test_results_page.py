"""The search page in a real Chromium: search-as-you-type by the widget's own code on the page's
form, click reports, "Zoek in plaats daarvan naar", filters on a phone, and all of it without
JavaScript too."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser, Page, expect

from .support import SCREENSHOTS, SITE, Console, Service
from .test_accessibility import check

pytestmark = pytest.mark.browser

BOX = "vindplaats-search .vp-box"


def test_the_page_searches_as_you_type_with_the_widget(
    page: Page, service: Service, console: Console
) -> None:
    expected = service.search("sociaal domein", per_page=5)["results"]
    page.goto(f"{service.url}/")
    box = page.get_by_role("combobox", name="Zoek in blogs, het manifest en het magazine")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("sociaal domein", delay=15)
    options = page.locator(f"{BOX} [role=option]")
    expect(options).to_have_count(len(expected))
    expect(box).to_have_attribute("aria-expanded", "true")
    assert options.locator(".t").all_text_contents() == [r["title"] for r in expected]
    box.press("ArrowDown")
    box.press("ArrowDown")
    with (
        page.expect_request(f"{service.url}/api/click") as beacon,
        page.expect_navigation(url=expected[1]["url"]),
    ):
        box.press("Enter")
    fields = {k: v[0] for k, v in parse_qs(beacon.value.post_data or "").items()}
    assert fields["position"] == "2" and fields["url"] == expected[1]["url"]
    assert service.wait_for_log(
        "SELECT 1 FROM searches WHERE id = ? AND query = 'sociaal domein'", (fields["search_id"],)
    )
    assert console.errors == []


def test_submitting_the_form_counts_the_typed_search_once(page: Page, service: Service) -> None:
    page.goto(f"{service.url}/")
    box = page.get_by_role("combobox")
    box.press_sequentially("keukentafelgesprek", delay=15)
    expect(page.locator(f"{BOX} [role=option]").first).to_be_visible()
    with page.expect_navigation():
        box.press("Enter")
    expect(page.locator("#kop-resultaten")).to_contain_text("keukentafelgesprek")
    expect(page).to_have_url(f"{service.url}/?q=keukentafelgesprek")  # the widget tidied the address
    rows = service.wait_for_log(
        "SELECT p.replaces, a.query FROM searches p JOIN searches a ON a.id = p.replaces"
        " WHERE p.origin = 'page' AND p.query = 'keukentafelgesprek'"
    )
    assert rows and rows[-1][1] == "keukentafelgesprek", "the page's search continues the typed one"


def test_opening_a_result_on_the_page_reports_the_click(page: Page, service: Service) -> None:
    page.goto(f"{service.url}/?q=wijkteams")
    results = page.locator("ol.results")
    search_id = results.get_attribute("data-search-id")
    assert search_id and re.fullmatch(r"[0-9a-f]{16}", search_id)
    first = results.locator("h3 a").first
    href = first.get_attribute("href")
    with page.expect_request(f"{service.url}/api/click") as beacon:
        first.click()
    fields = {k: v[0] for k, v in parse_qs(beacon.value.post_data or "").items()}
    assert fields["search_id"] == search_id and fields["position"] == "1"
    assert fields["url"].endswith(href or "?")
    assert service.wait_for_log("SELECT 1 FROM clicks WHERE search_id = ?", (search_id,))


def test_the_heading_offers_the_original_query(page: Page, service: Service, axe_source: Path) -> None:
    page.goto(f"{service.url}/?q=sociaal+domijn")
    expect(page.locator("#kop-resultaten")).to_contain_text("resultaten voor „sociaal domein”")
    instead = page.locator("p.instead")
    expect(instead).to_have_text("Resultaten voor sociaal domein. Zoek in plaats daarvan naar sociaal domijn")
    check(page, axe_source, "results page, corrected query")
    instead.get_by_role("link", name="sociaal domijn").click()
    expect(page.locator("#kop-resultaten")).to_contain_text('0 resultaten voor „sociaal "domijn"”')
    expect(page.locator(".no-results")).to_contain_text("Zoek met minder woorden")
    check(page, axe_source, "results page, no results")


def test_the_widget_says_what_ran_and_offers_the_original(page: Page, service: Service) -> None:
    page.goto(f"{service.url}/")
    page.get_by_role("combobox").press_sequentially("sociaal domijn", delay=15)
    message = page.locator(f"{BOX} .pop p")
    expect(message).to_have_text(
        "Resultaten voor „sociaal domein”. Zoek in plaats daarvan naar sociaal domijn"
    )
    message.get_by_role("button", name="sociaal domijn").click()
    expect(page.get_by_role("combobox")).to_have_value('sociaal "domijn"')
    expect(message).to_contain_text('Geen resultaten voor „sociaal "domijn"”')


def test_a_phone_gets_a_filters_control_above_the_results(browser: Browser, service: Service) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{service.url}/?q=sociaal+domein")
        filters = page.locator("details.filters-toggle")
        expect(filters).to_be_visible()
        expect(page.locator("aside.facets")).to_be_hidden()
        first = page.locator("ol.results > li").first
        assert filters.bounding_box()["y"] < first.bounding_box()["y"]  # type: ignore[index]
        filters.locator("summary").tap()
        expect(filters.get_by_role("link", name="PDF")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "results-phone-filters.png", full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_the_page_works_without_javascript(browser: Browser, service: Service) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{service.url}/")
        page.get_by_label("Zoek in blogs, het manifest en het magazine").fill("wijkteams")
        with page.expect_navigation():
            page.get_by_role("button", name="Zoeken").click()
        expect(page).to_have_url(f"{service.url}/?q=wijkteams")
        expect(page.locator("ol.results > li").first).to_be_visible()
        expect(page.locator(".vp-box")).to_have_count(0)  # nothing of the widget ran
        filters = page.locator("details.filters-toggle")
        filters.locator("summary").click()  # a <details>: no script needed
        with page.expect_navigation():
            filters.get_by_role("link", name="PDF").click()
        assert "type=pdf" in page.url
        expect(page.locator("ol.results .badge").first).to_contain_text("PDF")
        page.goto(f"{service.url}/?q=wijkteams&page=40")
        expect(page.locator("p.past-end")).to_contain_text("Pagina 40 bestaat niet")
        page.locator("p.past-end").get_by_role("link").first.click()
        expect(page.locator("ol.results > li").first).to_be_visible()
    finally:
        context.close()


def test_result_links_still_open_their_target(page: Page, service: Service) -> None:
    page.goto(f"{service.url}/?q=keukentafelgesprek")
    link = page.locator("ol.results h3 a").first
    href = link.get_attribute("href") or ""
    assert href.startswith(SITE)
    with page.expect_navigation(url=href):
        link.click()
