"""Metrics across worker processes (prometheus-client's multiprocess mode), with real processes:
a scrape adds up every worker's counts, keeps those of workers that died, and forgets the
requests a dead worker had in progress."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from ..conftest import REPO

WORKER = """
from service.metrics import get_metrics
m = get_metrics()
for _ in range({n}):
    m.requests.labels("/search", "GET", "200").inc()
m.in_flight.inc()  # a request in progress when the worker is killed
import os
os._exit(0)
"""
SCRAPE = """
from service.metrics import IndexFacts, exposition, get_metrics
get_metrics().in_flight.inc()  # the scrape itself
print(exposition(IndexFacts(3, 7, "2026-01-01T00:00:00+00:00")).decode())
"""


def _run(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_scrape_adds_up_workers_and_forgets_dead_ones_in_progress(tmp_path: Path) -> None:
    _run(WORKER.format(n=3), tmp_path)
    _run(WORKER.format(n=4), tmp_path)
    text = _run(SCRAPE, tmp_path)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    key = ("vindplaats_http_requests_total", (("method", "GET"), ("route", "/search"), ("status", "200")))
    assert samples[key] == 7, "both workers' counts, though both are gone"
    assert samples[("vindplaats_http_requests_in_flight", ())] == 1, "only the live scrape is in progress"
    assert samples[("vindplaats_index_documents", ())] == 3
