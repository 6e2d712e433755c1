"""The owner page in a real Chromium: the token is required, the chart is there, axe is clean,
and a zero-result query gets its synonym from the page. Screenshot: var/screenshots/beheer.png."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from service.analytics import site_zone

from .support import ADMIN_TOKEN, SCREENSHOTS, Console, Service, get_json
from .test_accessibility import check

pytestmark = pytest.mark.browser


def log_in(page: Page, service: Service) -> None:
    page.goto(f"{service.url}/beheer")
    page.get_by_label("Beheertoken").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Beheer: wat bezoekers zoeken")).to_be_visible()


def test_the_owner_page_needs_the_token(page: Page, service: Service, axe_source: Path) -> None:
    response = page.goto(f"{service.url}/beheer")
    assert response is not None and response.status == 401
    expect(page.locator("svg")).to_have_count(0)
    check(page, axe_source, "/beheer login")
    page.get_by_label("Beheertoken").fill("dit-is-niet-het-goede-token")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_have_text("Dit token klopt niet.")
    expect(page.locator("svg")).to_have_count(0)


def backdate(service: Service, days_ago: int, queries: list[str], without_results: set[str]) -> None:
    """Searches of earlier days, written into the log as a worker's writer would have."""
    assert service.analytics_db is not None
    moment = datetime.now(site_zone()).replace(hour=12) - timedelta(days=days_ago)
    with sqlite3.connect(service.analytics_db, timeout=10) as conn:
        conn.executemany(
            "INSERT INTO searches (id, ts, day, query, results, mode, filters, page, origin)"
            " VALUES (?, ?, ?, ?, ?, 'all', '{}', 1, 'api')",
            [
                (
                    f"{days_ago:08x}{n:08x}",
                    int(moment.timestamp()),
                    moment.date().isoformat(),
                    q,
                    0 if q in without_results else 4,
                )
                for n, q in enumerate(queries)
            ],
        )


def test_the_owner_sees_what_visitors_look_for(
    page: Page, service: Service, axe_source: Path, console: Console
) -> None:
    # Visitors search: on the page (a form submit) and through the API, as the widget does.
    for q in ("wijkteams", "wijkteams", "sociaal domein", "procurementx", "procurementx", "keukentafel"):
        service.search(q)
    page.goto(f"{service.url}/?q=decentralisaties")
    assert service.wait_for_log("SELECT 1 FROM searches WHERE query = 'decentralisaties' AND origin = 'page'")
    assert service.wait_for_log("SELECT 1 FROM searches WHERE query = 'keukentafel'")
    earlier = ["wmo", "jeugdzorg", "social return", "participatiewet", "sroi berekenen", "wmo"]
    backdate(service, 2, [*earlier, "procurement", "procurement", "wmo"], {"procurement", "sroi berekenen"})
    backdate(service, 9, ["wmo", "schuldhulp", "jeugdzorg", "buurtcooperatie", "wijkteams"], set())
    backdate(service, 40, ["oud"] * 7, set())  # outside the 30 days
    log_in(page, service)

    chart = page.get_by_role("img", name="Zoekopdrachten per dag, laatste 30 dagen")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.all")
    expect(bars).to_have_count(30)
    heights = [float(h) for h in bars.evaluate_all("bs => bs.map(b => b.getAttribute('height'))")]
    assert [n for n, h in enumerate(heights) if h > 0] == [20, 27, 29]  # 9 days ago, 2 days ago, today
    assert heights[27] / heights[20] == pytest.approx(9 / 5, rel=0.01)
    expect(chart.locator("g.bar").nth(27).locator("title")).to_contain_text(
        "9 zoekopdrachten, 3 zonder resultaat"
    )
    zero = page.locator("section", has=page.get_by_role("heading", name="Gezocht, niets gevonden"))
    expect(zero.get_by_role("link", name="procurementx")).to_be_visible()
    top = page.locator("section", has=page.get_by_role("heading", name="Meest gezocht"))
    expect(top.get_by_role("link", name="wijkteams")).to_be_visible()
    index = page.locator("section", has=page.get_by_role("heading", name="De index"))
    health = get_json(f"{service.url}/health")
    expect(index.locator("dd").nth(1)).to_contain_text(str(health["documents"]))
    expect(index.locator("dd").nth(2)).to_have_text(str(health["passages"]))
    expect(index).to_contain_text("Overgeslagen bestanden (0)")
    check(page, axe_source, "/beheer")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=SCREENSHOTS / "beheer.png", full_page=True)
    errors = [e for e in console.errors if "status of 401" not in e]  # the login page before
    assert errors == [], "CSP violations or script errors on /beheer"


def test_a_synonym_added_on_the_page_helps_the_next_search(page: Page, service: Service) -> None:
    service.search("procurementy")
    assert service.wait_for_log("SELECT 1 FROM searches WHERE query = 'procurementy'")
    assert service.search("procurementy")["total"] == 0
    log_in(page, service)
    row = page.locator("tr", has=page.get_by_role("link", name="procurementy", exact=True))
    row.get_by_text("Synoniem voor „procurementy”").click()
    row.get_by_label("Betekent hetzelfde als").fill("keukentafelgesprek")
    row.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_role("status").filter(has_text="Synoniemen toegevoegd")).to_contain_text(
        "procurementy, keukentafelgesprek"
    )
    assert service.synonyms is not None
    assert "procurementy, keukentafelgesprek\n" in service.synonyms.read_text(encoding="utf-8")
    titles = [r["title"] for r in service.search("procurementy")["results"]]
    assert "Het keukentafelgesprek in de praktijk" in titles
