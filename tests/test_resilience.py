"""Resilience with real processes (issue 8, items 4 and 5).

`kill -9` of a running build: no process left, the served index keeps answering, the next build
prunes the partial one, and 10 kill-then-build cycles under 32 concurrent searches fail no
request. A service started on a damaged index runs degraded and recovers with a good build."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import store

from .conftest import REPO
from .servers import build, free_port, running_service

pytestmark = pytest.mark.e2e

QUERIES = ["wijkteams", "sociaal domein", "aanbesteden", "buurtbudget", "wmo", "jeugdzorg", "participatie"]


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(int(p.name)) == pid]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper holds no memory and no files: not alive)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in {"Z", "X"}


def _build_processes(index: Path) -> list[int]:
    """Live processes of an indexer build of `index` (the build and any helper it forked)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"indexer" in argv
            and b"build" in argv
            and str(index).encode() in argv
            and _alive(int(entry.name))
        ):
            found.append(int(entry.name))
    return found


def _open_files_under(folder: Path, exclude: set[int]) -> list[str]:
    """Files under `folder` (deleted ones included) that any process but `exclude` holds open."""
    held = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            links = [str(fd.readlink()) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        held += [f"{entry.name}: {link}" for link in links if link.startswith(str(folder))]
    return held


def kill_mid_build(corpus: Path, index: Path, delay: float) -> tuple[list[int], Path]:
    """Start `python -m indexer build`, kill -9 it while it writes; returns its helpers and its build."""
    before = (
        {p for p in store.builds_dir(index).iterdir() if p.is_dir()}
        if store.builds_dir(index).exists()
        else set()
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--index", str(index), "--workers", "2"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        # Under way: its build directory exists and its extraction processes run.
        while len(_children(proc.pid)) < 2 or not _new_builds(index, before):
            assert proc.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.02)
        time.sleep(delay)
        helpers = _children(proc.pid)
        assert proc.poll() is None, "the build ended before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    partial = _new_builds(index, before)
    assert len(partial) == 1
    return helpers, partial[0]


def _new_builds(index: Path, before: set[Path]) -> list[Path]:
    folder = store.builds_dir(index)
    return [p for p in folder.iterdir() if p.is_dir() and p not in before] if folder.exists() else []


def _nothing_left(helpers: list[int], index: Path, partial: Path, service_pid: int) -> None:
    deadline = time.monotonic() + 5
    while (any(_alive(p) for p in helpers) or _build_processes(index)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in helpers if _alive(p)] == [], "extraction or writer processes survived"
    assert _build_processes(index) == []
    assert _open_files_under(partial, exclude={service_pid}) == []


def get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _service_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"service" in argv and str(port).encode() in argv:
                return int(entry.name)
    raise AssertionError("service process not found")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", target)
    return target


@pytest.fixture
def slow_corpus(corpus: Path) -> Path:
    """The corpus with copies of its largest PDF (about a second each): a build that takes a while."""
    pdf = max((corpus / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)
    for n in range(24):
        shutil.copy(pdf, corpus / "pdf" / f"kopie-{n:02d}.pdf")
    return corpus


@pytest.fixture
def served(corpus: Path, tmp_path: Path) -> Iterator[tuple[str, Path, int]]:
    index = tmp_path / "idx" / "index"
    port = free_port()
    assert build(corpus, index, f"http://127.0.0.1:{port}").returncode == 0
    with running_service(index, corpus, port, tmp_path / "service.log", workers=2) as url:
        yield url, index, _service_pid(port)


def test_kill_9_mid_build_leaves_nothing_behind(slow_corpus: Path, served: tuple[str, Path, int]) -> None:
    url, index, service_pid = served
    corpus = slow_corpus
    first = index.resolve()
    helpers, partial = kill_mid_build(corpus, index, delay=1.0)
    _nothing_left(helpers, index, partial, service_pid)
    # The served index still answers, from the same build.
    status, answer = get_json(f"{url}/search?q=wijkteams")
    assert status == 200 and answer["total"]
    assert index.resolve() == first
    # The next build removes the partial one and keeps the one served before it.
    assert build(corpus, index, url).returncode == 0
    builds = {p.resolve() for p in store.builds_dir(index).iterdir() if p.is_dir()}
    assert builds == {first, index.resolve()} and partial not in builds
    status, health = get_json(f"{url}/health")
    assert status == 200 and health["status"] == "ok"


class Load:
    """`clients` threads sending /search requests until stopped; counts answers by status."""

    def __init__(self, url: str, clients: int = 32) -> None:
        self.url, self.stop = url, threading.Event()
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            q = " ".join(rng.sample(QUERIES, rng.randint(1, 2)))
            try:
                with urllib.request.urlopen(f"{self.url}/search?q={urllib.parse.quote(q)}", timeout=30) as r:
                    r.read()
                    outcome = str(r.status)
            except urllib.error.HTTPError as err:
                outcome = str(err.code)
            except OSError as err:
                outcome = type(err).__name__
            with self.lock:
                self.statuses[outcome] += 1

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_kill_then_build_cycles_under_concurrent_searches(
    corpus: Path, served: tuple[str, Path, int]
) -> None:
    url, index, service_pid = served
    rng = random.Random(8)
    swaps = 0
    with Load(url, clients=32) as load:
        for _ in range(10):
            helpers, partial = kill_mid_build(corpus, index, delay=rng.uniform(0.0, 0.6))
            _nothing_left(helpers, index, partial, service_pid)
            before = index.resolve()
            done = build(corpus, index, url)
            assert done.returncode == 0, done.stderr
            assert index.resolve() != before and not partial.exists()
            swaps += 1
            assert len([p for p in store.builds_dir(index).iterdir() if p.is_dir()]) == 2
    total = sum(load.statuses.values())
    failed = total - load.statuses["200"]
    print(
        f"\nkill-then-build: {swaps} cycles, {total} /search requests, {failed} failed ({dict(load.statuses)})"
    )
    assert total > 100 and failed == 0, dict(load.statuses)


def test_a_service_started_on_a_damaged_index_runs_degraded_until_a_good_build(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "idx" / "index"
    port = free_port()
    assert build(corpus, index, f"http://127.0.0.1:{port}").returncode == 0
    damaged = next(p for p in index.resolve().iterdir() if p.name.endswith(".trm"))
    size = damaged.stat().st_size
    with damaged.open("r+b") as fh:  # a failing disk: same size, other bytes
        fh.seek(size // 4)
        fh.write(b"\xa5" * (size // 2))
    log = tmp_path / "service.log"
    with running_service(index, corpus, port, log, workers=2, ready=("degraded",)) as url:
        status, health = get_json(f"{url}/health")
        assert status == 503 and health["status"] == "degraded" and "checksum" in str(health["reason"])
        status, answer = get_json(f"{url}/search?q=wijkteams")
        assert status in (200, 503)
        if status == 503:  # the build could not be opened at all, or it opened and a search failed
            assert answer["message"] in {
                "De zoekindex is tijdelijk niet beschikbaar. Probeer het over een minuut opnieuw.",
                "Zoeken lukt nu niet door een probleem met de zoekindex. Probeer het later opnieuw.",
            }
        assert build(corpus, index, url).returncode == 0
        # Both workers pick up the good build on their next request.
        for _ in range(8):
            status, health = get_json(f"{url}/health")
            assert status == 200 and health["status"] == "ok", health
        status, answer = get_json(f"{url}/search?q=wijkteams")
        assert status == 200 and answer["total"]
