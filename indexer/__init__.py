"""Vindplaats indexer: blog pages, WordPress exports, Markdown and PDFs into a Whoosh index.

Data flow: sources -> extract -> documents/passages -> analysis -> index (store).
"""

from .config import IndexerSettings
from .documents import Document, Passage, Skip
from .errors import IndexerError
from .pipeline import IndexReport, build_index, update_index

__all__ = [
    "Document",
    "IndexReport",
    "IndexerError",
    "IndexerSettings",
    "Passage",
    "Skip",
    "build_index",
    "update_index",
]
