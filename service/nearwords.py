"""Index words within a few edits of a typed word, found through shared letter trigrams.

Each word of the vocabulary is listed under its trigrams ("^wi", "wij", "ijk", …, "am$"). An
edit changes at most three trigrams, so a word within d edits of the typed word shares at least
(trigrams of the typed word − 3d) of them: counting shared trigrams over the few posting lists
of the typed word narrows 40,000 words to a handful, and only those get the exact distance
(Damerau-Levenshtein: a swap of two letters is one edit, "bugdet" for "budget"). Built once per
index snapshot (a few MB at 40,000 words); a lookup costs about a millisecond where an automaton
walk over Whoosh's term file cost 50-80 ms.
"""

from __future__ import annotations

from array import array
from collections import Counter


def trigrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or limit + 1 when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = prefix_distances(a, b, limit)
    return min(row[-1], limit + 1) if row else limit + 1


def prefix_distances(a: str, b: str, limit: int) -> list[int]:
    """The distances (as `distance`) from `a` to every prefix of `b`, b[:0] to b whole; [] when
    all of them are above `limit`. One table gives them all: its last row."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:  # every later row is above it too, for every prefix
            return []
        previous2, previous = previous, current
    return previous


class NearWords:
    def __init__(self, words: list[str]) -> None:
        self.words = words
        lists: dict[str, list[int]] = {}
        for n, word in enumerate(words):
            for gram in set(trigrams(word)):
                lists.setdefault(gram, []).append(n)
        self._index = {gram: array("I", ids) for gram, ids in lists.items()}

    def _candidates(self, word: str, need: int) -> list[int]:
        shared: Counter[int] = Counter()
        for gram in set(trigrams(word)):
            shared.update(self._index.get(gram, ()))
        return [n for n, count in shared.items() if count >= need]

    def within(self, word: str, maxdist: int) -> list[tuple[int, str]]:
        """(distance, word) of index words within `maxdist` edits of `word`, not itself."""
        need = max(1, len(set(trigrams(word))) - 3 * maxdist)
        out = []
        for n in self._candidates(word, need):
            other = self.words[n]
            if other != word and (d := distance(word, other, maxdist)) <= maxdist:
                out.append((d, other))
        return out

    def starting_near(self, word: str, maxdist: int, tail: int = 4) -> list[tuple[int, str]]:
        """(distance, word) of index words that start with a stretch within `maxdist` edits of
        `word` and go on for at most `tail` letters: another form of a misspelt word
        ("buurtbudgetten" for "buurtbugdet")."""
        grams = set(trigrams(word)) - {f"{word[-2:]}$"}
        need = max(1, len(grams) - 3 * maxdist)
        out = []
        for n in self._candidates(word, need):
            other = self.words[n]
            if other == word or not 0 < len(other) - len(word) <= tail + maxdist:
                continue
            row = prefix_distances(word, other, maxdist)
            if not row:
                continue
            best = min(row[max(1, len(word) - maxdist) : min(len(other), len(word) + maxdist) + 1])
            if best <= maxdist and len(other) - (len(word) + best) <= tail:
                out.append((best, other))
        return out
