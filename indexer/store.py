"""The index on disk: build beside the served index, then swap atomically.

Layout: `INDEX_DIR` is a symbolic link to one build in `INDEX_DIR.builds/<build-id>/`. A build
writes a complete Whoosh index and its `build.json` into a new directory and only then points
the link at it with an atomic rename. A reader therefore sees the old index or the new one,
never half of one, and a failed build leaves the link where it was. The previous build is kept
so a service still reading it is not pulled from under its feet; older ones are removed.

This is the only module that creates, opens or writes Whoosh indexes.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from .documents import Document
from .errors import IndexStoreError
from .schema import SCHEMA_VERSION, build_schema

BUILD_INFO = "build.json"
KEEP_BUILDS = 2


def builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / (index_dir.name + ".builds")


def new_build_dir(index_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = builds_dir(index_dir) / f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir(parents=True)
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
    shutil.copytree(current, target, dirs_exist_ok=True)
    return target


def resolve(index_dir: Path) -> Path:
    if not index_dir.exists():
        raise IndexStoreError(f"index {index_dir} does not exist; build it first")
    return index_dir.resolve()


def swap(index_dir: Path, build_dir: Path) -> None:
    """Point `index_dir` at `build_dir` atomically and prune old builds."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    if index_dir.exists() and not index_dir.is_symlink():
        # An index from before builds were linked: move it aside once.
        legacy = builds_dir(index_dir) / f"legacy-{os.getpid()}"
        index_dir.rename(legacy)
    tmp_link = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(build_dir, index_dir.parent))
    tmp_link.replace(index_dir)  # rename(2): atomic, readers see the old or the new link
    _prune(index_dir, keep=build_dir)


def discard(build_dir: Path) -> None:
    shutil.rmtree(build_dir, ignore_errors=True)


def _prune(index_dir: Path, keep: Path) -> None:
    builds = sorted(
        (p for p in builds_dir(index_dir).iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    survivors = {keep.resolve()}
    for path in builds:
        if len(survivors) >= KEEP_BUILDS:
            break
        survivors.add(path.resolve())
    for path in builds:
        if path.resolve() not in survivors:
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
        return whoosh_index.open_dir(str(path))
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
    data = {"schema_version": SCHEMA_VERSION, **info}
    (build_dir / BUILD_INFO).write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")


@contextmanager
def writer(ix: Any) -> Iterator[IndexWriter]:
    """A writer that commits on success and cancels on any error."""
    w = ix.writer(limitmb=256)
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    else:
        w.commit()


def delete_sources(w: IndexWriter, sources: Iterable[str]) -> None:
    for source in sources:
        w.delete_by_term("source", source)


def add_document(w: IndexWriter, doc: Document) -> int:
    """Write one document's doc record and passage records; returns the passage count."""
    headings = list(dict.fromkeys(p.heading for p in doc.passages if p.heading))
    meta = " ; ".join(doc.categories + doc.tags)
    w.add_document(
        id=doc.id,
        doc_id=doc.id,
        record="doc",
        source=doc.source,
        kind=doc.kind,
        year=str(doc.published.year) if doc.published else "",
        published=doc.published.isoformat() if doc.published else "",
        category=",".join(c.replace(",", " ") for c in doc.categories),
        tag=",".join(t.replace(",", " ") for t in doc.tags),
        url=doc.url,
        title=doc.title,
        headings="\n".join(headings),
        body="\n".join([doc.title, *headings, meta, doc.body]),
        # The vocabulary for corrections counts documents, so it is indexed once per document
        # rather than per passage: half the postings of a build.
        spell=doc.title + "\n" + doc.body,
        author=doc.author,
        summary=doc.summary,
        pages=doc.pages,
        file=doc.file,
    )
    # Passages carry only what finding and showing them needs; filters apply to documents.
    for n, passage in enumerate(doc.passages):
        w.add_document(
            id=f"{doc.id}:{n}",
            doc_id=doc.id,
            record="passage",
            source=doc.source,
            content=passage.text,
            heading=passage.heading,
            page=passage.page if passage.page is not None else 0,
            start=passage.start,
            end=passage.end,
        )
    return len(doc.passages)
