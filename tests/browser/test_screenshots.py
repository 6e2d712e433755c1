"""Screenshots for people to look at (var/screenshots/), plus the phone-size layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .support import SCREENSHOTS, Host, Service, Widget

pytestmark = pytest.mark.browser


def test_screenshot_widget_open(widget: Widget) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.open().search("sociaal domein")
    expect(widget.options.first).to_be_visible()
    widget.input.press("ArrowDown")
    widget.input.press("ArrowDown")
    widget.page.screenshot(path=SCREENSHOTS / "widget-open.png")


def test_screenshot_results_page(page: Page, service: Service) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{service.url}/?q=sociaal+domein")
    expect(page.locator("ol.results > li").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "results-page.png", full_page=True)


def test_widget_fits_a_phone(browser: Browser, host: Host) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        widget = Widget(page, host).open()
        widget.input.tap()
        widget.input.press_sequentially("sociaal domein", delay=15)
        expect(widget.options.first).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, "the open list must not make the page scroll sideways"
        for box in (widget.input.bounding_box(), widget.listbox.bounding_box()):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        widget.page.screenshot(path=SCREENSHOTS / "widget-phone.png")
    finally:
        context.close()


def test_screenshot_results_page_searching_as_you_type(page: Page, service: Service) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{service.url}/?q=wijkteams")
    box = page.get_by_role("combobox")
    box.fill("")
    box.press_sequentially("keukentafel", delay=15)
    expect(page.locator("vindplaats-search .vp-box [role=option]").first).to_be_visible()
    box.press("ArrowDown")
    page.screenshot(path=SCREENSHOTS / "results-page-typing.png")
