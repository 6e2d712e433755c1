"""Prometheus metrics for /metrics, with the official `prometheus-client`.

What is counted: requests and their latency per route *template* (`/documents/{doc_id}`, never
the raw path: one series per route, not per visitor input), requests in progress, requests shed
with 503, searches and searches without results, index reloads and sync runs; read when scraped:
the documents and passages of the served index and the age of its build.

Several worker processes (`vindplaats serve --workers N`) share one port, so a scrape reaches
one of them at random. In prometheus-client's multiprocess mode each process writes its values
to files in `PROMETHEUS_MULTIPROC_DIR` and a scrape adds them up. `service.cli` points that
variable at a fresh directory before uvicorn starts its workers. The library reads the variable
when it is first imported, so this module imports it only when the first app is created, never
at import time. Without the variable (tests, `uvicorn --factory`), values live in the process.

Other code counts through the functions below (`record_search`, `record_sync`, `record_reload`);
a sync helper running in the service, or as a command with the same `PROMETHEUS_MULTIPROC_DIR`,
calls `record_sync("ok")` and its runs appear in the next scrape.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NO_ROUTE = "(none)"  # 404s and requests answered before routing (shed): one series, not one per path
_LIVE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


class Metrics:
    """The process's metric objects (one set per process, shared by every app in it)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.directory = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "vindplaats_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "vindplaats_http_request_duration_seconds",
            "Time from request to the end of the answer, by route template",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "vindplaats_http_requests_in_flight",
            "Requests being answered now (all workers)",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.shed = Counter(
            "vindplaats_shed_requests",
            "Requests answered at once with 503 because too many were in progress",
            registry=r,
        )
        self.searches = Counter(
            "vindplaats_searches", "Searches run, by where (api, page, document)", ["via"], registry=r
        )
        self.zero_results = Counter(
            "vindplaats_zero_result_searches",
            "Searches that found nothing, by where (api, page, document)",
            ["via"],
            registry=r,
        )
        self.reloads = Counter("vindplaats_index_reloads", "New index builds loaded by a worker", registry=r)
        self.syncs = Counter("vindplaats_sync_runs", "Sync runs, by result", ["result"], registry=r)
        self.rebalanced = Counter(
            "vindplaats_connections_rebalanced",
            "Keep-alive connections ended by a worker that held more than its share (service.balance)",
            registry=r,
        )


_metrics: Metrics | None = None


def get_metrics() -> Metrics:
    global _metrics
    if _metrics is None:
        _metrics = Metrics()
    return _metrics


def record_search(via: str, total: int) -> None:
    metrics = get_metrics()
    metrics.searches.labels(via).inc()
    if total == 0:
        metrics.zero_results.labels(via).inc()


def record_sync(result: str) -> None:
    """Count one sync run; `result` is a short fixed word ("ok", "failed", …), never free text."""
    get_metrics().syncs.labels(result).inc()


def record_reload() -> None:
    get_metrics().reloads.inc()


def record_rebalance() -> None:
    get_metrics().rebalanced.inc()


# --- the index, read at scrape time ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexFacts:
    documents: int
    passages: int
    built_at: str | None


class _IndexCollector:
    """Index gauges computed from the scraping worker's snapshot (all workers serve one index)."""

    def __init__(self, facts: IndexFacts) -> None:
        self.facts = facts

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        yield GaugeMetricFamily(
            "vindplaats_index_documents", "Documents in the served index", value=self.facts.documents
        )
        yield GaugeMetricFamily(
            "vindplaats_index_passages", "Passages in the served index", value=self.facts.passages
        )
        built = _timestamp(self.facts.built_at)
        if built is not None:
            yield GaugeMetricFamily(
                "vindplaats_index_built_timestamp_seconds",
                "When the served build was made (Unix time)",
                value=built,
            )
            yield GaugeMetricFamily(
                "vindplaats_index_build_age_seconds",
                "Age of the served build",
                value=max(0.0, time.time() - built),
            )


def _timestamp(value: str | None) -> float | None:
    try:
        return datetime.fromisoformat(value).timestamp() if value else None
    except ValueError:
        return None


def exposition(facts: IndexFacts) -> bytes:
    """The text format of every metric: all workers' values, plus the index gauges."""
    from prometheus_client import CollectorRegistry, generate_latest

    metrics = get_metrics()
    registry: CollectorRegistry = metrics.registry
    if metrics.directory:
        from prometheus_client import multiprocess

        _forget_dead_workers(Path(metrics.directory))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=metrics.directory)  # type: ignore[no-untyped-call]
    index = CollectorRegistry()
    index.register(_IndexCollector(facts))
    return bytes(generate_latest(registry) + generate_latest(index))


def _forget_dead_workers(directory: Path) -> None:
    """Drop the in-progress gauge of workers that died (uvicorn restarts them under a new pid);
    their counters stay, so totals never go backwards."""
    from prometheus_client import multiprocess

    pids = {int(m.group(1)) for f in directory.iterdir() if (m := _LIVE_FILE.match(f.name))}
    for pid in pids:
        if not process_alive(pid):
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the directory of multiprocess mode (service.cli) ----------------------------------------


def prepare_multiprocess_dir() -> tuple[Path, bool]:
    """Point `PROMETHEUS_MULTIPROC_DIR` at an empty directory before any worker starts.

    An operator's directory (e.g. systemd's RuntimeDirectory) is emptied: files of a previous
    run would be added to this one's. Returns the directory and whether it is ours to remove."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return path, False
    path = Path(tempfile.mkdtemp(prefix="vindplaats-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path, True


def remove_multiprocess_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- per-request counting ----------------------------------------------------------------------


class MetricsMiddleware:
    """Pure ASGI: counts every HTTP request by the route template the router matched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.metrics = get_metrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "")
        started = time.perf_counter()
        status = 500

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, counting)
        finally:
            self.metrics.in_flight.dec()
            route = _route_template(scope)
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else NO_ROUTE
