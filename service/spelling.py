"""Spelling: which typed words are real, corrections for the rest, and word completions.

A word is **real** when the index has it (the `spell` field: folded surface words, counted per
document) or the Dutch lexicon knows it (wordfreq, Zipf >= `LEXICON_MIN_ZIPF`). A real word
is never replaced: "beslissen" stays "beslissen" and "zorgcoöperatie oprichten" runs as typed,
even when the index lacks "oprichten". Only a word that neither knows gets a correction: the
commonest index word within 1 edit from 5 letters, 2 from 9 (an ei/ij mix-up counts as one).
The correction runs automatically when the typed word matches nothing (`plan_spelling`); the
"Bedoelde u" text keeps the visitor's other words, accents and casing as typed.

Words the index lacks also get *extra* alternatives, never replacing them: the verb of a
separable verb ("meebeslissen" -> "beslissen") and, for a compound's first part or a word
still being typed ("schuldhulp", "decentr"), the commonest index words starting with it.

`Vocabulary` holds the index's words sorted once per snapshot, so completions are a binary
search, not a scan of the term dictionary on every keystroke.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from indexer import compounds
from indexer.analysis import analyze
from indexer.text import fold

from .nearwords import NearWords
from .query import Group, ParsedQuery

# Measured (README, "Spelling"): below 2.5 wordfreq's Dutch list holds as many misspellings
# as words ("domijn" 1.4); compounds.lexicon() keeps nothing rarer.
LEXICON_MIN_ZIPF = 2.5
MAX_CORRECTED_WORDS = 8  # an edit-distance scan costs milliseconds: bound it per query
PREFIX_MIN_CHARS = 6
PREFIX_ALTERNATIVES = 3
MAX_CACHED = 2048
WIDE_RANGE = 256  # a prefix matching more words than this keeps its ranking in a cache

PARTICLES = (
    "mee",
    "samen",
    "terug",
    "door",
    "over",
    "onder",
    "voor",
    "aan",
    "uit",
    "op",
    "af",
    "in",
    "toe",
    "bij",
)


class Vocabulary:
    """The index's words (folded) with their document counts, sorted for prefix search."""

    def __init__(self, reader: Any) -> None:
        words: list[str] = []
        counts: list[int] = []
        if "spell" in reader.indexed_field_names():
            for term, info in reader.iter_field("spell"):
                words.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                counts.append(info.doc_frequency())
        self.words = words
        self.counts = counts
        self.near = NearWords(words)
        self._ranked: OrderedDict[str, list[str]] = OrderedDict()
        self._nearest: OrderedDict[tuple[str, int], str | None] = OrderedDict()

    def df(self, word: str) -> int:
        i = bisect.bisect_left(self.words, word)
        return self.counts[i] if i < len(self.words) and self.words[i] == word else 0

    def completions(self, prefix: str, limit: int) -> list[str]:
        """The commonest index words starting with `prefix` (the prefix itself included)."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        if hi - lo <= WIDE_RANGE:
            order = sorted(range(lo, hi), key=lambda i: (-self.counts[i], self.words[i]))
            return [self.words[i] for i in order[:limit]]
        ranked = self._ranked.get(prefix)
        if ranked is None:
            order = sorted(range(lo, hi), key=lambda i: (-self.counts[i], self.words[i]))
            ranked = _remember(self._ranked, prefix, [self.words[i] for i in order[:10]])
        return ranked[:limit]

    def nearest(self, word: str, maxdist: int) -> str | None:
        """The commonest index word within `maxdist` edits of `word` (nearest first)."""
        key = (word, maxdist)
        if key in self._nearest:
            return self._nearest[key]
        found = None
        variants = [v for v in _ij_variants(word) if self.df(v) > 0]
        if variants:
            found = max(variants, key=self.df)
        elif maxdist:
            # The first letter is kept: it is the one visitors rarely get wrong.
            close = [c for c in self.near.within(word, maxdist) if c[1][:1] == word[:1]]
            if not close:
                # A word the index has only in other forms ("buurtbugdet" when the text says
                # "buurtbudgetten"): an index word that starts close to it.
                close = [c for c in self.near.starting_near(word, maxdist) if c[1][:1] == word[:1]]
            if close:
                found = min(close, key=lambda c: (c[0], -self.df(c[1]), c[1]))[1]
        _remember(self._nearest, key, found)
        return found


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> Any:
    cache[key] = value
    if len(cache) > MAX_CACHED:
        cache.popitem(last=False)
    return value


def _ij_variants(word: str) -> set[str]:
    out = set()
    for a, b in (("ij", "ei"), ("ei", "ij"), ("y", "ij")):
        start = word.find(a)
        while start != -1:
            out.add(word[:start] + b + word[start + len(a) :])
            start = word.find(a, start + 1)
    return out


def fuzzy_distance(word: str) -> int:
    """Edits allowed when a word is unknown: 1 from 5 letters, 2 from 9."""
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def in_lexicon(word: str) -> bool:
    return compounds.zipf(word) >= LEXICON_MIN_ZIPF


def _apostrophe_plural(vocabulary: Vocabulary, word: str) -> bool:
    """ "risicos" is "risico's" typed without the apostrophe (the index has "risico")."""
    return len(word) > 3 and word[-1] == "s" and word[-2] in "aeiouy" and vocabulary.df(word[:-1]) > 0


@dataclass(slots=True)
class SpellingPlan:
    corrections: dict[str, str] = field(default_factory=dict)  # folded typed word -> index word
    applied: bool = False  # the corrections ran (the typed words matched nothing)

    def suggestion(self, parsed: ParsedQuery) -> str | None:
        return (
            parsed.rewrite({w: accented(c) for w, c in self.corrections.items()})
            if self.corrections
            else None
        )


def accented(word: str) -> str:
    """The usual spelling of a folded word: "cooperatie" -> "coöperatie", and a compound by
    its last part: "zorgcooperatie" -> "zorgcoöperatie"."""
    forms = compounds.accented_forms()
    if word in forms:
        return forms[word]
    for i in range(1, len(word) - 4):
        head = forms.get(word[i:])
        if head is not None:
            return word[:i] + head
    return word


def _single_word(group: Group) -> str | None:
    if len(group.alternatives) != 1 or len(group.alternatives[0]) != 1:
        return None
    word = fold(group.label.lower())
    return word if word.isalpha() else None


def plan_spelling(vocabulary: Vocabulary, parsed: ParsedQuery, analyzer: Any, matches: Any) -> SpellingPlan:
    """Corrections for unreal words, extra alternatives for words the index lacks.

    `matches(group)` tells whether any document matches a group as typed; a correction is
    applied (added to the group that runs) only when it does not.
    """
    plan = SpellingPlan()
    groups = [g for g in parsed.groups[:MAX_CORRECTED_WORDS] if _single_word(g)]
    for group in groups:
        word = _single_word(group)
        assert word is not None
        # A compound also counts, weakly, where its parts are written apart: "bewonersgroep"
        # in a text about a "groep bewoners".
        whole = tuple(t for part in compounds.split(word) for t in analyze(part, analyzer))
        if len(whole) > 1:
            group.partial.append(whole)
        if vocabulary.df(word) > 0 or _apostrophe_plural(vocabulary, word):
            continue
        typing = group is parsed.groups[-1] and len(word) >= 4  # the last word may be unfinished
        found: list[str] = []
        fix = None
        if not in_lexicon(word) and not (typing and vocabulary.completions(word, 1)):
            fix = vocabulary.nearest(word, fuzzy_distance(word))
        if fix:
            plan.corrections[word] = fix
        if group.phrase:
            continue  # a quoted word runs as typed: a correction is only suggested
        if fix:
            found = [fix]
        elif len(word) >= PREFIX_MIN_CHARS or typing:
            # A Dutch compound's first part typed on its own ("schuldhulp" for
            # "schuldhulpverlening"), or the last word still being typed: the commonest index
            # words that start with it.
            found = [w for w in vocabulary.completions(word, PREFIX_ALTERNATIVES + 1) if w != word]
            found = found[:PREFIX_ALTERNATIVES]
        if not found and (base := _without_particle(vocabulary, word)) is not None:
            found = [base]  # a separable verb: "meebeslissen" -> "beslissen"
        if not found or (fix and matches(group)):
            continue  # a misspelling that finds something as typed is only suggested
        # New alternatives go first: proximity is scored on the first one. The original stays,
        # as its stem may still match another form of the word.
        extra = [s for s in (tuple(analyze(w, analyzer)) for w in found) if s]
        group.alternatives = list(dict.fromkeys([*extra, *group.alternatives]))
        group.spelled = found
        if fix:
            plan.applied = True
    return plan


def _without_particle(vocabulary: Vocabulary, word: str) -> str | None:
    """The verb inside an unknown separable verb ("meebeslissen" -> "beslissen"), if known."""
    for particle in PARTICLES:
        rest = word[len(particle) :]
        if word.startswith(particle) and len(rest) >= 4 and vocabulary.df(rest) > 0:
            return rest
    return None
