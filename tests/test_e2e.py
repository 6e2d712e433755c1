"""End to end: the real `python -m indexer build` and `python -m service` on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO
from .servers import build, free_port, running_service

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    root = tmp_path_factory.mktemp("e2e")
    built = build("corpus", root / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stderr
    assert "skipped: 0 files" in built.stdout
    with running_service(root / "index", "corpus", port, root / "service.log", workers=2) as url:
        yield url


def search(base: str, q: str, **params: Any) -> dict[str, Any]:
    status, body, _ = get(base + "/search?" + urllib.parse.urlencode({"q": q, **params}))
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def test_search_over_http_and_pdf_deep_link(server: str) -> None:
    data = search(server, "sociaal domein", type="pdf")
    hit = data["results"][0]
    assert (
        hit["url"].startswith(server + "/viewer?file=/files/pdf/") and f"&page={hit['page']}&" in hit["url"]
    )
    assert hit["file_url"].startswith(server + "/files/pdf/") and hit["file_url"].endswith(
        f"#page={hit['page']}"
    )
    status, body, headers = get(hit["file_url"].split("#")[0])
    assert status == 200 and headers["content-type"] == "application/pdf" and body.startswith(b"%PDF")
    status, body, headers = get(hit["url"])
    assert (
        status == 200 and headers["content-type"].startswith("text/html") and b'id="viewerContainer"' in body
    )


def test_health_and_page_and_widget(server: str) -> None:
    status, body, _ = get(server + "/health")
    assert status == 200 and json.loads(body)["documents"] >= 37
    status, body, _ = get(server + "/?q=wijkteams")
    assert status == 200 and "resultaten voor" in body.decode()
    status, _, headers = get(server + "/widget.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and headers["etag"]


@pytest.mark.parametrize(
    "q", ["", "x" * 10_000, '"', "AND OR NOT (", "*", "<script>alert(1)</script>", "title:", "\x00"]
)
def test_no_query_gives_5xx_over_http(server: str, q: str) -> None:
    status, body, _ = get(server + "/search?" + urllib.parse.urlencode({"q": q}))
    assert status in (200, 422), body


def test_cors_for_other_sites(server: str) -> None:
    request = urllib.request.Request(server + "/search?q=wmo", headers={"Origin": "https://gemeente.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


def test_files_cannot_escape_the_corpus(server: str) -> None:
    for path in ["/files/../pyproject.toml", "/files/%2e%2e/pyproject.toml", "/files/..%2F..%2Fetc%2Fpasswd"]:
        assert get(server + path)[0] == 404


def test_index_path_is_required(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "--index", str(tmp_path / "missing")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr


def tcp_sockets(port: int) -> list[tuple[int, int, int]]:
    """(state, remote port, inode) of the IPv4 sockets on local port `port` (/proc/net/tcp)."""
    out = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], int(fields[3], 16), int(fields[9])
        if int(local.split(":")[1], 16) == port:
            out.append((state, int(remote.split(":")[1], 16), inode))
    return out


def inode_owners(inodes: set[int]) -> dict[int, int]:
    """Socket inode -> the pid of a process that holds it."""
    wanted = {f"socket:[{i}]": i for i in inodes}
    owners: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                inode = wanted.get(str(fd.readlink()))
                if inode is not None:
                    owners.setdefault(inode, int(entry.name))
        except OSError:
            continue  # a process that ended meanwhile
    return owners


LISTEN, ESTABLISHED = 0x0A, 0x01  # TCP states in /proc/net/tcp


def listening_workers(port: int) -> set[int]:
    """The pids of the processes listening on `port`."""
    listening = {inode for state, _, inode in tcp_sockets(port) if state == LISTEN}
    return set(inode_owners(listening).values())


def two_workers(port: int, timeout: float = 30) -> set[int]:
    """Both workers' pids, once both listen (the second may still be loading the index)."""
    deadline = time.monotonic() + timeout
    while len(workers := listening_workers(port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def ask(conn: http.client.HTTPConnection, path: str) -> http.client.HTTPConnection:
    """GET `path` on keep-alive `conn`; the connection to go on with: `conn`, or a new one
    when the worker ended it (`Connection: close`, see `service.balance`)."""
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    assert response.status == 200
    if response.getheader("connection", "").lower() != "close":
        return conn
    conn.close()
    again = http.client.HTTPConnection(conn.host, conn.port, timeout=10)
    again.connect()
    return again


def test_each_worker_listens_on_a_socket_of_its_own_and_connections_spread(server: str) -> None:
    """With one shared socket, a burst of keep-alive connections went nearly all to one worker
    (1 or 2 of 32 to the other in most tries), which then answered every request of the
    others' queue; a socket per worker (SO_REUSEPORT) has the kernel deal them out."""
    port = int(server.rsplit(":", 1)[1])
    two_workers(port)  # /health was answered by one worker
    listening = {inode for state, _, inode in tcp_sockets(port) if state == LISTEN}
    owners = inode_owners(listening)
    assert len(listening) == 2 and len(set(owners.values())) == 2, owners  # two workers, two sockets
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(40)]
    try:
        connections = [ask(conn, "/health") for conn in connections]
        ours = {conn.sock.getsockname()[1] for conn in connections}
        accepted = {
            inode for state, peer, inode in tcp_sockets(port) if state == ESTABLISHED and peer in ours
        }
        per_worker = Counter(inode_owners(accepted).values())
        # An even deal by a hash: fewer than 5 of 40 on one side happens once in millions.
        assert len(per_worker) == 2 and min(per_worker.values()) >= 5, per_worker
    finally:
        for conn in connections:
            conn.close()


def test_a_killed_worker_is_replaced_with_a_socket_of_its_own(tmp_path: Path) -> None:
    port = free_port()
    built = build("corpus", tmp_path / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stderr
    with running_service(tmp_path / "index", "corpus", port, tmp_path / "service.log", workers=2) as url:
        before = two_workers(port)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = listening_workers(port)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and victim not in now, (before, now)
        for _ in range(20):  # whichever socket a connection lands on answers
            assert search(url, "wijkteams")["total"] > 0


def test_connections_left_on_a_survivor_are_shared_with_the_replacement(tmp_path: Path) -> None:
    """A killed worker's clients reconnect to the survivor (the only socket left listening);
    without balancing every keep-alive connection stays there and the replacement idles. The
    survivor answers some with `Connection: close` until both hold about as many."""
    port = free_port()
    built = build("corpus", tmp_path / "index", f"http://127.0.0.1:{port}")
    assert built.returncode == 0, built.stderr
    with running_service(tmp_path / "index", "corpus", port, tmp_path / "service.log", workers=2) as url:

        def split(conns: list[http.client.HTTPConnection]) -> Counter[int]:
            """Connections per worker, once all are accepted (a new one may still be queued)."""
            deadline = time.monotonic() + 10
            while (held := owned(conns)).total() < len(conns) and time.monotonic() < deadline:
                time.sleep(0.05)
            return held

        def owned(conns: list[http.client.HTTPConnection]) -> Counter[int]:
            ours = {c.sock.getsockname()[1] for c in conns if c.sock is not None}
            held = {
                inode for state, peer, inode in tcp_sockets(port) if state == ESTABLISHED and peer in ours
            }
            return Counter(inode_owners(held).values())

        before = two_workers(port)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        while victim in listening_workers(port):
            time.sleep(0.01)
        # The replacement needs a second or more to start: these all land on the survivor.
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(24)]
        try:
            conns = [ask(conn, "/health") for conn in conns]  # accepted before they are looked up
            start = split(conns)
            assert len(start) == 1 and sum(start.values()) == 24, start
            # The supervisor notices the death and starts the replacement within seconds;
            # meanwhile the clients stay active (an idle keep-alive connection is closed after
            # 5 s, `keep_alive_timeout`).
            deadline = time.monotonic() + 60
            while len(listening_workers(port)) < 2 and time.monotonic() < deadline:
                conns = [ask(conn, "/health") for conn in conns]
                time.sleep(0.5)
            assert len(listening_workers(port)) == 2  # the replacement is up
            for _ in range(30):  # rounds of one search per connection, until none is ended
                before_round = list(conns)
                conns = [ask(conn, "/search?q=wijkteams") for conn in conns]
                if conns == before_round:
                    break
            assert conns == before_round, "connections still being ended after 30 rounds"
            end = split(conns)
            assert len(end) == 2 and max(end.values()) - min(end.values()) <= 1, (start, end)
            status, body, _ = get(url + "/metrics")
            counted = [
                line
                for line in body.decode().splitlines()
                if line.startswith("vindplaats_connections_rebalanced_total ")
            ]
            assert status == 200 and counted and float(counted[0].split()[1]) >= 10, (
                counted
            )  # 24/0 needs 10 or more
        finally:
            for conn in conns:
                conn.close()
