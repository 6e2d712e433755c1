"""The Whoosh schema, declared once and shared by the indexer and the service.

Two kinds of record live in one index, told apart by `record`:

* a **doc** record per document: title, headings, categories and tags (what the document is
  about), with its metadata stored for result lists and facets;
* a **passage** record per passage: 50-150 words of body text with its page number and
  character offsets, pointing to its document through `doc_id`.

A search runs over both and groups hits by `doc_id`: one result per document with its best
passages. Titles sit only on the doc record, so a query of a PDF's title words ranks the
document once instead of making every page match.

Filter fields (`kind`, `year`, `category`, `tag`) are copied onto every record so a filter
restricts passages and documents alike.
"""

from __future__ import annotations

from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import dutch_analyzer, spelling_analyzer

SCHEMA_VERSION = 3

# BM25F field weights: the title says most about a document, then its headings, then the
# categories and tags the author chose, then the body text.
FIELD_BOOSTS = {"title": 4.0, "headings": 2.0, "meta": 1.5, "content": 1.0}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)


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
        title=TEXT(analyzer=text, stored=True, field_boost=boosts["title"]),
        headings=TEXT(analyzer=text, stored=True, field_boost=boosts["headings"]),
        meta=TEXT(analyzer=text, field_boost=boosts["meta"]),
        content=TEXT(analyzer=text, stored=True, phrase=True, field_boost=boosts["content"]),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        page=NUMERIC(int, stored=True),
        start=STORED(),
        end=STORED(),
        url=STORED(),
        file=STORED(),  # the corpus file served as this document, or ""
        author=STORED(),
        summary=STORED(),
        pages=STORED(),
        ocr=STORED(),  # passages: True when the text was recognised from a scanned page image
    )
