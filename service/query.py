"""Turn what a visitor typed into a plan: groups of alternative terms, phrases, exclusions.

Syntax a visitor may use, and nothing else, so no input can make the query fail:

* words: `sociaal domein` (each word is one group; a document should match every group);
* quoted phrases: `"sociaal domein"` (exact, words adjacent, required); a quoted word is
  required and taken as typed (`"domijn"` is not corrected);
* exclusion: `-jeugdzorg`;
* `AND`, `OR`, `NOT` and field prefixes like `title:` carry no meaning and are read as words
  (the operators are dropped).

Words pass through the same Dutch analysis chain as the index. Synonyms from the owner's file
add alternatives to a group ("wmo" also matches the phrase "wet maatschappelijke ondersteuning").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from indexer.analysis import analyze
from indexer.text import clean_text, fold

from .synonyms import Synonyms, Terms

OPERATORS = {"AND", "OR", "NOT", "&&", "||"}
# A question for a definition. Its frame words carry the intent, not the subject: "wat
# betekent keukentafelgesprek" is about "keukentafelgesprek", not about passages saying "betekent".
DEFINITION = re.compile(
    r"^(wat (is|zijn|betekent|betekenen|houdt|wordt( er)? bedoeld met|verstaat (men|je|u) onder)"
    r"|betekenis|definitie)\b"
)
FRAME_WORDS = frozenset("betekent betekenen betekenis definitie houdt bedoeld verstaat verstaan".split())
CHUNK = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD = re.compile(r"[^\W_]+")


@dataclass(slots=True)
class Group:
    """One thing the visitor asked for: any of `alternatives` satisfies it."""

    alternatives: list[Terms]
    label: str
    phrase: bool = False  # quoted: required, exact
    # Weaker evidence, counted at half weight: the parts of a compound written apart
    # ("bewoners" … "groep" for "bewonersgroep"), the verb of a separable verb ("nemen").
    partial: list[Terms] = field(default_factory=list)
    # The words the spelling plan runs this group as, when it added any: a correction, the
    # completions of a half-typed word, the verb inside a separable verb.
    spelled: list[str] = field(default_factory=list)

    @property
    def terms(self) -> set[str]:
        return {t for alt in self.alternatives for t in alt}


@dataclass(frozen=True, slots=True)
class Word:
    """A word as the visitor typed it: where it stands in `ParsedQuery.text`, and folded."""

    start: int
    end: int
    folded: str
    quoted: bool = False


@dataclass(slots=True)
class ParsedQuery:
    text: str
    groups: list[Group] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)  # every word typed, excluded ones too
    definition: bool = False  # "wat is …", "wat betekent …": asks what something means

    def rewrite(self, replacements: dict[str, str]) -> str:
        """`text` with words replaced by folded word (the visitor's casing kept). A quoted single
        word loses its quotes: they asked for it as typed, and the suggestion is another word."""
        out, pos = [], 0
        for word in self.words:
            fix = replacements.get(word.folded)
            if fix is None:
                continue
            start, end = word.start, word.end
            if word.quoted and self.text[start - 1 : start] == '"' and self.text[end : end + 1] == '"':
                start, end = start - 1, end + 1
            out += [self.text[pos:start], match_case(self.text[word.start : word.end], fix)]
            pos = end
        return "".join([*out, self.text[pos:]])

    @property
    def empty(self) -> bool:
        return not self.groups

    def all_terms(self) -> set[str]:
        return {t for g in self.groups for t in g.terms}


def match_case(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def normalise(text: str) -> str:
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"} or ch in " \t"
    )
    return " ".join(clean_text(text).split())


def parse_query(raw: str, synonyms: Synonyms | None = None, analyzer: Any = None) -> ParsedQuery:
    """`analyzer` is the index's own (default: the Dutch chain)."""
    text = normalise(raw)
    parsed = ParsedQuery(text, definition=bool(DEFINITION.match(fold(text.lower()))))
    loose: list[tuple[str, str]] = []  # (stem, surface word) of unquoted words, in order

    def flush_loose() -> None:
        stems = [stem for stem, _ in loose]
        spans = synonyms.expand(stems, analyzer) if synonyms else []
        i = 0
        for start, end, alternatives in [*spans, (len(stems), len(stems), set())]:
            while i < start:
                parsed.groups.append(Group([(stems[i],)], loose[i][1]))
                i += 1
            if end > start:
                original = tuple(stems[start:end])
                alts = [original, *sorted(a for a in alternatives if a != original)]
                label = " ".join(dict.fromkeys(w for _, w in loose[start:end]))
                parsed.groups.append(Group(alts, label))
                i = end
        loose.clear()

    def words_of(match: re.Match[str], group: int, quoted: bool) -> list[str]:
        found = list(WORD.finditer(match.group(group)))
        base = match.start(group)
        parsed.words.extend(
            Word(base + w.start(), base + w.end(), fold(w.group().lower()), quoted) for w in found
        )
        return [w.group() for w in found]

    for match in CHUNK.finditer(text):
        negated, quoted, word = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            words_of(match, 2, quoted=True)
            stems = analyze(quoted, analyzer)
            if negated:
                parsed.excluded.extend(stems)
            elif stems:
                flush_loose()
                # Quoted is exact and required, one word too: taken as typed, never corrected
                # (how "Zoek in plaats daarvan naar …" runs the visitor's own words).
                parsed.groups.append(Group([tuple(stems)], quoted.strip(), phrase=True))
            continue
        if word in OPERATORS:
            continue
        surfaces = words_of(match, 3, quoted=False)
        if word.startswith("-") and len(word) > 1:
            parsed.excluded.extend(analyze(word[1:], analyzer))
            continue
        if parsed.definition:
            surfaces = [w for w in surfaces if fold(w.lower()) not in FRAME_WORDS]
        for surface in surfaces:
            for stem in analyze(surface, analyzer):
                loose.append((stem, surface))
    flush_loose()
    # The same term twice adds nothing but weight: keep the first group of each.
    seen: set[tuple[Terms, ...]] = set()
    unique = []
    for group in parsed.groups:
        key = tuple(group.alternatives)
        if key not in seen:
            seen.add(key)
            unique.append(group)
    parsed.groups = unique
    return parsed
