"""Browsing endpoints that need no ranking: search-as-you-type and one document's detail.

`/suggest` answers from structures built once per index snapshot: `TitleIndex` (every title
word, sorted, pointing at its documents) and the spelling `Vocabulary` (every index word,
sorted, with its document count), so a keystroke costs two binary searches whatever the size
of the index.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from typing import Any

from indexer.text import fold

from .links import passage_links
from .reader import DocInfo, Snapshot

MAX_TITLE_CANDIDATES = 400


def _title_words(title: str) -> list[str]:
    return [w for w in "".join(ch if ch.isalnum() else " " for ch in fold(title.lower())).split() if w]


class TitleIndex:
    """(title word, document index) pairs sorted by word: titles with a word starting with …"""

    def __init__(self, docs: list[DocInfo]) -> None:
        pairs = sorted({(w, i) for i, d in enumerate(docs) for w in _title_words(d.title)})
        self.words = [w for w, _ in pairs]
        self.docs = array("I", (i for _, i in pairs))
        self.folded = [" ".join(_title_words(d.title)) for d in docs]

    def starting_with(self, prefix: str) -> list[int]:
        """Documents (dense indexes, ascending) with a title word starting with `prefix`."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        return sorted(set(self.docs[lo : min(hi, lo + MAX_TITLE_CANDIDATES)]))

    def matches(self, i: int, prefixes: list[str]) -> bool:
        words = self.folded[i].split()
        return all(any(w.startswith(p) for w in words) for p in prefixes)


def suggest(snap: Snapshot, prefix: str, limit: int = 8) -> dict[str, Any]:
    """Titles with a word starting with each typed word (the last one still being typed),
    newest first, then completions of the last word."""
    text = " ".join(prefix.split())[:100]
    words = ["".join(ch for ch in fold(w.lower()) if ch.isalnum()) for w in text.split()]
    words = [w for w in words if w]
    out: list[dict[str, Any]] = []
    if not words:
        return {"query": prefix, "suggestions": out}
    head, last = words[:-1], words[-1]
    titles: TitleIndex = snap.titles
    found = titles.starting_with(last)
    if head:
        found = [i for i in found if titles.matches(i, head)]
    found.sort(key=lambda i: snap.order[i].published or "0000", reverse=True)
    for i in found[: limit // 2]:
        doc = snap.order[i]
        out.append({"text": doc.title, "url": doc.url, "type": doc.kind})
    for word in snap.vocabulary.completions(last, limit - len(out)):
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
                "heading": s.get("heading") or None,
                "text": s.get("content", ""),
                "start": s.get("start"),
                "end": s.get("end"),
                **passage_links(doc, int(s.get("page") or 0) or None, s.get("content", "")),
            }
            for s in rows
        ],
    }
