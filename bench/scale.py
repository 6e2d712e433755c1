"""`make bench PASSAGES=N` (= `python -m bench.speed --passages N`): speed at a site's size.

One run, so the ratios survive a noisy shared machine:

1. a synthetic corpus of N passages (`bench/synthetic.py`), kept in `--workdir` for reuse;
2. indexing with the real indexer (both cores): passages/s, CPU seconds, peak RSS;
3. a plain Whoosh index of the same passages (StandardAnalyzer, title + content);
4. in process, for the judged queries and 200 generated mid-frequency ones: `run_search` one
   query after another, as a worker answers; then on a snapshot loaded anew, so that it meets
   them for the first time again, query by query in turn with plain Whoosh (an OR query,
   one reused searcher, the top 10 with `hit.highlights`): p50/p95/p99 and the ratio, which
   survives a noisy machine; then `run_search` again, its caches warm;
5. `/suggest` in process;
6. over HTTP (`bench/load.py`): the service with 2 workers under `wrk` at c=1/8/32.

It prints numbers and asserts nothing.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer import IndexerSettings, build_index
from service.config import DEFAULT_SYNONYMS
from service.documents import suggest
from service.reader import load_snapshot
from service.search import SearchRequest, run_search
from service.synonyms import Synonyms

from . import load, synthetic

REPO = Path(__file__).resolve().parent.parent


def judged_queries() -> list[str]:
    data = tomllib.loads((REPO / "tests" / "relevance" / "queries.toml").read_text(encoding="utf-8"))
    return [q["q"] for q in data["query"]]


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return q[49], q[94], q[98]


def cpu_seconds() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + kids.ru_utime, own.ru_stime + kids.ru_stime


def corpus_for(workdir: Path, passages: int, seed: int) -> Path:
    folder = workdir / f"corpus-{passages}-{seed}"
    done = folder / ".complete"
    if not done.exists():
        started = time.perf_counter()
        written = synthetic.generate(folder, passages, seed)
        done.write_text(str(written))
        print(f"generated {written} passages in {time.perf_counter() - started:.1f} s: {folder}")
    return folder


def build(corpus: Path, index: Path) -> None:
    print("\n== indexing (python's build_index, all cores) ==")
    user0, sys0 = cpu_seconds()
    started = time.perf_counter()
    report = build_index(IndexerSettings(corpus_dir=corpus, index_dir=index))
    seconds = time.perf_counter() - started
    user1, sys1 = cpu_seconds()
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{report.documents} documents, {report.passages} passages in {seconds:.1f} s = "
        f"{report.passages / seconds:.0f} passages/s; CPU user {user1 - user0:.1f} s, "
        f"sys {sys1 - sys0:.1f} s; peak RSS {peak_self:.0f} MB (this process), "
        f"{peak_child:.0f} MB (largest child)"
    )


def plain_whoosh(snap: Any, folder: Path) -> Any:
    """A plain Whoosh index of the same passages: what Whoosh does out of the box."""
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(stored=True), content=TEXT(stored=True))
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), schema)
    titles = {d.id: d.title for d in snap.docs.values()}
    started = time.perf_counter()
    n = 0
    with ix.writer(limitmb=256) as w:
        for stored in snap.searcher.documents(record="passage"):
            doc_id = stored["doc_id"]
            w.add_document(id=stored["id"], title=titles.get(doc_id, ""), content=stored["content"])
            n += 1
    seconds = time.perf_counter() - started
    print(f"plain Whoosh index of the same {n} passages: {n / seconds:.0f} passages/s (one process)")
    return ix


def plain_search(ix: Any) -> Callable[[str], object]:
    from whoosh.qparser import OrGroup, QueryParser

    searcher = ix.searcher()
    parser = QueryParser("content", ix.schema, group=OrGroup)

    def run(q: str) -> object:
        results = searcher.search(parser.parse(q), limit=10)
        return [hit.highlights("content") for hit in results]

    return run


def latencies(call: Callable[[str], object], inputs: list[str]) -> list[float]:
    """Milliseconds per call."""
    samples = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def side_by_side(
    name: str, fresh: Callable[[], Callable[[str], object]], plain: Callable[[str], object], qs: list[str]
) -> None:
    # First, as a service worker meets them: one query after another, nothing else running in
    # between. Then on a snapshot of its own again, so that it meets them for the first time too.
    alone = quantiles(latencies(fresh(), qs))
    ours = fresh()
    a: list[float] = []
    b: list[float] = []
    for q in qs:  # in turn, so both feel the same machine load
        for fn, out in ((ours, a), (plain, b)):
            started = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - started) * 1000)
    qa, qb = quantiles(a), quantiles(b)
    print(f"{name} (n={len(qs)}):")
    print(
        f"  {'run_search':14} p50 {alone[0]:7.2f}  p95 {alone[1]:7.2f}  p99 {alone[2]:7.2f} ms, first sight"
    )
    print(
        f"  {'… in turn':14} p50 {qa[0]:7.2f}  p95 {qa[1]:7.2f}  p99 {qa[2]:7.2f} ms, each query after "
        "plain Whoosh's (its work empties the CPU caches)"
    )
    print(f"  {'plain Whoosh':14} p50 {qb[0]:7.2f}  p95 {qb[1]:7.2f}  p99 {qb[2]:7.2f} ms")
    ratios = "  ".join(
        f"{label} {x / y:.2f}" for label, x, y in zip(("p50", "p95", "p99"), qa, qb, strict=True)
    )
    print(f"  {'ratio, in turn':14} {ratios}")
    # The same queries again: the per-snapshot caches (term score arrays, record numbers) warm,
    # as in a service that has answered for a while.
    qc = quantiles(latencies(ours, qs))
    print(f"  {'again, warm':14} p50 {qc[0]:7.2f}  p95 {qc[1]:7.2f}  p99 {qc[2]:7.2f} ms")


def bench_in_process(index: Path, plain_dir: Path, judged: list[str], generated: list[str]) -> None:
    snap = load_snapshot(index)
    synonyms = Synonyms(DEFAULT_SYNONYMS)
    ix = plain_whoosh(snap, plain_dir)
    plain = plain_search(ix)
    for q in synthetic.queries(20, seed=99):  # warm-up with other queries: page cache
        plain(q)
    current = [snap]

    def fresh() -> Callable[[str], object]:
        """`run_search` on a snapshot loaded anew (its caches empty, and the words it learned
        forgotten), warmed up with other queries, as a worker starts."""
        current[0].close()
        snap = current[0] = load_snapshot(index)

        def ours(q: str) -> object:
            return run_search(snap, SearchRequest(q), synonyms)

        for q in synthetic.queries(20, seed=99):
            ours(q)
        return ours

    print("\n== in process, one page of 10 results with snippets ==")
    side_by_side("judged queries", fresh, plain, judged)
    side_by_side("generated mid-frequency queries", fresh, plain, generated)
    snap = current[0]
    prefixes = [q[:n] for q in judged + generated for n in (2, 3, 5, 8) if len(q) >= n]
    samples = []
    for p in prefixes:
        started = time.perf_counter()
        suggest(snap, p)
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95, p99 = quantiles(samples)
    print(f"/suggest in process (n={len(samples)}): p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process so far: {peak:.0f} MB")
    snap.close()


def main(passages: int, seed: int, workdir: Path, reuse_index: bool, http: bool, seconds: int) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = corpus_for(workdir, passages, seed)
    index = workdir / f"index-{passages}-{seed}" / "index"
    if reuse_index and index.exists():
        print(f"reusing the index at {index} (no indexing figures)")
    else:
        build(corpus, index)
    judged = judged_queries()
    generated = synthetic.queries(200)
    with tempfile.TemporaryDirectory(dir=workdir) as plain_dir:
        bench_in_process(index, Path(plain_dir), judged, generated)
    if http:
        load.bench_http(index, judged, generated, seconds)
    return 0
