"""/search and /suggest answer without FastAPI re-validating them: their JSON must still be what
the response models (and so /docs) promise."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.models import SearchOut, SuggestOut


@pytest.mark.parametrize(
    "params",
    [
        {"q": "sociaal domijn"},
        {"q": "wmo", "type": "pdf"},
        {"q": '"right to challenge" -europese', "sort": "date"},
        {"q": "qwzrtx"},
        {"q": "wijkteam", "page": "2", "per_page": "3"},
        {"q": "wat is de participatiewet", "category": "kennisbank"},
    ],
)
def test_search_answers_match_the_model(corpus_client: TestClient, params: dict[str, str]) -> None:
    response = corpus_client.get("/search", params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    data = response.json()
    assert SearchOut.model_validate(data).model_dump(mode="json") == data


@pytest.mark.parametrize("q", ["wijkt", "sociaal d", "zorgcoö", "x"])
def test_suggest_answers_match_the_model(corpus_client: TestClient, q: str) -> None:
    data = corpus_client.get("/suggest", params={"q": q}).json()
    assert SuggestOut.model_validate(data).model_dump(mode="json") == data
