"""The folder source: the files of a corpus directory.

Walks CORPUS_DIR recursively for the suffixes the extractors read. Hidden files and
directories are passed over, and so is anything matching a glob in `CORPUS_DIR/.vindplaatsignore`
(one pattern per line, matched against the path relative to CORPUS_DIR, `#` for comments), so a
corpus can keep its own README out of the index.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..config import IndexerSettings
from ..errors import ConfigError
from ..extract import SUFFIXES, Extraction, extract_file

IGNORE_FILE = ".vindplaatsignore"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # POSIX path relative to the corpus directory

    @cached_property  # read once per run: updates compare it, and the manifest stores it
    def sha1(self) -> str:
        digest = hashlib.sha1()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def extract(self, settings: IndexerSettings) -> Extraction:
        return extract_file(self.path, self.source, settings)


def _ignore_patterns(corpus_dir: Path) -> list[str]:
    path = corpus_dir / IGNORE_FILE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def discover(corpus_dir: Path) -> list[SourceFile]:
    if not corpus_dir.is_dir():
        raise ConfigError(f"corpus directory {corpus_dir} does not exist or is not a directory")
    patterns = _ignore_patterns(corpus_dir)
    root = corpus_dir.resolve()
    found: list[SourceFile] = []
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue  # a symlink out of the corpus
        source = relative.as_posix()
        if any(fnmatch.fnmatch(source, pattern) for pattern in patterns):
            continue
        found.append(SourceFile(path, source))
    return found
