"""Dutch inflection that Snowball leaves apart, brought back to one form with the lexicon.

Snowball's `dutch` stemmer gives "grote" and "groot", "goede" and "goed", "nieuwe" and
"nieuw", "europese" and "europees", "duurt" and "duren", "controleert" and "controleren"
different stems, so a visitor typing one form misses documents that use the other: the
inflected adjective (-e) and the verb's present tense (-t) are the commonest forms in
questions ("hoe lang duurt …", "wanneer moet ik europees aanbesteden").

`base_form` undoes those two inflections by Dutch spelling rules and keeps the result only
when the lexicon (wordfreq's Dutch list, `compounds.zipf`) knows it as a common word:

* adjective -e: drop the "e"; a single vowel before the last consonant was long in the open
  syllable and is written double again ("grote" -> "groot"), z/v return to s/f ("boze" ->
  "boos", "lieve" -> "lief"), a doubled consonant is single ("witte" -> "wit");
* verb -t / -dt: the infinitive, spelt the same way the other way round ("duurt" -> "duren",
  "leeft" -> "leven", "controleert" -> "controleren", "besteedt" -> "besteden"). Stems that
  would need a doubled consonant ("rust" -> "russen") are left alone: there the -t form is
  as often a noun of its own.

The stemmer then stems the base form, so both forms share one term. A noun that happens to
look like an inflected form of a common word ("zone" / "zoon") is merged too; the rule is
kept because such pairs are rare next to the adjectives and verbs it joins.
"""

from __future__ import annotations

from functools import lru_cache

from . import compounds

MIN_ZIPF = 3.0  # the base form must be a common word: rarer ones are often misspellings
# The base form may be this much rarer than the inflected one (Zipf): an infinitive is about
# as common as its -t form, while a noun that looks like one ("buurt", "markt") is far commoner
# than the look-alike verb ("buren", "marken"); inflected adjectives are often the commoner form.
VERB_MARGIN = 0.5
ADJECTIVE_MARGIN = 1.0
MIN_CHARS = 4  # "wet", "zet", "mee": too short to tell an inflection from a word
VOWELS = frozenset("aeiou")
# Vowel pairs written with two letters whatever the syllable: never doubled or undoubled.
DIGRAPHS = ("ij", "ei", "ui", "ou", "au", "oe", "ie", "eu")
SCHWA_ENDINGS = ("er", "el", "em", "en", "ig")  # unstressed: "lever" + "en", no doubling
SOFTENED = {"s": "z", "f": "v"}
HARDENED = {v: k for k, v in SOFTENED.items()}


def _with_e(base: str, suffix: str) -> str | None:
    """`base` + `suffix` ("e" or "en") spelt as Dutch does; None where the consonant would
    double (a short vowel), which `base_form` leaves alone."""
    last = base[-1]
    if last in VOWELS:
        return None
    if len(base) >= 3 and base[-3] == base[-2] and base[-3] in VOWELS:
        stem = base[:-2] + base[-1]  # a long vowel, written once in the open syllable
    elif base.endswith(SCHWA_ENDINGS) or base[-3:-1] in DIGRAPHS or base[-2] not in VOWELS:
        stem = base  # a digraph, a consonant cluster or an unstressed syllable: nothing changes
    else:
        return None  # a short vowel: the consonant doubles ("wit" -> "witte")
    if stem[-2:-1] in VOWELS or stem[-3:-1] in DIGRAPHS:
        stem = stem[:-1] + SOFTENED.get(stem[-1], stem[-1])
    return stem + suffix


def _without_e(word: str) -> str | None:
    """The uninflected adjective of an -e form, spelt back by the rules of `_with_e`."""
    stem = word[:-1]
    if len(stem) < 3 or stem[-1] in VOWELS:
        return None
    last = stem[-1]
    if stem[-2] == last:
        return stem[:-1]  # "witte" -> "wit"
    hard = HARDENED.get(last, last)
    if stem.endswith(SCHWA_ENDINGS) or stem[-3:-1] in DIGRAPHS or stem[-2] not in VOWELS:
        return stem[:-1] + hard if stem[-2] in VOWELS or stem[-3:-1] in DIGRAPHS else stem
    if stem[-3] in VOWELS:
        return None
    return stem[:-2] + stem[-2] * 2 + hard  # "grote" -> "groot", "boze" -> "boos"


@lru_cache(maxsize=200_000)
def base_form(word: str) -> str:
    """The form of a folded, lowercase word to stem: its uninflected adjective or its
    infinitive when the lexicon knows that as a common word, else the word itself."""
    if len(word) < MIN_CHARS or not word.isalpha():
        return word
    candidate: str | None = None
    margin = ADJECTIVE_MARGIN
    if word.endswith("e") and not word.endswith(("ee", "ie")):
        candidate = _without_e(word)
    elif word.endswith("t") and len(word) > MIN_CHARS:
        verb = word[:-1]
        if verb.endswith("d") or verb[-1] not in "td":
            candidate, margin = _with_e(verb, "en"), VERB_MARGIN
    if not candidate or candidate == word:
        return word
    found = compounds.zipf(candidate)
    if found >= MIN_ZIPF and found >= compounds.zipf(word) - margin:
        return candidate
    return word


def family_zipf(word: str) -> float:
    """The Zipf frequency of a folded word's commonest close form (itself, its base form, +e,
    +en, with a doubled consonant, +s): "betrek" is a rare spelling of the common "betrekken",
    and how common a word is means how common the word is in any of its forms."""
    forms = {word, base_form(word), word + "e", word + "en", word + word[-1:] + "en", word + "s"}
    return max(compounds.zipf(form) for form in forms)
