"""Stage 2: the best passages of the few documents shown, and search within one document.

Only the passages of the documents on the page are scored: one Whoosh query over `content`
and `heading`, required to belong to those documents (`doc_id`), with a proximity bonus for
neighbouring query words. A passage's score is its BM25F score times the share of the query's
weight it covers, so the passage (and the PDF page) that answers most of the question wins
over one that repeats a single word.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from whoosh import query as Q

from indexer.schema import PASSAGE_FIELDS

from .highlight import WORD, Marks, snippet, word_terms
from .query import Group, parse_query
from .reader import DocInfo, Snapshot
from .synonyms import Synonyms, Terms

MAX_PASSAGES = 3
DEFINITION_BOOST = 2.0  # a passage with a paragraph that starts with the term it is asked to define
PROXIMITY_SLOP = 4
PROXIMITY_BOOST = 1.5
COVERAGE_POWER = 2.0

Passage = tuple[float, int]  # (score, docnum)


def _alternative(alt: Terms) -> Q.Query:
    if len(alt) == 1:
        return Q.Or([Q.Term(f, alt[0]) for f in PASSAGE_FIELDS])
    return Q.Or([Q.Phrase(f, list(alt), slop=1) for f in PASSAGE_FIELDS])


def passage_query(groups: list[Group]) -> Q.Query:
    parts: list[Q.Query] = [_alternative(alt) for g in groups for alt in g.alternatives]
    loose = [g for g in groups if not g.phrase]
    for a, b in itertools.pairwise(loose):
        words = [*a.alternatives[0], *b.alternatives[0]]
        if len(words) >= 2:  # neighbouring query words standing close together
            parts.append(Q.Phrase("content", words, slop=PROXIMITY_SLOP, boost=PROXIMITY_BOOST))
    return Q.Or(parts)


def _covered(groups: list[Group], weights: list[float], terms: set[str]) -> float:
    total = sum(weights) or 1.0
    got = sum(
        w
        for g, w in zip(groups, weights, strict=True)
        if any(all(t in terms for t in alt) for alt in g.alternatives)
    )
    return got / total


def _matched(hit: Any) -> set[str]:
    return {t.decode("utf-8") if isinstance(t, bytes) else t for _, t in hit.matched_terms()}


def defines(text: str, terms: set[str]) -> bool:
    """Whether a paragraph of `text` starts with one of `terms` (a glossary entry, a FAQ
    question, a heading-like lead: "Participatiewet — Deze wet …")."""
    for line in text.split("\n"):
        lead = WORD.findall(line)[:4]
        if any(word_terms(w)[0] in terms for w in lead):
            return True
    return False


def best_passages(
    snap: Snapshot, groups: list[Group], weights: list[float], docs: list[DocInfo], definition: bool = False
) -> dict[str, list[Passage]]:
    """Document id -> its best passages (score, docnum), best first. For a question for a
    definition, passages that define the term (`defines`) weigh double."""
    if not docs or not groups:
        return {}
    within = Q.Or([Q.Term("doc_id", d.id) for d in docs])
    hits = snap.searcher.search(Q.Require(passage_query(groups), within), limit=None, terms=True)
    doc_ids = snap.column("doc_id")
    found: dict[str, list[Passage]] = defaultdict(list)
    terms = {t for g in groups for alt in g.alternatives for t in alt} if definition else set()
    for hit in hits:
        coverage = _covered(groups, weights, _matched(hit))
        score = float(hit.score or 0.0) * coverage**COVERAGE_POWER
        if terms and defines(hit["content"], terms):
            score *= DEFINITION_BOOST
        found[doc_ids[hit.docnum]].append((score, hit.docnum))
    return {
        doc_id: sorted(rows, key=lambda r: (-r[0], r[1]))[:MAX_PASSAGES] for doc_id, rows in found.items()
    }


def passage_url(doc: DocInfo, page: int | None) -> str:
    return f"{doc.url}#page={page}" if doc.kind == "pdf" and page else doc.url


def _entry(doc: DocInfo, stored: dict[str, Any], marks: Marks, score: float) -> dict[str, Any]:
    page = int(stored.get("page") or 0) or None
    return {
        "page": page,
        "snippet": snippet(stored.get("content", ""), marks),
        "url": passage_url(doc, page),
        "score": round(score, 3),
    }


def result_passages(
    snap: Snapshot, doc: DocInfo, best: list[Passage], groups: list[Group]
) -> list[dict[str, Any]]:
    """The passages shown under a result: the best ones, or the document's start if none
    matched (a document found by its title or tags alone)."""
    marks = Marks.from_groups(groups)
    searcher = snap.searcher
    rows = [(score, searcher.stored_fields(docnum)) for score, docnum in best]
    if not rows:
        first = searcher.document(id=f"{doc.id}:0")
        rows = [(0.0, first)] if first else []
    return [_entry(doc, stored, marks, score) for score, stored in rows]


def document_passages(
    snap: Snapshot, doc_id: str, q: str, synonyms: Synonyms | None, limit: int = 20
) -> dict[str, Any] | None:
    """Search within one document ("zoek in dit document"): matching passages, best first."""
    doc = snap.docs.get(doc_id)
    if doc is None:
        return None
    parsed = parse_query(q, synonyms, snap.analyzer)
    out: dict[str, Any] = {"id": doc_id, "query": q, "total": 0, "passages": []}
    if parsed.empty:
        return out
    groups = parsed.groups
    weights = [1.0] * len(groups)
    within = Q.Require(passage_query(groups), Q.Term("doc_id", doc_id))
    rows = []
    for hit in snap.searcher.search(within, limit=None, terms=True):
        coverage = _covered(groups, weights, _matched(hit))
        rows.append((coverage, float(hit.score or 0.0), hit.fields()))
    rows.sort(key=lambda r: (-r[0], -r[1]))
    marks = Marks.from_groups(groups)
    out["total"] = len(rows)
    out["passages"] = [_entry(doc, stored, marks, score) for _, score, stored in rows[:limit]]
    return out
