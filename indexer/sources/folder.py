"""Find the source files of a corpus directory, and pass over what only looks like one.

Walks CORPUS_DIR recursively for the suffixes the extractors read. Passed over silently: hidden
files and directories, and anything matching a glob in `CORPUS_DIR/.vindplaatsignore` (one
pattern per line, matched against the path relative to CORPUS_DIR, `#` for comments), so a
corpus can keep its own README out of the index.

Skipped with a reason in the build report (`scan`):

* symbolic links, to files or folders: never followed. A link can make a hidden or ignored file
  (or one outside the corpus) look like an ordinary corpus file, which would then be indexed
  and served under the link's name; its target, when it belongs in the index, is found anyway.
* names with control characters (a newline, a tab) or bytes that are not UTF-8: such a name
  cannot be shown on one report line, nor linked to reliably.
* anything that is not a regular file (a pipe, a socket, a device).

`binary_reason` (checked by `SourceFile.extract`, in the extraction workers) refuses binary
content in a text format:
100 KB of random bytes named `.md` is not a note.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..config import IndexerSettings
from ..documents import Skip
from ..errors import BinaryContent, ConfigError
from ..extract import SUFFIXES, Extraction, extract_file

IGNORE_FILE = ".vindplaatsignore"
TEXT_SUFFIXES = frozenset({".md", ".txt", ".html", ".htm", ".xml"})
SAMPLE_BYTES = 1 << 20  # how much of a text file the binary check reads
# C0 controls other than tab, newline, form feed and carriage return, and DEL.
CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
MAX_CONTROL_SHARE = 0.01  # text has none; random bytes have about 11 %
MAX_INVALID_SHARE = 0.10  # Latin-1 Dutch text read as UTF-8 has well under 1 %
DECLARED_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9._-]+)""", re.I)


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
        binary = binary_reason(self.path)
        if binary:
            raise BinaryContent(binary.removeprefix("binary content: "))
        return extract_file(self.path, self.source, settings)


def _ignore_patterns(corpus_dir: Path) -> list[str]:
    path = corpus_dir / IGNORE_FILE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def printable(name: str) -> str:
    """A name fit for one report line: control characters and stray bytes as escapes."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)


def _name_problem(name: str) -> str | None:
    for char in name:
        category = unicodedata.category(char)
        if category == "Cs":
            return "file name is not valid UTF-8"
        if category in {"Cc", "Zl", "Zp"}:
            return f"file name contains a control character ({ascii(char)[1:-1]})"
    return None


def scan(corpus_dir: Path) -> tuple[list[SourceFile], list[Skip]]:
    """The corpus files to index, in path order, and the candidates skipped with their reason."""
    if not corpus_dir.is_dir():
        raise ConfigError(f"corpus directory {corpus_dir} does not exist or is not a directory")
    patterns = _ignore_patterns(corpus_dir)
    found: list[tuple[tuple[str, ...], SourceFile]] = []
    skips: list[Skip] = []

    def ignored(source: str) -> bool:
        return any(fnmatch.fnmatch(source, pattern) for pattern in patterns)

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename or corpus_dir)
        where = (
            folder.relative_to(corpus_dir).as_posix() if folder.is_relative_to(corpus_dir) else str(folder)
        )
        skips.append(Skip(printable(where), f"unreadable folder: {error.strerror}"))

    for folder, dirnames, filenames in os.walk(corpus_dir, onerror=unreadable, followlinks=False):
        base = Path(folder)
        relative_folder = base.relative_to(corpus_dir)
        keep_dirs = []
        for name in sorted(dirnames):
            source = (relative_folder / name).as_posix()
            if name.startswith("."):
                continue
            if (base / name).is_symlink():
                if not ignored(source):
                    skips.append(Skip(printable(source), "symbolic link: not followed"))
                continue
            keep_dirs.append(name)
        dirnames[:] = keep_dirs  # os.walk descends only into these
        for name in sorted(filenames):
            path = base / name
            source = (relative_folder / name).as_posix()
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES or ignored(source):
                continue
            problem = _name_problem(source)
            try:
                mode = path.lstat().st_mode
            except OSError as exc:
                problem = problem or f"unreadable: {exc.strerror}"
                mode = 0
            if problem is None and stat.S_ISLNK(mode):
                problem = "symbolic link: not followed"
            elif problem is None and not stat.S_ISREG(mode):
                problem = "not a regular file"
            if problem:
                skips.append(Skip(printable(source), problem))
                continue
            found.append((Path(source).parts, SourceFile(path, source)))
    found.sort(key=lambda pair: pair[0])
    skips.sort(key=lambda s: s.source)
    return [f for _, f in found], skips


def discover(corpus_dir: Path) -> list[SourceFile]:
    """The corpus files to index, in path order (see `scan` for the ones skipped)."""
    return scan(corpus_dir)[0]


def binary_reason(path: Path) -> str | None:
    """Why a file in a text format holds binary content rather than text, or None."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    with path.open("rb") as fh:
        data = fh.read(SAMPLE_BYTES)
    if not data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # empty, or UTF-16 with a byte-order mark: the extractor decides
    if b"\0" in data:
        return "binary content: NUL bytes in a text file"
    controls = len(data) - len(data.translate(None, CONTROL_BYTES))
    if controls > MAX_CONTROL_SHARE * len(data):
        return f"binary content: {controls / len(data):.0%} control characters in a text file"
    declared = DECLARED_CHARSET.search(data[:4096])
    charset = declared[1].decode("ascii").lower() if declared else "utf-8"
    if charset.replace("-", "").replace("_", "") not in {"utf8", "usascii", "ascii"}:
        return None  # a page in another declared encoding: its bytes are not UTF-8 by design
    text = data.decode("utf-8", errors="replace")
    if len(data) == SAMPLE_BYTES:
        text = text[:-4]  # the sample may end inside a character
    invalid = text.count("\ufffd")
    if text and invalid > MAX_INVALID_SHARE * len(text):
        return f"binary content: {invalid / len(text):.0%} of the text is not valid UTF-8"
    return None
