"""Dutch text analysis: one chain, built here, used at index time and at query time.

The chain for searchable text is

    tokenizer | lowercase | fold accents | stopwords | decompound (index only) | stem

* **Tokenizer**: runs of letters and digits; hyphens and punctuation separate words, so
  "Noord-Holland" gives "noord", "holland".
* **Fold accents**: NFKC then strip combining marks, so "coöperatie" and "cooperatie", "cliënt"
  and "client" become one term. Ligatures (ﬁ) and full-width forms are normalised by NFKC.
* **Stopwords**: Snowball's Dutch list plus question words ("hoe", "wat", "ik") so that
  natural-language questions do not rank on their function words. Positions are renumbered the
  same way at index and query time, so quoted phrases still match across a dropped stopword.
* **Decompound** (index time only): a compound such as "aanbestedingsprocedure" also indexes its
  parts "aanbesteding" and "procedure" at the compound's own position, so a search for a part
  finds the compound. Queries are not split, so "jeugdzorg" still prefers the whole word.
* **Stem**: PyStemmer's Snowball `dutch` stemmer with a small override table for the site's
  vocabulary where Snowball goes wrong ("gemeente" -> "meen", "sociale" -> "social").
  Stems are cached: the vocabulary of a site is small and stemming is the hot path.

`spelling_analyzer()` is the chain without stopwords and stemming; it feeds the vocabulary used
for "Bedoelde u" and search-as-you-type suggestions.

Analyzer objects are pickled into the Whoosh index, so they keep no heavy state of their own:
the stemmer and the compound lexicon live in module-level caches filled on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from . import compounds
from .text import fold

TOKEN_PATTERN = r"[^\W_]+"
MAX_TOKEN_CHARS = 40

STOPWORDS_FILE = Path(__file__).parent / "data" / "stopwords_nl.txt"


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Snowball's Dutch list plus question words; see data/stopwords_nl.txt."""
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


STEM_OVERRIDES_FILE = Path(__file__).parent / "data" / "stem_overrides_nl.txt"


@lru_cache(maxsize=1)
def stem_overrides() -> dict[str, str]:
    """Word -> stem where Snowball goes wrong ("gemeente" -> "meen"); see data/stem_overrides_nl.txt."""
    table: dict[str, str] = {}
    for line in STEM_OVERRIDES_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        stem_text, words = line.split(":", 1)
        for word in words.split():
            table[word] = stem_text.strip()
    return table


@lru_cache(maxsize=200_000)
def _fold_cached(text: str) -> str:
    return fold(text) if not text.isascii() else text


class FoldFilter(Filter):  # type: ignore[misc]
    """Accent and compatibility folding of each token's text."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = _fold_cached(t.text)
            yield t


class LengthFilter(Filter):  # type: ignore[misc]
    """Drop tokens too long to be words (base64, URLs without separators, garbage)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if len(t.text) <= MAX_TOKEN_CHARS:
                yield t


_stemmers: dict[str, Any] = {}


def _stemmer(algorithm: str) -> Any:
    stemmer = _stemmers.get(algorithm)
    if stemmer is None:
        import Stemmer  # PyStemmer: C Snowball

        stemmer = _stemmers[algorithm] = Stemmer.Stemmer(algorithm, 100_000)
    return stemmer


@lru_cache(maxsize=300_000)
def stem(word: str, algorithm: str = "dutch") -> str:
    """Stem one folded, lowercased word, honouring STEM_OVERRIDES."""
    overrides = stem_overrides()
    override = overrides.get(word)
    if override is not None:
        return override
    # A compound ending in an overridden word stems like that word: "burgerinitiatieven" and
    # "burgerinitiatief" both become "burger" + "initiatief" (Snowball gives two stems).
    for i in range(3, len(word) - 3):
        head = overrides.get(word[i:])
        if head is not None:
            return word[:i] + head
    if word.isdigit() or len(word) < 3:
        return word
    return str(_stemmer(algorithm).stemWord(word))


class DutchStemFilter(Filter):  # type: ignore[misc]
    """Snowball stemming through the cached `stem` function."""

    def __init__(self, algorithm: str = "dutch") -> None:
        self.algorithm = algorithm

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DutchStemFilter) and other.algorithm == self.algorithm

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        algorithm = self.algorithm
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text, algorithm)
            yield t


class DecompoundFilter(Filter):  # type: ignore[misc]
    """At index time, after each compound token emit its parts at the same position and span.

    It checks the token's mode itself: Whoosh's MultiFilter raises StopIteration (a
    RuntimeError since PEP 479) on an empty token stream.
    """

    def __init__(self, min_zipf: float = compounds.DEFAULT_MIN_ZIPF) -> None:
        self.min_zipf = min_zipf

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DecompoundFilter) and other.min_zipf == self.min_zipf

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            # Later filters (the stemmer) change the shared token in place once it is
            # yielded, so keep the word as it was before handing it on.
            word = t.text
            yield t
            if t.mode != "index" or len(word) < compounds.MIN_COMPOUND_CHARS or t.stopped:
                continue
            for part in _all_parts(word, self.min_zipf):
                t.text = part
                yield t


@lru_cache(maxsize=200_000)
def _all_parts(word: str, min_zipf: float) -> tuple[str, ...]:
    """Parts of a compound and, recursively, of its parts: jeugdzorgaanbieders -> jeugdzorg,
    jeugd, zorg, aanbieders."""
    parts = compounds.split(word, min_zipf)
    out: list[str] = []
    for part in parts:
        out.append(part)
        out.extend(_all_parts(part, min_zipf))
    # Neighbouring parts that form a word themselves: keuken+tafel+gesprek -> keukentafel.
    for left, right in pairwise(parts):
        if left + right != word and compounds.zipf(left + right) >= min_zipf:
            out.append(left + right)
    return tuple(dict.fromkeys(out))


def _base(stemming: str | None, decompound: bool, stop: bool) -> CompositeAnalyzer:
    chain: Any = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter() | LengthFilter()
    if stop:
        chain = chain | StopFilter(stoplist=stopwords(), minsize=2)
    if decompound:
        chain = chain | DecompoundFilter()
    if stemming:
        chain = chain | DutchStemFilter(stemming)
    return chain  # type: ignore[no-any-return]


def dutch_analyzer(stemming: str = "dutch", decompound: bool = True) -> CompositeAnalyzer:
    """The analyzer of every searchable text field (body, title, headings, tags)."""
    return _base(stemming, decompound, stop=True)


def spelling_analyzer() -> CompositeAnalyzer:
    """Folded surface words: the vocabulary for suggestions and "Bedoelde u"."""
    return _base(None, decompound=False, stop=False)


@lru_cache(maxsize=100_000)
def word_terms(word: str) -> tuple[str, ...]:
    """What the Dutch chain (index mode, as `default_analyzer`) makes of one word: its stem,
    then its compound parts' stems; () for a stopword. The same steps without the token
    pipeline's overhead, for snippets, which analyse every word of every passage they show
    (a test checks it against the chain)."""
    folded = _fold_cached(word.lower())
    if len(folded) > MAX_TOKEN_CHARS or len(folded) < 2 or folded in stopwords():
        return ()
    terms = [stem(folded)]
    if len(folded) >= compounds.MIN_COMPOUND_CHARS:
        terms += [stem(part) for part in _all_parts(folded, compounds.DEFAULT_MIN_ZIPF)]
    return tuple(terms)


def analyze(text: str, analyzer: CompositeAnalyzer | None = None, mode: str = "query") -> list[str]:
    """The terms `analyzer` (default: the Dutch chain) makes of `text`."""
    chain = analyzer if analyzer is not None else default_analyzer()
    return [t.text for t in chain(text, mode=mode) if not t.stopped]


@lru_cache(maxsize=1)
def default_analyzer() -> CompositeAnalyzer:
    """The Dutch chain as the index uses it, built once per process."""
    return dutch_analyzer()
