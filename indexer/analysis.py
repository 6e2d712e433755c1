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

The whole chain runs as one tokenizer, `DutchAnalyzer`, which works out each distinct token once
per process (a cache per distinct token); the single filters it fuses stay here, for indexes
written before it and as the reference it is tested against (`composed_chain`).

Analyzer objects are pickled into the Whoosh index, so they keep no heavy state of their own:
the stemmer, the compound lexicon and the per-token cache live in module-level caches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import CompositeAnalyzer

from . import compounds, inflection
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
    """Stem one folded, lowercased word, honouring STEM_OVERRIDES; an inflected adjective or a
    verb's -t form is stemmed from its base form (`inflection.base_form`)."""
    word = inflection.base_form(word)
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


DROPPED = None  # a token too long to be a word: no term, no position
WordEntry = tuple[bool, str, tuple[str, ...], str]  # stopped, folded word, index terms, query term


class DutchAnalyzer(Tokenizer):  # type: ignore[misc]
    """The whole chain in one step: tokenize, lowercase, fold, length, stopwords, compound parts
    (index time) and stem, with each distinct token worked out once per process.

    It gives the same terms, stops, positions and character spans as the chain of single
    filters (`composed_chain`, kept for indexes written before and as the reference in tests),
    at a third of the CPU: a site repeats a vocabulary of some ten thousand words, and pushing
    every token through seven Python generators was the hot path of indexing.
    """

    def __init__(
        self,
        stemming: str | None = "dutch",
        decompound: bool = True,
        stop: bool = True,
        min_zipf: float = compounds.DEFAULT_MIN_ZIPF,
    ) -> None:
        self.expression = re.compile(TOKEN_PATTERN)
        self.stemming = stemming
        self.decompound = decompound
        self.stop = stop
        self.min_zipf = min_zipf

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DutchAnalyzer) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Any, ...]:
        return (self.expression.pattern, self.stemming, self.decompound, self.stop, self.min_zipf)

    def _learn(self, table: dict[str, WordEntry | None], raw: str) -> WordEntry | None:
        """A token met for the first time: its entry, kept in `table` (bounded)."""
        if len(table) >= MAX_CACHED_WORDS:
            table.clear()
        entry = table[raw] = self._entry(raw)
        return entry

    def _entry(self, raw: str) -> WordEntry | None:
        word = _fold_cached(raw.lower())
        if not word.isascii():
            # Lone surrogates (text decoded with surrogateescape) are no characters, and the
            # stemmer cannot encode them.
            word = word.encode("utf-8", "ignore").decode("utf-8")
            if not word:
                return DROPPED
        if len(word) > MAX_TOKEN_CHARS:
            return DROPPED
        if self.stop and (len(word) < 2 or word in stopwords()):
            return True, word, (), word
        algorithm = self.stemming

        def stemmed(w: str) -> str:
            return stem(w, algorithm) if algorithm else w

        term = stemmed(word)
        terms: tuple[str, ...] = (term,)
        if self.decompound and len(word) >= compounds.MIN_COMPOUND_CHARS:
            terms += tuple(stemmed(part) for part in _all_parts(word, self.min_zipf))
        return False, word, terms, term

    def index_terms(self, value: str, positions: bool) -> dict[str, Any]:
        """What Whoosh's index formats collect from this analyzer's tokens in index mode, without
        a token per word: term -> its positions (as `__call__` numbers them), or term -> its
        count. `schema.DutchText` makes postings of it; a test checks them against Whoosh's."""
        table = _word_tables.setdefault(self._key(), {})
        get, learn = table.get, self._learn
        renumber = self.stop
        out: dict[str, Any] = {}
        pos = -1
        for n, raw in enumerate(self.expression.findall(value)):
            entry = get(raw, False)
            if entry is False:
                entry = learn(table, raw)
            if entry is DROPPED or entry[0]:
                continue
            if positions:
                pos = n if not renumber or pos < 0 else pos + 1
                for text in entry[2]:
                    found = out.get(text)
                    if found is None:
                        out[text] = [pos]
                    else:
                        found.append(pos)
            else:
                for text in entry[2]:
                    out[text] = out.get(text, 0) + 1
        return out

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)  # boost 1.0
        table = _word_tables.setdefault(self._key(), {})
        get, learn = table.get, self._learn
        index_mode = mode == "index"
        renumber = self.stop and positions  # as StopFilter(renumber=True): stopwords leave no gap
        pos: int | None = None
        matches: Iterable[Any] = self.expression.finditer(value) if tokenize else [_Whole(value)]
        for n, match in enumerate(matches):
            raw = match.group()
            entry = get(raw, False)
            if entry is False:
                entry = learn(table, raw)
            if entry is DROPPED:
                continue
            if keeporiginal:
                t.original = raw
            if positions:
                t.pos = start_pos + n
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            if entry[0]:  # a stopword
                if not removestops:
                    t.text, t.stopped = entry[1], True
                    yield t
                continue
            t.stopped = False
            if renumber:
                if pos is None:
                    pos = t.pos
                else:
                    pos += 1
                    t.pos = pos
            if index_mode:
                for text in entry[2]:
                    t.text = text
                    yield t
            else:
                t.text = entry[3]
                yield t


class _Whole:
    """The whole value as one match (tokenize=False)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


MAX_CACHED_WORDS = 300_000
_word_tables: dict[tuple[Any, ...], dict[str, Any]] = {}


def _base(stemming: str | None, decompound: bool, stop: bool) -> DutchAnalyzer:
    return DutchAnalyzer(stemming, decompound, stop)


def composed_chain(stemming: str | None, decompound: bool, stop: bool) -> CompositeAnalyzer:
    """The chain as single filters: what indexes written before DutchAnalyzer hold."""
    chain: Any = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldFilter() | LengthFilter()
    if stop:
        chain = chain | StopFilter(stoplist=stopwords(), minsize=2)
    if decompound:
        chain = chain | DecompoundFilter()
    if stemming:
        chain = chain | DutchStemFilter(stemming)
    return chain  # type: ignore[no-any-return]


def dutch_analyzer(stemming: str = "dutch", decompound: bool = True) -> DutchAnalyzer:
    """The analyzer of every searchable text field (body, title, headings, tags)."""
    return _base(stemming, decompound, stop=True)


def spelling_analyzer() -> DutchAnalyzer:
    """Folded surface words: the vocabulary for suggestions and "Bedoelde u"."""
    return _base(None, decompound=False, stop=False)


# Word -> `word_terms`: the index's words (folded), worked out when the index was built
# (`doctable`), and the words met since, as written. A plain dict: a snippet looks up every
# word of every passage it shows, and one dict probe touches less memory than an LRU cache's
# probe and relinking, which shows when other work has emptied the CPU caches.
_known: dict[str, tuple[str, ...]] = {}
MAX_LEARNED_WORDS = 200_000  # words met beyond the index's own (~15 MB at most)
_learned = 0


def know_words(words: dict[str, tuple[str, ...]]) -> None:
    """Take `words` (folded word -> `word_terms`) as known, in place of those known before."""
    global _known, _learned
    _known, _learned = dict(words), 0


def known_words() -> dict[str, tuple[str, ...]]:
    """The dict `word_terms` reads: a caller looking up many words may probe it first."""
    return _known


def word_terms(word: str) -> tuple[str, ...]:
    """What the Dutch chain (index mode, as `default_analyzer`) makes of one word: its stem,
    then its compound parts' stems; () for a stopword. The same steps without the token
    pipeline's overhead, for snippets, which analyse every word of every passage they show
    (a test checks it against the chain)."""
    global _learned
    known = _known
    terms = known.get(word)
    if terms is None:
        folded = _fold_cached(word.lower())
        terms = known.get(folded)
        if terms is None:
            terms = folded_word_terms(folded)
        if _learned < MAX_LEARNED_WORDS:
            known[word] = terms
            _learned += 1
    return terms


@lru_cache(maxsize=100_000)
def folded_word_terms(folded: str) -> tuple[str, ...]:
    """`word_terms` of a word already lowercased and folded."""
    if len(folded) > MAX_TOKEN_CHARS or len(folded) < 2 or folded in stopwords():
        return ()
    terms = [stem(folded)]
    if len(folded) >= compounds.MIN_COMPOUND_CHARS:
        terms += [stem(part) for part in _all_parts(folded, compounds.DEFAULT_MIN_ZIPF)]
    return tuple(terms)


def analyze(text: str, analyzer: Any = None, mode: str = "query") -> list[str]:
    """The terms `analyzer` (default: the Dutch chain) makes of `text`."""
    chain = analyzer if analyzer is not None else default_analyzer()
    return [t.text for t in chain(text, mode=mode) if not t.stopped]


@lru_cache(maxsize=1)
def default_analyzer() -> DutchAnalyzer:
    """The Dutch chain as the index uses it, built once per process."""
    return dutch_analyzer()
