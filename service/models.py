"""The JSON contract of the API (see shared/CONTRACT.md), as pydantic models for /docs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PassageOut(BaseModel):
    page: int | None = Field(description="1-based PDF page; null for web pages")
    snippet: str = Field(description="escaped text; only <mark> is HTML")
    url: str = Field(description="the document URL, with #page=N for PDFs")


class ResultOut(BaseModel):
    id: str
    type: str = Field(description="blog, pdf or kennisbank")
    title: str
    url: str = Field(description="where to go: for a PDF, the page of its best passage")
    document_url: str
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
    unknown_words: list[str] = Field(
        default_factory=list,
        description="words of the query that no document contains (after corrections and synonyms)",
    )
    mode: str = Field(description='"all": every result has every word; "any": some results lack some')
    facets: dict[str, dict[str, int]]
    results: list[ResultOut]


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
