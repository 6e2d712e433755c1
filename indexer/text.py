"""Plain-text normalisation shared by every extractor and by the analysis chain.

Extractors call `clean_text` on whatever text they produce, so the index never sees control
characters, bidi overrides, zero-width characters, private-use glyphs or ligature code points.
"""

from __future__ import annotations

import re
import unicodedata

# Private-use code points that real PDFs use for "f" and ligature glyphs instead of proper
# Unicode. U+E01B/E01E/E02F/E035 are what a cairo-made ministry report (VWS, 2025) maps its f and
# fi glyphs to; U+F001/F002 are Adobe's old private fi/fl.
PUA_LIGATURES = {
    "\ue01b": "f",
    "\ue01e": "f",
    "\ue02f": "fi",
    "\ue035": "fi",
    "\uf001": "fi",
    "\uf002": "fl",
    "\uf003": "ff",
    "\uf004": "ffi",
    "\uf005": "ffl",
}

# Bidi controls, zero-width characters, BOM, noncharacters and the replacement character.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufffe\uffff\ufffd\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BULLETS = re.compile("[\u2022\u25aa\u25cf\u25e6\u2043\u2219\uf0b7\uf0a7\uf076\uf0d8\uf0fc]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def fold(text: str) -> str:
    """NFKC-normalise and strip diacritics: "Coöperatie" -> "Cooperatie", "ﬁ" -> "fi"."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def map_private_use(text: str) -> str:
    return "".join(PUA_LIGATURES.get(ch, ch) for ch in text) if _has_pua(text) else text


def _has_pua(text: str) -> bool:
    return _PRIVATE_USE.search(text) is not None


def clean_text(text: str) -> str:
    """Normalise extracted text; keeps newlines (paragraph structure) but folds other spaces."""
    text = map_private_use(text)
    text = unicodedata.normalize("NFKC", text)
    text = _SURROGATE.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _BULLETS.sub(" ", text)
    # Remaining private-use characters are glyphs without meaning (icons, dingbats).
    text = _PRIVATE_USE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def one_line(text: str) -> str:
    """Collapse all whitespace, for titles and snippets."""
    return " ".join(clean_text(text).split())


def word_count(text: str) -> int:
    return len(text.split())


MONTHS_NL = "januari februari maart april mei juni juli augustus september oktober november december".split()


def dutch_date(iso: str | None) -> str:
    """ "2014-03-12" -> "12 maart 2014"; "" for anything that is not an ISO date."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not match or not 1 <= int(match[2]) <= 12:
        return ""
    return f"{int(match[3])} {MONTHS_NL[int(match[2]) - 1]} {match[1]}"
