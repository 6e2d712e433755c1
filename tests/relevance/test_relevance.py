"""Relevance gate: the judged queries must keep their quality (see `make bench-relevance`).

Floors are pinned a little below what the extended set (177 queries) measures with graded
coverage, lexicon specificity, inflection and best PDF pages on 2026-12-01 (nDCG@10 0.867,
MRR@10 0.960; per kind in README "Measurements"), so a change that makes Dutch search worse
fails CI instead of slipping through. The issue-10 target (0.88 overall, 0.80 for questions)
is not reached yet: questions measure 0.727.
"""

from __future__ import annotations

import pytest

from bench.relevance import CONFIGS, evaluate_all

NDCG_FLOOR = 0.83
MRR_FLOOR = 0.92
MIN_GAIN_OVER_BASELINE = 0.30
HALF_FLOOR = 0.80  # tuning 0.822, held-out 0.888
# nDCG@10 per kind, 0.02 below the measured value.
KIND_FLOORS = {
    "abbreviation": 0.84,
    "accent": 0.93,
    "compound": 0.87,
    "definition": 0.86,
    "english": 0.74,
    "inflection": 0.84,
    "pdf": 0.98,
    "pdf_heading": 0.89,
    "phrase": 0.86,
    "question": 0.69,
    "theme": 0.83,
    "topic_verb": 0.86,
    "typo": 0.86,
    "valid_word": 0.87,
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, object]]:
    wanted = [c for c in CONFIGS if c.name in {"baseline", "current"}]
    return evaluate_all(wanted)


def test_current_pipeline_meets_the_floor(results: dict[str, dict[str, object]]) -> None:
    overall = results["current"]["overall"]
    assert isinstance(overall, dict)
    print(f"\ncurrent: {overall}")
    assert overall["nDCG@10"] >= NDCG_FLOOR
    assert overall["MRR@10"] >= MRR_FLOOR


def test_current_pipeline_beats_the_whoosh_baseline(results: dict[str, dict[str, object]]) -> None:
    base, cur = results["baseline"]["overall"], results["current"]["overall"]
    assert isinstance(base, dict) and isinstance(cur, dict)
    assert cur["nDCG@10"] >= base["nDCG@10"] * (1 + MIN_GAIN_OVER_BASELINE)


def test_every_query_kind_keeps_its_level(results: dict[str, dict[str, object]]) -> None:
    by_kind = results["current"]["by_kind"]
    assert isinstance(by_kind, dict)
    assert set(by_kind) == set(KIND_FLOORS), "a new kind of judged query needs its floor here"
    weak = {k: round(m["nDCG@10"], 3) for k, m in by_kind.items() if m["nDCG@10"] < KIND_FLOORS[k]}
    assert not weak, f"query kinds below their floor: {weak}"


def test_both_halves_hold(results: dict[str, dict[str, object]]) -> None:
    by_half = results["current"]["by_half"]
    assert isinstance(by_half, dict)
    assert all(by_half[part]["nDCG@10"] >= HALF_FLOOR for part in ("tuning", "held-out")), by_half
