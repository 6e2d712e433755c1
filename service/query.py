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
CHUNK = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD = re.compile(r"[^\W_]+")


@dataclass(slots=True)
class Group:
    """One thing the visitor asked for: any of `alternatives` satisfies it."""

    alternatives: list[Terms]
    label: str
    phrase: bool = False  # quoted: required, exact

    @property
    def terms(self) -> set[str]:
        return {t for alt in self.alternatives for t in alt}


@dataclass(slots=True)
class ParsedQuery:
    text: str
    groups: list[Group] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # folded surface words, for corrections

    @property
    def empty(self) -> bool:
        return not self.groups

    def all_terms(self) -> set[str]:
        return {t for g in self.groups for t in g.terms}


def normalise(text: str) -> str:
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"} or ch in " \t"
    )
    return " ".join(clean_text(text).split())


def parse_query(raw: str, synonyms: Synonyms | None = None, analyzer: Any = None) -> ParsedQuery:
    """`analyzer` is the index's own (default: the Dutch chain)."""
    text = normalise(raw)
    parsed = ParsedQuery(text)
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

    for match in CHUNK.finditer(text):
        negated, quoted, word = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            stems = analyze(quoted, analyzer)
            if negated:
                parsed.excluded.extend(stems)
            elif stems:
                flush_loose()
                # Quoted is exact and required, one word too: taken as typed, never corrected
                # (how "Zoek in plaats daarvan naar …" runs the visitor's own words).
                parsed.groups.append(Group([tuple(stems)], quoted.strip(), phrase=True))
            parsed.words.extend(fold(w.lower()) for w in WORD.findall(quoted))
            continue
        if word in OPERATORS:
            continue
        if word.startswith("-") and len(word) > 1:
            parsed.excluded.extend(analyze(word[1:], analyzer))
            continue
        surfaces = WORD.findall(word)
        parsed.words.extend(fold(w.lower()) for w in surfaces)
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
