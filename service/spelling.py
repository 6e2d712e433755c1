"""Spelling: corrections for "Bedoelde u", and alternatives for words the index lacks.

All from the index's own vocabulary (the `spell` field: surface words, folded, counted per
document), so suggestions are words the site actually uses:

* `suggestion_for`: a correction of unknown or rare words, for "Bedoelde u: …?";
* `expand_unknown`: for a word no document has, the nearest index word (1 edit from 5
  letters, 2 from 9; an ei/ij mix-up counts as 1), or, for a word still being typed or a
  compound's head ("schuldhulp"), the commonest index words starting with it, or the verb of a
  separable verb ("meebeslissen" -> "beslissen"). These become extra alternatives of the group.
"""

from __future__ import annotations

from typing import Any

from indexer.analysis import analyze
from indexer.text import fold

from .query import ParsedQuery
from .reader import Snapshot

MAX_CORRECTED_WORDS = 8  # an edit-distance scan costs milliseconds: bound it per query
PREFIX_MIN_CHARS = 6
PREFIX_ALTERNATIVES = 3


def _ij_variants(word: str) -> set[str]:
    out = set()
    for a, b in (("ij", "ei"), ("ei", "ij"), ("y", "ij")):
        start = word.find(a)
        while start != -1:
            out.add(word[:start] + b + word[start + len(a) :])
            start = word.find(a, start + 1)
    return out


def correct_word(snap: Snapshot, word: str, maxdist: int) -> str | None:
    """The most frequent index word within `maxdist` edits of `word` (nearest first)."""
    if maxdist <= 0 or not word.isalpha():
        return None
    key = (word, maxdist)
    if key not in snap.corrections:
        if len(snap.corrections) > 10_000:
            snap.corrections.clear()
        snap.corrections[key] = _nearest_word(snap, word, maxdist)
    return snap.corrections[key]


def _nearest_word(snap: Snapshot, word: str, maxdist: int) -> str | None:
    reader = snap.searcher.reader()
    variants = [v for v in _ij_variants(word) if reader.doc_frequency("spell", v) > 0]
    if variants:
        return str(max(variants, key=lambda v: reader.doc_frequency("spell", v)))
    for dist in range(1, maxdist + 1):
        candidates = [c for c in reader.terms_within("spell", word, dist, prefix=1) if c != word]
        if candidates:
            return str(max(candidates, key=lambda c: (reader.doc_frequency("spell", c), c)))
    return None


def fuzzy_distance(word: str) -> int:
    """Edits allowed when a word is unknown: 1 from 5 letters, 2 from 9."""
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def suggestion_for(snap: Snapshot, parsed: ParsedQuery) -> str | None:
    """The "Bedoelde u" text, or None when no word looks misspelt."""
    reader = snap.searcher.reader()
    corrections: dict[str, str] = {}
    for word in list(dict.fromkeys(parsed.words))[:MAX_CORRECTED_WORDS]:
        if len(word) < 4 or not word.isalpha():
            continue
        freq = reader.doc_frequency("spell", word)
        if freq > 1 or (freq == 0 and completions(snap, word, 1)):
            continue  # known, or a word still being typed ("decentr"): no correction
        fix = correct_word(snap, word, 2 if len(word) >= 5 else 1)
        if fix and (freq == 0 or reader.doc_frequency("spell", fix) >= 20 * max(freq, 1)):
            corrections[word] = fix
    if not corrections:
        return None
    return " ".join(corrections.get(w, w) for w in parsed.words)


def expand_unknown(snap: Snapshot, parsed: ParsedQuery) -> dict[str, str]:
    """Add close index words as alternatives for words the index does not know."""
    reader = snap.searcher.reader()
    ran: dict[str, str] = {}
    for group in parsed.groups[:MAX_CORRECTED_WORDS]:
        if group.phrase or len(group.alternatives) != 1 or len(group.alternatives[0]) != 1:
            continue
        word = fold(group.label.lower())
        if not word.isalpha() or reader.doc_frequency("spell", word) > 0:
            continue
        # An unfinished word ("decentr") is completed rather than corrected.
        fix = None if completions(snap, word, 1) else correct_word(snap, word, fuzzy_distance(word))
        found: list[str] = []
        if fix:
            ran[word] = fix
            found = [fix]
        elif len(word) >= PREFIX_MIN_CHARS or (len(word) >= 4 and group is parsed.groups[-1]):
            # A Dutch compound's first part typed on its own ("schuldhulp" for
            # "schuldhulpverlening"), or the last word still being typed: the most common
            # index words that start with it.
            found = completions(snap, word, PREFIX_ALTERNATIVES)
        if not found and (base := _without_particle(reader, word)) is not None:
            found = [base]  # a separable verb: "meebeslissen" -> "beslissen"
        if not found:
            continue
        # New alternatives go first: proximity bonuses are built from the first one. The
        # original stays, as its stem may still match another form of the word.
        extra = [s for s in (tuple(analyze(w, snap.analyzer)) for w in found) if s]
        group.alternatives = list(dict.fromkeys([*extra, *group.alternatives]))
    return ran


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


def _without_particle(reader: Any, word: str) -> str | None:
    """The verb inside an unknown separable verb ("meebeslissen" -> "beslissen"), if known."""
    for particle in PARTICLES:
        rest = word[len(particle) :]
        if word.startswith(particle) and len(rest) >= 4 and reader.doc_frequency("spell", rest) > 0:
            return rest
    return None


def completions(snap: Snapshot, prefix: str, limit: int) -> list[str]:
    """The commonest index words starting with `prefix` (of the first 200 in order).

    Cached per snapshot: a query asks for the same prefix several times, and search-as-you-type
    asks again on every keystroke.
    """
    ranked = snap.completions.get(prefix)
    if ranked is None:
        reader = snap.searcher.reader()
        found = []
        for n, term in enumerate(reader.expand_prefix("spell", prefix)):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            found.append((reader.doc_frequency("spell", word), word))
            if n >= 200:
                break
        ranked = [word for _, word in sorted(found, reverse=True)[:10]]
        if len(snap.completions) > 10_000:
            snap.completions.clear()
        snap.completions[prefix] = ranked
    return ranked[:limit]
