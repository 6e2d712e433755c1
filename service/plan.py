"""What a search looks for: the request, the ranking's knobs, and the plan of a parsed query.

The plan holds, for every group of the query, the documents that contain it (`docsets`
bitsets): anywhere, only weakly (a compound's parts written apart), in the title, in a
heading. From those come each group's weight (IDF over documents, exact, times the word's
specificity in Dutch at large), the matching
documents (any group; quoted phrases required, exactly; `-word` excluded) and the documents
each filter lets through, all without scoring anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from whoosh import query as Q

# Whoosh's plain Or preloads scores into a 2048-slot array per block on small indexes (under
# 5,000 records), which costs more than the search; the binary tree of unions is faster at
# every size we measured.
from whoosh.query.compound import DefaultOr as Or

from indexer import inflection
from indexer.text import fold

from . import docsets
from .highlight import WORD
from .query import Group, ParsedQuery
from .reader import Snapshot


@dataclass(frozen=True, slots=True)
class SearchRequest:
    q: str
    type: str | None = None
    year: str | None = None
    category: str | None = None
    tag: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10


@dataclass(frozen=True, slots=True)
class Ranking:
    """The ranking's knobs; the defaults are what `make bench-relevance` measured (README)."""

    candidates: int = 100  # documents stage 1 hands to the rerank (more for deep pages)
    coverage_power: float = 2.0  # score × coverage ** p; 0 = coverage plays no part
    title_bonus: float = 2.0  # × (1 + title_bonus × title coverage + heading_bonus × …)
    heading_bonus: float = 0.5
    passage_weight: float = 1.0  # on the page: (BM25F + weight × best passage) × coverage …
    all_words_first: bool = False  # the rule this replaced, kept for the ablation
    # Stage 1 leaves a group out of choosing candidates when more than this share of the
    # documents (and more than this many) have it: at 10,000 documents, words in over 1,000.
    common_share: float = 0.1
    common_min_docs: int = 1000
    # A group's weight is its IDF × its specificity in Dutch at large (`specificity`); 0 = IDF only.
    specificity_slope: float = 0.7


DEFAULT_RANKING = Ranking()
PARTIAL = 0.3  # the weight of weaker evidence of a group (Group.partial), measured
# Specificity: 1 at this Zipf frequency (a word like "ouderen" or "inkoop"), more for rarer
# words, less for everyday ones ("helpen", "werk"), within these bounds.
SPECIFICITY_PIVOT = 4.5
SPECIFICITY_RANGE = (0.3, 2.0)


def specificity(group: Group, slope: float) -> float:
    """How much a query word says about a topic, from its frequency in Dutch at large
    (wordfreq's lexicon, in the word's commonest form): IDF over a site of a few hundred documents is noisy, and an
    everyday verb that a handful of posts happen to use ("helpen", "beginnen") would outweigh
    the subject of the question. A word the lexicon does not know (a name, jargon such as
    "Wmo" or "keukentafelgesprek") is as specific as it gets. Of several words, the rarest; of
    a misspelt word, the words it runs as."""
    if not slope:
        return 1.0
    low, high = SPECIFICITY_RANGE
    words = group.spelled or WORD.findall(group.label)
    frequencies = [inflection.family_zipf(fold(w.lower())) for w in words]
    if not frequencies or not min(frequencies):
        return high
    return min(high, max(low, 1 + slope * (SPECIFICITY_PIVOT - min(frequencies))))


@dataclass(slots=True)
class Plan:
    groups: list[Group]  # every group (quoted phrases too)
    sets: list[int]  # per group: documents containing it anywhere
    partials: list[int]  # per group: documents with only weaker evidence of it
    titles: list[int]  # per group: documents whose title contains it
    headings: list[int]  # per group: documents with it in a heading
    weights: list[float]  # per group: IDF over documents × specificity (0 when no document has it)
    matching: int  # documents matching the query before filters
    filters: dict[str, int]  # facet -> documents passing that facet's filter


def group_set(sets: docsets.DocSets, group: Group, field: str = "body") -> int:
    """The documents with any alternative of `group` (all words of it) in `field`."""
    bits = 0
    for alt in group.alternatives:
        bits |= sets.terms_all(field, alt)
    return bits


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0


def make_plan(
    snap: Snapshot, parsed: ParsedQuery, req: SearchRequest, ranking: Ranking = DEFAULT_RANKING
) -> Plan:
    sets = snap.docsets
    groups = parsed.groups
    body = [group_set(sets, g) for g in groups]
    slope = ranking.specificity_slope
    weights = [
        idf(b.bit_count(), sets.size) * specificity(g, slope) for g, b in zip(groups, body, strict=True)
    ]
    # A quoted phrase is required, exactly: on a passage, in the title or a heading.
    body = [phrase_docs(snap, g) & b if g.phrase and b else b for g, b in zip(groups, body, strict=True)]
    partials = []
    for g, b in zip(groups, body, strict=True):
        extra = 0
        for alt in g.partial:
            extra |= sets.terms_all("body", alt)
        partials.append(extra & ~b)
    matching = 0
    for g, b, extra in zip(groups, body, partials, strict=True):
        if not g.phrase:
            matching |= b | extra
    if all(g.phrase for g in groups):
        matching = sets.all
    for g, b in zip(groups, body, strict=True):
        if g.phrase:
            matching &= b
    for term in parsed.excluded:
        matching &= ~sets.term("body", term)
    filters = {facet: sets.value(facet, value) for facet, value in filters_of(req).items()}
    return Plan(
        groups,
        body,
        partials,
        [group_set(sets, g, "title") for g in groups],
        [group_set(sets, g, "headings") for g in groups],
        weights,
        matching,
        filters,
    )


def filters_of(req: SearchRequest) -> dict[str, str]:
    values = {"type": req.type, "year": req.year, "category": req.category, "tag": req.tag}
    return {facet: value for facet, value in values.items() if value}


def phrase_docs(snap: Snapshot, group: Group) -> int:
    """Documents with a quoted phrase exactly: in a passage, the title or a heading."""
    alt = group.alternatives[0]
    q = Or([Q.Phrase(f, list(alt)) for f in ("content", "title", "headings", "heading")])
    doc_ids, index_of = snap.column("doc_id"), snap.index_of
    found = {index_of.get(doc_ids[d], -1) for d in snap.searcher.docs_for_query(q)}
    found.discard(-1)
    return docsets.from_indexes(found, snap.docsets.size)
