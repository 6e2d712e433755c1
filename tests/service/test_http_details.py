"""HTTP details an outside client relies on (issue 8, item 7): HEAD everywhere GET works, no 500
from odd bytes in a path, invisible queries are empty queries, years are ASCII, and the spec
lists the errors the endpoints really give."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.routes.docs import VERSION

Q_MESSAGE = "Ongeldige zoekopdracht: de zoekvraag (q) moet 1 tot 500 tekens lang zijn."
INVISIBLE_QUERIES = [
    "\x00",
    "\x01\x02\x03",
    "\x1b",
    "\u200b",
    "\ufeff",
    " \t\n",
    "\x7f\x85\xa0",
    "\u2028\u3000",
]


def _doc_id(client: TestClient, kind: str = "pdf") -> str:
    result: str = client.get("/search", params={"q": "veldhoven", "type": kind}).json()["results"][0]["id"]
    return result


def _concrete(path: str, client: TestClient) -> str:
    """A real URL for a route template: every GET route must be reachable in this test."""
    values = {
        "{doc_id}": _doc_id(client),
        "{path:path}": "pdf/proeftuin.pdf",
        "{name}": "search.css",
        "{version}": VERSION,
    }
    for template, value in values.items():
        path = path.replace(template, value)
    if path.startswith(f"/docs/assets/{VERSION}/"):
        path = f"/docs/assets/{VERSION}/swagger-ui.css"
    path = re.sub(r"\{[^}]+\}", "x", path)  # a route added later: any value will do
    query = "?q=wijkteams" if path in {"/search", "/suggest", "/"} or path.endswith("/passages") else ""
    return path + query


def _get_routes(routes: list[Any]) -> list[APIRoute]:
    """Every GET route of the app, through included routers."""
    found: list[APIRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += _get_routes(included.routes)
        elif isinstance(route, APIRoute) and "GET" in route.methods:
            found.append(route)
    return found


def test_every_get_route_answers_head(client: TestClient) -> None:
    routes = _get_routes(client.app.routes)  # type: ignore[attr-defined]
    assert len(routes) >= 12, [r.path for r in routes]
    answered = 0
    for route in routes:
        url = _concrete(route.path, client)
        get, head = client.get(url), client.head(url)
        answered += get.status_code == 200
        assert head.status_code == get.status_code != 405, (url, get.status_code, head.status_code)
        assert head.content == b"", url
        assert head.headers["content-type"] == get.headers["content-type"], url
        # the length of the body a GET would get (search answers differ in took_ms by a digit)
        assert ("content-length" in head.headers) == ("content-length" in get.headers), url
    assert answered >= 12
    # and where GET is refused, HEAD is refused the same way
    assert client.head("/documents/onbekend").status_code == 404
    assert client.head("/search?q=").status_code == 422
    assert client.post("/search?q=wmo").status_code == 405


@pytest.mark.parametrize(
    "path", ["/files/pdf/proeftuin.pdf%00", "/files/%00", "/files/pdf%00/proeftuin.pdf", "/files/pdf/%0a.pdf"]
)
def test_control_bytes_in_a_files_path_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("q", INVISIBLE_QUERIES)
def test_a_query_of_invisible_characters_is_an_empty_query(client: TestClient, q: str) -> None:
    doc = _doc_id(client)
    for path in ["/search", "/suggest", f"/documents/{doc}/passages"]:
        response = client.get(path, params={"q": q})
        assert response.status_code == 422, (path, repr(q))
        assert response.json()["message"] == Q_MESSAGE
    page = client.get("/", params={"q": q})
    assert page.status_code == 200
    assert "resultaten voor" not in page.text and "Zoek op een woord of een vraag" in page.text


def test_invisible_characters_around_words_are_ignored(client: TestClient) -> None:
    plain = client.get("/search", params={"q": "wijkteams"}).json()
    noisy = client.get("/search", params={"q": "\x00wijkteams\u200b\x1b"}).json()
    assert plain["total"] > 0
    assert noisy["query"] == "wijkteams"
    assert [r["id"] for r in noisy["results"]] == [r["id"] for r in plain["results"]]
    assert client.get("/suggest", params={"q": "\ufeffwijk"}).json()["query"] == "wijk"


@pytest.mark.parametrize("year", ["٢٠١٨", "２０１８", "۲۰۱۸", "201８", "²⁰¹⁸"])
def test_year_takes_ascii_digits_only(client: TestClient, year: str) -> None:
    response = client.get("/search", params={"q": "social return", "year": year})
    assert response.status_code == 422
    assert "jaar (year) moet vier cijfers zijn" in response.json()["message"]
    filtered = client.get("/", params={"q": "social return", "year": year}).text
    assert year not in filtered.split("<main", 1)[1].split("</form>", 1)[0], "not kept as a filter"


def test_year_filter_still_works(client: TestClient) -> None:
    found = client.get("/search", params={"q": "social return", "year": "2018"}).json()
    assert found["total"] >= 1 and all(r["date"].startswith("2018") for r in found["results"])


def _operation(spec: dict[str, Any], path: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path]["get"]
    return operation


def _ref(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    name = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def test_the_spec_lists_the_errors_each_endpoint_gives(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ["/documents/{doc_id}", "/documents/{doc_id}/passages"]:
        not_found = _operation(spec, path)["responses"]["404"]
        assert set(_ref(spec, not_found)["properties"]) == {"detail"}
    for path in ["/search", "/suggest", "/documents/{doc_id}", "/documents/{doc_id}/passages"]:
        responses = _operation(spec, path)["responses"]
        assert set(_ref(spec, responses["422"])["properties"]) == {"detail", "message"}
        assert set(_ref(spec, responses["503"])["properties"]) == {"detail", "message"}
        assert "Retry-After" in responses["503"]["headers"]
    # and the documented 404 is what the endpoint sends
    answer = client.get("/documents/onbekend")
    assert answer.status_code == 404 and set(answer.json()) == {"detail"}


def test_the_spec_documents_every_endpoint_and_parameter(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["description"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") and operation.get("description"), (method, path)
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (path, parameter["name"])
    q = next(p for p in _operation(spec, "/search")["parameters"] if p["name"] == "q")
    assert q["schema"]["minLength"] == 1 and q["schema"]["maxLength"] == 500
    assert q.get("examples") or q["schema"].get("examples")
    year = next(p for p in _operation(spec, "/search")["parameters"] if p["name"] == "year")
    pattern = year["schema"]["anyOf"][0]["pattern"]
    assert re.search(pattern, "2014") and not re.search(pattern, "٢٠١٤")
