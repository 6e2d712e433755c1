"""`make bench`: indexing speed, PDF pages per second, query and /suggest latency, memory.

Prints numbers; asserts nothing. Run from the repository root: `python -m bench.speed` over
corpus/, or `python -m bench.speed --passages 100000` (`make bench PASSAGES=100000`) over a
synthetic corpus of that size, side by side with plain Whoosh (see bench/scale.py).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from indexer import IndexerSettings, IndexReport, build_index, store
from indexer.config import IndexerSettings as Settings
from indexer.errors import ExtractionError
from indexer.extract import extract_file
from service.config import DEFAULT_SYNONYMS
from service.documents import suggest
from service.reader import Snapshot, load_snapshot
from service.search import SearchRequest, run_search
from service.synonyms import Synonyms

from . import scale

REPO = Path(__file__).resolve().parent.parent
REALWORLD = REPO.parent / "shared" / "realworld"


def timed_build(settings: IndexerSettings) -> tuple[IndexReport, float]:
    started = time.perf_counter()
    report = build_index(settings)
    return report, time.perf_counter() - started


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {q[49]:.2f} ms  p95 {q[94]:.2f} ms  p99 {q[98]:.2f} ms  (n={len(ordered)})"


def pdf_files() -> list[tuple[str, Path]]:
    out = [("corpus", p) for p in sorted((REPO / "corpus" / "pdf").glob("*.pdf"))]
    for sub in ("pdf", "dutch/pdf"):
        folder = REALWORLD / sub
        if folder.is_dir():
            out += [("realworld", p) for p in sorted(folder.glob("*.pdf"))]
    return out


def bench_pdf_table() -> None:
    """Per PDF: extraction (one process) and indexing (analysis + Whoosh write) pages/s."""
    print("\n== PDF pages per second (one process; extraction = pypdf + cleaning + passages,")
    print("   indexing = Dutch analysis + Whoosh write of the passages) ==")
    print(f"{'set':9} {'file':52} {'pages':>5} {'extract p/s':>11} {'index p/s':>9}  outcome")
    tot_pages = tot_extract = tot_index = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(ocr_cache=Path(tmp) / "ocr-cache")  # scans are read afresh
        for group, path in pdf_files():
            started = time.perf_counter()
            try:
                result = extract_file(path, path.name, settings)
            except ExtractionError as exc:
                print(f"{group:9} {path.name[:52]:52} {'-':>5} {'':>11} {'':>9}  skipped: {exc.reason[:40]}")
                continue
            extract_s = time.perf_counter() - started
            doc = result.documents[0]
            build = Path(tmp) / path.stem
            build.mkdir()
            ix = store.create_index(build)
            started = time.perf_counter()
            with store.writer(ix) as w:
                store.add_document(w, doc)
            index_s = time.perf_counter() - started
            tot_pages += doc.pages
            tot_extract += extract_s
            tot_index += index_s
            print(
                f"{group:9} {path.name[:52]:52} {doc.pages:5d} {doc.pages / extract_s:11.1f} "
                f"{doc.pages / index_s:9.1f}  {len(doc.passages)} passages"
            )
    print(
        f"{'total':9} {'':52} {int(tot_pages):5d} {tot_pages / tot_extract:11.1f} {tot_pages / tot_index:9.1f}"
    )


def bench_pdf_end_to_end() -> None:
    print("\n== PDF build end to end (python -m indexer build over all PDFs above, all cores) ==")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "pdfs"
        corpus.mkdir()
        for n, (_, path) in enumerate(pdf_files()):
            shutil.copy(path, corpus / f"{n:02d}-{path.name}")
        for workers in (1, 2):
            settings = IndexerSettings(
                corpus_dir=corpus, index_dir=Path(tmp) / f"idx{workers}" / "index", workers=workers
            )
            report, seconds = timed_build(settings)
            print(
                f"workers={workers}: {report.pdf_pages} pages of {report.documents} PDFs "
                f"({len(report.skipped_files)} skipped) in {seconds:.2f} s = "
                f"{report.pdf_pages / seconds:.1f} pages/s end to end"
            )


SCANS = [
    "dutch/pdf/emmen_toezeggingen-commissie_scan-no-text.pdf",
    "dutch/pdf/typewriter-linzensoep_image-only.pdf",
    "pdf/scan_gutenberg-page_no-text.pdf",
    "pdf/scan_jbig2_rotate270_no-text.pdf",
    "pdf/cid-truetype_no-tounicode_garbled.pdf",
]


def bench_ocr() -> None:
    """OCR of the real-world scans (one process): fresh, then from the OCR cache."""
    scans = [REALWORLD / name for name in SCANS if (REALWORLD / name).is_file()]
    print("\n== OCR of scanned pages (one process, Tesseract nld+eng; fresh, then from the cache) ==")
    if not scans:
        print(f"skipped: {REALWORLD} is not present")
        return
    print(f"{'file':52} {'pages':>5} {'OCR s':>7} {'pages/s':>7} {'cached s':>8}")
    total_pages = total_s = total_cached_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(ocr_cache=Path(tmp) / "ocr-cache")
        for path in scans:
            try:
                started = time.perf_counter()
                fresh = extract_file(path, path.name, settings)
                fresh_s = time.perf_counter() - started
                started = time.perf_counter()
                again = extract_file(path, path.name, settings)
                cached_s = time.perf_counter() - started
            except ExtractionError as exc:
                print(f"{path.name[:52]:52} skipped: {exc.reason[:60]}")
                continue
            pages = fresh.ocr_pages
            assert again.ocr_pages == 0, "the second pass must come from the cache"
            total_pages += pages
            total_s += fresh_s
            total_cached_s += cached_s
            print(f"{path.name[:52]:52} {pages:5d} {fresh_s:7.2f} {pages / fresh_s:7.2f} {cached_s:8.2f}")
    if total_s:
        print(
            f"{'total':52} {int(total_pages):5d} {total_s:7.2f} {total_pages / total_s:7.2f} {total_cached_s:8.2f}"
        )


def bench_corpus(tmp: Path) -> Path:
    print("\n== corpus/ build ==")
    settings = IndexerSettings(corpus_dir=REPO / "corpus", index_dir=tmp / "index")
    report, seconds = timed_build(settings)
    print(
        f"{report.documents} documents, {report.passages} passages, {report.pdf_pages} PDF pages "
        f"from {report.files} files in {seconds:.2f} s ({report.documents / seconds:.1f} docs/s)"
    )
    return settings.index_dir


def queries() -> list[str]:
    judged = tomllib.loads((REPO / "tests" / "relevance" / "queries.toml").read_text(encoding="utf-8"))
    out = [q["q"] for q in judged["query"]]
    words = [
        "wijkteams",
        "gemeente",
        "sociaal domein",
        "Wmo",
        "jeugdhulp",
        "aanbesteding",
        "burgerinitiatief",
        "coöperatie",
        "bezuinigingen",
        "social return",
        "participatiewet",
        "keukentafelgesprek",
        "decentralisaties",
        "zorgaanbieders",
        "right to challenge",
    ]
    rng = random.Random(7)
    while len(out) < 300:
        out.append(" ".join(rng.sample(words, rng.randint(1, 3))))
    return out


def bench_queries(index: Path) -> None:
    snap = load_snapshot(index)
    synonyms = Synonyms(DEFAULT_SYNONYMS)
    qs = queries()
    for q in qs[:20]:  # warm-up: lexicon, caches
        run_search(snap, SearchRequest(q), synonyms)
    print("\n== query latency (in-process run_search, one result page of 10) ==")
    samples = scale.latencies(lambda q: run_search(snap, SearchRequest(q), synonyms), qs)
    print(f"/search  {percentiles(samples)}  = {1000 / statistics.mean(samples):.0f} queries/s per process")
    prefixes = [q[:n] for q in qs for n in (2, 4, 6, 9) if len(q) >= n][:400]
    print(f"/suggest {percentiles(scale.latencies(lambda p: suggest(snap, p), prefixes))}")


def bench_analysis_cost() -> None:
    """What the Dutch chain costs: corpus build and query time per analysis configuration."""
    print("\n== cost of the Dutch analysis (corpus/ build, 200 queries; best of 2 runs) ==")
    print(f"{'configuration':34} {'build s':>8} {'passages/s':>10} {'query p50 ms':>12} {'queries/s':>9}")
    variants = [
        ("Whoosh StandardAnalyzer", {"analysis": "standard"}, False),
        ("Dutch chain, no compounds/synonyms", {"decompound": False}, False),
        ("Dutch chain as served", {}, True),
    ]
    qs = queries()[:200]
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, options, use_synonyms) in enumerate(variants):
            times = []
            for attempt in range(2):
                settings = IndexerSettings(
                    corpus_dir=REPO / "corpus", index_dir=Path(tmp) / f"{n}-{attempt}" / "index", **options
                )
                report, seconds = timed_build(settings)
                times.append(seconds)
            snap = load_snapshot(settings.index_dir)
            synonyms = Synonyms(DEFAULT_SYNONYMS if use_synonyms else None)

            def one(q: str, snap: Snapshot = snap, synonyms: Synonyms = synonyms) -> object:
                return run_search(snap, SearchRequest(q), synonyms)

            scale.latencies(one, qs[:20])  # warm-up
            samples = scale.latencies(one, qs)
            build_s = min(times)
            print(
                f"{name:34} {build_s:8.2f} {report.passages / build_s:10.0f} "
                f"{statistics.median(samples):12.2f} {1000 / statistics.mean(samples):9.0f}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__)
    parser.add_argument("--passages", type=int, help="a synthetic corpus of this many passages instead")
    parser.add_argument("--seed", type=int, default=20261201, help="seed of the synthetic corpus")
    parser.add_argument(
        "--workdir", type=Path, help="keep corpus and index here (default: a temporary folder)"
    )
    parser.add_argument("--reuse-index", action="store_true", help="reuse an index left in --workdir")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP load figures")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per HTTP load run")
    args = parser.parse_args(argv)
    if args.passages:
        if args.workdir:
            return scale.main(
                args.passages, args.seed, args.workdir, args.reuse_index, not args.no_http, args.seconds
            )
        with tempfile.TemporaryDirectory() as tmp:
            return scale.main(args.passages, args.seed, Path(tmp), False, not args.no_http, args.seconds)
    print(f"Python {sys.version.split()[0]}, {len(pdf_files())} PDFs")
    with tempfile.TemporaryDirectory() as tmp:
        index = bench_corpus(Path(tmp))
        bench_queries(index)
    bench_analysis_cost()
    bench_pdf_table()
    bench_ocr()
    bench_pdf_end_to_end()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
