"""Dutch compound splitting against a word-frequency lexicon.

"aanbestedingsprocedure" -> ["aanbesteding", "procedure"]; "jeugdzorgaanbieders" ->
["jeugd", "zorg", "aanbieders"]. Dutch writes compounds as one word, so without this a search
for "aanbesteding" misses "aanbestedingsprocedure".

The lexicon is wordfreq's Dutch list (frequencies from subtitles, Wikipedia, web text). A split
is accepted only when every part is a common word on its own; guards against bad splits:

* a modifier (left part) has at least 4 letters and is not a verb particle or prefix
  ("aan", "onder", "over", "ver" ...): "ondersteuning" is a derivation, not "onder" + "steuning";
* a head (right part) has at least 3 letters and is not a derivational suffix that also happens
  to be a word ("heid", "lijk", "der" ...);
* the linking morphemes -s-, -e- and -en- may stand between parts
  ("aanbesteding-s-procedure", "boek-en-kast");
* every part must reach `min_zipf` (Zipf scale: 3 = once per million words), and be more
  common than the whole word, which otherwise is a word of its own ("platteland");
* a numeral is not split into its numbers ("vijftien", "tweehonderd").

The lexicon loads lazily on first use (about 0.5 s) and splits are cached.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .text import fold

MIN_COMPOUND_CHARS = 8
MIN_MODIFIER_CHARS = 4
MIN_HEAD_CHARS = 3
DEFAULT_MIN_ZIPF = 3.0
LINKERS = ("", "s", "en", "e")
# Three-letter words that end compounds often enough to allow ("participatiewet", "werkdag").
SHORT_HEADS = frozenset({"wet", "dag", "weg", "zee", "bos", "pad", "dak", "bus", "web", "app", "tas", "pot"})
LEXICON_MIN_ZIPF = 2.5  # rarer words are never parts we split into; leaving them out saves memory

NOT_MODIFIERS = frozenset(
    """
    aan af bij door in mee na om onder op over toe tegen terug uit voor vooruit weg samen achter boven binnen buiten rond ver ont be her ge mis wan
    """.split()
)
NOT_HEADS = frozenset(
    """
    heid lijk lijke baar schap isch ing ingen der ren den ten ers tie ties aar ster nis eren lijkheid achtig loos ende erd ijn aal eel ief ieve
    """.split()
)

# A numeral is one word, not a compound of its digits: "vijftien" is not "vijf" + "tien", so a
# search for "tien" does not find (or mark) "vijftien", "achttien" or "tweehonderd".
NUMBER_WORDS = frozenset(
    """
    een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien
    zestien zeventien achttien negentien twintig dertig veertig vijftig zestig zeventig tachtig
    negentig honderd duizend miljoen miljard
    """.split()
)

_lexicon: dict[str, float] | None = None
_accented: dict[str, str] | None = None


def _load() -> None:
    """Both tables from one read of wordfreq's list, then wordfreq's own caches dropped: it keeps
    its whole list and dict (~20 MB of small objects) for good, in every extraction process
    and service worker, while these tables are all we read."""
    global _lexicon, _accented
    from wordfreq import get_frequency_dict, get_frequency_list

    frequencies = get_frequency_dict("nl")
    table: dict[str, float] = {}
    least = 10 ** (LEXICON_MIN_ZIPF - 9.0)
    for word, freq in frequencies.items():
        # Cheap tests first: this runs over 300,000 words in every extraction process.
        if freq < least or not word.isalpha():
            continue
        key = word.lower() if word.isascii() else fold(word.lower())
        score = math.log10(freq) + 9.0
        if score > table.get(key, 0.0):
            table[key] = score
    accented: dict[str, str] = {}
    for word, freq in frequencies.items():  # commonest first
        if not word.isalpha() or word.isascii() or math.log10(freq) + 9.0 < LEXICON_MIN_ZIPF:
            continue
        key = fold(word.lower())
        if key != word and key not in accented and table.get(key, 0.0) <= math.log10(freq) + 9.0 + 0.01:
            accented[key] = word
    _lexicon, _accented = table, accented
    get_frequency_dict.cache_clear()
    get_frequency_list.cache_clear()


def lexicon() -> dict[str, float]:
    """Folded Dutch word -> Zipf frequency, loaded once from wordfreq."""
    if _lexicon is None:
        _load()
    assert _lexicon is not None
    return _lexicon


def accented_forms() -> dict[str, str]:
    """Folded word -> its commonest spelling with diacritics ("cooperatie" -> "coöperatie"),
    for words whose usual form has them; shows corrections the way Dutch writes them."""
    if _accented is None:
        _load()
    assert _accented is not None
    return _accented


def zipf(word: str) -> float:
    return lexicon().get(word, 0.0)


@lru_cache(maxsize=200_000)
def split(word: str, min_zipf: float = DEFAULT_MIN_ZIPF) -> tuple[str, ...]:
    """The parts of a folded lowercase compound, or () when it is not one."""
    best = _best_split(word, min_zipf)
    if not best or all(part in NUMBER_WORDS for part in best[1]):
        return ()
    # A word more common than its rarest part is a word of its own that happens to contain
    # other words ("platteland", "gesprekken" = "gesp" + "rekken"), not a compound to split.
    if min(zipf(part) for part in best[1]) <= zipf(word):
        return ()
    return best[1]


def _best_split(word: str, min_zipf: float) -> tuple[float, tuple[str, ...]] | None:
    """(score, parts) of the best split; score is the weakest part's Zipf frequency."""
    if len(word) < MIN_COMPOUND_CHARS:
        return None
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(MIN_MODIFIER_CHARS, len(word) - MIN_HEAD_CHARS + 1):
        modifier = word[:i]
        if modifier in NOT_MODIFIERS:
            continue
        mod_score = zipf(modifier)
        if mod_score < min_zipf:
            continue
        rest = word[i:]
        for linker in LINKERS:
            if not rest.startswith(linker):
                continue
            head = rest[len(linker) :]
            if len(head) < MIN_HEAD_CHARS or head in NOT_HEADS:
                continue
            if len(head) == MIN_HEAD_CHARS and head not in SHORT_HEADS:
                continue  # "wet" and "dag" are heads; "rek" in "gesprek", "ken" in "gesprekken" are not
            candidates: list[tuple[float, tuple[str, ...]]] = []
            head_score = zipf(head)
            if head_score >= min_zipf:
                candidates.append((head_score, (head,)))
            deeper = _best_split_cached(head, min_zipf)
            if deeper:
                candidates.append(deeper)
            for score, parts in candidates:
                total = min(mod_score, score)
                # Prefer fewer parts, then the strongest weakest part.
                key = (total - 0.5 * len(parts), (modifier, *parts))
                if best is None or key[0] > best[0]:
                    best = key
    return best


@lru_cache(maxsize=200_000)
def _best_split_cached(word: str, min_zipf: float) -> tuple[float, tuple[str, ...]] | None:
    return _best_split(word, min_zipf)
