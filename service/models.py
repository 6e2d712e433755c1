"""The JSON contract of the API (docs/contract.md), as pydantic models for /docs and the spec."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PassageOut(BaseModel):
    page: int | None = Field(description="1-based PDF page; null for web pages", examples=[7])
    snippet: str = Field(
        description="escaped text; only <mark> is HTML",
        examples=["… de gemeente en het <mark>sociaal</mark> <mark>domein</mark> …"],
    )
    url: str = Field(
        description="where to go: a PDF opens in the service's viewer at the page (/viewer?file=…&page=N&q=…); "
        "a web page carries a text fragment (#:~:text=…) that scrolls to and marks the passage",
        examples=["https://zoeken.example.nl/viewer?file=/files/pdf/manifest.pdf&page=7&q=wijkteams"],
    )
    file_url: str = Field(
        description="the plain document link: the PDF file with #page=N, or the web page",
        examples=["https://zoeken.example.nl/files/pdf/manifest.pdf#page=7"],
    )
    ocr: bool = Field(False, description="the passage's text was recognised from a scanned page (OCR)")


class ResultOut(BaseModel):
    id: str = Field(description="document id, for /documents/{id}")
    type: str = Field(description="blog, pdf or kennisbank", examples=["pdf"])
    title: str
    url: str = Field(description="where to go: the url of the best passage (viewer or text fragment)")
    file_url: str = Field(description="the plain link of the best passage: the PDF with #page=N, or the page")
    document_url: str = Field(description="the document itself: the PDF file (/files/…) or the page")
    source: str = Field(description="path of the source file relative to the corpus")
    date: str | None = Field(description="publication date (ISO 8601), if known", examples=["2014-03-12"])
    score: float = Field(description="relevance score (higher is better; comparable within one answer)")
    snippet: str = Field(description="the best passage: escaped text, only <mark> is HTML")
    page: int | None = Field(description="PDF page of the best passage; null for web pages")
    passages: list[PassageOut] = Field(description="the best passages, at most 3")
    categories: list[str]
    tags: list[str]


class SearchOut(BaseModel):
    query: str = Field(description="the query as searched (invisible characters removed)")
    total: int = Field(description="number of matching documents")
    page: int
    per_page: int
    took_ms: float = Field(description="time spent searching, in milliseconds")
    suggestion: str | None = Field(description='"Bedoelde u …?" text when words look misspelt')
    ran_query: str | None = Field(
        description="the corrected query that ran, when unknown words were corrected"
    )
    mode: str = Field(description='"all": every result has every word; "any": some results lack some')
    facets: dict[str, dict[str, int]] = Field(
        description="counts per type, year and category over all matching documents",
        examples=[{"type": {"blog": 9, "pdf": 3}, "year": {"2014": 5}, "category": {"Wmo": 4}}],
    )
    unknown_words: list[str] = Field(
        default_factory=list,
        description="words of the query that no document contains (after corrections and synonyms)",
    )
    results: list[ResultOut]
    search_id: str | None = Field(
        None, description="id of this search in the search log, for POST /api/click; null when the log is off"
    )


class SuggestionOut(BaseModel):
    text: str = Field(description="a matching title, or a completed query")
    url: str | None = Field(description="the document, for a title; null for a completion")
    type: str | None = None


class SuggestOut(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class DocPassageOut(BaseModel):
    page: int | None
    heading: str | None = Field(description="the heading the passage sits under, if any")
    text: str
    start: int | None = Field(description="character offset of the passage in its page or text")
    end: int | None
    url: str
    file_url: str


class DocumentOut(BaseModel):
    id: str
    type: str
    title: str
    url: str
    source: str
    date: str | None
    author: str | None
    categories: list[str]
    tags: list[str]
    summary: str
    pages: int | None = Field(description="number of pages of a PDF; null for web pages")
    indexed_pages: list[int] = Field(description="the PDF pages that have text in the index")
    passages: list[DocPassageOut]


class WithinPassageOut(PassageOut):
    score: float


class WithinOut(BaseModel):
    id: str
    query: str
    total: int = Field(description="number of matching passages")
    passages: list[WithinPassageOut]


class HealthOut(BaseModel):
    status: str = Field(
        description='"ok", or "degraded" (HTTP 503) when searches fail or the index is damaged',
        examples=["ok"],
    )
    documents: int = Field(description="documents in the served index")
    passages: int = Field(description="passages in the served index")
    built_at: str | None = Field(description="when the served build was made (ISO 8601)")
    reason: str | None = Field(
        None, description="why degraded; when ok, a newer build that could not be loaded, if any"
    )


# --- errors ---------------------------------------------------------------------------------


class NotFoundOut(BaseModel):
    detail: str = Field(description="what was not found (Dutch)", examples=["Document 'x' bestaat niet."])


class ValidationItemOut(BaseModel):
    loc: list[str | int] = Field(examples=[["query", "q"]])
    msg: str
    type: str


class InvalidOut(BaseModel):
    detail: list[ValidationItemOut] = Field(description="each invalid parameter")
    message: str = Field(
        description="one sentence for the visitor (Dutch)",
        examples=["Ongeldige zoekopdracht: de zoekvraag (q) moet 1 tot 500 tekens lang zijn."],
    )


class UnavailableOut(BaseModel):
    detail: str = Field(examples=["overloaded"])
    message: str = Field(
        description="one sentence for the visitor (Dutch)",
        examples=["De zoekdienst is even te druk. Probeer het over een paar seconden opnieuw."],
    )


RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": InvalidOut, "description": "invalid parameters; `message` says which (Dutch)"}
}
BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": UnavailableOut,
        "description": "too many requests in progress: answered at once, retry after `Retry-After` seconds",
        "headers": RETRY_AFTER,
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": NotFoundOut, "description": "no document with this id"}
}
