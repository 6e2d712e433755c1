"""The Whoosh schema, declared once and shared by the indexer and the service.

Two kinds of record live in one index, told apart by `record`:

* a **doc** record per document: title and headings (what the document is about), a `body`
  field with all of its text (title, headings, categories, tags and every passage) for
  ranking whole documents, its metadata stored for result lists, and the filter fields;
* a **passage** record per passage: 50-150 words of `content` with the `heading` it falls
  under, its page number and character offsets, pointing to its document through `doc_id`.

A search ranks doc records first (the fields `title`, `headings` and `body` exist only there,
so ten times fewer postings than the passages), then scores the passages of the few
documents it shows (`content`, `heading`). Titles sit only on the doc record, so a query of a
PDF's title words ranks the document once instead of making every page match. A document's
passages follow its doc record in document-number order (they are written together).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from .analysis import DutchAnalyzer, dutch_analyzer, spelling_analyzer

# Raised whenever the terms of a text change: an index written before has other terms than the
# queries this code makes (5: inflected adjectives and -t verb forms share their base form's stem;
# `page` is a column).
SCHEMA_VERSION = 5

# BM25F field weights: the title says most about a document, then its headings, then the
# body text. (Documents are ranked on `body`, which holds title, headings and tags too, with
# a bonus for title and heading matches; passages on `content` and their `heading`.)
FIELD_BOOSTS = {"title": 4.0, "headings": 2.0, "body": 1.0, "heading": 2.0, "content": 1.0}
PASSAGE_FIELDS = ("heading", "content")  # on passage records only


class DutchText(TEXT):  # type: ignore[misc]
    """A TEXT field whose postings come straight from the Dutch chain's terms
    (`DutchAnalyzer.index_terms`) instead of a token object per word through Whoosh's format:
    the same postings (a test compares them with TEXT's), for 4 % less CPU in a 100k build."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        analyzer, fmt = self.analyzer, self.format
        kind = type(fmt)
        direct = kind in (Positions, Frequency) and type(analyzer) is DutchAnalyzer
        if kwargs or not direct or not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        if kind is Positions:
            encode = fmt.encode
            for term, positions in analyzer.index_terms(value, positions=True).items():
                n = len(positions)
                yield term.encode("utf-8"), n, float(n) * boost, encode(positions)
        else:
            for term, n in analyzer.index_terms(value, positions=False).items():
                yield term.encode("utf-8"), n, float(n) * boost, pack_uint(n)


def build_schema(analysis: str = "dutch", stemming: str = "dutch", decompound: bool = True) -> Schema:
    """The schema; `analysis="standard"` swaps in Whoosh's StandardAnalyzer and plain BM25F
    weights, the baseline that `make bench-relevance` compares against."""
    if analysis == "standard":
        text = StandardAnalyzer()
        boosts = dict.fromkeys(FIELD_BOOSTS, 1.0)
    else:
        text = dutch_analyzer(stemming=stemming, decompound=decompound)
        boosts = FIELD_BOOSTS
    return Schema(
        id=ID(stored=True, unique=True),
        # Columns, so grouping hits by document reads no stored fields.
        doc_id=ID(stored=True, sortable=True),
        record=ID(stored=True, sortable=True),
        source=ID(stored=True),
        kind=ID(stored=True),
        year=ID(stored=True),
        published=ID(stored=True, sortable=True),
        category=KEYWORD(stored=True, commas=True, scorable=False),
        tag=KEYWORD(stored=True, commas=True, scorable=False, lowercase=True),
        title=DutchText(analyzer=text, stored=True, field_boost=boosts["title"]),
        headings=DutchText(analyzer=text, stored=True, field_boost=boosts["headings"]),
        # Ranks whole documents; phrases are checked on passages, so no positions here.
        body=DutchText(analyzer=text, phrase=False, field_boost=boosts["body"]),
        heading=DutchText(analyzer=text, stored=True, field_boost=boosts["heading"]),
        content=DutchText(analyzer=text, stored=True, phrase=True, field_boost=boosts["content"]),
        spell=DutchText(analyzer=spelling_analyzer(), phrase=False),
        page=NUMERIC(int, stored=True, sortable=True),  # a column: passages grouped by page cheaply
        start=STORED(),
        end=STORED(),
        url=STORED(),
        file=STORED(),  # the corpus file served as this document, or ""
        author=STORED(),
        summary=STORED(),
        pages=STORED(),
        ocr=STORED(),  # passages: True when the text was recognised from a scanned page image
    )
