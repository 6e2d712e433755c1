"""Snippets never fail and never let HTML through, whatever the text and the query terms."""

from __future__ import annotations

import html
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from service.highlight import Marks, snippet
from service.query import parse_query
from service.synonyms import Synonyms

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


def marks_in(out: str) -> list[str]:
    return [html.unescape(m.split("</mark>")[0]) for m in out.split("<mark>")[1:]]


def test_the_fragment_covers_the_most_distinct_query_words() -> None:
    text = (
        "De gemeente sprak. De gemeente schreef. De gemeente besloot. De gemeente wachtte. "
        + "Een lange zin over iets heel anders dan waar het hier om gaat, met veel woorden erin. " * 3
        + "Daarna kwam het wijkteam bij de gemeente langs."
    )
    out = snippet(text, Marks.from_query("gemeente wijkteam"))
    assert {"wijkteam", "gemeente"} <= set(marks_in(out))


def test_the_fragment_starts_at_a_sentence() -> None:
    text = "Eerst iets anders. " * 20 + "Het wijkteam komt langs. Daarna nog meer tekst. " * 3
    out = snippet(text, Marks.from_query("wijkteam"))
    assert out.startswith("… Het <mark>wijkteam</mark> komt langs.")


def test_a_synonym_is_marked_as_one_phrase_and_compound_parts_only_for_query_words(tmp_path: Path) -> None:
    table = tmp_path / "synonyms.txt"
    table.write_text("wmo, wet maatschappelijke ondersteuning\n", encoding="utf-8")
    groups = parse_query("wmo", Synonyms(table)).groups
    text = "De Wet maatschappelijke ondersteuning, de Wmo, staat naast de Jeugdwet en de Participatiewet."
    assert marks_in(snippet(text, Marks.from_groups(groups))) == ["Wet maatschappelijke ondersteuning", "Wmo"]
    # A compound's part is marked when the part itself is a query word.
    out = snippet("Over de aanbestedingsprocedure en de Jeugdwet.", Marks.from_query("aanbesteding wet"))
    assert marks_in(out) == ["aanbestedingsprocedure", "Jeugdwet"]


def test_numerals_and_stopword_like_words_are_not_marked() -> None:
    text = "Na vijftien jaar en achttien maanden liep het tien keer mis, tussen de regels door."
    assert marks_in(snippet(text, Marks.from_query("tien"))) == ["tien"]
    groups = parse_query("verschil tussen subsidie en inkoop").groups
    out = snippet("Het verschil tussen subsidie en inkoop is groot.", Marks.from_groups(groups))
    assert "tussen" not in marks_in(out) and "subsidie" in marks_in(out)


PIECES = ["wijkteam", "Wijkteams", "buurtwijkteam", "gemeente", "gemeenten", "Gemeentehuis", "2013"]
GLUE = [" ", "_", "-", ", ", "é", "x", "3", "\n", ". "]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(GLUE)), max_size=40))
def test_marks_are_the_words_whose_terms_are_query_terms(parts: list[tuple[str, str]]) -> None:
    """Marks are found per distinct word and placed with `str.find`; they must be what a walk
    over every word finds: a whole word (as the tokenizer cuts them) whose own term, or else a
    compound part's, is a query term."""
    from indexer import analysis
    from service import highlight

    text = "".join(piece + glue for piece, glue in parts)
    marks = Marks.from_query("wijkteam gemeente 2013")
    expected = []
    for m in highlight.WORD.finditer(text):
        terms = analysis.word_terms(m.group())
        group = next((marks.words[t] for t in terms if t in marks.words), None) if terms else None
        if terms and terms[0] in marks.words:
            group = marks.words[terms[0]]
        if group is not None:
            expected.append((m.start(), m.end(), group))
    assert highlight._marks(text, marks) == expected
