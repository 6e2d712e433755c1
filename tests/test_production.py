"""The production shape (issue 8, item 3): Debian's nginx, configured from deploy/nginx, in front
of `python -m service --workers 2`, on 127.0.0.1; attacked with slow and massed clients.

What is asserted is behaviour: answers arrive, nothing hangs, every 429/503 says when to come
back (`Retry-After`), the logs stay short. The figures (connections held, latencies, status
counts) are printed for the record; on a shared 2-core machine they vary a lot.
"""

from __future__ import annotations

import asyncio
import collections
import gzip
import json
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .load import Answer, get, percentile, raise_open_files_limit, run
from .nginx import NGINX, REPO, error_lines, nginx_config, render_module, running_nginx
from .servers import build, free_port, running_service

pytestmark = pytest.mark.e2e

WORDS = [
    "sociaal", "domein", "wijkteams", "gemeente", "aanbesteden", "wmo", "jeugdzorg", "cooperatie",
    "keukentafelgesprek", "participatiewet", "manifest", "decentralisaties", "zorg", "bewoners",
    "inkoop", "subsidie", "vertrouwen", "gemeenteraad", "social", "return", "buurt", "eenzaamheid",
]  # fmt: skip


@dataclass
class Stack:
    url: str  # nginx
    port: int
    service_url: str
    nginx_dir: Path
    service_log: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(NGINX).exists():
        pytest.fail(f"{NGINX} is missing: install Debian's nginx (apt-get install -y nginx)")
    raise_open_files_limit()  # nginx inherits it
    root = tmp_path_factory.mktemp("production")
    port, service_port = free_port(), free_port()
    built = build("corpus", root / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stderr
    # The default VINDPLAATS_MAX_IN_FLIGHT (32 per worker): 500 clients are far beyond it.
    env = {"VINDPLAATS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    log = root / "service.log"
    with (
        running_service(root / "index", "corpus", service_port, log, workers=2, env=env) as service_url,
        running_nginx(root / "nginx", port, service_port) as nginx_dir,
    ):
        yield Stack(f"http://127.0.0.1:{port}", port, service_url, nginx_dir, log)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, _headers(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        return err.code, _headers(err.headers.items()), err.read()


def _headers(items: list[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in items:
        joined[name.lower()] = f"{joined[name.lower()]}, {value}" if name.lower() in joined else value
    return joined


def random_query(rng: random.Random) -> str:
    words = "+".join(rng.sample(WORDS, rng.randint(1, 3)))
    return f"/search?q={words}&page={rng.randint(1, 3)}"


# --- the configuration -------------------------------------------------------------------------


def test_the_committed_config_is_the_rendered_template(tmp_path: Path) -> None:
    render = render_module()
    assert (REPO / "deploy/nginx/vindplaats.conf").read_text(encoding="utf-8") == render.render(), (
        "run: python deploy/nginx/render.py > deploy/nginx/vindplaats.conf"
    )
    # and nginx accepts what the tests run
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(tmp_path, free_port(), free_port()), encoding="utf-8")
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr


# --- what a visitor gets through nginx -----------------------------------------------------------


def test_answers_through_nginx(stack: Stack) -> None:
    status, headers, body = fetch(stack.url + "/search?q=wijkteams", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip" and "accept-encoding" in headers["vary"].lower()
    data = json.loads(gzip.decompress(body))
    assert data["total"] > 0
    assert headers["server"] == "nginx", "no version"
    assert headers["cache-control"] == "public, max-age=60"
    assert headers["x-request-id"] and headers["content-security-policy"]
    # PDF links point at the public address (nginx), and the file comes through
    pdf = fetch(stack.url + "/search?q=sociaal+domein&type=pdf")[2]
    hit = json.loads(pdf)["results"][0]
    assert hit["url"].startswith(stack.url + "/viewer?file=/files/pdf/")
    link = hit["file_url"]
    assert link.startswith(stack.url + "/files/pdf/")
    status, headers, body = fetch(link.split("#")[0])
    assert status == 200 and body.startswith(b"%PDF") and headers["content-type"] == "application/pdf"
    # HEAD for uptime monitors
    request = urllib.request.Request(stack.url + "/health", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""


def test_the_micro_cache_serves_repeats(stack: Stack) -> None:
    url = stack.url + f"/suggest?q=wijk&n={time.monotonic_ns()}"
    first, second = fetch(url)[1], fetch(url)[1]
    assert first["x-cache-status"] == "MISS" and second["x-cache-status"] == "HIT"
    assert first["x-request-id"] != second["x-request-id"], "each answer names its own request"


def test_metrics_stay_inside(stack: Stack) -> None:
    assert fetch(stack.url + "/metrics")[0] == 403
    # the service's own port adds up both workers
    before = _requests(stack.service_url, "/health")
    for _ in range(30):
        fetch(stack.service_url + "/health")
    assert _requests(stack.service_url, "/health") - before == 30


def _requests(service_url: str, route: str) -> float:
    text = fetch(service_url + "/metrics")[2].decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "vindplaats_http_requests_total" and sample.labels["route"] == route
    )


def test_unknown_host_names_get_no_answer(stack: Stack) -> None:
    answer = run(get(stack.port, "/search?q=wmo", host="evil.example"))
    assert answer.status == 0, "the default server closes the connection (444)"
    assert run(get(stack.port, "/search?q=wmo", host="127.0.0.1")).status == 200


def test_one_client_too_fast_gets_429_with_retry_after(stack: Stack) -> None:
    async def burst() -> tuple[list[Answer], Answer]:
        flood = [get(stack.port, f"/search?q=wmo&i={i}", source="127.0.9.1") for i in range(150)]
        answers = await asyncio.gather(*flood)
        other = await get(stack.port, "/search?q=wmo&other=1", source="127.0.9.2")
        return answers, other

    answers, other = run(burst())
    statuses = collections.Counter(a.status for a in answers)
    assert statuses[429] > 0 and set(statuses) <= {200, 429, 503}, statuses
    for a in answers:
        if a.status in (429, 503):
            assert a.headers["retry-after"].isdigit(), a.headers
    limited = next(a for a in answers if a.status == 429)
    assert limited.headers["content-type"] == "application/json"
    assert other.status == 200, "another visitor is not limited"


# --- massed and slow clients ---------------------------------------------------------------------


def test_500_concurrent_clients_get_fast_answers_or_fast_refusals(stack: Stack) -> None:
    before = len(error_lines(stack.nginx_dir / "error.log")), len(error_lines(stack.service_log))

    async def client(n: int, deadline: float, answers: list[Answer]) -> None:
        rng = random.Random(n)
        source = f"127.0.{3 + n // 250}.{1 + n % 250}"  # one address per visitor
        while time.monotonic() < deadline:
            answers.append(await get(stack.port, random_query(rng), source=source, timeout=30))

    async def crowd() -> list[Answer]:
        answers: list[Answer] = []
        deadline = time.monotonic() + 10
        await asyncio.gather(*(client(n, deadline, answers) for n in range(500)))
        return answers

    answers = run(crowd())
    statuses = collections.Counter(a.status for a in answers)
    by_status = {
        s: f"n={c} p50={percentile([a.seconds for a in answers if a.status == s], 0.5) * 1000:.0f} ms "
        f"p99={percentile([a.seconds for a in answers if a.status == s], 0.99) * 1000:.0f} ms"
        for s, c in sorted(statuses.items())
    }
    print(f"\n500 clients through nginx, 10 s: {len(answers)} requests; {by_status}")
    assert statuses[0] == 0, [a.error for a in answers if a.status == 0][:5]
    assert set(statuses) <= {200, 429, 503}, statuses
    assert statuses[200] > 0 and statuses[503] > 0, "some served, the rest shed"
    for a in answers:
        if a.status in (429, 503):
            assert a.headers.get("retry-after", "").isdigit(), a.headers
    nginx_errors = error_lines(stack.nginx_dir / "error.log")[before[0] :]
    service_errors = error_lines(stack.service_log)[before[1] :]
    assert len(nginx_errors) < 100 and len(service_errors) < 100, (nginx_errors[:5], service_errors[:5])


ATTACKERS = 3
ATTACK_SECONDS = 32.0
RAMP_SECONDS = 8.0


def test_slowloris_does_not_stop_real_searches(stack: Stack) -> None:
    before = len(error_lines(stack.nginx_dir / "error.log")), len(error_lines(stack.service_log))
    attackers = [
        subprocess.Popen(
            [
                sys.executable,
                str(REPO / "tests/load.py"),
                "slowloris",
                "--port",
                str(stack.port),
                "--source",
                f"127.0.1.{n + 1}",
                "--seconds",
                str(ATTACK_SECONDS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(ATTACKERS)
    ]
    try:
        time.sleep(RAMP_SECONDS)
        held = _established(stack.port)

        async def visitor(n: int, deadline: float, answers: list[Answer]) -> None:
            rng = random.Random(1000 + n)
            while time.monotonic() < deadline:
                answers.append(
                    await get(stack.port, random_query(rng), source=f"127.0.2.{n + 1}", timeout=20)
                )
                await asyncio.sleep(0.2)  # a person, not a script: 5 requests a second at most

        async def visitors() -> list[Answer]:
            answers: list[Answer] = []
            deadline = time.monotonic() + ATTACK_SECONDS - RAMP_SECONDS - 4
            await asyncio.gather(*(visitor(n, deadline, answers) for n in range(20)))
            return answers

        answers = run(visitors())
        held_after = _established(stack.port)
    finally:
        reports = []
        for proc in attackers:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    times = [a.seconds for a in answers if a.status == 200]
    failed = [a for a in answers if a.status != 200]
    print(
        f"\nslowloris: {ATTACKERS} attackers held up to {sum(r['max_open'] for r in reports)} connections "
        f"(nginx side: {held} after the ramp, {held_after} at the end), opened "
        f"{sum(r['opened'] for r in reports)} in all, {sum(r['cut_off'] for r in reports)} cut off by nginx, "
        f"{sum(r['connect_failed'] for r in reports)} connects failed; real searches: {len(answers)}, "
        f"p50 {percentile(times, 0.5) * 1000:.0f} ms, p99 {percentile(times, 0.99) * 1000:.0f} ms, "
        f"errors {len(failed)} {collections.Counter(a.status or a.error for a in failed)}"
    )
    assert sum(r["max_open"] for r in reports) >= 10_000, reports
    assert sum(r["cut_off"] for r in reports) > 0, "nginx cuts slow headers off"
    assert len(answers) > 100 and failed == [], collections.Counter(a.status or a.error for a in failed)
    nginx_errors = error_lines(stack.nginx_dir / "error.log")[before[0] :]
    service_errors = error_lines(stack.service_log)[before[1] :]
    assert len(nginx_errors) < 100 and len(service_errors) < 100, (nginx_errors[:5], service_errors[:5])


def _established(port: int) -> int:
    """Connections nginx holds on its port now (ss from iproute2)."""
    result = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return len(result.stdout.splitlines()) if result.returncode == 0 else -1
