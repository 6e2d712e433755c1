"""Undo hyphenation at line ends, deciding with the Dutch lexicon which hyphens are real.

A line that ends in "Reac-" followed by "ties" is one word broken by the typesetter; a line
that ends in "Noord-" followed by "Holland" is a word that is written with a hyphen. Letter case
alone cannot tell them apart ("Maatschappe-|lijk" at a sentence start is capitalised too), so
the lexicon (`indexer.compounds`, wordfreq's Dutch list) decides:

* the hyphen stays when the next part starts with a capital or a digit ("Noord-Holland",
  "COVID-19"), the first part is one letter or an acronym ("e-mail", "AOW-uitkering"), the next
  line starts with a conjunction ("zorg- en welzijn"), or the parts meet in a vowel clash that
  Dutch spelling marks with a hyphen ("auto-ongeluk", "zee-egel");
* otherwise the parts are joined when the joined form is a word or a compound of words
  ("Reacties", "Jeugdwet", "Maatschappelijk");
* a joined form the lexicon does not know keeps its hyphen when both parts are words of their
  own ("Wmo-beleid", "oud-wethouder"), and is joined when they are not (a rare word broken in
  two fragments).
"""

from __future__ import annotations

import re

from .. import compounds
from ..text import fold

HYPHEN_END = re.compile(r"(\S*?)([^\W\d_]+)-$")
CONJUNCTION_START = re.compile(r"^(en|of|tot|noch|and|or|to)\b", re.I)
WORD_START = re.compile(r"[^\W_]+")
VOWELS = "aeiouy"
# Vowel pairs that would read as one sound across the join: Dutch writes a hyphen there.
CLASHES = frozenset("aa ae ai au ee ei eu ie ii oe oi oo ou ui uu".split())


def _known(word: str) -> bool:
    return compounds.zipf(word) > 0


def keep_hyphen(left: str, right: str) -> bool:
    """Whether "left-" at a line end and "right" at the start of the next line are a
    hyphenated word (True) or one word broken across lines (False)."""
    match = WORD_START.match(right)
    if not match:
        return True
    second = match[0]
    if len(left) == 1 or second[0].isdigit() or second[0].isupper():
        return True
    if left.isupper():
        return True
    first_key, second_key = fold(left.lower()), fold(second.lower())
    joined = first_key + second_key
    if _known(joined):
        return False
    if (first_key[-1:] + second_key[:1]) in CLASHES:
        return True
    if compounds.split(joined):
        return False
    return _known(first_key) and _known(second_key)


def join_hyphenated(lines: list[str]) -> list[str]:
    """Undo hyphenation at line ends. Returns as many lines as it got (a line whose only word
    moved up becomes ""), so callers can keep per-line information aligned."""
    out = list(lines)
    for i in range(len(out) - 1):
        line = out[i]
        j = i + 1
        while j < len(out):
            match = HYPHEN_END.search(line)
            nxt = out[j].lstrip()
            if not match or not nxt:
                break
            if CONJUNCTION_START.match(nxt):
                break  # "zorg- en welzijnsorganisaties": a real hyphen, then a new word
            first, _, rest = nxt.partition(" ")
            # "Noord-" + "Holland" and "Wmo-" + "beleid" keep the hyphen; "maatschap-" + "pelijk" not.
            line = (line if keep_hyphen(match.group(2), first) else line[:-1]) + first
            out[j] = rest
            if rest:
                break
            j += 1  # the next line was a single word: keep joining onto this one
        out[i] = line
    return out
