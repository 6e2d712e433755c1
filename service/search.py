"""Search: a parsed query in, one result per document with its best passages out.

Pure functions over an index Snapshot; no FastAPI here. Steps of `run_search`:

1. Parse the query (`query.parse_query`) into groups of alternative terms, with synonyms, and
   plan its spelling (`spelling.plan_spelling`): corrections only for words that neither the
   index nor the Dutch lexicon knows, applied when the typed word matches nothing.
2. Document sets (`docsets`): for every group the documents that contain it. They give each
   group's weight (IDF over documents), the matching documents (any group; quoted phrases
   required; `-word` excluded), the total and disjunctive facets, without scoring anything.
3. Stage 1: one Whoosh query over the doc records only (title, headings, tags, body; BM25F,
   top-k with block-max skipping, no per-hit term recording) for the best `candidates`.
4. Rerank the candidates with graded coverage: score = BM25F × (share of the query's IDF
   weight the document covers)^p × (1 + bonus for the share its title / a heading covers).
   A rare word a document has outweighs two common ones; no document drops out for lacking
   a word.
5. Stage 2 (`passages`): for the documents on the page only, their best passages and
   snippets; a PDF result links to the page of its best passage.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

from whoosh import query as Q

# Whoosh's plain Or preloads scores into a 2048-slot array per block on small indexes (under
# 5,000 records), which costs more than the search; the binary tree of unions is faster at
# every size we measured.
from whoosh.query.compound import DefaultOr as Or

from . import docsets
from .highlight import WORD, Marks, word_terms
from .passages import best_passages, result_passages
from .query import Group, ParsedQuery, parse_query
from .reader import DocInfo, Snapshot
from .spelling import plan_spelling
from .synonyms import Synonyms, Terms


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


DEFAULT_RANKING = Ranking()
EXACT_TITLE = 2.0
PARTIAL = 0.3  # the weight of weaker evidence of a group (Group.partial), measured


# --- the plan: groups, weights, document sets ----------------------------------------------


@dataclass(slots=True)
class Plan:
    groups: list[Group]  # every group (quoted phrases too)
    sets: list[int]  # per group: documents containing it anywhere
    partials: list[int]  # per group: documents with only weaker evidence of it
    titles: list[int]  # per group: documents whose title contains it
    headings: list[int]  # per group: documents with it in a heading
    weights: list[float]  # per group: IDF over documents (0 when no document has it)
    matching: int  # documents matching the query before filters
    filters: dict[str, int]  # facet -> documents passing that facet's filter


def _alternative_set(sets: docsets.DocSets, field: str, alt: Terms) -> int:
    return sets.terms_all(field, alt)


def group_set(sets: docsets.DocSets, group: Group, field: str = "body") -> int:
    bits = 0
    for alt in group.alternatives:
        bits |= _alternative_set(sets, field, alt)
    return bits


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0


def make_plan(snap: Snapshot, parsed: ParsedQuery, req: SearchRequest) -> Plan:
    sets = snap.docsets
    groups = parsed.groups
    body = [group_set(sets, g) for g in groups]
    weights = [idf(b.bit_count(), sets.size) for b in body]
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
    filters = {facet: sets.value(facet, value) for facet, value in _filters(req).items()}
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


def _filters(req: SearchRequest) -> dict[str, str]:
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


# --- stage 1: documents by BM25F --------------------------------------------------------------


def _doc_term(sets: docsets.DocSets, t: str) -> Q.Query | None:
    # Only `body`, which holds the title, headings and tags too: each more field is another
    # posting list to walk (three times the time for the same ranking, measured); titles and
    # headings weigh in through the rerank's bonus instead.
    return Q.Term("body", t) if sets.term("body", t) else None


def _doc_alternative(sets: docsets.DocSets, alt: Terms) -> Q.Query | None:
    parts = [_doc_term(sets, t) for t in alt]
    if any(p is None for p in parts):
        return None
    # Multi-word alternatives (synonyms like "wet maatschappelijke ondersteuning") as all of
    # their words: positions would make phrases exact but cost every query block-max skipping.
    return parts[0] if len(parts) == 1 else Q.And(parts)


def doc_query(sets: docsets.DocSets, groups: list[Group], weak: list[Terms] | None = None) -> Q.Query | None:
    """The groups' alternatives, and `weak` evidence at its lower weight."""
    parts = [q for g in groups for alt in g.alternatives if (q := _doc_alternative(sets, alt)) is not None]
    for alt in weak or []:
        if (q := _doc_alternative(sets, alt)) is not None:
            q.boost = PARTIAL
            parts.append(q)
    return (Or(parts) if len(parts) > 1 else parts[0]) if parts else None


def _search(
    snap: Snapshot, groups: list[Group], allowed: int, limit: int, weak: list[Terms] | None = None
) -> list[tuple[float, int]]:
    """Whoosh top-k over the doc records for `groups` (and `weak` evidence), within `allowed`."""
    sets = snap.docsets
    q = doc_query(sets, groups, weak)
    if q is None or not allowed or limit <= 0:
        return []
    reach = 0
    for g in groups:
        reach |= group_set(sets, g)
    for alt in weak or []:
        reach |= sets.terms_all("body", alt)
    # A filter costs a set of every allowed document: only when it excludes something.
    flt = None if reach & ~allowed == 0 else {snap.docnums[i] for i in docsets.members(allowed & reach)}
    hits = snap.searcher.search(q, limit=limit, filter=flt)
    doc_index = sets.doc_index
    return [(float(score), doc_index[docnum]) for docnum, score in hits.items()]


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


# --- stage 1b: rerank with coverage ----------------------------------------------------------


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
    plan = make_plan(snap, parsed, req)
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
            best = {snap.index_of[d]: rows[0][0] for d, rows in found.items() if rows}
            scores = {i: s for s, i in hits}
            chosen = rerank(snap, plan, [(scores[i], i) for _, i in chosen], ranking, best)
            page = [snap.order[i] for _, i in chosen]
        marks = Marks.from_groups(plan.groups)
        response["results"] = [
            result_entry(doc, score, result_passages(snap, doc, found.get(doc.id, []), marks))
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
        "url": first["url"] if first and doc.kind == "pdf" else doc.url,
        "document_url": doc.url,
        "source": doc.source,
        "date": doc.published or None,
        "score": round(score, 3),
        "snippet": first["snippet"] if first else "",
        "page": first["page"] if first and doc.kind == "pdf" else None,
        "passages": [{k: p[k] for k in ("page", "snippet", "url")} for p in passages],
        "categories": list(doc.categories),
        "tags": list(doc.tags),
    }
