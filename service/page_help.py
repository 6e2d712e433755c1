"""What the results page offers besides results: the visitor's own query when a corrected one
ran, fewer words when nothing was found, and the site's main themes.

Pure functions over strings and the snapshot's document table; `routes/pages.py` renders them.
"""

from __future__ import annotations

from collections import Counter

from indexer.text import fold

from .query import CHUNK, WORD
from .reader import Snapshot

MAX_THEMES = 6
MAX_DROPS = 6


def _chunks(q: str) -> list[str]:
    """The query's parts as the visitor wrote them: words, "quoted phrases", -exclusions."""
    return [m.group(0) for m in CHUNK.finditer(q)]


def _folded_words(text: str) -> list[str]:
    return [fold(w.lower()) for w in WORD.findall(text)]


def literal_query(q: str, ran_query: str | None) -> str:
    """`q` with the words that the search replaced put in quotes, so it runs as typed.

    "sociaal domijn" that ran as "sociaal domein" becomes `sociaal "domijn"`: a quoted word is
    exact and never corrected. Words that ran unchanged stay as they are; when the two cannot
    be lined up word for word, every plain word is quoted.
    """
    if not ran_query:
        return q
    ran = _folded_words(ran_query)
    plain = [c for c in _chunks(q) if not c.startswith(('"', "-"))]
    aligned = sum(len(_folded_words(c)) for c in plain) == len(ran)
    out: list[str] = []
    position = 0
    for chunk in _chunks(q):
        if chunk.startswith(('"', "-")):
            out.append(chunk)
            continue
        words = _folded_words(chunk)
        changed = not aligned or words != ran[position : position + len(words)]
        position += len(words)
        out.append(f'"{chunk}"' if changed and words else chunk)
    return " ".join(out)


def fewer_words(q: str) -> list[tuple[str, str]]:
    """(part left out, the query without it) for each part of a query of two or more."""
    parts = _chunks(q)
    if len(parts) < 2:
        return []
    return [(part, " ".join(parts[:n] + parts[n + 1 :])) for n, part in enumerate(parts)][:MAX_DROPS]


_THEMES: dict[tuple[str, int], list[str]] = {}


def main_themes(snap: Snapshot, limit: int = MAX_THEMES) -> list[str]:
    """The categories most documents carry: the site's own themes, whatever the site is.

    Kept per build (a build directory never changes), for the few builds a process sees."""
    key = (str(snap.path), limit)
    if key not in _THEMES:
        if len(_THEMES) > 8:
            _THEMES.clear()
        _THEMES[key] = _count_themes(snap, limit)
    return _THEMES[key]


def _count_themes(snap: Snapshot, limit: int) -> list[str]:
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for doc in snap.docs.values():
        for category in doc.categories:
            key = fold(category.lower())
            counts[key] += 1
            shown.setdefault(key, category)
    return [shown[key] for key, _ in counts.most_common(limit)]
