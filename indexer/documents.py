"""The records extraction produces: a Document and its Passages.

A Document is one searchable unit with one URL (a blog post, a page, a PDF). Its text is cut
into Passages of roughly 50-150 words; a passage never crosses a PDF page and knows its page
number and character offsets on that page, so a result can deep-link to `url#page=N`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Passage:
    text: str
    page: int | None = None  # 1-based PDF page; None for web pages
    heading: str = ""  # nearest heading above the passage, if any
    start: int = 0  # character offsets of the passage in its page (or body) text
    end: int = 0
    ocr: bool = False  # the text was recognised from a scanned page image (Tesseract)


@dataclass(slots=True)
class Document:
    source: str  # path relative to the corpus directory
    kind: str  # "blog", "pdf" or "kennisbank" (notes, glossary, FAQ: reference pages)
    title: str
    url: str  # an absolute http(s) URL, or our own `/files/…` path (made absolute when served)
    passages: list[Passage] = field(default_factory=list)
    published: date | None = None
    author: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    key: str = ""  # distinguishes documents that share one source file (WXR items)
    pages: int = 0  # number of pages for PDFs
    # The corpus file the service may serve at /files/ because it *is* this document (a PDF,
    # a note without a URL of its own); "" when the document lives at its own URL. Never
    # derived from `url`: an export or a saved page is not served whatever its items say.
    file: str = ""

    @property
    def id(self) -> str:
        digest = hashlib.sha1(f"{self.source}\0{self.key}".encode()).hexdigest()
        return digest[:16]

    @property
    def body(self) -> str:
        return "\n\n".join(p.text for p in self.passages)


@dataclass(frozen=True, slots=True)
class Skip:
    """A source file (or part of one) that was not indexed, and why."""

    source: str
    reason: str


# Folders whose documents are reference pages (a glossary, an FAQ, notes), not blog posts.
KENNISBANK_FOLDERS = frozenset({"notes", "kennisbank"})
# Front-matter `type:` values, lowercased.
KENNISBANK_TYPES = frozenset({"kennisbank", "note", "notitie", "begrippenlijst", "glossary", "faq"})
BLOG_TYPES = frozenset({"blog", "post", "bericht", "artikel"})


def document_kind(source: str, declared: object = None) -> tuple[str, str]:
    """("blog" or "kennisbank", problem) for a web page or note: a front-matter `type:` wins,
    else the folder decides. `problem` names a `type:` value that is neither (then the folder
    decides)."""
    if declared is not None and str(declared).strip():
        value = " ".join(str(declared).lower().split())
        if value in KENNISBANK_TYPES:
            return "kennisbank", ""
        if value in BLOG_TYPES:
            return "blog", ""
        problem = f"front matter type {str(declared)!r} is neither blog nor kennisbank"
    else:
        problem = ""
    folders = {part.lower() for part in source.split("/")[:-1]}
    return ("kennisbank" if folders & KENNISBANK_FOLDERS else "blog"), problem
