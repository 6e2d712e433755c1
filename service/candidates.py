"""Stage 1: the candidate documents of a query, ranked by BM25F over their doc records.

The scores are Whoosh's BM25F, added up from per-term arrays (`docscores`) instead of a walk
of Whoosh's matchers; still, a word in thousands of documents costs a pass over thousands of
postings, so `stage1` lets only the rarer groups choose candidates and gives the common ones
IDF credit; see its docstring. The only field searched is `body` (title, headings, tags and
text): every other field is another posting list to walk.
"""

from __future__ import annotations

import itertools

from . import docsets
from .docscores import Part
from .plan import DEFAULT_RANKING, PARTIAL, Plan, Ranking, group_set
from .query import Group
from .reader import Snapshot
from .synonyms import Terms


def doc_parts(sets: docsets.DocSets, groups: list[Group], weak: list[Terms] | None = None) -> list[Part]:
    """The groups' alternatives, and `weak` evidence at its lower weight, as scored parts.

    Only `body`, which holds the title, headings and tags too: each more field is another
    posting list to walk (three times the time for the same ranking, measured); titles and
    headings weigh in through the rerank's bonus instead. A multi-word alternative (a synonym
    like "wet maatschappelijke ondersteuning") counts where all its words are: positions would
    make it exact but cost every query a walk over positions."""
    parts: list[Part] = [(tuple(alt), 1.0) for g in groups for alt in g.alternatives]
    parts += [(tuple(alt), PARTIAL) for alt in weak or []]
    return [(terms, boost) for terms, boost in parts if all(sets.term("body", t) for t in terms)]


def _search(
    snap: Snapshot, groups: list[Group], allowed: int, limit: int, weak: list[Terms] | None = None
) -> list[tuple[float, int]]:
    """Top-k BM25F over the doc records for `groups` (and `weak` evidence), within `allowed`."""
    sets = snap.docsets
    parts = doc_parts(sets, groups, weak)
    if not parts or not allowed or limit <= 0:
        return []
    reach = 0
    for g in groups:
        reach |= group_set(sets, g)
    for alt in weak or []:
        reach |= sets.terms_all("body", alt)
    # A filter costs a set of every allowed document: only when it excludes something.
    only = None if reach & ~allowed == 0 else set(docsets.members(allowed & reach))
    hits: list[tuple[float, int]] = snap.scores.top(parts, limit, only)
    return hits


def stage1(
    snap: Snapshot, plan: Plan, allowed: int, limit: int, need: int = 0, ranking: Ranking = DEFAULT_RANKING
) -> list[tuple[float, int]]:
    """(BM25F score, document index) of the best `limit` documents among `allowed`; at least
    `need` of them when that many match.

    Whoosh walks every posting of every term in Python (its block-max skipping rarely skips
    a block here: BM25 scores of one term differ too little), so a word in thousands of
    documents costs tens of milliseconds. Such common groups do not choose the candidates
    when rarer groups can (or, when all are common, the rarest one): the candidates are the
    best documents for those, and each common group a candidate contains adds its IDF (BM25
    at one occurrence in an average document). Documents with only the common groups follow
    when a page reaches that far. Below `common_min_docs` documents a group is never common,
    so small sites get exact BM25F. Weaker evidence (a compound's parts written apart) is
    never searched for (its words are usually common): it adds its share of IDF to the
    candidates that have it, and documents with only it fill up the candidates when the
    others leave room.
    """
    sets = snap.docsets
    threshold = max(ranking.common_share * sets.size, ranking.common_min_docs)
    sized = sorted(
        (group_set(sets, g).bit_count(), n, g)
        for n, (g, w) in enumerate(zip(plan.groups, plan.weights, strict=True))
        if w
    )
    groups = [g for _, _, g in sized]
    drivers = [g for df, _, g in sized if df <= threshold] or groups[:1]
    others = [g for g in groups if g not in drivers]
    # Weaker evidence whose words are all rare is searched for with the drivers, at its
    # weight; otherwise it only adds its share of IDF.
    rare_weak = [
        g.partial[0]
        for g, b in zip(plan.groups, plan.partials, strict=True)
        if b and all(sets.term("body", t).bit_count() <= threshold for t in g.partial[0])
    ]
    weak = [
        (b, _parts_credit(snap, g.partial[0]))
        for g, b in zip(plan.groups, plan.partials, strict=True)
        if b and g.partial[0] not in rare_weak
    ]
    hits = _search(snap, drivers if others else groups, allowed, limit, rare_weak)
    credit = weak + [(group_set(sets, g), _group_credit(snap, g)) for g in others]
    if weak and len(hits) < limit:
        seen = {i for _, i in hits}
        for b, _ in weak:
            room = limit - len(hits)
            extra = [
                i for i in itertools.islice(docsets.members(b & allowed), room + len(seen)) if i not in seen
            ]
            hits += [(0.0, i) for i in extra[:room]]
            seen.update(extra[:room])
    hits = [(score + sum(c for b, c in credit if docsets.has(b, i)), i) for score, i in hits]
    if others and len(hits) < need:
        reached = 0
        for g in drivers:
            reached |= group_set(sets, g)
        hits += _search(snap, others, allowed & ~reached, need - len(hits))
    return hits


def _idf(snap: Snapshot, term: str) -> float:
    # BM25 at one occurrence in a document of average length is about the term's IDF: the
    # score a candidate gets for a term whose postings are not read.
    return float(snap.searcher.idf("body", term))


def _group_credit(snap: Snapshot, group: Group) -> float:
    single = [alt[0] for alt in group.alternatives if len(alt) == 1]
    return max((_idf(snap, t) for t in single), default=1.0)


def _parts_credit(snap: Snapshot, parts: Terms) -> float:
    return PARTIAL * sum(_idf(snap, t) for t in parts)
