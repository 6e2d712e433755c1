"""Snippets: the best fragment of a passage with matched words in <mark>, all else escaped.

The text is analysed in index mode, so the parts of a compound match too: a search for
"aanbesteding" marks "aanbestedingsprocedure". The window is the stretch of at most 240
characters holding the most matched words. Whoosh's Fragment and HtmlFormatter (subclassed to
write <mark>) escape both the marked words and the text between them; only our <mark> tags are
raw HTML.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from whoosh.compat import htmlescape
from whoosh.highlight import Fragment, HtmlFormatter, get_text

from indexer.analysis import default_analyzer


class MarkFormatter(HtmlFormatter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return "<mark>" + str(htmlescape(get_text(text, token, replace), quote=False)) + "</mark>"


class _Word:
    """The little of a Whoosh Token the formatter uses."""

    __slots__ = ("boost", "endchar", "matched", "startchar", "text")

    def __init__(self, startchar: int, endchar: int, text: str, matched: bool) -> None:
        self.startchar, self.endchar, self.text, self.matched = startchar, endchar, text, matched
        self.boost = 1.0

    def copy(self) -> _Word:
        return _Word(self.startchar, self.endchar, self.text, self.matched)


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[tuple[int, int, frozenset[str]], ...]:
    """(start, end, terms) per word of a passage: a compound carries its parts' terms too.

    Cached by text: analysing passages is most of a query's cost, and visitors typing in the
    search box ask for the same passages again and again.
    """
    spans: dict[int, tuple[int, set[str]]] = {}
    for t in default_analyzer()(text, chars=True, mode="index", removestops=False):
        _end, terms = spans.setdefault(t.startchar, (t.endchar, set()))
        terms.add(t.text)
    return tuple((start, end, frozenset(terms)) for start, (end, terms) in spans.items())


def _best_window(spans: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """The run of matched words that fits in `width` characters and holds the most of them."""
    best: list[tuple[int, int]] = []
    j = 0
    for i in range(len(spans)):
        j = max(j, i)
        while j < len(spans) and spans[j][1] - spans[i][0] <= width:
            j += 1
        if j - i > len(best):
            best = spans[i:j]
    return best or spans[:1]


def snippet(text: str, terms: set[str], max_chars: int = 240) -> str:
    """An escaped excerpt of `text` around the best cluster of `terms`; the start if none."""
    spans = [(start, end) for start, end, found in _words(text) if not terms.isdisjoint(found)]
    if not spans:
        plain = str(htmlescape(text[:max_chars], quote=False))
        return plain + (" …" if len(text) > max_chars else "")
    window = _best_window(spans, max_chars * 2 // 3)
    first, last = window[0][0], window[-1][1]
    start = max(0, first - (max_chars - (last - first)) // 3)
    if start > 0:  # begin at a word boundary
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else first
    end = min(len(text), max(last, start + max_chars))
    if end < len(text):
        space = text.rfind(" ", last, end)
        end = space if space != -1 else max(last, end)
    marks = [_Word(s, e, "", True) for s, e in spans if s >= start and e <= end]
    html: str = MarkFormatter().format_fragment(Fragment(text, marks, start, end))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + html.strip() + suffix


def matched_words(text: str, terms: set[str]) -> list[str]:
    """The words of `text` that match `terms`, as written there (first spelling, in order)."""
    seen: dict[str, str] = {}
    for start, end, found in _words(text):
        if not terms.isdisjoint(found):
            word = text[start:end]
            seen.setdefault(word.lower(), word)
    return list(seen.values())
