"""The extraction pool and the writer processes: reused, replaced when they fail, and never left
behind when their parent is killed (issue 8 item 4, issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.config import IndexerSettings
from indexer.documents import Skip
from indexer.extract import Extraction
from indexer.sources import SourceFile
from indexer.workers import ExtractionPool

from ..conftest import REPO


def _fake_extract(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    if "crash" in source:
        os._exit(3)  # a C library taking the process down
    if "killed" in source:
        os.kill(os.getpid(), signal.SIGTERM)
    if "slow" in source:
        time.sleep(30)
    return Extraction(skips=[Skip(source, f"done by {os.getpid()}")])


def _files(tmp_path: Path, names: list[str]) -> list[SourceFile]:
    return [SourceFile(tmp_path / name, name) for name in names]


def test_the_pool_is_started_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("indexer.sources.folder.extract_file", _fake_extract)
    settings = IndexerSettings(workers=2)
    with ExtractionPool(settings) as pool:
        started = set(pool.pids())
        outcomes = list(pool.run(_files(tmp_path, [f"file{n}.pdf" for n in range(40)])))
        assert set(pool.pids()) == started
    assert len(outcomes) == 40
    workers = {o.extraction.skips[0].reason for o in outcomes if o.extraction}
    assert workers <= {f"done by {pid}" for pid in started} and len(workers) == 2


def test_a_dead_or_hanging_worker_is_replaced_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.sources.folder.extract_file", _fake_extract)
    settings = IndexerSettings(workers=2, file_timeout=2)
    names = ["a.pdf", "crash.pdf", "b.pdf", "killed.pdf", "slow.pdf", "c.pdf", "d.pdf"]
    with ExtractionPool(settings) as pool:
        started = set(pool.pids())
        outcomes = {o.file.source: o for o in pool.run(_files(tmp_path, names))}
        assert len(set(pool.pids()) - started) >= 1  # replacements
        assert len(pool.pids()) == 2
    assert outcomes["crash.pdf"].reason == "error: extraction process exited with code 3"
    assert outcomes["killed.pdf"].reason == "error: extraction process died with signal 15"
    assert outcomes["slow.pdf"].reason == "resource limit: took longer than 2 s"
    for name in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        assert outcomes[name].extraction is not None, outcomes[name].reason


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped holds no memory or files: gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


PARENT = """
import sys, time
from pathlib import Path
from indexer import lifeline
if sys.argv[1] == "no-prctl":
    lifeline.sys = type("NotLinux", (), {"platform": "other"})()  # only the pipe and pid watch
from indexer.config import IndexerSettings
from indexer.workers import ExtractionPool
from indexer import store
from indexer.writing import ParallelWriter
pool = ExtractionPool(IndexerSettings(workers=2))
build = store.new_build_dir(Path(sys.argv[2]))
ix = store.create_index(build)
writer = ParallelWriter(ix, 2)
print(" ".join(str(p) for p in pool.pids() + [c.process.pid for c in writer._children]), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("mode", ["linux", "no-prctl"])
def test_children_die_with_a_killed_parent(tmp_path: Path, mode: str) -> None:
    if mode == "linux" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT), mode, str(tmp_path / "index")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        children = [int(p) for p in parent.stdout.readline().split()]
        assert len(children) == 4 and all(_alive(p) for p in children)
    finally:
        parent.kill()  # SIGKILL: no cleanup code runs in the parent
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in children if _alive(p)]


def _hoard(path: Path, source: str, settings: IndexerSettings) -> Extraction:
    if "hoard" in source:
        # A quarter of the limit and a bit, kept: the address space stays grown.
        _kept.append(bytearray((settings.memory_limit_mb // 4 + 64) * 1024 * 1024))
    return Extraction(skips=[Skip(source, f"done by {os.getpid()}")])


_kept: list[bytearray] = []


def test_a_worker_that_grew_retires_so_the_next_file_meets_the_whole_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.sources.folder.extract_file", _hoard)
    in_use_mb = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    settings = IndexerSettings(workers=1, memory_limit_mb=max(1024, in_use_mb + 1200))
    with ExtractionPool(settings) as pool:
        first = pool.pids()
        outcomes = list(pool.run(_files(tmp_path, ["a.pdf", "hoard.pdf", "b.pdf"])))
        assert pool.pids() != first  # replaced after the file that grew it
    by = {o.file.source: o.extraction.skips[0].reason if o.extraction else o.reason for o in outcomes}
    assert by["a.pdf"] == by["hoard.pdf"] != by["b.pdf"]
