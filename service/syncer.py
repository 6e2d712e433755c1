"""Background sync: run `python -m indexer sync` every `sync_interval` seconds while serving.

The sync runs in a child process, so a search never waits for it (no shared GIL, no shared
memory) and the extraction workers it forks start from a clean, single-threaded process. It
writes a new build and swaps the index link atomically; `reader.IndexHandle` picks the new
build up on the next request, as after any build.

With several uvicorn workers each one starts a `BackgroundSync`, but only the one holding the
scheduler lock (a file beside the index) runs syncs; if it dies, another takes over at its next
tick. The indexer's own sync lock keeps a cron job and this timer from overlapping.
"""

from __future__ import annotations

import fcntl
import json
import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from .config import ServiceSettings

log = logging.getLogger(__name__)
FIRST_DELAY = 5.0  # seconds after start-up: let the service settle before the first sync


class BackgroundSync:
    def __init__(self, settings: ServiceSettings) -> None:
        self.site = settings.site_url
        self.index = settings.index
        self.interval = float(settings.sync_interval)
        self.timeout = max(3600.0, 4 * self.interval)  # a sync that hangs this long is killed
        self.runs = 0  # syncs finished by this process (success or not)
        self.last: dict[str, Any] = {}  # the last sync's report, or {"error": ...}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[str] | None = None
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="vindplaats-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # the indexer cleans up its half-written build
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._lock_file is not None:
            self._lock_file.close()  # releases the scheduler lock
            self._lock_file = None

    def _loop(self) -> None:
        delay = min(self.interval, FIRST_DELAY)
        while not self._stop.wait(delay):
            delay = self.interval
            if self._is_scheduler():
                self.sync_once()

    def _is_scheduler(self) -> bool:
        if self._lock_file is not None:
            return True
        path = self.index.parent / f".{self.index.name}.scheduler.lock"
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def sync_once(self) -> None:
        """One `python -m indexer sync`; its report (or error line) goes to the log."""
        command = [sys.executable, "-m", "indexer", "sync", self.site, "--index", str(self.index), "--json"]
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=_repo()
        )
        self._proc = proc
        try:
            stdout, stderr = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)  # the indexer cleans up its half-written build
            proc.communicate(timeout=60)
            self.last = {
                "error": f"sync of {self.site} took longer than {self.timeout:.0f} s and was stopped"
            }
            log.error(self.last["error"])
            return
        finally:
            self._proc = None
            self.runs += 1
        if self._stop.is_set() and proc.returncode not in (0, 1):
            log.info("sync of %s interrupted: the service is stopping", self.site)
            return
        report = _json(stdout) if proc.returncode in (0, 1) else None
        if report is not None:
            self.last = report
            log.info(
                "synced %s: %d added, %d changed, %d deleted, %d unchanged, %d requests",
                self.site,
                *(report[k] for k in ("added", "changed", "deleted", "unchanged", "requests")),
            )
        else:
            message = (stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            self.last = {"error": message}
            log.error("sync of %s failed: %s", self.site, message)


def _json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _repo() -> Path:
    """Where `python -m indexer` resolves when the package is not installed (a source checkout)."""
    return Path(__file__).resolve().parent.parent
