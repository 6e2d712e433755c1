"""Snippets: the best fragment of a passage with matched words in <mark>, all else escaped.

Built from Whoosh's highlighting parts (ContextFragmenter, top_fragments, an HtmlFormatter
subclass). The text is analysed in index mode, so the parts of a compound match too: a search
for "aanbesteding" marks "aanbestedingsprocedure". Whoosh's formatter escapes both the marked
words and the text between them; only our <mark> tags are raw HTML.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
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


def _one_token_per_word(tokens: Iterable[Any], terms: frozenset[str]) -> Iterator[Any]:
    """Collapse a compound and its parts (same start) into one token, matched if any part is."""
    current = None
    for t in tokens:
        matched = t.text in terms
        if current is not None and t.startchar == current.startchar:
            current.matched = current.matched or matched
            continue
        if current is not None:
            yield current
        current = copy.copy(t)
        current.matched = matched
    if current is not None:
        yield current


def snippet(text: str, terms: set[str], max_chars: int = 240) -> str:
    """An escaped excerpt of `text` around the best cluster of `terms`; the start if none."""
    termset = frozenset(terms)
    tokens = _analyzer()(text, chars=True, positions=True, mode="index", removestops=False)
    fragmenter = ContextFragmenter(maxchars=max_chars, surround=max_chars // 3)
    fragments = fragmenter.fragment_tokens(text, _one_token_per_word(tokens, termset))
    best = top_fragments(fragments, 1, BasicFragmentScorer(), lambda f: f.startchar)
    if not best:
        plain = str(htmlescape(text[:max_chars], quote=False))
        return plain + (" …" if len(text) > max_chars else "")
    fragment = best[0]
    html: str = MarkFormatter().format_fragment(fragment)
    prefix = "… " if fragment.startchar > 0 else ""
    suffix = " …" if fragment.endchar < len(text) else ""
    return prefix + html.strip() + suffix
