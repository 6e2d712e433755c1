"""Query-time synonyms from a plain text file the site owner edits.

Each line of the file is a group of equivalent expressions separated by commas
("wmo, wet maatschappelijke ondersteuning"). Expressions are analysed with the same Dutch chain
as queries, so "Wet Maatschappelijke Ondersteuning" and inflected forms match. The file is
re-read when its modification time changes: edits take effect on the next search.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from indexer.analysis import analyze

log = logging.getLogger(__name__)

Terms = tuple[str, ...]


def parse(text: str, analyzer: Any = None) -> dict[Terms, set[Terms]]:
    """Map each expression (as analysed terms) to every expression of its group."""
    table: dict[Terms, set[Terms]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group = {tuple(analyze(expr, analyzer)) for expr in line.split(",")}
        group.discard(())
        if len(group) < 2:
            continue
        for expr in group:
            table.setdefault(expr, set()).update(group)
    return table


class Synonyms:
    """The synonym table of one file, reloaded when the file changes.

    Tables are kept per analyzer, since an index built with another stemmer needs the
    expressions stemmed its way.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._text = ""
        self._tables: dict[str, dict[Terms, set[Terms]]] = {}

    def _source(self) -> str:
        if self.path is None:
            return ""
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return self._text  # a missing file keeps the last good table
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    try:
                        self._text = self.path.read_text(encoding="utf-8")
                        self._tables = {}
                    except (OSError, UnicodeDecodeError) as exc:
                        log.warning("synonyms file %s unreadable: %s", self.path, exc)
                    self._mtime = mtime
        return self._text

    def table(self, analyzer: Any = None) -> dict[Terms, set[Terms]]:
        text = self._source()
        key = repr(analyzer)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = parse(text, analyzer)
        return table

    def expand(self, terms: list[str], analyzer: Any = None) -> list[tuple[int, int, set[Terms]]]:
        """Spans (start, end) of `terms` that have synonyms, longest match first, no overlaps."""
        table = self.table(analyzer)
        longest = max((len(k) for k in table), default=1)
        spans: list[tuple[int, int, set[Terms]]] = []
        i = 0
        while i < len(terms):
            for size in range(min(longest, len(terms) - i), 0, -1):
                alternatives = table.get(tuple(terms[i : i + size]))
                if alternatives:
                    spans.append((i, i + size, alternatives))
                    i += size
                    break
            else:
                i += 1
        return spans
