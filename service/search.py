"""Search: a parsed query in, one result per document with its best passages out.

Pure functions over an index Snapshot; no FastAPI here. Steps of `run_search`:

1. Parse the query (`query.parse_query`) into groups of alternative terms, with synonyms, and
   plan its spelling (`spelling.plan_spelling`): corrections only for words that neither the
   index nor the Dutch lexicon knows, applied when the typed word matches nothing.
2. The plan (`plan.make_plan`): per group the documents that contain it, as bitsets; from
   them each group's weight, the matching documents, `total` and disjunctive facets.
3. Stage 1 (`candidates.stage1`): the best documents by BM25F over their doc records.
4. Rerank them with graded coverage (`rerank`): score = BM25F × (share of the query's IDF
   weight the document covers)² × (1 + bonus for the share its title / a heading covers).
   A rare word a document has outweighs two common ones; no document drops out for lacking
   a word.
5. Stage 2 (`passages`): for the documents on the page only, their best passages; the page
   is reordered with them, and snippets are made; a PDF result links to its best page.
"""

from __future__ import annotations

import time
from typing import Any

from . import docsets
from .candidates import stage1
from .highlight import WORD, Marks, word_terms
from .passages import best_passages, result_passages
from .plan import DEFAULT_RANKING, PARTIAL, Plan, Ranking, SearchRequest, group_set, make_plan
from .query import parse_query
from .reader import DocInfo, Snapshot
from .spelling import plan_spelling
from .synonyms import Synonyms

__all__ = ["DEFAULT_RANKING", "Ranking", "SearchRequest", "run_search"]

EXACT_TITLE = 2.0  # a query that is a document's title


# --- rerank with coverage ----------------------------------------------------------------------


def is_title(title: str, terms: set[str]) -> bool:
    """Whether the query is this title (its words, in any form, and nothing but them)."""
    words = {own for w in WORD.findall(title) if (own := word_terms(w)[0])}
    return bool(words) and words <= terms


def rerank(
    snap: Snapshot,
    plan: Plan,
    hits: list[tuple[float, int]],
    ranking: Ranking,
    passages: dict[int, float] | None = None,
) -> list[tuple[float, int]]:
    weights = plan.weights
    total = sum(weights) or 1.0
    terms = {t for g in plan.groups for alt in g.alternatives for t in alt}
    scored = []
    for score, i in hits:
        if passages is not None:
            score += ranking.passage_weight * passages.get(i, 0.0)
        covered = title = heading = 0.0
        complete = True
        for w, body, part, t, h in zip(
            weights, plan.sets, plan.partials, plan.titles, plan.headings, strict=True
        ):
            if not w:
                continue
            if docsets.has(body, i):
                covered += w
            else:
                complete = False
                if docsets.has(part, i):
                    covered += PARTIAL * w
            if docsets.has(t, i):
                title += w
            if docsets.has(h, i):
                heading += w
        factor = (covered / total) ** ranking.coverage_power
        bonus = 1 + ranking.title_bonus * title / total + ranking.heading_bonus * heading / total
        if title >= total and is_title(snap.order[i].title, terms):
            bonus *= EXACT_TITLE  # the visitor typed this document's title
        final = score * factor * bonus
        if ranking.all_words_first and complete:
            final += 1e6
        scored.append((final, i))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return scored


# --- the response -------------------------------------------------------------------------------


def facets(snap: Snapshot, plan: Plan) -> dict[str, dict[str, int]]:
    """Counts per facet value among the matching documents, each facet under every filter
    but its own (disjunctive: choosing "Blog" keeps "PDF" visible with its count)."""
    sets = snap.docsets
    out: dict[str, dict[str, int]] = {}
    for facet in ("type", "year", "category"):
        within = plan.matching
        for other, bits in plan.filters.items():
            if other != facet:
                within &= bits
        counts = sets.counts(facet, within)
        if facet == "year":
            counts = dict(sorted(counts.items(), reverse=True))
        elif facet == "category":
            counts = dict(list(counts.items())[:20])
        out[facet] = counts
    return out


def run_search(
    snap: Snapshot,
    req: SearchRequest,
    synonyms: Synonyms | None,
    ranking: Ranking = DEFAULT_RANKING,
) -> dict[str, Any]:
    started = time.perf_counter()
    parsed = parse_query(req.q, synonyms, snap.analyzer)
    response: dict[str, Any] = {
        "query": req.q,
        "total": 0,
        "page": req.page,
        "per_page": req.per_page,
        "took_ms": 0.0,
        "suggestion": None,
        "ran_query": None,
        "unknown_words": [],
        "mode": "all",
        "facets": {"type": {}, "year": {}, "category": {}},
        "results": [],
    }
    if parsed.empty:
        response["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return response
    sets = snap.docsets
    spelling = plan_spelling(snap.vocabulary, parsed, snap.analyzer, lambda g: bool(group_set(sets, g)))
    response["suggestion"] = spelling.suggestion(parsed)
    if spelling.applied:
        response["ran_query"] = response["suggestion"]
    plan = make_plan(snap, parsed, req, ranking)
    response["unknown_words"] = [g.label for g, w in zip(plan.groups, plan.weights, strict=True) if not w]
    allowed = plan.matching
    for bits in plan.filters.values():
        allowed &= bits
    response["facets"] = facets(snap, plan)
    response["total"] = total = allowed.bit_count()
    loose = [b for g, b, w in zip(plan.groups, plan.sets, plan.weights, strict=True) if w and not g.phrase]
    if loose and any(allowed & ~b for b in loose):
        response["mode"] = "any"
    start = (req.page - 1) * req.per_page
    if total and start < total:
        if req.sort == "date":
            ordered = [(0.0, i) for i in snap.by_date if docsets.has(allowed, i)][: start + req.per_page]
        else:
            limit = max(ranking.candidates, start + req.per_page)
            hits = stage1(snap, plan, allowed, limit, start + req.per_page, ranking)
            ordered = rerank(snap, plan, hits, ranking)
        chosen = ordered[start : start + req.per_page]
        page = [snap.order[i] for _, i in chosen]
        found = best_passages(snap, plan.groups, plan.weights, page, parsed.definition)
        if req.sort != "date" and ranking.passage_weight:
            # The page's documents again, with the evidence of their best passage: a page
            # keeps its documents (pagination stays consistent), only their order changes.
            # A document's evidence is its best passage on any page (a PDF shows its best page
            # first, which need not hold the single best passage).
            best = {snap.index_of[d]: max(s for s, _ in rows) for d, rows in found.items() if rows}
            scores = {i: s for s, i in hits}
            chosen = rerank(snap, plan, [(scores[i], i) for _, i in chosen], ranking, best)
            page = [snap.order[i] for _, i in chosen]
        marks = Marks.from_groups(plan.groups)
        response["results"] = [
            result_entry(doc, score, result_passages(snap, doc, found.get(doc.id, []), marks, req.q))
            for (score, _), doc in zip(chosen, page, strict=True)
        ]
    response["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return response


def result_entry(doc: DocInfo, score: float, passages: list[dict[str, Any]]) -> dict[str, Any]:
    first = passages[0] if passages else None
    return {
        "id": doc.id,
        "type": doc.kind,
        "title": doc.title,
        # Where the best passage is: the viewer at its page, or the page at its text fragment.
        "url": first["url"] if first else doc.url,
        "file_url": first["file_url"] if first else doc.url,
        "document_url": doc.url,
        "source": doc.source,
        "date": doc.published or None,
        "score": round(score, 3),
        "snippet": first["snippet"] if first else "",
        "page": first["page"] if first and doc.kind == "pdf" else None,
        "passages": [{k: p[k] for k in ("page", "snippet", "url", "file_url", "ocr")} for p in passages],
        "categories": list(doc.categories),
        "tags": list(doc.tags),
    }
