"""Load and attack clients for the production tests: plain asyncio sockets, bounded in time.

* `get(...)`: one HTTP/1.1 request (Connection: close) from a chosen loopback source address,
  with a deadline; returns status, headers and seconds. Several source addresses (all of
  127.0.0.0/8 is this machine) stand for several visitors, as nginx limits per address.
* `python tests/load.py slowloris --port P --source 127.0.1.1 --count N --seconds S`: opens up
  to N connections and sends request headers a byte at a time, reconnecting when the server
  cuts one off, until S seconds have passed; prints one JSON line of what it saw. It raises its
  own open-files limit first and runs in its own process (one process cannot hold more
  descriptors than its limit).

Traffic goes to 127.0.0.1 only, and every loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import random
import resource
import socket
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: Playwright's sync API keeps an event loop running
    in the main thread for the whole session, and asyncio.run refuses to start inside it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _socket(source: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # The port is picked at connect time, per destination: more than 28,000 connections from
    # one source address, and no port kept busy by a closed connection.
    sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    sock.bind((source, 0))
    sock.setblocking(False)
    return sock


@dataclass
class Answer:
    status: int  # 0: no answer (timeout, refused, reset)
    headers: dict[str, str]
    seconds: float
    error: str = ""


async def get(
    port: int, path: str, source: str = "127.0.0.1", timeout: float = 20.0, host: str = ""
) -> Answer:
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    sock = _socket(source)
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, ("127.0.0.1", port))
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\nConnection: close\r\n\r\n"
            )
            await loop.sock_sendall(sock, request.encode())
            data = b""
            while True:
                chunk = await loop.sock_recv(sock, 65536)
                if not chunk:
                    break
                data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        if not head.startswith("HTTP/1."):
            return Answer(0, {}, time.perf_counter() - started, "no answer")
        lines = head.split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return Answer(int(lines[0].split()[1]), headers, time.perf_counter() - started)
    except TimeoutError:
        return Answer(0, {}, time.perf_counter() - started, "timeout")
    except OSError as exc:
        return Answer(0, {}, time.perf_counter() - started, type(exc).__name__)
    finally:
        sock.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# --- slowloris ---------------------------------------------------------------------------------


@dataclass
class Siege:
    port: int
    source: str
    deadline: float
    interval: float
    open: int = 0
    max_open: int = 0
    opened: int = 0
    cut_off: int = 0  # closed by the server while we were still "sending headers"
    connect_failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)


HEADERS = b"GET /search?q=wijkteams HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n"


async def _hold(siege: Siege, connect_slots: asyncio.Semaphore) -> None:
    loop = asyncio.get_running_loop()
    while time.monotonic() < siege.deadline:
        sock = _socket(siege.source)
        try:
            async with connect_slots:
                await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", siege.port)), 10)
        except (OSError, TimeoutError) as exc:
            siege.connect_failed += 1
            siege.errors[type(exc).__name__] = siege.errors.get(type(exc).__name__, 0) + 1
            sock.close()
            await asyncio.sleep(0.5)
            continue
        siege.opened += 1
        siege.open += 1
        siege.max_open = max(siege.max_open, siege.open)
        try:
            position = 0
            # Spread the first bytes so that the sends do not come in waves.
            await asyncio.sleep(random.uniform(0, siege.interval))
            while time.monotonic() < siege.deadline:
                byte = HEADERS[position : position + 1] if position < len(HEADERS) else b"X"
                position += 1
                await loop.sock_sendall(sock, byte)
                await asyncio.sleep(siege.interval)
            return
        except OSError:
            siege.cut_off += 1
        finally:
            siege.open -= 1
            sock.close()


async def slowloris(port: int, source: str, count: int, seconds: float, interval: float) -> Siege:
    siege = Siege(port, source, time.monotonic() + seconds, interval)
    slots = asyncio.Semaphore(256)
    tasks = [asyncio.create_task(_hold(siege, slots)) for _ in range(count)]
    await asyncio.gather(*tasks)
    return siege


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["slowloris"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--source", default="127.0.0.1")
    parser.add_argument("--count", type=int, default=0, help="connections; 0 = as many as the limit allows")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two bytes")
    args = parser.parse_args(argv)
    limit = raise_open_files_limit()
    count = args.count or limit - 100
    siege = asyncio.run(
        slowloris(args.port, args.source, min(count, limit - 100), args.seconds, args.interval)
    )
    report: dict[str, Any] = {
        "source": siege.source,
        "limit": limit,
        "max_open": siege.max_open,
        "opened": siege.opened,
        "cut_off": siege.cut_off,
        "connect_failed": siege.connect_failed,
        "errors": siege.errors,
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main(sys.argv[1:]))
