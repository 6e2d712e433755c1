"""The index on disk: build beside the served index, verify, then swap atomically.

Layout: `INDEX_DIR` is a symbolic link to one build in `INDEX_DIR.builds/<build-id>/`. A build
writes a complete Whoosh index and its `build.json` into a new directory and only then points
the link at it with an atomic rename. A reader therefore sees the old index or the new one,
never half of one, and a failed build leaves the link where it was.

A build in progress holds a `.building` marker file, locked (flock) by the process writing it;
the lock dies with that process, however it ends. Pruning, at each swap, keeps the new build and
the one served just before it (a service may still be reading it) and removes the rest: complete
builds that are no longer served, and partial builds whose writer is gone (a killed build).
A partial build whose marker is still locked belongs to a build running now and is left alone.
Swaps and prunes of one index take turns through a lock file in `INDEX_DIR.builds/`.

`build.json` records the size and SHA-256 of every index file and which documents were written;
`verify_build` opens a build, compares its counts with those and runs probe queries (a document
found by its id, one of its words found in its title and in its first passage), so a build that
cannot answer is never swapped in, and `check_files` tells a damaged build from a sound one.

This is the only module that creates, opens or writes Whoosh indexes.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import mmap
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as whoosh_query
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.reading import TermNotFound as TermNotFound  # for readers of postings (service)

from .errors import IndexStoreError
from .schema import SCHEMA_VERSION, build_schema

# Writing lives in `writing`; these names stay here for the callers of store.*.
from .writing import add_document as add_document
from .writing import delete_sources as delete_sources
from .writing import writer as writer

BUILD_INFO = "build.json"
BUILDING = ".building"  # present (and locked) while a build is being written
LOCK_FILE = ".lock"  # in the builds directory: swaps and prunes take turns
PROBES = 12  # documents a verification looks up
# Files of a build that are not part of the Whoosh index itself.
NOT_INDEX_FILES = frozenset({BUILD_INFO, BUILDING})

# Marker locks this process holds, by build directory: released at swap or discard.
_markers: dict[Path, int] = {}


def builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / (index_dir.name + ".builds")


def new_build_dir(index_dir: Path) -> Path:
    """A fresh, empty build directory, marked (and locked) as being written by this process."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = builds_dir(index_dir) / f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    try:
        path.mkdir(parents=True)
        fd = os.open(path / BUILDING, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise write_error(path, exc) from exc
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\n".encode())
    _markers[path.resolve()] = fd
    return path


def create_index(
    build_dir: Path, analysis: str = "dutch", stemmer: str = "dutch", decompound: bool = True
) -> Any:
    return whoosh_index.create_in(str(build_dir), build_schema(analysis, stemmer, decompound))


def open_index_in(build_dir: Path) -> Any:
    """Open a build directory for writing (updates)."""
    return whoosh_index.open_dir(str(build_dir))


def copy_build(index_dir: Path) -> Path:
    """A new build directory that starts as a copy of the served index (for updates)."""
    current = resolve(index_dir)
    target = new_build_dir(index_dir)
    try:
        shutil.copytree(current, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(BUILDING))
    except OSError as exc:
        discard(target)
        raise write_error(target, exc) from exc
    return target


def resolve(index_dir: Path) -> Path:
    if not index_dir.exists():
        raise IndexStoreError(f"index {index_dir} does not exist; build it first")
    return index_dir.resolve()


def write_error(path: Path, exc: OSError) -> IndexStoreError:
    """One line for a failed write of the index: what, where, and that nothing was lost."""
    problem = {
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file too large for the file-size limit",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return IndexStoreError(f"cannot write index build {path}: {problem}; the served index is unchanged")


@contextmanager
def _turns(index_dir: Path) -> Iterator[None]:
    """Exclusive use of this index's builds directory (swap and prune)."""
    folder = builds_dir(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _release(build_dir: Path) -> None:
    fd = _markers.pop(build_dir.resolve(), None)
    if fd is not None:
        os.close(fd)


def swap(index_dir: Path, build_dir: Path) -> None:
    """Point `index_dir` at `build_dir` atomically and prune old builds."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _turns(index_dir):
        previous = index_dir.resolve() if index_dir.is_symlink() and index_dir.exists() else None
        if index_dir.exists() and not index_dir.is_symlink():
            # An index from before builds were linked: move it aside once.
            previous = builds_dir(index_dir) / f"legacy-{os.getpid()}"
            index_dir.rename(previous)
        (build_dir / BUILDING).unlink(missing_ok=True)
        _release(build_dir)
        tmp_link = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
        if tmp_link.is_symlink():
            tmp_link.unlink()
        tmp_link.symlink_to(os.path.relpath(build_dir, index_dir.parent))
        tmp_link.replace(index_dir)  # rename(2): atomic, readers see the old or the new link
        _prune(index_dir, keep={build_dir.resolve(), *([previous.resolve()] if previous else [])})


def discard(build_dir: Path) -> None:
    _release(build_dir)
    shutil.rmtree(build_dir, ignore_errors=True)


def _abandoned(build: Path) -> bool:
    """A partial build whose writer is gone (its marker is no longer locked)."""
    try:
        fd = os.open(build / BUILDING, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return True  # the marker went while we looked: treat like a leftover
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _prune(index_dir: Path, keep: set[Path]) -> None:
    for path in builds_dir(index_dir).iterdir():
        if not path.is_dir() or path.resolve() in keep or path.resolve() in _markers:
            continue
        if (path / BUILDING).exists() and not _abandoned(path):
            continue  # another process is writing this build now
        shutil.rmtree(path, ignore_errors=True)


def open_index(index_dir: Path) -> Any:
    """Open the served index for reading; checks that its schema is the one this code writes."""
    path = resolve(index_dir)
    info = read_build_info(path)
    if info.get("schema_version") != SCHEMA_VERSION:
        raise IndexStoreError(
            f"index {index_dir} has schema version {info.get('schema_version')!r}, "
            f"this code reads {SCHEMA_VERSION}; rebuild with `python -m indexer build`"
        )
    try:
        return open_reader(path)
    except Exception as exc:  # whoosh raises several unrelated types here
        raise IndexStoreError(f"cannot open index {index_dir}: {exc}") from exc


def read_build_info(path: Path) -> dict[str, Any]:
    info_file = path / BUILD_INFO
    try:
        data = json.loads(info_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexStoreError(f"{info_file} is missing: not a Vindplaats index") from None
    except (OSError, ValueError) as exc:
        raise IndexStoreError(f"{info_file} is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise IndexStoreError(f"{info_file} does not hold a JSON object")
    return data


def write_build_info(build_dir: Path, info: dict[str, Any]) -> None:
    data = {"schema_version": SCHEMA_VERSION, "files": file_digests(build_dir), **info}
    try:
        (build_dir / BUILD_INFO).write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    except OSError as exc:
        raise write_error(build_dir, exc) from exc


# --- integrity ----------------------------------------------------------------------------


def file_digests(build_dir: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every index file of a build."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(build_dir.iterdir()):
        if path.name in NOT_INDEX_FILES or not path.is_file():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        out[path.name] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    return out


def check_files(build_dir: Path, info: dict[str, Any], contents: bool = True) -> str | None:
    """What is wrong with a build's files compared to its build.json, or None.

    `contents=False` compares sizes only (cheap); otherwise checksums too. A build.json from
    before checksums were recorded has nothing to compare against and passes.
    """
    recorded = info.get("files")
    if not isinstance(recorded, dict):
        return None
    for name, expected in recorded.items():
        path = build_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"index file {name} is missing"
        if size != expected.get("size"):
            return f"index file {name} has {size} bytes, {expected.get('size')} were written"
        if contents:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != expected.get("sha256"):
                return f"index file {name} does not match its checksum (damaged after it was written)"
    return None


def written_documents(info: dict[str, Any]) -> list[tuple[str, int]]:
    """(document id, passage count) of every document build.json says the build holds."""
    out: list[tuple[str, int]] = []
    for entry in (info.get("sources") or {}).values():
        for doc in entry.get("documents", []):
            out.append((doc["id"], int(doc.get("passages", 0))))
    return out


def probe_sample(documents: Sequence[tuple[str, int]], count: int = PROBES) -> list[tuple[str, int]]:
    """Up to `count` documents spread evenly over the build (so every segment is likely hit)."""
    if len(documents) <= count:
        return list(documents)
    step = (len(documents) - 1) / (count - 1)
    return [documents[round(i * step)] for i in range(count)]


def probe(searcher: Any, documents: Iterable[tuple[str, int]]) -> None:
    """Real queries against an open searcher; raises IndexStoreError naming what failed.

    For each document: its doc record is found by id, a word of its title is found in the
    title field of that document, and a word of its first passage in that passage's body:
    postings, stored fields and columns of the segment holding it are all read.
    """
    schema = searcher.schema
    for doc_id, passages in documents:
        try:
            _probe_one(searcher, schema, doc_id, passages)
        except IndexStoreError:
            raise
        except Exception as exc:  # damaged data surfaces as struct, zlib, pickle, Key errors...
            raise IndexStoreError(
                f"probe query for document {doc_id} failed: {type(exc).__name__}: {str(exc)[:200]}"
            ) from exc


def _first_term(schema: Any, field: str, text: str) -> str | None:
    for token in schema[field].analyzer(text, mode="index"):
        if not token.stopped:
            return str(token.text)
    return None


def _probe_one(searcher: Any, schema: Any, doc_id: str, passages: int) -> None:
    checks = [("doc", doc_id, "title")] + ([("passage", f"{doc_id}:0", "content")] if passages else [])
    doc_ids = searcher.reader().column_reader("doc_id")
    for record, record_id, field in checks:
        # scored_length(), not len(): len() counts every match, reading whole posting lists.
        hits = searcher.search(whoosh_query.Term("id", record_id), limit=2)
        if hits.scored_length() != 1:
            raise IndexStoreError(
                f"{record} record {record_id} found {hits.scored_length()} times, expected once"
            )
        stored = hits[0].fields()
        if stored.get("doc_id") != doc_id or doc_ids[hits[0].docnum] != doc_id:
            raise IndexStoreError(f"{record} record {record_id} reads back as {stored.get('doc_id')!r}")
        term = _first_term(schema, field, stored.get(field) or "")
        if term is None:
            continue
        word = whoosh_query.And([whoosh_query.Term("id", record_id), whoosh_query.Term(field, term)])
        found = searcher.search(word, limit=1)
        if found.scored_length() != 1 or found[0].docnum != hits[0].docnum:
            raise IndexStoreError(f"{record} record {record_id}: its word {term!r} is not found in {field}")


def verify_build(build_dir: Path, info: dict[str, Any]) -> None:
    """Open a written build and check it answers as build.json says; raises IndexStoreError."""
    problem = check_files(build_dir, info, contents=False)
    if problem:
        raise IndexStoreError(f"build {build_dir.name}: {problem}")
    documents = written_documents(info)
    expected = len(documents) + sum(p for _, p in documents)
    try:
        ix = open_reader(build_dir)
    except Exception as exc:
        raise IndexStoreError(f"build {build_dir.name} cannot be opened: {exc}") from exc
    try:
        with ix.searcher() as searcher:
            records = searcher.doc_count()
            if records != expected:
                raise IndexStoreError(
                    f"build {build_dir.name} holds {records} records, {expected} were written"
                )
            if documents:
                # Counted through the postings, which skip deleted records (doc_frequency does not).
                doc_records = sum(1 for _ in searcher.docs_for_query(whoosh_query.Term("record", "doc")))
                if doc_records != len(documents):
                    raise IndexStoreError(
                        f"build {build_dir.name} holds {doc_records} documents, {len(documents)} were written"
                    )
                probe(searcher, probe_sample(documents))
    except IndexStoreError:
        raise
    except Exception as exc:
        raise IndexStoreError(f"build {build_dir.name} cannot be read: {type(exc).__name__}: {exc}") from exc
    finally:
        ix.close()


# --- reading ------------------------------------------------------------------------------


STORED_SUFFIX = "_stored.col"  # Whoosh's per-segment stored-fields column
POSTINGS_SUFFIX = ".pst"
READ_SUFFIXES = (STORED_SUFFIX, POSTINGS_SUFFIX)  # read with `pread`, not mapped


class MappedFile(BufferFile):  # type: ignore[misc]
    """A read-only index file read in place from a memory map (no copy in the heap)."""

    def __init__(self, mapped: mmap.mmap, name: str | None = None, onclose: Any = None) -> None:
        self._buf = mapped
        self._name = name
        self.file = mapped  # an mmap reads, seeks and tells like a file
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


class PositionalFile(StructFile):  # type: ignore[misc]
    """A file whose records are read with one `pread` each (no seek, no read-ahead buffer)."""

    def get(self, position: int, length: int) -> bytes:
        return os.pread(self.file.fileno(), length, position)


class MappedStorage(FileStorage):  # type: ignore[misc]
    """Index files memory-mapped: the OS page cache holds them once for every process.

    Whoosh's own mmap support (`CompoundStorage`) wraps each part of a compound segment file in
    a BytesIO, which copies it into the heap of each process that opens the index (at 100,000
    passages, 206 MB per service worker). Builds are written as separate files (see `writing`)
    and read through this storage, so nothing of the index is copied but what a query reads.
    Mapped files stay readable after a prune deletes them, until the snapshot is closed.

    Stored fields and postings are the exception: they are read with one `pread` a record or
    block. A result page reads a few dozen scattered records and postings blocks, and a mapping
    would make every page the kernel maps around each read (64 kB of fault-around) count in the
    worker's RSS: at 100,000 passages the stored column (61 MB) became resident in each worker
    within a minute of load, and mapped postings added 43 MB in one `make bench`. Read, the page
    cache holds them once: a worker ends the bench's load at 181 MB instead of 287 MB, for 2 %
    more time a search (syscalls; measured in turn in one process).
    """

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if name.endswith(READ_SUFFIXES):
            return PositionalFile(open(self._fpath(name), "rb"), name=name, **kwargs)
        with open(self._fpath(name), "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return super().open_file(name, **kwargs)  # an empty file cannot be mapped
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(mapped, name=name, **kwargs)


def open_reader(path: Path) -> Any:
    """A Whoosh index over a build directory, read through MappedStorage."""
    return MappedStorage(str(path), readonly=True).open_index()
