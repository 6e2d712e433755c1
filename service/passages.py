"""Stage 2: the best passages of the few documents shown, and search within one document.

Only the passages of the documents on the page are scored, straight from the postings: for
each query term, its postings in `content` and `heading` are walked forward over the sorted
passage numbers of those documents (a few dozen), reading term frequency and positions where
they match. That is BM25F as Whoosh computes it, without a query tree over the whole index:

* a group scores its best alternative (a synonym does not count twice); a multi-word
  alternative ("wet maatschappelijke ondersteuning") counts only where its words stand
  together;
* neighbouring query words within a few words of each other earn a proximity bonus;
* the sum is multiplied by the squared share of the query's weight the passage covers, so
  the passage (and the PDF page) that answers most of the question wins over one that
  repeats a single word;
* for a question for a definition, a passage with a paragraph that starts with the term
  ("Participatiewet — Deze wet …") counts double;
* a PDF result shows the best passage of its best *page* first (`best_page_first`): its link
  opens that page, and a page that treats the question throughout beats a single sentence.
"""

from __future__ import annotations

import bisect
import itertools
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

from indexer.schema import PASSAGE_FIELDS
from indexer.store import TermNotFound

from .docsets import has
from .highlight import WORD, Marks, snippet, word_terms
from .links import passage_links
from .query import Group, parse_query
from .reader import DocInfo, Snapshot
from .synonyms import Synonyms, Terms

MAX_PASSAGES = 3
DEFINITION_BOOST = 2.0
PROXIMITY_WINDOW = 5  # words between neighbouring query words that still count as close
PROXIMITY_WEIGHT = 0.25  # share of two neighbouring query words' scores added when they stand close
# Three or more query words in a row, as typed, count again, and more the longer the run: a
# run of n words is ever less likely by chance (a sentence copied from a PDF beats a page
# whose heading holds a few of its words).
RUN_WEIGHT = 1.0
RUN_MIN_WORDS = 3
COVERAGE_POWER = 2.0
PARTIAL = 0.3  # weaker evidence (Group.partial) counts this much
DEFINITION_CANDIDATES = 5  # passages per document checked for a definition
PAGE_REST = 0.5  # a PDF page's other matching passages count this much beside its best one
PAGE_CANDIDATES = 50  # a PDF's best passages weighed for its best page
MAX_CACHED_DOCUMENTS = 20_000  # passage numbers per document kept per snapshot (~2 MB at most)
# Decoded postings blocks kept per snapshot (~6 kB each at 100,000 passages, 12 MB in all):
# the questions of one site share their words and their documents, and a block costs an
# unpickling of 128 postings to read the few a page needs.
MAX_CACHED_BLOCKS = 2_000
K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, as stage 1 uses them

Passage = tuple[float, int]  # (score, docnum)


@dataclass(slots=True)
class Hit:
    """What the postings say about one passage: per (field, term) frequency and positions."""

    docnum: int
    tf: dict[tuple[str, str], float] = field(default_factory=dict)
    positions: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)  # field lengths, read once a passage


def passage_numbers(snap: Snapshot, docs: list[DocInfo]) -> dict[int, str]:
    """Passage docnum -> document id, for the passages of `docs`."""
    reader = snap.searcher.reader()
    cache = snap.records
    out: dict[int, str] = {}
    for doc in docs:
        numbers = cache.get(doc.id)
        if numbers is None:
            if snap.table is not None:
                numbers = snap.table.records(doc.id)
            else:
                found = ("doc_id", doc.id) in reader
                numbers = tuple(reader.postings("doc_id", doc.id).all_ids()) if found else ()
            if len(cache) >= MAX_CACHED_DOCUMENTS:
                cache.popitem(last=False)
            cache[doc.id] = numbers
        else:
            cache.move_to_end(doc.id)
        out.update(dict.fromkeys(numbers, doc.id))
    return out


def term_passages(snap: Snapshot, terms: set[str], owners: dict[int, str]) -> dict[str, list[int]]:
    """Per term, the passages of `owners` (passage docnum -> document id) that can hold it:
    those of the documents whose doc record has it in `body`. A doc record's body is its
    passages' texts and headings analysed by the same chain, word by word, so a passage never
    has a term its document lacks; a term in a few of the page's documents then costs the
    postings blocks of those alone."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for docnum in sorted(owners):
        by_doc[owners[docnum]].append(docnum)
    index_of, sets = snap.index_of, snap.docsets
    out: dict[str, list[int]] = {}
    for term in terms:
        bits = sets.term("body", term)
        found = [n for doc_id, nums in by_doc.items() if has(bits, index_of[doc_id]) for n in nums]
        if found:
            out[term] = sorted(found)
    return out


def read_postings(snap: Snapshot, wanted: dict[str, list[int]]) -> dict[int, Hit]:
    """Frequencies and positions of each term of `wanted` in its passages (sorted, all live).

    Per segment and term, a block of postings is decoded only when it can hold one of the
    wanted passages (its last id is known without decoding), and the passages are found in it
    by bisection; Whoosh's `skip_to` steps through a block one posting at a time, which was
    most of a search's time at 100,000 passages."""
    reader = snap.searcher.reader()
    hits: dict[int, Hit] = {}
    for segment, (leaf, offset) in enumerate(reader.leaf_readers()):
        end = offset + leaf.doc_count_all()
        for term, docnums in wanted.items():
            lo, hi = bisect.bisect_left(docnums, offset), bisect.bisect_left(docnums, end)
            if lo == hi:
                continue
            local = [d - offset for d in docnums[lo:hi]]
            for fieldname in PASSAGE_FIELDS:
                try:  # one lookup in the term table, not a test and then a lookup
                    m = leaf.postings(fieldname, term)
                except TermNotFound:
                    continue
                _read_term(m, fieldname, term, local, offset, hits, snap.blocks, segment)
    return hits


def _read_term(
    m: Any,
    fieldname: str,
    term: str,
    local: list[int],
    offset: int,
    hits: dict[int, Hit],
    blocks: OrderedDict[tuple[int, int], tuple[Any, Any, Any]],
    segment: int,
) -> None:
    # The wanted passages are live, so a filter for deleted documents has nothing to remove.
    raw = getattr(m, "child", m)
    if not all(
        hasattr(raw, a)
        for a in ("_read_ids", "_read_weights", "_read_values", "_maxid", "_next_block", "_dataoffset")
    ):
        _step_through(m, fieldname, term, local, offset, hits)
        return
    m = raw
    positions = m.format.decoder("positions")
    key = (fieldname, term)
    i, n = 0, len(local)
    while i < n and m.is_active():
        if m._maxid < local[i]:
            m._next_block()
            continue
        where = (segment, m._dataoffset)  # a block's data starts at its own offset in the segment
        block = blocks.get(where)
        if block is None:
            m._read_ids()
            m._read_weights()
            m._read_values()
            block = blocks[where] = (m._ids, m._weights, m._values)
            if len(blocks) > MAX_CACHED_BLOCKS:
                blocks.popitem(last=False)
        else:
            blocks.move_to_end(where)
        ids, weights, values = block
        while i < n and local[i] <= m._maxid:
            j = bisect.bisect_left(ids, local[i])
            if j < len(ids) and ids[j] == local[i]:
                _record(hits, offset + local[i], key, weights[j], positions(values[j]))
            i += 1
        if i < n:
            m._next_block()


def _step_through(
    m: Any, fieldname: str, term: str, local: list[int], offset: int, hits: dict[int, Hit]
) -> None:
    """The same with Whoosh's public matcher methods, for a codec without the block attributes."""
    key = (fieldname, term)
    for target in local:
        if not m.is_active():
            return
        if m.id() < target:
            m.skip_to(target)
            if not m.is_active():
                return
        if m.id() == target:
            _record(hits, offset + target, key, m.weight(), m.value_as("positions"))


def _record(hits: dict[int, Hit], docnum: int, key: tuple[str, str], tf: float, positions: Any) -> None:
    hit = hits.get(docnum)
    if hit is None:
        hit = hits[docnum] = Hit(docnum)
    hit.tf[key] = tf
    hit.positions[key] = list(positions)


def _adjacent(hit: Hit, fieldname: str, alt: Terms) -> bool:
    """Whether the words of `alt` stand in order, at most one word apart, in `fieldname`."""
    lists = [hit.positions.get((fieldname, t)) or [] for t in alt]
    return all(lists) and any(_chain(start, lists[1:]) for start in lists[0])


def _chain(pos: int, rest: list[list[int]]) -> bool:
    if not rest:
        return True
    return any(0 < q - pos <= 2 and _chain(q, rest[1:]) for q in rest[0])


class PassageScorer:
    """Scores passages for one query (BM25F per field, as Whoosh does, plus the extras above)."""

    def __init__(self, snap: Snapshot, groups: list[Group], weights: list[float]) -> None:
        self.snap = snap
        self.groups = groups
        self.weights = weights
        self.total = sum(weights) or 1.0
        self.terms = {t for g in groups for alt in [*g.alternatives, *g.partial] for t in alt}
        searcher = snap.searcher
        self.idf = {(f, t): searcher.idf(f, t) for f in PASSAGE_FIELDS for t in self.terms}
        self.avgfl = {f: searcher.avg_field_length(f) or 1.0 for f in PASSAGE_FIELDS}
        self.reader = searcher.reader()

    def _term(self, hit: Hit, term: str) -> float:
        score = 0.0
        for f in PASSAGE_FIELDS:
            tf = hit.tf.get((f, term))
            if tf:
                fl = hit.lengths.get(f)
                if fl is None:
                    fl = hit.lengths[f] = self.reader.doc_field_length(hit.docnum, f, 1) or 1
                score += self.idf[(f, term)] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * fl / self.avgfl[f]))
        return score

    def _alternative(self, hit: Hit, alt: Terms) -> float:
        if len(alt) == 1:
            return self._term(hit, alt[0])
        if any(_adjacent(hit, f, alt) for f in PASSAGE_FIELDS):
            return sum(self._term(hit, t) for t in alt)
        return 0.0

    def _together(self, hit: Hit, alt: Terms) -> float:
        """Weaker evidence: every term of `alt` somewhere in the passage, in any order (the
        parts of "bewonersgroep" in a passage about a "groep bewoners")."""
        scores = [self._term(hit, t) for t in alt]
        return sum(scores) if all(scores) else 0.0

    def score(self, hit: Hit) -> tuple[float, float]:
        """(score, covered share of the query's weight)."""
        per_group = [
            max(
                [self._alternative(hit, alt) for alt in g.alternatives]
                + [PARTIAL * self._together(hit, alt) for alt in g.partial]
            )
            for g in self.groups
        ]
        covered = sum(w for w, s in zip(self.weights, per_group, strict=True) if s > 0) / self.total
        total = sum(per_group)
        loose = [(g, s) for g, s in zip(self.groups, per_group, strict=True) if not g.phrase]
        run: list[float] = []  # scores of query words standing next to each other, in order
        for (a, sa), (b, sb) in itertools.pairwise(loose):
            gap = self._gap(hit, a, b) if sa and sb else PROXIMITY_WINDOW + 1
            if gap <= PROXIMITY_WINDOW:  # close: the closer, the more
                total += PROXIMITY_WEIGHT * (sa + sb) * (PROXIMITY_WINDOW + 1 - gap) / PROXIMITY_WINDOW
            if gap == 1:
                run = [*(run or [sa]), sb]
            else:
                total += self._run(run)
                run = []
        total += self._run(run)
        return total * covered**COVERAGE_POWER, covered

    @staticmethod
    def _run(run: list[float]) -> float:
        """Three or more query words in a row, as typed: a quoted sentence, a title."""
        if len(run) < RUN_MIN_WORDS:
            return 0.0
        return RUN_WEIGHT * (len(run) - RUN_MIN_WORDS + 1) ** 2 * sum(run)

    def _gap(self, hit: Hit, a: Group, b: Group) -> int:
        """The fewest words from a word of `a` to a following word of `b` in the content (in the
        query's order, as a phrase reads)."""
        first = _positions(hit, a)
        second = _positions(hit, b)
        return min((q - p for p in first for q in second if q > p), default=PROXIMITY_WINDOW + 1)


def _positions(hit: Hit, group: Group) -> list[int]:
    return [
        p for alt in group.alternatives if len(alt) == 1 for p in hit.positions.get(("content", alt[0]), [])
    ]


def defines(text: str, terms: set[str]) -> bool:
    """Whether a paragraph of `text` starts with one of `terms` (a glossary entry, a FAQ
    question, a heading-like lead: "Participatiewet — Deze wet …")."""
    for line in text.split("\n"):
        lead = WORD.findall(line)[:4]
        if any(word_terms(w)[0] in terms for w in lead):
            return True
    return False


def _scored(
    snap: Snapshot, groups: list[Group], weights: list[float], owners: dict[int, str]
) -> dict[str, list[tuple[float, float, int]]]:
    """Document id -> (score, coverage, docnum) of each of its matching passages."""
    scorer = PassageScorer(snap, groups, weights)
    hits = read_postings(snap, term_passages(snap, scorer.terms, owners))
    found: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for docnum, hit in hits.items():
        score, covered = scorer.score(hit)
        if score > 0:
            found[owners[docnum]].append((score, covered, docnum))
    return found


def best_passages(
    snap: Snapshot, groups: list[Group], weights: list[float], docs: list[DocInfo], definition: bool = False
) -> dict[str, list[Passage]]:
    """Document id -> its best passages (score, docnum), best first."""
    if not docs or not groups:
        return {}
    found = _scored(snap, groups, weights, passage_numbers(snap, docs))
    terms = {t for g in groups for alt in g.alternatives for t in alt}
    out: dict[str, list[Passage]] = {}
    for doc_id, rows in found.items():
        ranked = sorted(((s, d) for s, _, d in rows), key=lambda r: (-r[0], r[1]))
        if definition:
            top = ranked[:DEFINITION_CANDIDATES]
            content = {d: snap.searcher.stored_fields(d).get("content", "") for _, d in top}
            boosted = [(s * DEFINITION_BOOST if defines(content[d], terms) else s, d) for s, d in top]
            ranked = sorted(boosted + ranked[DEFINITION_CANDIDATES:], key=lambda r: (-r[0], r[1]))
        if snap.docs[doc_id].kind == "pdf" and len(ranked) > 1:
            ranked = best_page_first(snap, ranked)
        out[doc_id] = ranked[:MAX_PASSAGES]
    return out


def best_page_first(snap: Snapshot, ranked: list[Passage]) -> list[Passage]:
    """`ranked` with the best passage of the best page first: a PDF result opens at a page, so
    the page is what answers. A page scores its best passage plus PAGE_REST of each other one
    (a page that treats the question throughout beats one sentence that has all its words)."""
    pages = snap.column("page")
    candidates = ranked[:PAGE_CANDIDATES]
    totals: dict[int, float] = defaultdict(float)
    seen: set[int] = set()
    for score, docnum in candidates:  # best first: a page's first passage counts in full
        page = pages[docnum]
        totals[page] += score if page not in seen else PAGE_REST * score
        seen.add(page)
    best = max(totals, key=lambda page: (totals[page], -page))
    first = next(row for row in candidates if pages[row[1]] == best)
    return [first, *(row for row in ranked if row is not first)]


def _entry(doc: DocInfo, stored: dict[str, Any], marks: Marks, score: float, q: str) -> dict[str, Any]:
    page = int(stored.get("page") or 0) or None
    text = stored.get("content", "")
    return {
        "page": page,
        "snippet": snippet(text, marks),
        **passage_links(doc, page, text, q),
        "ocr": bool(stored.get("ocr")),  # recognised from a scan: "tekst herkend"
        "score": round(score, 3),
    }


def result_passages(
    snap: Snapshot, doc: DocInfo, best: list[Passage], marks: Marks, q: str = ""
) -> list[dict[str, Any]]:
    """The passages shown under a result: the best ones, or the document's start if none
    matched (a document found by its title or tags alone)."""
    searcher = snap.searcher
    rows = [(score, searcher.stored_fields(docnum)) for score, docnum in best]
    if not rows:
        first = searcher.document(id=f"{doc.id}:0")
        rows = [(0.0, first)] if first else []
    return [_entry(doc, stored, marks, score, q) for score, stored in rows]


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
    found = _scored(snap, groups, [1.0] * len(groups), passage_numbers(snap, [doc])).get(doc_id, [])
    found.sort(key=lambda r: (-r[1], -r[0], r[2]))
    marks = Marks.from_groups(groups)
    out["total"] = len(found)
    out["passages"] = [
        _entry(doc, snap.searcher.stored_fields(d), marks, score, q) for score, _, d in found[:limit]
    ]
    return out
