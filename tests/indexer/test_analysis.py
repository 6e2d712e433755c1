"""The Dutch analysis chain: the same terms for the forms a visitor and an author use."""

from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import (
    TOKEN_PATTERN,
    _base,
    analyze,
    composed_chain,
    default_analyzer,
    dutch_analyzer,
    spelling_analyzer,
    stem,
    word_terms,
)
from indexer.compounds import split
from indexer.text import clean_text

from ..conftest import REPO


def terms(text: str, mode: str = "query") -> list[str]:
    return analyze(text, mode=mode)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("gemeente", "gemeenten"),
        ("gemeente", "gemeentes"),
        ("coöperatie", "cooperatie"),
        ("coöperatie", "coöperaties"),
        ("sociaal", "sociale"),
        ("decentralisatie", "decentralisaties"),
        ("cliënt", "cliënten"),
        ("financiële", "financieel"),
        ("wijkteam", "wijkteams"),
        ("aanbesteding", "aanbestedingen"),
    ],
)
def test_forms_share_one_term(a: str, b: str) -> None:
    assert terms(a) == terms(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Inflected adjectives, which Snowball leaves apart (issue 10: "europees aanbesteden"
        # missed every post about "Europese aanbestedingen").
        ("europees", "europese"),
        ("groot", "grote"),
        ("goed", "goede"),
        ("nieuw", "nieuwe"),
        ("klein", "kleine"),
        ("boos", "boze"),
        ("positief", "positieve"),
        ("lokaal", "lokale"),
        # A verb's -t form and its infinitive ("hoe lang duurt …").
        ("duurt", "duren"),
        ("beoordeelt", "beoordelen"),
        ("controleert", "controleren"),
        ("besteedt", "besteden"),
        ("leeft", "leven"),
        ("reist", "reizen"),
        ("verandert", "veranderen"),
    ],
)
def test_inflected_forms_share_one_term(a: str, b: str) -> None:
    assert terms(a) == terms(b)


@pytest.mark.parametrize(
    ("a", "b"),
    # Nouns that only look like an inflected form: the lexicon says the look-alike verb is
    # far rarer, so they keep their own term.
    [("buurt", "buren"), ("haast", "hazen"), ("rust", "russen"), ("type", "typ")],
)
def test_nouns_that_look_inflected_keep_their_term(a: str, b: str) -> None:
    assert terms(a) != terms(b)


def test_gemeente_is_not_stemmed_into_menen() -> None:
    assert terms("gemeente") != terms("menen")


def test_question_words_and_stopwords_are_dropped() -> None:
    assert terms("hoe betrek ik de burgers bij de wijk") == terms("betrek burgers wijk")


def test_compound_parts_are_indexed_at_the_compound_position() -> None:
    tokens = [
        (t.text, t.pos) for t in dutch_analyzer()("de aanbestedingsprocedure", mode="index", positions=True)
    ]
    compound_pos = tokens[0][1]
    texts = {text for text, pos in tokens if pos == compound_pos}
    assert stem("aanbesteding") in texts and stem("procedure") in texts


def test_queries_are_not_decompounded() -> None:
    assert terms("jeugdzorg") == [stem("jeugdzorg")]


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("aanbestedingsprocedure", ("aanbesteding", "procedure")),
        ("zorgaanbieders", ("zorg", "aanbieders")),
        ("jeugdzorg", ("jeugd", "zorg")),
        ("participatiewet", ("participatie", "wet")),
    ],
)
def test_compound_splits(word: str, parts: tuple[str, ...]) -> None:
    assert split(word) == parts


@pytest.mark.parametrize(
    "word", ["ondersteuning", "maatschappelijk", "uitnodiging", "gemeenten", "verantwoordelijkheid"]
)
def test_derivations_are_not_split(word: str) -> None:
    assert split(word) == ()


def test_ligatures_and_hidden_characters_are_normalised() -> None:
    assert terms("ﬁnanciële") == terms("financiële")
    # Extraction cleans hidden characters before analysis sees the text.
    assert terms(clean_text("wijk\u200bteam\u202e")) == terms("wijkteam")


def test_spelling_analyzer_keeps_surface_words() -> None:
    assert [t.text for t in spelling_analyzer()("De Coöperaties")] == ["de", "cooperaties"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_analysis_never_fails(text: str) -> None:
    for mode in ("index", "query"):
        out = analyze(text, mode=mode)
        assert all(isinstance(t, str) and t for t in out)


# --- the fused chain (DutchAnalyzer) gives exactly what the single filters give -----------

CHAIN_CONFIGS = [
    ("dutch", True, True),
    ("dutch_porter", True, True),
    ("dutch", False, True),
    (None, False, False),
]
CALLS = [
    {"mode": "index", "positions": True},
    {"mode": "query"},
    {"mode": "index", "chars": True, "removestops": False},
    {"mode": "query", "positions": True, "removestops": False},
    {"mode": "index", "positions": True, "chars": True, "start_pos": 5, "start_char": 3},
    {"mode": "query", "tokenize": False, "positions": True},
]


def _tokens(analyzer: object, text: str, kwargs: dict[str, object]) -> list[tuple[object, ...]]:
    assert callable(analyzer)
    return [
        (t.text, t.stopped, t.boost, t.pos if kwargs.get("positions") else None)
        + ((t.startchar, t.endchar) if kwargs.get("chars") else ())
        for t in analyzer(text, **kwargs)
    ]


def _corpus_texts() -> list[str]:
    paths = sorted(p for p in (REPO / "corpus").rglob("*") if p.suffix in {".md", ".html", ".txt"})
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


@pytest.mark.parametrize("config", CHAIN_CONFIGS)
def test_fused_analyzer_equals_the_chain_of_filters_on_the_corpus(
    config: tuple[str | None, bool, bool],
) -> None:
    fused = pickle.loads(pickle.dumps(_base(*config)))  # as the index stores it
    chain = composed_chain(*config)
    extra = ["Dé cliënt-coöperatie ﬁets " + "x" * 50 + " de het", "De", "x" * 45, ""]
    for text in [*_corpus_texts(), *extra]:
        for kwargs in CALLS:
            assert _tokens(fused, text, kwargs) == _tokens(chain, text, kwargs), (text[:80], kwargs)


# Lone surrogates crash the single filters' stemmer: the fused one drops them (test below).
DUTCHISH_TEXT = st.text(
    alphabet=st.sampled_from(list("aeiouënstrdlgkzjbwcé -.,'\n"))
    | st.characters(blacklist_categories=("Cs",)),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(DUTCHISH_TEXT)
def test_fused_analyzer_equals_the_chain_of_filters_on_any_text(text: str) -> None:
    for config in CHAIN_CONFIGS:
        for kwargs in CALLS:
            assert _tokens(_base(*config), text, kwargs) == _tokens(composed_chain(*config), text, kwargs)


def test_lone_surrogates_are_no_characters() -> None:
    assert analyze("wijk\ud800teams 00\udc80") == ["wijk", stem("teams"), "00"]
    whole = dutch_analyzer()("00\ud800", tokenize=False, mode="query")
    assert [t.text for t in whole] == ["00"]
    assert [t.text for t in dutch_analyzer()("\ud800", tokenize=False, mode="query")] == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60))
def test_word_terms_is_the_chain_for_one_word(text: str) -> None:
    chain = default_analyzer()
    for word in [*re.findall(TOKEN_PATTERN, text), "aanbestedingsprocedure", "Coöperaties", "vijftien", "de"]:
        expected = tuple(t.text for t in chain(word, mode="index"))
        assert word_terms(word) == expected, word


def test_word_terms_learns_words_up_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snippets look words up in one dict: the build's words, then those met since; a worker
    that meets endless new words stops learning them, and still analyses them right."""
    from indexer import analysis

    chain = default_analyzer()
    monkeypatch.setattr(analysis, "MAX_LEARNED_WORDS", 2)
    analysis.know_words({"wijkteams": ("known-from-the-build",)})
    try:
        assert word_terms("wijkteams") == ("known-from-the-build",)
        assert word_terms("Wijkteams") == ("known-from-the-build",)  # folded, then the build's
        words = ["Gemeenten", "Zorgcoöperatie", "aanbestedingsprocedure", "bewonersinitiatief"]
        for word in words:
            assert word_terms(word) == tuple(t.text for t in chain(word, mode="index")), word
        learned = set(analysis.known_words()) - {"wijkteams"}
        assert learned == {"Wijkteams", "Gemeenten"}
        assert word_terms("bewonersinitiatief") == tuple(
            t.text for t in chain("bewonersinitiatief", mode="index")
        )
    finally:
        analysis.know_words({})


def _whoosh_postings(field: object, text: str) -> list[tuple[bytes, int, float, bytes]]:
    """The postings Whoosh's own TEXT field makes of `text`: the reference for DutchText."""
    from whoosh.fields import TEXT

    return list(TEXT.index(field, text))


@pytest.mark.parametrize("stemming", ["dutch", None])
def test_dutch_text_fields_make_whooshs_postings(stemming: str | None) -> None:
    """Every searchable field of the schema indexes without a token per word; its postings
    (terms, frequencies, weights, encoded positions) are those of Whoosh's TEXT."""
    from indexer.schema import DutchText, build_schema

    schema = build_schema(stemming=stemming or "dutch") if stemming else build_schema(decompound=False)
    fields = {name: f for name, f in schema.items() if isinstance(f, DutchText)}
    assert {"title", "headings", "body", "heading", "content", "spell"} <= set(fields)
    extra = ["Dé cliënt-coöperatie ﬁets " + "x" * 50 + " de het", "De de de", "x" * 45, "", "\ud800wijk"]
    for text in [*_corpus_texts(), *extra]:
        for name, field in fields.items():
            assert list(field.index(text)) == _whoosh_postings(field, text), (name, text[:80])


@settings(max_examples=300, deadline=None)
@given(DUTCHISH_TEXT)
def test_dutch_text_fields_make_whooshs_postings_for_any_text(text: str) -> None:
    from indexer.schema import DutchText, build_schema

    for _, field in build_schema().items():
        if isinstance(field, DutchText):
            assert list(field.index(text)) == _whoosh_postings(field, text)
