"""Relevance gate: the judged queries must keep their quality (see `make bench-relevance`).

Floors are pinned a little below the measured values (nDCG@10 0.832, MRR@10 0.916 on
2026-11-26), so a change that makes Dutch search worse fails CI instead of slipping through.
"""

from __future__ import annotations

import pytest

from bench.relevance import CONFIGS, evaluate_all

# Pinned just below what the extended set (177 queries) measures on 2026-12-01 (0.765 / 0.847);
# the ranking work of issue 10 raises them to its targets.
NDCG_FLOOR = 0.75
MRR_FLOOR = 0.83
MIN_GAIN_OVER_BASELINE = 0.30
KIND_FLOOR = 0.33  # English terms measure 0.353 today


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


def test_every_query_kind_is_served(results: dict[str, dict[str, object]]) -> None:
    by_kind = results["current"]["by_kind"]
    assert isinstance(by_kind, dict)
    weak = {kind: round(m["nDCG@10"], 3) for kind, m in by_kind.items() if m["nDCG@10"] < KIND_FLOOR}
    assert not weak, f"query kinds below nDCG@10 {KIND_FLOOR}: {weak}"
