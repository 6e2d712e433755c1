"""The judged set itself: every query is answerable, documented and points at real targets.

A target that names nothing in the index (a mistyped URL, a PDF page that does not exist)
would count as a miss for every configuration and quietly lower all scores; a kind that is
not described in the file's header cannot be read by the next person adding queries.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.relevance import CONFIGS, QUERIES, build, load_queries, unknown_targets


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    return load_queries()


def test_every_query_has_a_best_answer(queries: list[dict[str, Any]]) -> None:
    for q in queries:
        grades = set(q["judgments"].values())
        assert q["q"].strip(), q
        assert grades <= {1, 2}, f"{q['q']!r}: grades must be 1 or 2, got {sorted(grades)}"
        assert 2 in grades, f"{q['q']!r}: no grade-2 target"


def test_no_query_is_judged_twice(queries: list[dict[str, Any]]) -> None:
    twice = [q for q, n in Counter(q["q"].casefold() for q in queries).items() if n > 1]
    assert not twice, f"queries judged twice: {twice}"


def test_every_kind_is_described_in_the_header(queries: list[dict[str, Any]]) -> None:
    header = QUERIES.read_text(encoding="utf-8").split("\n[[query]]", 1)[0]
    described = set(re.findall(r"^#\s{15}(\w+)\s", header, flags=re.MULTILINE))
    used = {q["kind"] for q in queries}
    assert used <= described, f"kinds used but not described in the header: {sorted(used - described)}"


def test_every_target_is_a_document_or_pdf_page_of_the_index(queries: list[dict[str, Any]]) -> None:
    current = next(c for c in CONFIGS if c.name == "current")
    with tempfile.TemporaryDirectory() as tmp:
        snap = build(current, Path(tmp))
        try:
            assert unknown_targets(queries, snap) == []
        finally:
            snap.close()
