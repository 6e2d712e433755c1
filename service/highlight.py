"""Snippets: the best fragment of a passage with the visitor's words in <mark>, all else escaped.

What is marked answers the visitor's words, nothing else:

* a query word where the text has it, in any inflection ("gemeenten" for "gemeente"), or as
  a part of a compound ("aanbestedingsprocedure" for "aanbesteding"): compound parts count
  only when the part itself is a word of the query;
* a multi-word synonym or a quoted phrase only as the whole phrase ("wmo" marks "Wet
  maatschappelijke ondersteuning" once, never "wet" in "Jeugdwet" on its own);
* never a stopword-like word ("tussen", "laten", "mee"; `data/weak_words_nl.txt`) unless the
  query has nothing else.

The fragment is the stretch of at most 240 characters that covers the most distinct query
words (then the most marks), widened to sentence boundaries where they fit. A passage's
distinct words are taken as a set; the words new to the query are looked up in the index's
word dict (`indexer.analysis.word_terms`) by `map` and told apart from the query's terms by set
operations, all in C, and only the few marking words are placed, with `str.find` (checked
against a walk over every word). A passage that may hold a phrase of the query is walked word
by word.
Whoosh's Fragment and HtmlFormatter (subclassed to write <mark>) escape the marked words and
the text between them; only our <mark> tags are raw HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import not_
from pathlib import Path
from typing import Any, cast

from whoosh.compat import htmlescape
from whoosh.highlight import Fragment, HtmlFormatter, get_text

from indexer import analysis
from indexer.analysis import TOKEN_PATTERN, analyze
from indexer.text import fold

from .query import Group

WORD = re.compile(TOKEN_PATTERN)
SENTENCE_END = re.compile(r"[.!?…](?=\s)|\n")
WEAK_WORDS_FILE = Path(__file__).parent / "data" / "weak_words_nl.txt"


@lru_cache(maxsize=1)
def weak_words() -> frozenset[str]:
    """Folded stopword-like words that are never marked on their own."""
    lines = WEAK_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


class MarkFormatter(HtmlFormatter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return "<mark>" + str(htmlescape(get_text(text, token, replace), quote=False)) + "</mark>"


class _Span:
    """The little of a Whoosh Token the formatter uses."""

    __slots__ = ("boost", "endchar", "matched", "startchar", "text")

    def __init__(self, startchar: int, endchar: int) -> None:
        self.startchar, self.endchar, self.text, self.matched = startchar, endchar, "", True
        self.boost = 1.0

    def copy(self) -> _Span:
        return _Span(self.startchar, self.endchar)


@dataclass(frozen=True, slots=True)
class Marks:
    """What to mark for one query: single terms and whole phrases, each with its group."""

    words: dict[str, int]
    phrases: tuple[tuple[tuple[str, ...], int], ...]
    # Per query, of the surface words met so far (passages repeat words): all of them, those
    # that mark by themselves with their group, and those with a term that starts a phrase
    # (only a passage with one of those needs the phrase pass).
    seen: set[str] = field(default_factory=set, compare=False)
    marking: dict[str, int] = field(default_factory=dict, compare=False)
    phrase_starts: set[str] = field(default_factory=set, compare=False)

    @classmethod
    def from_groups(cls, groups: list[Group]) -> Marks:
        weak = weak_words()
        strong = [g for g in groups if g.phrase or fold(g.label.lower()) not in weak]
        chosen = strong or groups
        words: dict[str, int] = {}
        phrases: list[tuple[tuple[str, ...], int]] = []
        for n, group in enumerate(chosen):
            singles = {alt[0] for alt in group.alternatives if len(alt) == 1}
            for alt in group.alternatives:
                if len(alt) == 1:
                    words.setdefault(alt[0], n)
                elif alt and singles.isdisjoint(alt):  # "sociaal wijkteam" for "wijkteam": mark the word
                    phrases.append((alt, n))
        return cls(words, tuple(phrases))

    @classmethod
    def from_query(cls, text: str) -> Marks:
        """Marks for plain words (tests, tools): every analysed word is its own group."""
        return cls({t: n for n, t in enumerate(analyze(text))}, ())


def word_terms(word: str) -> tuple[str, tuple[str, ...]]:
    """(the word's own term, its compound parts' terms); ("", ()) for a stopword."""
    terms = analysis.word_terms(word)
    return (terms[0], terms[1:]) if terms else ("", ())


def _group_of(terms: tuple[str, ...], words: dict[str, int]) -> tuple[str, int | None]:
    """(a word's own term, the group it marks: by itself, else by a compound part), from its
    `analysis.word_terms`."""
    if not terms:
        return "", None
    group = words.get(terms[0])
    if group is None and len(terms) > 1:
        group = next((words[p] for p in terms[1:] if p in words), None)
    return terms[0], group


def _learn(words: set[str], marks: Marks) -> None:
    """Take words new to this query into its sets. Most words share no term with the query, and
    they are told apart in C (a map over the index's words); the few others in Python."""
    marks.seen.update(words)
    fresh = list(words)
    known = list(map(analysis.known_words().get, fresh))
    found = cast(list[tuple[str, ...]], known)
    if None in known:  # words new to the process as well
        found = [t if t is not None else analysis.word_terms(w) for w, t in zip(fresh, known, strict=True)]
    groups = marks.words
    for word, terms in compress(
        zip(fresh, found, strict=True), map(not_, map(groups.keys().isdisjoint, found))
    ):
        own, group = _group_of(terms, groups)
        if group is not None and own:
            marks.marking[word] = group
    if marks.phrases:  # a superset (any term, not just the own one): the phrase pass is exact
        firsts = {terms[0] for terms, _ in marks.phrases}
        marks.phrase_starts.update(compress(fresh, map(not_, map(firsts.isdisjoint, found))))


def _is_token(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole word, as WORD finds them (`[^\\W_]` is isalnum)."""
    return not (start and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())


def _marks(text: str, marks: Marks) -> list[tuple[int, int, int]]:
    """(start, end, group) of every marked stretch of `text`, in order."""
    # A passage's distinct words, and only the ones new to this query analysed: set operations
    # in C in place of a Python step for each of its hundred or so words.
    tokens = set(WORD.findall(text))
    fresh = tokens.difference(marks.seen)
    if fresh:
        _learn(fresh, marks)
    if marks.phrases and not tokens.isdisjoint(marks.phrase_starts):
        return _phrase_marks(text, marks)
    marking = marks.marking
    out: list[tuple[int, int, int]] = []
    for word in tokens.intersection(marking):  # usually a few words, found where they stand
        group, size = marking[word], len(word)
        i = text.find(word)
        while i != -1:
            if _is_token(text, i, i + size):
                out.append((i, i + size, group))
            i = text.find(word, i + size)
    out.sort()
    return out


def _phrase_marks(text: str, marks: Marks) -> list[tuple[int, int, int]]:
    """`_marks` of a passage that may hold a phrase of the query (its words are `seen`)."""
    marking, word_terms = marks.marking, analysis.word_terms
    # The words that are not stopwords (a phrase matches across stopwords, as the index has
    # none): their matches and own terms, and which of them mark by themselves. Phrases are
    # looked for by their first term only (`list.index`), not by a table of every word.
    found_at: list[Any] = []
    owns: list[str] = []
    singles: list[tuple[int, int]] = []  # (word number, group)
    for m in WORD.finditer(text):
        word = m.group()
        terms = word_terms(word)
        if terms and terms[0]:
            group = marking.get(word)
            if group is not None:
                singles.append((len(owns), group))
            owns.append(terms[0])
            found_at.append(m)
    out: list[tuple[int, int, int]] = []
    taken: set[int] = set()
    for terms, n in marks.phrases:
        size, first, i = len(terms), terms[0], -1
        while True:
            try:
                i = owns.index(first, i + 1)
            except ValueError:
                break
            span = range(i, i + size)
            if tuple(owns[i : i + size]) == terms and taken.isdisjoint(span):
                out.append((found_at[i].start(), found_at[i + size - 1].end(), n))
                taken.update(span)
    out += [(found_at[i].start(), found_at[i].end(), g) for i, g in singles if i not in taken]
    out.sort()
    return out


def _best_window(spans: list[tuple[int, int, int]], width: int) -> list[tuple[int, int, int]]:
    """The run of marks that fits in `width` characters with the most distinct groups."""
    best: list[tuple[int, int, int]] = []
    best_key = (0, 0)
    j = 0
    for i in range(len(spans)):
        j = max(j, i)
        while j < len(spans) and spans[j][1] - spans[i][0] <= width:
            j += 1
        run = spans[i:j] or spans[i : i + 1]
        key = (len({s[2] for s in run}), len(run))
        if key > best_key:
            best, best_key = run, key
    return best


def _sentence_start(text: str, pos: int, limit: int) -> int:
    """The start of the sentence holding `pos`, if it lies after `limit`; else -1."""
    start = 0
    for m in SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    while start < len(text) and text[start].isspace():
        start += 1
    return start if start >= limit else -1


def snippet(text: str, marks: Marks, max_chars: int = 240) -> str:
    """An escaped excerpt of `text` around its best stretch of marks; the start if none."""
    spans = _marks(text, marks)
    if not spans:
        plain = str(htmlescape(text[:max_chars], quote=False))
        return plain + (" …" if len(text) > max_chars else "")
    window = _best_window(spans, max_chars * 2 // 3)
    first, last = window[0][0], window[-1][1]
    sentence = _sentence_start(text, first, last - max_chars)
    start = sentence if sentence >= 0 else max(0, first - (max_chars - (last - first)) // 3)
    if start > 0 and sentence < 0:  # begin at a word boundary
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else first
    end = min(len(text), max(last, start + max_chars))
    if end < len(text):
        stop = max((m.end() for m in SENTENCE_END.finditer(text, last, end)), default=-1)
        if stop != -1:
            end = stop
        else:
            space = text.rfind(" ", last, end)
            end = space if space != -1 else max(last, end)
    shown = [_Span(s, e) for s, e, _ in spans if s >= start and e <= end]
    html: str = MarkFormatter().format_fragment(Fragment(text, shown, start, end))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + html.strip() + suffix


def matched_words(text: str, terms: set[str]) -> list[str]:
    """The words of `text` that match `terms`, as written there (first spelling, in order)."""
    seen: dict[str, str] = {}
    for match in WORD.finditer(text):
        own, parts = word_terms(match.group())
        if own and (own in terms or not terms.isdisjoint(parts)):
            seen.setdefault(match.group().lower(), match.group())
    return list(seen.values())
