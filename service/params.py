"""Query parameters shared by the API and the search page, with the rules of what is valid.

A query must hold at least one visible character. Whitespace, control characters (NUL, escape,
C1 controls) and invisible format characters (zero-width space, BOM, bidi marks) alone are an
empty query: 422 from the API, the start page on `/`. The rule is one character class used
twice, as the OpenAPI `pattern` (so generated clients and fuzzers know it) and to clean the
text that is searched, so "valid by the spec" and "non-empty after cleaning" cannot disagree.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

# Every character that counts as nothing: Unicode whitespace (what str.split() splits on), the
# C0/C1 controls, and the BMP format characters (category Cf). Written with \u escapes that
# Python, Rust (pydantic-core) and ECMAScript regexes read alike.
INVISIBLE = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    r"\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ufeff\ufff9-\ufffb"
)
VISIBLE_PATTERN = f"[^{INVISIBLE}]"
_INVISIBLE_RUN = re.compile(f"[{INVISIBLE}]+")
YEAR_PATTERN = r"^[0-9]{4}$"  # not \d: that also matches Arabic-Indic and other digits


def clean_query(text: str) -> str:
    """`text` with every run of invisible characters made one space, trimmed."""
    return _INVISIBLE_RUN.sub(" ", text).strip()


QParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=500,
        pattern=VISIBLE_PATTERN,
        description=(
            'The visitor\'s query: words (all wanted), "quoted phrases" (exact) and -word '
            "(excluded). Anything else is read as words. 1–500 characters, at least one of "
            "them visible: whitespace and control characters alone give 422."
        ),
        examples=["sociaal domein", '"maatschappelijk aanbesteden" -europees', "wijkteams"],
    ),
    AfterValidator(clean_query),
]

PrefixParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        pattern=VISIBLE_PATTERN,
        description="What the visitor has typed so far (1–100 characters, at least one visible).",
        examples=["wijkt", "sociaal dom"],
    ),
    AfterValidator(clean_query),
]

YearParam = Annotated[
    str | None,
    Query(
        pattern=YEAR_PATTERN,
        description="Only documents published in this year (four ASCII digits).",
        examples=["2014"],
    ),
]


def valid_year(value: str | None) -> str | None:
    """The search page's year filter: four ASCII digits or nothing."""
    return value if value and re.fullmatch(YEAR_PATTERN, value) else None
