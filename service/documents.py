"""Browsing endpoints that need no query engine: search-as-you-type and one document's detail."""

from __future__ import annotations

from collections import Counter
from typing import Any

from indexer.text import fold

from .links import passage_links
from .reader import Snapshot
from .spelling import completions


def suggest(snap: Snapshot, prefix: str, limit: int = 8) -> dict[str, Any]:
    """Titles that contain a word starting with the last typed word, then word completions."""
    text = " ".join(prefix.split())[:100]
    words = [fold(w.lower()) for w in text.split()]
    out: list[dict[str, Any]] = []
    if not words:
        return {"query": prefix, "suggestions": out}
    last = "".join(ch for ch in words[-1] if ch.isalnum())
    head = words[:-1]
    if not last:
        return {"query": prefix, "suggestions": out}
    for folded, doc_id in snap.folded_titles:
        title_words = folded.replace("-", " ").split()
        if all(any(tw.startswith(w) for tw in title_words) for w in [*head, last]):
            doc = snap.docs[doc_id]
            out.append({"text": doc.title, "url": doc.url, "type": doc.kind})
            if len(out) >= limit // 2:
                break
    for word in completions(snap, last, limit - len(out)):
        out.append({"text": " ".join([*head, word]), "url": None, "type": None})
    return {"query": prefix, "suggestions": out}


def document_detail(snap: Snapshot, doc_id: str) -> dict[str, Any] | None:
    doc = snap.docs.get(doc_id)
    if doc is None:
        return None
    rows = sorted(
        (s for s in snap.searcher.documents(doc_id=doc_id, record="passage")),
        key=lambda s: (s.get("page") or 0, s.get("start") or 0),
    )
    pages: dict[int, int] = Counter(int(s.get("page") or 0) for s in rows if s.get("page"))
    return {
        "id": doc.id,
        "type": doc.kind,
        "title": doc.title,
        "url": doc.url,
        "source": doc.source,
        "date": doc.published or None,
        "author": doc.author or None,
        "categories": list(doc.categories),
        "tags": list(doc.tags),
        "summary": doc.summary,
        "pages": doc.pages or None,
        "indexed_pages": sorted(pages),
        "passages": [
            {
                "page": int(s.get("page") or 0) or None,
                "heading": s.get("headings") or None,
                "text": s.get("content", ""),
                "start": s.get("start"),
                "end": s.get("end"),
                **passage_links(doc, int(s.get("page") or 0) or None, s.get("content", "")),
            }
            for s in rows
        ],
    }
