"""An index as a sync of a WordPress site writes it: PDFs that live on the site, at its URLs.

The sync itself is another module's job; these tests need only its result: PDF documents made by
the real extractor from a real PDF, whose URL is the site's (`…/wp-content/uploads/…`).
"""

from __future__ import annotations

from pathlib import Path

from indexer import IndexerSettings, store
from indexer.extract import extract_file


def write_synced_index(index: Path, pdf: Path, urls: list[str]) -> None:
    """One PDF document per URL in `urls`, each the text of `pdf`."""
    settings = IndexerSettings()
    build_dir = store.new_build_dir(index)
    ix = store.create_index(build_dir)
    with store.writer(ix) as w:
        for n, url in enumerate(urls):
            doc = extract_file(pdf, f"site/{n}/{url.rsplit('/', 1)[-1]}", settings).documents[0]
            doc.url, doc.file = url, ""  # the site's file, not one this service serves
            store.add_document(w, doc)
    store.write_build_info(build_dir, {"documents": len(urls), "sources": {}})
    store.swap(index, build_dir)
