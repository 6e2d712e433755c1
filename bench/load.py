"""HTTP load for `make bench PASSAGES=N`: the real service with 2 workers, driven by `wrk`.

`wrk` (Debian package) is a C load generator, so the client takes little of the two cores the
service is measured on. A Lua script walks a list of request paths (one per connection in
turn) and prints requests, duration, latency percentiles and errors as one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def service(index: Path, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m service` on a free port of 127.0.0.1 until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="bench-service-", suffix=".log", delete=False)  # noqa: SIM115
    command = [sys.executable, "-m", "service", "--index", str(index), "--port", str(port)]
    proc = subprocess.Popen([*command, "--workers", str(workers)], cwd=REPO, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"service did not start, see {log.name}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def private_mb(pid: int) -> float:
    """Memory only this process holds (its heap; not the index's memory-mapped pages, which
    the page cache holds once for every worker although each worker's RSS counts them)."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def pss_mb(pid: int) -> float:
    """The worker's proportional share: private pages plus its share of those it shares."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_memory(proc: subprocess.Popen[bytes]) -> str:
    """RSS, PSS and private memory of each uvicorn worker (the supervisor's children that hold the app)."""
    pids = [p for p in children(proc.pid) if rss_mb(p) > 40]  # not the tiny resource tracker
    rss = [round(rss_mb(p)) for p in pids]
    pss = [round(pss_mb(p)) for p in pids]
    private = [round(private_mb(p)) for p in pids]
    return (
        f"RSS {rss} MB, PSS {pss} MB, of which private {private} MB "
        "(the rest: shared pages, mostly the mapped index)"
    )


def wrk(url: str, paths: list[str], connections: int, seconds: int, settle: float = 1.0) -> dict[str, Any]:
    # wrk stops with requests unanswered; the service still answers them (they count as in
    # flight for load shedding), so the next run starts once they are done.
    time.sleep(settle)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "paths.lua"
        script.write_text(SCRIPT, encoding="utf-8")
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        threads = min(2, connections)
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
        done = subprocess.run(
            [*command, "-s", str(script), url],
            capture_output=True,
            text=True,
            env={**os.environ, "BENCH_PATHS": str(listing)},
            check=True,
        )
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH "))
    data: dict[str, Any] = json.loads(line[len("BENCH ") :])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def search_paths(queries: list[str]) -> list[str]:
    return ["/search?" + urllib.parse.urlencode({"q": q}) for q in queries]


def suggest_paths(queries: list[str]) -> list[str]:
    prefixes = [q[:n] for q in queries for n in (2, 3, 5, 8) if len(q) >= n]
    return ["/suggest?" + urllib.parse.urlencode({"q": p}) for p in prefixes]


def report(name: str, data: dict[str, Any]) -> None:
    errors = data["errors"] + data["status_errors"]
    print(
        f"{name:44} {data['rps']:8.0f} req/s  p50 {data['p50_us'] / 1000:7.1f} ms  "
        f"p99 {data['p99_us'] / 1000:7.1f} ms  errors {errors}"
    )


def bench_http(index: Path, judged: list[str], generated: list[str], seconds: int = 10) -> None:
    print("\n== HTTP: python -m service --workers 2, wrk (keep-alive) ==")
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): HTTP figures skipped")
        return
    mixed = search_paths([q for pair in zip(judged, generated, strict=False) for q in pair])
    with service(index) as (url, proc):
        print(f"per worker after start: {worker_memory(proc)}")
        wrk(url, mixed, 8, 3)  # warm-up: lexicon, caches, page cache
        for connections in (1, 8, 32):
            report(f"/search judged+generated, c={connections}", wrk(url, mixed, connections, seconds))
        report("/search judged queries only, c=32", wrk(url, search_paths(judged), 32, seconds))
        report("/suggest, c=1", wrk(url, suggest_paths(judged + generated), 1, seconds))
        report("/suggest, c=32", wrk(url, suggest_paths(judged + generated), 32, seconds))
        report("/health, c=32", wrk(url, ["/health"], 32, seconds))
        print(f"per worker after the load: {worker_memory(proc)}")
