"""Pseudo-relevance feedback: words the best documents of a first ranking share, as weak evidence.

A visitor's question and the document that answers it often use different words ("hoe lang
duurt …" against a text that gives months per step). For a query with several content words,
the top few documents of stage 1's first ranking are taken as relevant (RM3): the words that
are frequent in them (relative to their length, weighted by their rank score) and
discriminative in the index (IDF) become expansion terms, and every candidate's BM25F gains a
small share of its score for each of them. They are never groups: they count toward no
coverage, "mode", unknown words, spelling or snippet marks; they only reorder candidates.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass

from indexer.analysis import analyze

from .highlight import weak_words
from .passages import best_passages, passage_numbers
from .plan import Plan, Ranking
from .reader import Snapshot

MAX_CACHED_VECTORS = 2_000  # documents' term counts kept per snapshot
MIN_TERM_CHARS = 3


@dataclass(slots=True)
class Vector:
    counts: Counter[str]
    length: int


_vectors: OrderedDict[tuple[str, str], Vector] = OrderedDict()


def vector(snap: Snapshot, index: int) -> Vector:
    """The query-mode terms of a document's title, headings and passages, counted."""
    doc = snap.order[index]
    key = (str(snap.path), doc.id)
    cached = _vectors.get(key)
    if cached is not None:
        _vectors.move_to_end(key)
        return cached
    analyzer = snap.analyzer
    terms = analyze(doc.title, analyzer) + analyze(doc.headings, analyzer)
    stored = snap.searcher.stored_fields
    for docnum in sorted(passage_numbers(snap, [doc])):
        terms += analyze(stored(docnum).get("content", ""), analyzer)
    found = Vector(Counter(terms), max(1, len(terms)))
    _vectors[key] = found
    if len(_vectors) > MAX_CACHED_VECTORS:
        _vectors.popitem(last=False)
    return found


def _coverage(plan: Plan, i: int) -> float:
    total = sum(plan.weights) or 1.0
    return sum(w for w, b in zip(plan.weights, plan.sets, strict=True) if (b >> i) & 1) / total


def _weak_terms(snap: Snapshot) -> set[str]:
    return set(analyze(" ".join(weak_words()), snap.analyzer))


def expansion(
    snap: Snapshot, plan: Plan, ranked: list[tuple[float, int]], ranking: Ranking
) -> list[tuple[str, float]]:
    """(term, boost) of the expansion terms for a first ranking, best first; [] when the query
    is too short or the ranking too thin to learn from."""
    content = [g for g, w in zip(plan.groups, plan.weights, strict=True) if w and not g.phrase]
    if len(content) < ranking.feedback_min_words or len(ranked) < ranking.feedback_docs:
        return []
    top = [(s, i) for s, i in ranked[: ranking.feedback_docs] if s > 0]
    if not top:
        return []
    own = {t for g in plan.groups for alt in [*g.alternatives, *g.partial] for t in alt}
    weak = _weak_terms(snap)
    sets = snap.docsets
    n = sets.size
    if ranking.feedback_min_coverage:
        top = [(s, i) for s, i in top if _coverage(plan, i) >= ranking.feedback_min_coverage]
        if not top:
            return []
    best = top[0][0]
    scores: dict[str, float] = defaultdict(float)
    if ranking.feedback_lca:
        scores = _lca(snap, plan, top, own, ranking)
        if not scores:
            return []
    elif ranking.feedback_passages:
        docs = [snap.order[i] for _, i in top]
        found = best_passages(snap, plan.groups, plan.weights, docs)
        rows = sorted(
            (r for d in docs for r in found.get(d.id, [])[: ranking.feedback_passages]), key=lambda r: -r[0]
        )
        if not rows:
            return []
        first = rows[0][0]
        analyzer = snap.analyzer
        for score, docnum in rows:
            terms = analyze(snap.searcher.stored_fields(docnum).get("content", ""), analyzer)
            for term, tf in Counter(terms).items():
                scores[term] += score / first * tf / max(1, len(terms))
    else:
        for score, i in top:
            vec = vector(snap, i)
            share = score / best
            for term, tf in vec.counts.items():
                scores[term] += share * tf / vec.length
    out: list[tuple[str, float]] = []
    for term, p in sorted(scores.items(), key=lambda kv: -kv[1]):
        if term in own or term in weak or len(term) < MIN_TERM_CHARS or term.isdigit():
            continue
        df = sets.term("body", term).bit_count()
        if df < 2 or df > ranking.feedback_max_share * n:
            continue
        out.append((term, p if ranking.feedback_lca else p * math.log(1 + n / df)))
    out.sort(key=lambda tw: -tw[1])
    out = out[: ranking.feedback_terms]
    if not out:
        return []
    top_weight = out[0][1]
    return [(t, ranking.feedback_weight * w / top_weight) for t, w in out]


def _lca(
    snap: Snapshot, plan: Plan, top: list[tuple[float, int]], own: set[str], ranking: Ranking
) -> dict[str, float]:
    """Local context analysis (Xu & Croft): concepts that co-occur, in the best passages, with
    many of the query's words, the rarer ones most."""
    docs = [snap.order[i] for _, i in top]
    found = best_passages(snap, plan.groups, plan.weights, docs)
    rows = [r for d in docs for r in found.get(d.id, [])[: max(1, ranking.feedback_passages)]]
    if not rows:
        return {}
    analyzer = snap.analyzer
    groups = [
        ({t for alt in g.alternatives if len(alt) == 1 for t in alt}, w)
        for g, w in zip(plan.groups, plan.weights, strict=True)
        if w and not g.phrase
    ]
    total = sum(w for _, w in groups) or 1.0
    co: list[Counter[str]] = [Counter() for _ in groups]
    for _, docnum in rows:
        counts = Counter(analyze(snap.searcher.stored_fields(docnum).get("content", ""), analyzer))
        for k, (terms, _) in enumerate(groups):
            q = sum(counts.get(t, 0) for t in terms)
            if q:
                for term, tf in counts.items():
                    co[k][term] += tf * q
    n = snap.docsets.size
    candidates = set().union(*co) - own
    out: dict[str, float] = {}
    for term in candidates:
        df = snap.docsets.term("body", term).bit_count()
        if not df:
            continue
        idf = min(1.0, math.log(n / df) / math.log(max(n, 2)) * 2)
        logf = 0.0
        for k, (_, w) in enumerate(groups):
            logf += (w / total) * math.log(0.1 + math.log(1 + co[k].get(term, 0)) * idf)
        out[term] = math.exp(logf)
    return out


def add_feedback(
    snap: Snapshot,
    plan: Plan,
    hits: list[tuple[float, int]],
    ranked: list[tuple[float, int]],
    ranking: Ranking,
) -> list[tuple[float, int]]:
    """`hits` with each candidate's BM25F raised by its expansion terms' scores × their boost."""
    terms = expansion(snap, plan, ranked, ranking)
    if not terms:
        return hits
    extra: dict[int, float] = defaultdict(float)
    wanted = {i for _, i in hits}
    for term, boost in terms:
        ids, scores = snap.scores.term(term)
        for i, s in zip(ids, scores, strict=True):
            if i in wanted:
                extra[i] += boost * s
    return [(s + extra.get(i, 0.0), i) for s, i in hits]
