"""The search box on a host page of another origin: typing, results, keyboard, states."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, Request, Route, expect

from .support import Console, Host, Service, Widget, get_json

pytestmark = pytest.mark.browser


def test_typing_shows_results_and_announces_the_count(
    widget: Widget, service: Service, console: Console
) -> None:
    expected = service.search("sociaal domein", per_page=5)
    assert expected["results"], "the fixture corpus should match 'sociaal domein'"

    widget.open().search("sociaal domein")

    expect(widget.options).to_have_count(len(expected["results"]))
    expect(widget.options.first).to_be_visible()
    expect(widget.input).to_have_attribute("aria-expanded", "true")
    expect(widget.status).to_have_text(f"{expected['total']} resultaten")
    titles = widget.options.locator(".t").all_text_contents()
    assert titles == [r["title"] for r in expected["results"]]
    badges = widget.options.locator(".b").all_text_contents()
    assert badges == [f"PDF · p. {r['page']}" if r["type"] == "pdf" else "Blog" for r in expected["results"]]
    hrefs = [widget.options.nth(i).get_attribute("href") for i in range(len(titles))]
    assert hrefs == [r["url"] for r in expected["results"]]
    first = widget.options.first
    # "sociaal domein" has a synonym ("social domain"), so it is marked as one phrase.
    expect(first.locator("mark").first).to_have_text("sociaal domein")
    # The results page; `replaces` tells the search log that this continues the typed search.
    expect(widget.all_link).to_have_attribute(
        "href", re.compile(re.escape(f"{service.url}/?q=sociaal+domein&replaces=") + "[0-9a-f]{16}$")
    )
    expect(widget.all_link).to_have_text("Toon alle resultaten")
    assert console.errors == []


def test_dates_are_dutch(widget: Widget) -> None:
    widget.open().search("begroting tekorten")
    expect(widget.options.first.locator("time")).to_have_text("1 februari 2018")
    expect(widget.options.first.locator("time")).to_have_attribute("datetime", "2018-02-01")


def test_arrow_down_twice_and_enter_opens_the_second_result(
    widget: Widget, service: Service, page: Page
) -> None:
    results = service.search("sociaal domein", per_page=5)["results"]
    second = results[1]["url"]
    widget.open().search("sociaal domein")
    expect(widget.options).to_have_count(len(results))

    widget.input.press("ArrowDown")
    expect(widget.input).to_have_attribute("aria-activedescendant", "o0")
    expect(widget.options.nth(0)).to_have_attribute("aria-selected", "true")
    widget.input.press("ArrowDown")
    expect(widget.input).to_have_attribute("aria-activedescendant", "o1")
    expect(widget.options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(widget.options.nth(1)).to_have_attribute("aria-selected", "true")
    with page.expect_navigation(url=second):
        widget.input.press("Enter")
    assert page.url == second


def test_arrow_keys_wrap_around(widget: Widget) -> None:
    widget.open().search("sociaal domein")
    expect(widget.options).to_have_count(5)
    widget.input.press("ArrowUp")
    expect(widget.input).to_have_attribute("aria-activedescendant", "o4")
    widget.input.press("ArrowDown")
    expect(widget.input).to_have_attribute("aria-activedescendant", "o0")
    expect(widget.input).to_be_focused()


def test_enter_without_a_chosen_result_opens_the_results_page(
    widget: Widget, service: Service, page: Page
) -> None:
    widget.open().search("wijkteams")
    expect(widget.options.first).to_be_visible()
    with page.expect_navigation():
        widget.input.press("Enter")
    expect(page.locator("#kop-resultaten")).to_contain_text("wijkteams")
    expect(page).to_have_url(f"{service.url}/?q=wijkteams")  # `replaces` did its job and is gone


def test_opening_a_result_reports_the_click_to_the_service(
    widget: Widget, service: Service, page: Page
) -> None:
    widget.open().search("keukentafelgesprek")
    expect(widget.options.first).to_be_visible()
    url = widget.options.first.get_attribute("href")
    with page.expect_request(f"{service.url}/api/click") as beacon:
        widget.options.first.click()
    request = beacon.value
    assert request.method == "POST" and request.headers["content-type"].startswith(
        "application/x-www-form-urlencoded"
    )
    fields = {k: v[0] for k, v in parse_qs(request.post_data or "").items()}
    assert (
        fields["position"] == "1"
        and fields["url"] == url
        and re.fullmatch(r"[0-9a-f]{16}", fields["search_id"])
    )
    # The id is the one the search answer carried: the click links to that search, nothing else.
    rows = service.wait_for_log("SELECT query FROM searches WHERE id = ?", (fields["search_id"],))
    assert rows == [("keukentafelgesprek",)]
    assert service.wait_for_log(
        "SELECT position FROM clicks WHERE search_id = ?", (fields["search_id"],)
    ) == [(1,)]


def test_unknown_words_and_the_kennisbank_type_are_shown(widget: Widget, page: Page) -> None:
    answer = {
        "query": "social procurement",
        "total": 1,
        "suggestion": None,
        "ran_query": None,
        "unknown_words": ["procurement"],
        "search_id": "0123456789abcdef",
        "results": [
            {
                "id": "k1",
                "type": "kennisbank",
                "title": "Begrippenlijst",
                "url": "https://voorbeeld.nl/b/",
                "snippet": "x",
            }
        ],
    }
    widget.open()
    page.route(
        "**/search?*", lambda route: route.fulfill(json=answer, headers={"Access-Control-Allow-Origin": "*"})
    )
    widget.search("social procurement")
    expect(widget.options.first.locator(".b")).to_have_text("Kennisbank")
    expect(widget.message).to_have_text("Geen resultaten voor ‘procurement’.")


def test_escape_closes_the_list_and_a_second_escape_clears(widget: Widget) -> None:
    widget.open().search("sociaal domein")
    expect(widget.options.first).to_be_visible()
    widget.input.press("ArrowDown")

    widget.input.press("Escape")
    expect(widget.input).to_have_attribute("aria-expanded", "false")
    expect(widget.listbox).to_be_hidden()
    expect(widget.input).not_to_have_attribute("aria-activedescendant", "o0")
    expect(widget.input).to_have_value("sociaal domein")

    widget.input.press("ArrowDown")  # reopens what was there
    expect(widget.input).to_have_attribute("aria-expanded", "true")
    widget.input.press("Escape")
    widget.input.press("Escape")
    expect(widget.input).to_have_value("")
    expect(widget.listbox).to_be_hidden()


def test_click_outside_closes_the_list(widget: Widget, page: Page) -> None:
    widget.open().search("wijkteams")
    expect(widget.options.first).to_be_visible()
    page.locator("h1").click()
    expect(widget.listbox).to_be_hidden()
    expect(widget.input).to_have_attribute("aria-expanded", "false")
    widget.input.click()  # focus brings the same results back
    expect(widget.options.first).to_be_visible()


def test_tabbing_out_of_the_box_closes_the_list(widget: Widget, page: Page) -> None:
    widget.open().search("wijkteams")
    expect(widget.options.first).to_be_visible()
    page.keyboard.press("Tab")
    expect(widget.all_link).to_be_focused()  # still inside: the list stays
    expect(widget.listbox).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="site-eigenaar")).to_be_focused()
    expect(widget.listbox).to_be_hidden()
    expect(widget.input).to_have_attribute("aria-expanded", "false")


def test_typing_is_debounced(widget: Widget, page: Page) -> None:
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/search?" in r.url else None)
    widget.open().search("sociaal domein")
    expect(widget.options).to_have_count(5)
    # 14 keystrokes 15 ms apart: without the debounce there would be 14 requests.
    assert 1 <= len(searches) <= 2, searches
    assert "per_page=5" in searches[-1]


def test_a_slow_stale_response_is_cancelled_and_never_shown(widget: Widget, page: Page) -> None:
    held: list[Route] = []
    failed: list[Request] = []

    def hold_wijkteams(route: Route) -> None:
        if "q=wijkteams" in route.request.url:
            held.append(route)  # never answered in time
        else:
            route.continue_()

    page.on("requestfailed", lambda r: failed.append(r))
    widget.open()
    page.route("**/search?*", hold_wijkteams)
    widget.search("wijkteams")
    expect(widget.message).to_have_text("Zoeken…")
    page.wait_for_function("() => true")  # let the route handler run
    assert held, "the first search should be underway"

    widget.input.fill("keukentafelgesprek")
    expect(widget.options.first.locator(".t")).to_have_text("Het keukentafelgesprek in de praktijk")
    assert any("q=wijkteams" in r.url for r in failed), "the stale request should have been aborted"
    stale = {
        "query": "wijkteams",
        "total": 1,
        "suggestion": None,
        "results": [
            {
                "type": "blog",
                "title": "VEROUDERD",
                "url": "https://voorbeeld.nl/oud/",
                "snippet": "oud",
                "date": None,
            }
        ],
    }
    with contextlib.suppress(Exception):  # the browser already dropped the aborted request
        held[0].fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(stale),
            headers={"Access-Control-Allow-Origin": "*"},
        )
    page.wait_for_timeout(200)
    expect(widget.options.locator(".t")).not_to_contain_text(["VEROUDERD"])
    expect(widget.options.first.locator(".t")).to_have_text("Het keukentafelgesprek in de praktijk")


def test_no_results_says_so(widget: Widget, console: Console) -> None:
    widget.open().search("xyzzyqwv")
    # The service reports the word as unknown: the box names it.
    expect(widget.message).to_have_text("Geen resultaten voor ‘xyzzyqwv’.")
    expect(widget.status).to_contain_text("Geen resultaten voor")
    expect(widget.options).to_have_count(0)
    expect(widget.listbox).to_be_hidden()
    expect(widget.input).to_have_attribute("aria-expanded", "false")
    assert console.errors == []


def test_a_corrected_search_says_what_ran_and_offers_the_original(widget: Widget, service: Service) -> None:
    api = service.search("sociaal domijn", per_page=5)
    assert api["ran_query"] == "sociaal domein", "the API should run the corrected query"
    widget.open().search("sociaal domijn")
    expect(widget.message).to_have_text(
        "Resultaten voor „sociaal domein”. Zoek in plaats daarvan naar sociaal domijn"
    )
    expect(widget.options).to_have_count(len(api["results"]))
    widget.message.get_by_role("button", name="sociaal domijn").click()
    # The visitor's own words, the corrected one quoted: taken as typed.
    expect(widget.input).to_have_value('sociaal "domijn"')
    expect(widget.input).to_be_focused()
    expect(widget.message).to_contain_text("Geen resultaten voor ‘domijn’.")
    expect(widget.message).to_contain_text("Bedoelde u: sociaal domein?")
    widget.message.get_by_role("button", name="sociaal domein").click()
    expect(widget.input).to_have_value("sociaal domein")
    expect(widget.message).to_be_hidden()
    expect(widget.options).to_have_count(len(service.search("sociaal domein", per_page=5)["results"]))


def test_a_half_typed_word_without_results_offers_its_completion(
    widget: Widget, service: Service, page: Page
) -> None:
    # Whether the index itself finds anything for "decentr" depends on the analyzer of the day;
    # the answer of /search is fixed here (nothing, and a poor spelling guess), /suggest is real.
    completions = get_json(f"{service.url}/suggest?q=decentr")["suggestions"]
    assert "decentralisaties" in [s["text"] for s in completions if s["url"] is None]

    def nothing_for_decentr(route: Route) -> None:
        if "q=decentr&" not in route.request.url:
            route.continue_()
            return
        empty = {"query": "decentr", "total": 0, "suggestion": "docent", "ran_query": None, "results": []}
        route.fulfill(json=empty, headers={"Access-Control-Allow-Origin": "*"})

    widget.open()
    page.route("**/search?*", nothing_for_decentr)
    widget.search("decentr")
    expect(widget.message).to_contain_text("Geen resultaten voor „decentr”")
    expect(widget.message).to_contain_text("Bedoelde u: decentralisaties?")  # the completion wins
    widget.message.get_by_role("button", name="decentralisaties").click()
    expect(widget.input).to_have_value("decentralisaties")
    expect(widget.options.first.locator(".t")).to_have_text("De drie decentralisaties en het sociaal domein")


def test_without_a_completion_the_spelling_suggestion_is_offered(widget: Widget, page: Page) -> None:
    def misspelt(route: Route) -> None:
        empty = {"query": "xyzzyqwv", "total": 0, "suggestion": "wijkteams", "ran_query": None, "results": []}
        route.fulfill(json=empty, headers={"Access-Control-Allow-Origin": "*"})

    widget.open()
    page.route("**/search?q=xyzzyqwv*", misspelt)
    widget.search("xyzzyqwv")
    expect(widget.message).to_contain_text("Bedoelde u: wijkteams?")


@pytest.mark.parametrize("failure", ["http-500", "network"])
def test_a_failing_service_shows_an_error(widget: Widget, page: Page, console: Console, failure: str) -> None:
    def fail(route: Route) -> None:
        if failure == "network":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=500, body="kapot", headers={"Access-Control-Allow-Origin": "*"})

    widget.open()
    page.route("**/search?*", fail)
    widget.search("wijkteams")
    error = "Zoeken lukt nu niet. Probeer het later opnieuw."
    expect(widget.message).to_have_text(error)
    expect(widget.status).to_have_text(error)
    expect(widget.listbox).to_be_hidden()
    assert any(e.startswith("[vindplaats-search]") for e in console.errors), console.errors


def test_attributes_configure_the_box(widget: Widget, service: Service, page: Page) -> None:
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/search?" in r.url else None)
    widget.open("options.html")
    label = page.locator("vindplaats-search label")
    expect(label).to_be_visible()
    expect(label).to_have_text("Zoek in de PDF's")
    expect(page.get_by_role("combobox", name="Zoek in de PDF's")).to_be_visible()
    expect(widget.input).to_have_attribute("placeholder", "Zoek een passage")
    expect(page.locator("form.fallback")).to_be_hidden()  # shown only where the widget can't run

    widget.search("sociaal domein")
    api: dict[str, Any] = service.search("sociaal domein", type="pdf", per_page=2)
    expect(widget.options).to_have_count(len(api["results"]))
    expect(widget.options.first.locator(".b")).to_have_text(f"PDF · p. {api['results'][0]['page']}")
    assert "type=pdf" in searches[-1] and "per_page=2" in searches[-1]
    assert searches[-1].startswith(f"{service.url}/search?"), "endpoint attribute (with a trailing slash)"
    expect(widget.all_link).to_have_text("Alle PDF-resultaten")
    expect(widget.all_link).to_have_attribute(
        "href", re.compile(re.escape(f"{service.url}/?q=sociaal+domein&type=pdf&replaces=") + "[0-9a-f]{16}$")
    )


def test_endpoint_defaults_to_the_origin_of_the_script(widget: Widget, service: Service, host: Host) -> None:
    assert not service.url.startswith(host.url)
    widget.open()
    with widget.page.expect_request(lambda r: "/search?" in r.url) as request:
        widget.search("wmo")
    assert request.value.url.startswith(f"{service.url}/search?q=wmo")
