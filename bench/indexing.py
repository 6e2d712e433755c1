"""Indexing at scale: a synthetic Dutch corpus, build speed and CPU, and the memory of a reader.

    python -m bench.indexing --passages 10000            # build, then open the index and query it
    python -m bench.indexing --passages 100000 --serve   # also the RSS of 2 real service workers

The corpus is Markdown posts like the site's own (front matter with title, date, categories and
tags; 8-12 paragraphs of 60-140 words, some under a heading), written with words drawn from
wordfreq's Dutch frequencies (a Zipf vocabulary), from a fixed seed: the same arguments give the
same files. Each paragraph becomes one passage. It is cached under `var/bench/` by size and seed.

The build runs as `python -m indexer build` in a child process, so its wall time, CPU seconds
(user and system, the build and its extraction processes together) and peak RSS (the largest
single process) are the kernel's own figures. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "var" / "bench"

CATEGORIES = ["Aanbesteden", "Sociaal domein", "Participatie", "Wijkgericht werken", "Beleid", "Praktijk"]
TAGS = ["wmo", "jeugdzorg", "inkoop", "buurtbudget", "bewoners", "subsidie", "samenwerking", "gemeente"]


class Vocabulary:
    """Dutch words drawn by their frequency in wordfreq (so function words dominate, as in text)."""

    def __init__(self, size: int = 30_000) -> None:
        import wordfreq

        self.words = [w for w in wordfreq.top_n_list("nl", size) if w.isalpha()]
        weights = [wordfreq.word_frequency(w, "nl") for w in self.words]
        self.cumulative = list(itertools.accumulate(weights))

    def sample(self, rng: random.Random, n: int) -> list[str]:
        total = self.cumulative[-1]
        return [self.words[bisect.bisect(self.cumulative, rng.random() * total)] for _ in range(n)]


def _sentence(vocab: Vocabulary, rng: random.Random) -> str:
    words = vocab.sample(rng, rng.randint(8, 20))
    return " ".join(words).capitalize() + "."


def _paragraph(vocab: Vocabulary, rng: random.Random) -> str:
    target = rng.randint(60, 140)
    sentences: list[str] = []
    count = 0
    while count < target:
        sentence = _sentence(vocab, rng)
        sentences.append(sentence)
        count += len(sentence.split())
    return " ".join(sentences)


def _post(vocab: Vocabulary, rng: random.Random, n: int, paragraphs: int) -> str:
    title = " ".join(vocab.sample(rng, rng.randint(3, 7))).capitalize()
    year, month, day = rng.randint(2014, 2025), rng.randint(1, 12), rng.randint(1, 28)
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f"date: {year}-{month:02d}-{day:02d}",
        f"categories: [{', '.join(rng.sample(CATEGORIES, rng.randint(1, 2)))}]",
        f"tags: [{', '.join(rng.sample(TAGS, rng.randint(0, 3)))}]",
        f"url: https://www.example.nl/blog/post-{n}",
        "---",
        "",
    ]
    for p in range(paragraphs):
        if p and rng.random() < 0.3:
            lines += ["## " + " ".join(vocab.sample(rng, rng.randint(2, 5))).capitalize(), ""]
        lines += [_paragraph(vocab, rng), ""]
    return "\n".join(lines)


def write_corpus(root: Path, passages: int, seed: int = 11) -> int:
    """Write Markdown posts holding `passages` paragraphs in total under root; returns the file count."""
    rng = random.Random(seed)
    vocab = Vocabulary()
    written = files = 0
    while written < passages:
        count = min(rng.randint(8, 12), passages - written)
        folder = root / f"{files // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"post-{files:06d}.md").write_text(_post(vocab, rng, files, count), encoding="utf-8")
        written += count
        files += 1
    return files


def corpus(passages: int, seed: int) -> Path:
    root = CACHE / f"corpus-{passages}-{seed}"
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        files = write_corpus(root, passages, seed)
        done.write_text(str(files))
        print(f"corpus: {files} files, {passages} passages written in {time.perf_counter() - started:.1f} s")
    return root


def _children_usage() -> tuple[float, float, int]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime, usage.ru_maxrss


def _tree_pss_mb(root: int) -> float:
    """Proportional set size of a process and all its descendants (shared pages split fairly)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def bench_build(root: Path, index: Path, workers: int, extra: list[str]) -> dict[str, float]:
    """One `python -m indexer build` in a child process: wall, CPU, peak RSS, passages/s."""
    user0, sys0, _ = _children_usage()
    started = time.perf_counter()
    command = [sys.executable, "-m", "indexer", "build", str(root), "--index", str(index), "--json"]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_tree = 0.0
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_pss_mb(proc.pid))
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    wall = time.perf_counter() - started
    user1, sys1, maxrss = _children_usage()
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    passages = report["passages"]
    return {
        "passages": passages,
        "wall_s": wall,
        "user_s": user1 - user0,
        "sys_s": sys1 - sys0,
        "passages_per_s": passages / wall,
        "peak_rss_mb": maxrss / 1024,
        "peak_tree_pss_mb": peak_tree,
    }


READER = """
import json, sys, time
from pathlib import Path
from service.reader import IndexHandle
from service.search import SearchRequest, run_search

def status():
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "RssAnon", "RssFile", "VmHWM"}:
            fields[key] = int(value.split()[0]) // 1024
    return fields

opened = time.perf_counter()
handle = IndexHandle(Path(sys.argv[1]))
after_open = status()
after_open["open_s"] = round(time.perf_counter() - opened, 2)
words = sys.argv[2].split(",")
started = time.perf_counter()
for n, word in enumerate(words):
    with handle.use() as snap:
        run_search(snap, SearchRequest(word + " " + words[(n * 7) % len(words)]), None)
after = status()
after["query_s"] = round(time.perf_counter() - started, 2)
print(json.dumps({"after_open": after_open, "after_queries": after}))
"""


def bench_reader(index: Path, queries: int) -> dict[str, dict[str, float]]:
    """RSS of a fresh process that opens the index (as a service worker does) and answers queries."""
    vocab = Vocabulary(3000)
    rng = random.Random(5)
    words = [w for w in vocab.words[200:3000] if len(w) > 4]
    chosen = ",".join(rng.sample(words, min(queries, len(words))))
    done = subprocess.run(
        [sys.executable, "-c", READER, str(index), chosen], cwd=REPO, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"reader failed:\n{done.stderr[-3000:]}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout.splitlines()[-1])
    return result


def _rss_mb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "RssAnon", "RssFile"}:
            out[key] = int(value.split()[0]) // 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):  # file pages shared by the workers count once in total
            out["Pss"] = int(line.split()[1]) // 1024
    return out


def bench_service(index: Path, corpus_dir: Path, queries: int) -> list[dict[str, int]]:
    """RSS of each worker of a real `python -m service --workers 2` after it answered queries."""
    sys.path.insert(0, str(REPO))
    from tests.servers import free_port, running_service

    vocab = Vocabulary(3000)
    rng = random.Random(9)
    words = [w for w in vocab.words[200:3000] if len(w) > 4]
    port = free_port()
    log = CACHE / "service.log"
    with running_service(index, corpus_dir, port, log, workers=2) as url:
        for _ in range(queries):
            q = " ".join(rng.sample(words, 2))
            with urllib.request.urlopen(f"{url}/search?q={urllib.request.quote(q)}", timeout=60) as r:
                r.read()
        workers = _service_workers(port)
        return [_rss_mb(pid) for pid in workers]


def _service_workers(port: int) -> list[int]:
    """uvicorn's worker processes: children of the `python -m service` process serving `port`."""
    parents = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service" in cmdline and str(port).encode() in cmdline:
            parents.append(int(status.parent.name))
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in parents:
            children.append(int(stat.parent.name))
    return [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=0, help="extraction processes (0 = one per core)")
    parser.add_argument("--queries", type=int, default=300, help="queries the reader answers")
    parser.add_argument("--serve", action="store_true", help="also measure 2 real service workers")
    parser.add_argument("--no-build", action="store_true", help="reuse the last index of this size")
    parser.add_argument("indexer_args", nargs="*", help="extra flags for `python -m indexer build`")
    args = parser.parse_args(argv)
    root = corpus(args.passages, args.seed)
    index = CACHE / f"index-{args.passages}-{args.seed}" / "index"
    print(f"== indexing {args.passages} synthetic passages (cpus: {os.cpu_count()}) ==")
    if not args.no_build:
        shutil.rmtree(index.parent, ignore_errors=True)
        index.parent.mkdir(parents=True)
        built = bench_build(root, index, args.workers, args.indexer_args)
        print(
            f"build: {built['passages']} passages in {built['wall_s']:.1f} s = "
            f"{built['passages_per_s']:.0f} passages/s; CPU user {built['user_s']:.1f} s, "
            f"sys {built['sys_s']:.1f} s; peak RSS {built['peak_rss_mb']:.0f} MB (largest process), "
            f"{built['peak_tree_pss_mb']:.0f} MB PSS (all its processes together)"
        )
    size = sum(f.stat().st_size for f in index.resolve().iterdir()) / 2**20
    files = sorted(f.name for f in index.resolve().iterdir())
    print(f"index: {size:.0f} MB in {len(files)} files")
    reader = bench_reader(index, args.queries)
    for stage, fields in reader.items():
        print(f"reader {stage}: " + ", ".join(f"{k} {v}" for k, v in fields.items()) + " (MB, s)")
    if args.serve:
        for n, rss in enumerate(bench_service(index, root, args.queries)):
            print(f"service worker {n}: " + ", ".join(f"{k} {v} MB" for k, v in rss.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
