"""`make bench-relevance`: nDCG@10, MRR@10 and recall@10 over tests/relevance/queries.toml.

Configurations, each a fresh build of corpus/:

* baseline: Whoosh's StandardAnalyzer, plain BM25F (no field weights), Whoosh's own query
  parser over title and body (all words required), one result per document;
* current: the Vindplaats pipeline as served;
* ablations of the current pipeline, one choice changed at a time, to measure each choice.

To guard against tuning for the judged set, queries fall into two halves by a stable hash of
their text: a *tuning* half to look at while changing the ranking, and a *held-out* half that
only confirms; both are printed, and a change that helps only the tuning half is not general.

A judged target is a document URL, or `source#page=N` for a PDF page: a PDF result counts
for the page of its best passage. Metrics come from `ir-measures` (trec_eval's definitions).
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ir_measures
from ir_measures import RR, R, nDCG

from indexer import IndexerSettings, build_index
from service.config import DEFAULT_SYNONYMS
from service.reader import Snapshot, load_snapshot
from service.search import DEFAULT_RANKING, Ranking, SearchRequest, run_search
from service.synonyms import Synonyms

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "tests" / "relevance" / "queries.toml"
MEASURES = [nDCG @ 10, RR @ 10, R @ 10]
NAMES = {str(nDCG @ 10): "nDCG@10", str(RR @ 10): "MRR@10", str(R @ 10): "recall@10"}


@dataclass(frozen=True)
class Config:
    name: str
    analysis: str = "dutch"
    stemmer: str = "dutch"
    decompound: bool = True
    synonyms: bool = True
    ranking: Ranking = DEFAULT_RANKING


CONFIGS = [
    Config("baseline", analysis="standard"),
    Config("current"),
    Config("stemmer dutch_porter", stemmer="dutch_porter"),
    Config("no decompounding", decompound=False),
    Config("no synonyms", synonyms=False),
    Config("no graded coverage", ranking=replace(DEFAULT_RANKING, coverage_power=0.0)),
    Config("all words first (old rule)", ranking=replace(DEFAULT_RANKING, all_words_first=True)),
    Config("no title/heading bonus", ranking=replace(DEFAULT_RANKING, title_bonus=0.0, heading_bonus=0.0)),
    Config("no passage evidence", ranking=replace(DEFAULT_RANKING, passage_weight=0.0)),
    Config("no lexicon specificity", ranking=replace(DEFAULT_RANKING, specificity_slope=0.0)),
    # What stage 1 does at scale, forced on the small corpus: words in over 10 % of the
    # documents get IDF credit instead of choosing candidates.
    Config("common words approximated", ranking=replace(DEFAULT_RANKING, common_min_docs=0)),
]


def load_queries() -> list[dict[str, Any]]:
    data = tomllib.loads(QUERIES.read_text(encoding="utf-8"))
    queries: list[dict[str, Any]] = data["query"]
    return queries


def half(query: str) -> str:
    """ "tuning" or "held-out", from a stable hash of the query text."""
    return "tuning" if hashlib.sha1(query.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


def _mean(per_query: dict[str, dict[str, float]], ids: list[str]) -> dict[str, float]:
    return {name: sum(per_query[i].get(name, 0.0) for i in ids) / max(1, len(ids)) for name in NAMES.values()}


def qrels(queries: list[dict[str, Any]]) -> list[Any]:
    return [
        ir_measures.Qrel(str(n), target, int(grade))
        for n, q in enumerate(queries)
        for target, grade in q["judgments"].items()
    ]


def target(result: dict[str, Any]) -> str:
    if result["type"] == "pdf" and result["page"]:
        return f"{result['source']}#page={result['page']}"
    return str(result.get("document_url") or result["url"])


def known_targets(snap: Snapshot) -> set[str]:
    """Every target a result can map to: web documents by URL, PDFs by each indexed page."""
    known: set[str] = set()
    for doc in snap.docs.values():
        if doc.kind != "pdf":
            known.add(doc.url)
            continue
        for record in snap.searcher.documents(doc_id=doc.id):
            if record.get("page"):
                known.add(f"{doc.source}#page={record['page']}")
    return known


def unknown_targets(queries: list[dict[str, Any]], snap: Snapshot) -> list[tuple[str, str]]:
    """(query, target) pairs naming nothing in the index: they would silently score as misses."""
    known = known_targets(snap)
    return [(q["q"], t) for q in queries for t in q["judgments"] if t not in known]


_builds: dict[tuple[str, str, bool, Path], Snapshot] = {}


def build(config: Config, tmp: Path) -> Snapshot:
    """The index a configuration needs; configurations that differ only in ranking share one."""
    key = (config.analysis, config.stemmer, config.decompound, tmp)
    if key not in _builds:
        settings = IndexerSettings(
            corpus_dir=REPO / "corpus",
            index_dir=tmp / "-".join(map(str, key[:3])) / "index",
            analysis=config.analysis,
            stemmer=config.stemmer,
            decompound=config.decompound,
        )
        build_index(settings)
        _builds[key] = load_snapshot(settings.index_dir)
    return _builds[key]


def baseline_search(snap: Snapshot) -> Callable[[str], list[str]]:
    """Whoosh as it comes: its query parser over title and content, best record per document."""
    from whoosh.qparser import MultifieldParser

    parser = MultifieldParser(["title", "content"], snap.index.schema)

    def run(q: str) -> list[str]:
        try:
            query = parser.parse(q)
        except Exception:  # the stock parser raises on some inputs; count it as no results
            return []
        seen: dict[str, str] = {}
        for hit in snap.searcher.search(query, limit=500):
            doc = snap.docs.get(hit["doc_id"])
            if doc is None or doc.id in seen:
                continue
            if doc.kind == "pdf":
                page = hit.get("page")
                if not page:  # a title hit: the document's first passage page
                    first = snap.searcher.document(id=f"{doc.id}:0")
                    page = first.get("page") if first else 1
                seen[doc.id] = f"{doc.source}#page={page}"
            else:
                seen[doc.id] = doc.url
            if len(seen) >= 10:
                break
        return list(seen.values())

    return run


def pipeline_search(snap: Snapshot, config: Config) -> Callable[[str], list[str]]:
    synonyms = Synonyms(DEFAULT_SYNONYMS if config.synonyms else None)

    def run(q: str) -> list[str]:
        data = run_search(snap, SearchRequest(q, per_page=10), synonyms, config.ranking)
        return [target(r) for r in data["results"]]

    return run


def evaluate(config: Config, queries: list[dict[str, Any]], tmp: Path) -> dict[str, Any]:
    snap = build(config, tmp)
    if config.analysis == "dutch" and (unknown := unknown_targets(queries, snap)):
        raise ValueError(f"{QUERIES.name}: judged targets not in the index: {unknown}")
    search = baseline_search(snap) if config.analysis == "standard" else pipeline_search(snap, config)
    run = []
    for n, q in enumerate(queries):
        ranked = list(dict.fromkeys(search(q["q"])))
        run += [ir_measures.ScoredDoc(str(n), t, float(len(ranked) - rank)) for rank, t in enumerate(ranked)]
    judged = qrels(queries)
    overall = {NAMES[str(m)]: v for m, v in ir_measures.calc_aggregate(MEASURES, judged, run).items()}
    per_query: dict[str, dict[str, float]] = defaultdict(dict)
    for metric in ir_measures.iter_calc(MEASURES, judged, run):
        per_query[metric.query_id][NAMES[str(metric.measure)]] = metric.value
    by_kind = {
        kind: _mean(per_query, [str(n) for n, q in enumerate(queries) if q["kind"] == kind])
        for kind in sorted({q["kind"] for q in queries})
    }
    by_half = {
        part: _mean(per_query, [str(n) for n, q in enumerate(queries) if half(q["q"]) == part])
        for part in ("tuning", "held-out")
    }
    return {"overall": overall, "by_kind": by_kind, "by_half": by_half, "per_query": per_query}


def evaluate_all(configs: list[Config] | None = None) -> dict[str, dict[str, Any]]:
    queries = load_queries()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return {c.name: evaluate(c, queries, Path(tmp)) for c in configs or CONFIGS}
        finally:
            for key in [k for k in _builds if k[3] == Path(tmp)]:
                _builds.pop(key).close()


def main() -> int:
    queries = load_queries()
    results = evaluate_all()
    names = list(NAMES.values())
    print(f"{len(queries)} judged queries, {sum(len(q['judgments']) for q in queries)} judgments\n")
    print(f"{'configuration':26}" + "".join(f"{n:>11}" for n in names))
    for name, result in results.items():
        print(f"{name:26}" + "".join(f"{result['overall'][n]:11.3f}" for n in names))
    counts = {part: sum(1 for q in queries if half(q["q"]) == part) for part in ("tuning", "held-out")}
    print(
        f"\nnDCG@10 / MRR@10 / recall@10 by half ({counts['tuning']} tuning, {counts['held-out']} held-out):"
    )
    for name, result in results.items():
        cells = [
            " / ".join(f"{result['by_half'][part][n]:.3f}" for n in names) for part in ("tuning", "held-out")
        ]
        print(f"{name:26}  tuning {cells[0]}   held-out {cells[1]}")
    base, cur = results["baseline"]["overall"], results["current"]["overall"]
    gain = (cur["nDCG@10"] - base["nDCG@10"]) / base["nDCG@10"] * 100
    print(f"\ncurrent vs baseline: nDCG@10 {gain:+.1f}% (relative)")
    print("\nper kind (baseline → current):")
    print(f"{'kind':14}{'n':>4}" + "".join(f"{n:>22}" for n in names))
    kinds = results["current"]["by_kind"]
    for kind in kinds:
        count = sum(1 for q in queries if q["kind"] == kind)
        row = f"{kind:14}{count:4d}"
        for n in names:
            row += f"{results['baseline']['by_kind'][kind][n]:13.3f} → {kinds[kind][n]:.3f}"
        print(row)
    weakest = sorted(results["current"]["per_query"].items(), key=lambda kv: kv[1].get("nDCG@10", 0))[:12]
    print("\nweakest queries (current):")
    for qid, metrics in weakest:
        print(
            f"  nDCG@10 {metrics.get('nDCG@10', 0):.2f}  {queries[int(qid)]['kind']:12} {queries[int(qid)]['q']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["CONFIGS", "Config", "evaluate_all", "half", "known_targets", "replace", "unknown_targets"]
