"""Where documents come from: one interface, three kinds of source.

    folder.py     the files of a corpus directory (`build`, `update`)
    wordpress.py  a WordPress site through its REST API (`sync`)
    sitemap.py    any other site through its sitemaps or feed (`sync`)
    web.py        the items a live site yields (posts, pages, PDFs) and the PDF fetching they share

Every source produces `SourceItem`s. The pipeline needs three things of an item: a stable
`source` key (the manifest and the index's `source` field use it, so an update can replace or
delete exactly that item's documents), a `sha1` fingerprint of its content (unchanged items are
not extracted again), and `extract(settings)`, which runs in a worker process under its time
and memory limits and returns the item's documents and skips.
"""

from __future__ import annotations

from typing import Protocol

from ..config import IndexerSettings
from ..extract import Extraction
from .folder import SourceFile, binary_reason, discover, scan


class SourceItem(Protocol):
    @property
    def source(self) -> str: ...

    @property
    def sha1(self) -> str: ...

    def extract(self, settings: IndexerSettings) -> Extraction: ...


__all__ = ["SourceFile", "SourceItem", "binary_reason", "discover", "scan"]
