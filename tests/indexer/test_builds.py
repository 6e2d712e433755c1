"""Builds on disk: pruning after killed builds, verification before the swap, damaged bases, a full
disk, an empty corpus (issue 8, items 4-6)."""

from __future__ import annotations

import contextlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import writing as whoosh_writing
from whoosh.filedb import filestore as whoosh_filedb

from indexer import IndexerError, IndexerSettings, IndexReport, build_index, store, update_index, writing
from indexer.errors import IndexStoreError

from ..conftest import REPO
from ..fixtures import damage, word_posts


@pytest.fixture
def settings(tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path) -> IndexerSettings:
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_build[0].corpus_dir, corpus)
    return IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "idx" / "index", workers=2)


def _builds(settings: IndexerSettings) -> set[Path]:
    return {p.resolve() for p in store.builds_dir(settings.index_dir).iterdir() if p.is_dir()}


def _abandoned_build(settings: IndexerSettings) -> Path:
    """A build left behind by a process that died while writing it (its marker is unlocked)."""
    code = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from indexer import store
        path = store.new_build_dir(Path({str(settings.index_dir)!r}))
        (path / "MAIN_half.pst").write_bytes(b"x" * 1000)
        print(path)
        os._exit(9)  # like kill -9: no cleanup
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    return Path(done.stdout.strip()).resolve()


@contextlib.contextmanager
def _running_build(settings: IndexerSettings) -> Iterator[Path]:
    """A build being written right now by another (live) process."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from indexer import store
        print(store.new_build_dir(Path({str(settings.index_dir)!r})), flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield Path(proc.stdout.readline().strip()).resolve()
    finally:
        proc.kill()
        proc.wait()


def test_pruning_keeps_the_served_build_and_the_one_before(settings: IndexerSettings) -> None:
    build_index(settings)
    first = settings.index_dir.resolve()
    build_index(settings)
    served = settings.index_dir.resolve()
    partial = _abandoned_build(settings)  # newer than the served build
    assert _builds(settings) == {first, served, partial}
    build_index(settings)
    newest = settings.index_dir.resolve()
    # The build served a moment before stays (a service may be reading it); the partial one goes.
    assert _builds(settings) == {served, newest}
    for _ in range(3):
        build_index(settings)
    assert len(_builds(settings)) == 2  # old builds do not pile up


def test_a_build_in_progress_elsewhere_is_left_alone(settings: IndexerSettings) -> None:
    build_index(settings)
    with _running_build(settings) as running:
        build_index(settings)
        build_index(settings)
        assert running in _builds(settings)
    build_index(settings)
    assert running not in _builds(settings) and len(_builds(settings)) == 2


def test_every_build_is_verified_before_the_swap(
    settings: IndexerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(settings)
    served = settings.index_dir.resolve()
    real_write = store.write_build_info

    def claim_more(build_dir: Path, info: dict[str, object]) -> None:
        # What a writer that lost documents would look like: build.json promises more.
        sources = info["sources"]
        assert isinstance(sources, dict)
        sources["ghost.md"] = {
            "sha1": "",
            "skips": [],
            "documents": [{"id": "ghost", "passages": 2, "pages": 0, "kind": "blog"}],
        }
        real_write(build_dir, info)

    monkeypatch.setattr(store, "write_build_info", claim_more)
    with pytest.raises(IndexStoreError, match=r"holds \d+ records, \d+ were written"):
        build_index(settings)
    assert settings.index_dir.resolve() == served
    assert _builds(settings) == {served}


def test_update_over_a_damaged_index_rebuilds_and_says_so(settings: IndexerSettings) -> None:
    build_index(settings)
    damage(settings.index_dir.resolve(), ".pst")
    report = update_index(settings)
    assert report.notes and "cannot be updated (index file " in report.notes[0]
    assert "does not match its checksum" in report.notes[0] and "rebuilt every file" in report.notes[0]
    assert report.extracted == 7 and report.documents == 5
    fresh = settings.index_dir.resolve()
    info = store.read_build_info(fresh)
    assert store.check_files(fresh, info) is None
    store.verify_build(fresh, info)  # the new build answers probe queries
    # And it said so on the command line.
    damage(fresh, ".trm")
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "update",
            str(settings.corpus_dir),
            "--index",
            str(settings.index_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert "note: the served index cannot be updated (index file " in cli.stdout
    assert "rebuilt every file instead" in cli.stdout


def test_update_over_an_index_of_another_schema_rebuilds(settings: IndexerSettings) -> None:
    build_index(settings)
    info_file = settings.index_dir.resolve() / store.BUILD_INFO
    info_file.write_text(
        info_file.read_text("utf-8").replace(
            f'"schema_version": {store.SCHEMA_VERSION}', '"schema_version": 2'
        ),
        "utf-8",
    )
    report = update_index(settings)
    assert report.notes == [
        f"the served index cannot be updated (it has schema version 2, this code writes {store.SCHEMA_VERSION}): "
        "rebuilt every file instead"
    ]
    assert store.read_build_info(settings.index_dir.resolve())["schema_version"] == store.SCHEMA_VERSION


def test_a_sound_update_does_not_rebuild(settings: IndexerSettings) -> None:
    build_index(settings)
    report = update_index(settings)
    assert report.notes == [] and report.extracted == 0


def test_an_empty_corpus_makes_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    settings = IndexerSettings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", workers=1)
    report = build_index(settings)
    assert report.documents == 0 and settings.index_dir.is_symlink()
    assert update_index(settings).notes == []  # an empty index is a sound base


def _cli_build(corpus: Path, index: Path, file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--index", str(index)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
    )


def _assert_refused_cleanly(
    done: subprocess.CompletedProcess[str], index: Path, served: Path, problem: str
) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: cannot write index build ") and problem in lines[0]
    assert lines[0].endswith("the served index is unchanged")
    assert index.resolve() == served
    info = store.read_build_info(served)
    assert store.check_files(served, info) is None
    store.verify_build(served, info)
    assert {p.resolve() for p in store.builds_dir(index).iterdir() if p.is_dir()} == {served}


def test_a_file_size_limit_fails_in_one_line_and_keeps_the_index(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert _cli_build(tiny_corpus, index).returncode == 0
    served = index.resolve()
    # The repository's corpus makes index files far larger than 64 KB: EFBIG mid-build.
    done = _cli_build(REPO / "corpus", index, file_limit=64 * 1024)
    _assert_refused_cleanly(done, index, served, "file too large for the file-size limit")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB file system (tmpfs): needs root and mount rights, else the test is skipped."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_in_one_line_and_keeps_the_index(tiny_corpus: Path, small_disk: Path) -> None:
    index = small_disk / "index"
    assert _cli_build(tiny_corpus, index).returncode == 0  # ~110 KB: fits
    served = index.resolve()
    done = _cli_build(REPO / "corpus", index)  # ~2.6 MB: does not
    _assert_refused_cleanly(done, index, served, "no space left on the device")


def test_store_errors_name_the_problem(tmp_path: Path) -> None:
    error = store.write_error(tmp_path / "b", OSError(28, "No space left on device"))
    assert isinstance(error, IndexerError)
    assert (
        str(error)
        == f"cannot write index build {tmp_path / 'b'}: no space left on the device; the served index is unchanged"
    )


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interrupted_build_says_so_in_one_line_and_leaves_nothing(
    tmp_path: Path, signal_name: str
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    pdf = max((corpus / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)
    for n in range(48):  # a build of several seconds even on a fast machine: the signal lands mid-build
        shutil.copy(pdf, corpus / "pdf" / f"kopie-{n}.pdf")
    index = tmp_path / "index"
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--index", str(index)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would have it
        # As in a terminal, Ctrl-C is not ignored (a shell's background job inherits SIGINT
        # ignored, and Python then never raises KeyboardInterrupt).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (store.builds_dir(index).exists() and any(store.builds_dir(index).iterdir())):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    sig = getattr(signal, signal_name)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches every process of the group
    else:
        proc.send_signal(sig)  # a service manager stops the main process
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "interrupted; the served index is unchanged\n"
    assert not index.exists() and not [p for p in store.builds_dir(index).iterdir() if p.is_dir()]


def _postings(index_dir: Path) -> dict[tuple[str, object], list[tuple[int, float, object]]]:
    reader = store.open_reader(index_dir.resolve()).reader()
    found = {}
    for field, text in reader.all_terms():
        m = reader.postings(field, text)
        items = []
        while m.is_active():
            items.append((m.id(), m.weight(), m.value()))
            m.next()
        found[(field, text)] = items
    return found


@pytest.mark.parametrize("writers", [1, 2])
def test_postings_sorted_on_disk_read_back_as_sorted_in_memory(
    tmp_path: Path, writers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build larger than the writers' posting buffer (every build at 100,000 passages) sorts
    its postings in runs on disk: the index is the same as one sorted in memory, and sorting
    on (field, term) alone, as postings arrive in document order, gives what sorting whole
    postings (Whoosh's way) gives."""
    corpus = tmp_path / "corpus"
    word_posts(corpus, range(300), random.Random(5), paragraphs=4)
    runs: list[int] = []
    original = writing.ChunkedPostingPool._write_run

    def counted(self: writing.ChunkedPostingPool, f: object, items: object) -> None:
        runs.append(1)
        original(self, f, items)

    monkeypatch.setattr(writing.ChunkedPostingPool, "_write_run", counted)
    built = {}
    for mb, whole in ((1, False), (256, False), (1, True), (256, True)):
        # (Whole postings are sorted once a posting arrived out of document order.)
        monkeypatch.setattr(writing.ChunkedPostingPool, "_in_order", not whole)
        settings = IndexerSettings(
            corpus_dir=corpus,
            index_dir=tmp_path / f"idx{mb}{whole}" / "index",
            writers=writers,
            writer_memory_mb=mb,
        )
        assert build_index(settings).passages >= 300
        built[mb, whole] = _postings(settings.index_dir)
    if writers == 1:  # (the writer processes of a parallel build count their runs in themselves)
        assert len(runs) > 3
    reference = built[256, True]
    for key, postings in built.items():
        assert postings.keys() == reference.keys(), key
        assert postings == reference, key


def test_field_lengths_read_once_write_the_segment_whoosh_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The segment writer reads each document's field lengths once (`writing._FieldLengths`);
    its postings and term files are byte for byte those of Whoosh's own SegmentWriter, block
    lengths included (a length off for some documents changes them)."""
    corpus = tmp_path / "corpus"
    word_posts(corpus, range(200), random.Random(5), paragraphs=4)
    written = {}
    for name in ("ours", "whoosh"):
        if name == "whoosh":
            monkeypatch.setattr(writing, "_SegmentWriter", whoosh_writing.SegmentWriter)
        settings = IndexerSettings(
            corpus_dir=corpus, index_dir=tmp_path / name / "index", writers=1, writer_memory_mb=1
        )
        build_index(settings)
        build = settings.index_dir.resolve()
        written[name] = sorted(
            (p.suffix, p.read_bytes()) for p in build.iterdir() if p.suffix in (".pst", ".trm")
        )
    assert [suffix for suffix, _ in written["ours"]] == [".pst", ".trm"]
    assert written["ours"] == written["whoosh"]


def test_a_posting_out_of_document_order_sorts_whole_postings(tmp_path: Path) -> None:
    storage = whoosh_filedb.FileStorage(str(tmp_path))
    pool = writing.ChunkedPostingPool(storage, None, limitmb=1)
    items = [
        ("content", b"wijk", 5, 1.0, b"a"),
        ("content", b"wijk", 2, 1.0, b"b"),
        ("body", b"zorg", 1, 1.0, b""),
    ]
    for item in items:
        pool.add(item)
    assert list(pool.items()) == sorted(items)


def test_a_posting_run_reads_back_and_a_truncated_one_fails(tmp_path: Path) -> None:
    from whoosh.filedb.filestore import FileStorage

    pool = writing.ChunkedPostingPool(FileStorage(str(tmp_path)), None, limitmb=1)
    items = [("content", f"w{n:05}".encode(), n, 1.0, b"x") for n in range(25_000)]  # three chunks
    path, f = pool._new_run()
    pool._write_run(f, items)
    data = (tmp_path / path).read_bytes()
    assert list(pool._read_run(path)) == items
    (tmp_path / path).write_bytes(data[:-5])
    with pytest.raises(IndexStoreError, match="truncated"):
        list(pool._read_run(path))


def test_a_build_with_compressed_postings_finds_the_same_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builds write posting blocks uncompressed (`writing.postings_codec`); a build written
    before, with zlib blocks, is served until the next one and must answer the same."""
    from whoosh.codec.whoosh3 import W3Codec

    from service.reader import load_snapshot
    from service.search import SearchRequest, run_search

    corpus = tmp_path / "corpus"
    word_posts(corpus, range(60), random.Random(7), paragraphs=4)
    answers, sizes = {}, {}
    for name in ("compressed", "plain"):
        if name == "compressed":
            monkeypatch.setattr(writing, "postings_codec", lambda: W3Codec(compression=3))
        else:
            monkeypatch.undo()
        settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / name / "index", writers=1)
        build_index(settings)
        build = settings.index_dir.resolve()
        sizes[name] = sum(p.stat().st_size for p in build.glob("*.pst"))
        snap = load_snapshot(settings.index_dir)
        try:
            text = " ".join(p.read_text("utf-8") for p in sorted(corpus.rglob("*.md")))
            vocabulary = sorted({w.lower() for w in text.split() if w.isalpha() and len(w) > 4})
            words = vocabulary[:: max(1, len(vocabulary) // 25)][:25]
            answers[name] = [
                [(r["id"], r["snippet"]) for r in run_search(snap, SearchRequest(q), None)["results"]]
                for q in [*words, " ".join(words[:3])]
            ]
        finally:
            snap.close()
    assert sizes["plain"] > sizes["compressed"] * 1.3, sizes  # the blocks really differ
    assert any(answers["plain"]) and answers["plain"] == answers["compressed"]
