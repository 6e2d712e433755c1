"""Real processes for end-to-end and browser tests: the indexer CLI and the service on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def build(corpus: Path | str, index: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    """`python -m indexer build` as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            str(corpus),
            "--index",
            str(index),
            "--base-url",
            base_url,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextmanager
def running_service(
    index: Path,
    corpus: Path | str,
    port: int,
    log: Path,
    workers: int = 1,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    ready: tuple[str, ...] = ("ok",),
) -> Iterator[str]:
    """`python -m service` on 127.0.0.1:port until the block ends; yields its base URL.

    `env` adds variables to the service's environment; `args` adds command-line flags; it is up
    once /health reports a status in `ready` ("degraded" comes with HTTP 503)."""
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "service",
        "--index",
        str(index),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--corpus",
        str(corpus),
        *args,
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if get_json(f"{url}/health")["status"] in ready:
                        break
                except urllib.error.HTTPError as err:
                    if json.loads(err.read() or b"{}").get("status") in ready:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"service did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
