"""The JSON contract of the API (see shared/CONTRACT.md), as pydantic models for /docs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PassageOut(BaseModel):
    page: int | None = Field(description="1-based PDF page; null for web pages")
    snippet: str = Field(description="escaped text; only <mark> is HTML")
    url: str = Field(
        description="where to go: a PDF opens in the service's viewer at the page (/viewer?file=…&page=N&q=…); "
        "a web page carries a text fragment (#:~:text=…) that scrolls to and marks the passage"
    )
    file_url: str = Field(description="the plain document link: the PDF file with #page=N, or the web page")


class ResultOut(BaseModel):
    id: str
    type: str = Field(description="blog or pdf")
    title: str
    url: str = Field(description="where to go: the url of the best passage (viewer or text fragment)")
    file_url: str = Field(description="the plain link of the best passage: the PDF with #page=N, or the page")
    document_url: str = Field(description="the document itself: the PDF file (/files/…) or the page")
    source: str
    date: str | None
    score: float
    snippet: str
    page: int | None
    passages: list[PassageOut]
    categories: list[str]
    tags: list[str]


class SearchOut(BaseModel):
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    suggestion: str | None = Field(description='"Bedoelde u …?" text when words look misspelt')
    ran_query: str | None = Field(
        description="the corrected query that ran, when unknown words were corrected"
    )
    mode: str = Field(description='"all": every word matched; "any": too few did, so any word')
    facets: dict[str, dict[str, int]]
    results: list[ResultOut]
    search_id: str | None = Field(
        None, description="id of this search in the search log, for POST /api/click; null when the log is off"
    )


class SuggestionOut(BaseModel):
    text: str
    url: str | None
    type: str | None = None


class SuggestOut(BaseModel):
    query: str
    suggestions: list[SuggestionOut]


class DocPassageOut(BaseModel):
    page: int | None
    heading: str | None
    text: str
    start: int | None
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
    pages: int | None
    indexed_pages: list[int]
    passages: list[DocPassageOut]


class WithinPassageOut(PassageOut):
    score: float


class WithinOut(BaseModel):
    id: str
    query: str
    total: int
    passages: list[WithinPassageOut]


class HealthOut(BaseModel):
    status: str
    documents: int
    passages: int
    built_at: str | None
