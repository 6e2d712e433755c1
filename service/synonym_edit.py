"""The owner adds a synonym line from /beheer: checked, then appended to the synonyms file.

A line is a group of two or more expressions ("procurement, aanbesteding"). Each must be a
plain phrase (no comma, no line break, not a comment, at most 100 characters) that the Dutch
analysis chain keeps something of (not only stopwords), and the expressions must differ after
analysis ("Wijkteam, wijkteams" would add nothing). `service/synonyms.py` re-reads the file
when it changes, so the next search uses the line.

The append is atomic: the new content is written to a temporary file beside the old one and
renamed over it (a reader sees the old file or the new one, never half a line), under an
exclusive lock on a `.lock` file so two workers adding at once both land.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from indexer.analysis import analyze

from .errors import BadSynonym

MAX_EXPRESSION = 100
MAX_EXPRESSIONS = 12


def check_group(expressions: list[str], analyzer: Any = None) -> list[str]:
    """The cleaned expressions of one group, or BadSynonym with a Dutch message."""
    cleaned: list[str] = []
    for raw in expressions:
        if any(unicodedata.category(ch) in {"Cc", "Cf"} and ch not in " \t" for ch in raw):
            raise BadSynonym(f"„{raw.strip()[:40]}” bevat een regeleinde of een onzichtbaar teken.")
        text = " ".join(raw.split())
        if not text:
            continue
        if "," in text:
            raise BadSynonym(f"„{text}”: een komma scheidt uitdrukkingen; zet elke uitdrukking apart.")
        if text.startswith("#"):
            raise BadSynonym(f"„{text}”: een regel die met # begint is commentaar.")
        if len(text) > MAX_EXPRESSION:
            raise BadSynonym(f"„{text[:40]}…” is langer dan {MAX_EXPRESSION} tekens.")
        if not analyze(text, analyzer):
            raise BadSynonym(f"„{text}” bestaat alleen uit woorden die de zoekmachine overslaat.")
        if text.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(text)
    if len(cleaned) < 2:
        raise BadSynonym("Geef ten minste twee uitdrukkingen: de zoekvraag en een synoniem.")
    if len(cleaned) > MAX_EXPRESSIONS:
        raise BadSynonym(f"Ten hoogste {MAX_EXPRESSIONS} uitdrukkingen op één regel.")
    if len({tuple(analyze(text, analyzer)) for text in cleaned}) < 2:
        raise BadSynonym("Deze uitdrukkingen zijn voor de zoekmachine al hetzelfde woord.")
    return cleaned


def append_group(path: Path, expressions: list[str]) -> str:
    """Append one line (already checked) to the synonyms file; returns the line."""
    line = ", ".join(expressions)
    lock_path = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                old = path.read_text(encoding="utf-8") if path.exists() else ""
                if old and not old.endswith("\n"):
                    old += "\n"
                _replace(path, old + line + "\n")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except (OSError, UnicodeDecodeError) as exc:
        raise BadSynonym(
            f"Het synoniemenbestand {path} kan niet worden bijgewerkt ({exc}). "
            "Zet VINDPLAATS_SYNONYMS op een bestand dat de service mag schrijven."
        ) from exc
    return line


def _replace(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
