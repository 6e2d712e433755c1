"""A listening socket of its own for every worker process (`SO_REUSEPORT`).

uvicorn's `--workers` hands one listening socket to all its workers, and whichever worker
wakes first accepts the next connection. Keep-alive connections stay with the worker that
accepted them, so a burst of new connections can leave one worker with twice the other's
(measured at 32 connections: splits of 22/10 in most runs, and with them a p99 latency 15 %
above that of an even split, as the fuller worker's queue is the longer one).

With `SO_REUSEPORT` every worker listens on a socket of its own, bound to the same address,
and the kernel deals new connections to them by a hash of the client's address and port:
evenly on average, whatever the workers are doing. The supervisor binds one such socket
first (so a port in use fails at start, in the supervisor, and port 0 becomes a real port)
and never listens on it; a worker that unpickles it, as uvicorn's spawned workers do with the
sockets they are handed, gets a new socket bound to the same address instead of a copy.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from . import balance

log = logging.getLogger("uvicorn.error")
STARTUP_FAILURE = 3  # uvicorn's exit status when it cannot start


class ReusePortSocket(socket.socket):
    """A TCP socket bound with `SO_REUSEPORT`; pickled, it rebinds instead of being copied."""

    def __reduce__(self) -> tuple[Any, tuple[int, tuple[Any, ...]]]:
        return bind_reuseport, (self.family, self.getsockname())


def bind_reuseport(family: int, address: tuple[Any, ...]) -> ReusePortSocket:
    sock = ReusePortSocket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def run(options: dict[str, Any]) -> None:
    """uvicorn's multi-worker supervisor for the service app, with a listening socket per worker
    (`supported()` systems, `workers` > 1, a host and port) and their connections kept in
    balance (`balance`). `options` are uvicorn.Config's."""
    config = uvicorn.Config("service.balance:create_app", http=balance.CountingProtocol, **options)
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        sock = bind_reuseport(family, (config.host, config.port))
    except OSError as exc:
        log.error("cannot listen on %s port %s: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    host, port = sock.getsockname()[:2]
    log.info("Listening on http://%s:%d with a socket per worker (%d workers)", host, port, config.workers)
    handle, name = tempfile.mkstemp(prefix="vindplaats-connections-")
    os.close(handle)
    table = Path(name)
    try:
        balance.create_table(table)
        os.environ[balance.TABLE_ENV] = str(table)  # the spawned workers find it there
        Multiprocess(config, sockets=[sock]).run()
    finally:
        os.environ.pop(balance.TABLE_ENV, None)
        table.unlink(missing_ok=True)
        sock.close()
