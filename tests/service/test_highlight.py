"""Snippets never fail and never let HTML through, whatever the text and the query terms."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from service.highlight import Marks, snippet

TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=600)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, query=st.text(max_size=40))
def test_snippets_escape_everything_but_mark(text: str, query: str) -> None:
    out = snippet(text, Marks.from_query(query))
    bare = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    assert out.count("<mark>") == out.count("</mark>")


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(st.sampled_from(["wijkteam", "<b>", "gemeente", "&amp;", "coöperatie", "x"]), max_size=60)
)
def test_marked_words_are_the_query_words(words: list[str]) -> None:
    text = " ".join(words)
    out = snippet(text, Marks.from_query("gemeenten cooperatie"))
    marked = [html.unescape(m.split("</mark>")[0]) for m in out.split("<mark>")[1:]]
    assert all(m in {"gemeente", "coöperatie"} for m in marked)
    if "gemeente" in words and len(text) <= 160:
        assert "<mark>gemeente</mark>" in out
