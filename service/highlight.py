"""Snippets: the best fragment of a passage with matched words in <mark>, all else escaped.

Built from Whoosh's highlighting parts (ContextFragmenter, top_fragments, an HtmlFormatter
subclass). The text is analysed in index mode, so the parts of a compound match too: a search
for "aanbesteding" marks "aanbestedingsprocedure". Whoosh's formatter escapes both the marked
words and the text between them; only our <mark> tags are raw HTML.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from whoosh.compat import htmlescape
from whoosh.highlight import (
    BasicFragmentScorer,
    ContextFragmenter,
    HtmlFormatter,
    get_text,
    top_fragments,
)

from indexer.analysis import dutch_analyzer

_ANALYZER = None


def _analyzer() -> Any:
    global _ANALYZER
    if _ANALYZER is None:
        _ANALYZER = dutch_analyzer()
    return _ANALYZER


class MarkFormatter(HtmlFormatter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return "<mark>" + str(htmlescape(get_text(text, token, replace), quote=False)) + "</mark>"


class _Word:
    """The little of a Whoosh Token the fragmenter and formatter use."""

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
    for t in _analyzer()(text, chars=True, mode="index", removestops=False):
        _end, terms = spans.setdefault(t.startchar, (t.endchar, set()))
        terms.add(t.text)
    return tuple((start, end, frozenset(terms)) for start, (end, terms) in spans.items())


def snippet(text: str, terms: set[str], max_chars: int = 240) -> str:
    """An escaped excerpt of `text` around the best cluster of `terms`; the start if none."""
    tokens = (_Word(start, end, "", not terms.isdisjoint(found)) for start, end, found in _words(text))
    fragmenter = ContextFragmenter(maxchars=max_chars, surround=max_chars // 3)
    fragments = fragmenter.fragment_tokens(text, tokens)
    best = top_fragments(fragments, 1, BasicFragmentScorer(), lambda f: f.startchar)
    if not best:
        plain = str(htmlescape(text[:max_chars], quote=False))
        return plain + (" …" if len(text) > max_chars else "")
    fragment = best[0]
    html: str = MarkFormatter().format_fragment(fragment)
    prefix = "… " if fragment.startchar > 0 else ""
    suffix = " …" if fragment.endchar < len(text) else ""
    return prefix + html.strip() + suffix
