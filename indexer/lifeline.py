"""Child processes that end with their parent, whatever ends it (`kill -9` included).

The indexer forks helpers (extraction workers, index writers). A helper that outlived a killed
build would run forever and keep deleted index files open, so their disk space is never freed.

    line = lifeline()            # in the parent, before forking
    ... fork ...
    line.attach()                # first thing in each child

`attach` asks Linux for SIGKILL when the parent dies (`prctl(PR_SET_PDEATHSIG)`), and, on every
system, starts a thread that ends the child when a pipe whose only writer is the parent reaches
end of file (the kernel closes it when the parent dies) or when the parent's pid changes.
PR_SET_PDEATHSIG fires when the forking *thread* ends, so fork from the thread that outlives the
children (the build's own).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 1.0  # seconds between checks of the parent's pid


@dataclass(frozen=True, slots=True)
class Lifeline:
    parent: int
    read_fd: int
    write_fd: int

    def attach(self) -> None:
        """In a freshly forked child: end this process as soon as the parent does.

        Signals are the parent's business: a child ignores Ctrl-C (the terminal sends it to the
        whole process group) and dies quietly of SIGTERM, whatever handlers it inherited."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # The parent must be the pipe's only writer, or its death goes unseen.
        with contextlib.suppress(OSError):
            os.close(self.write_fd)
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != self.parent:  # the parent died before prctl took effect
            os._exit(1)
        threading.Thread(target=self._watch, name="parent-watch", daemon=True).start()

    def _watch(self) -> None:
        while True:
            readable, _, _ = select.select([self.read_fd], [], [], WATCH_INTERVAL)
            if (readable and not os.read(self.read_fd, 1)) or os.getppid() != self.parent:
                os._exit(1)


_current: Lifeline | None = None


def lifeline() -> Lifeline:
    """This process's lifeline for its children (one pipe per process, made on first use)."""
    global _current
    if _current is None or _current.parent != os.getpid():
        read_fd, write_fd = os.pipe()
        _current = Lifeline(os.getpid(), read_fd, write_fd)
    return _current


def stop(process: Any, conn: Any, kill: bool = False, wait: float = 5.0) -> None:
    """End a child: close its pipe (it finishes what it was doing and exits), or kill it first;
    one that does not exit within `wait` seconds is killed."""
    if kill:
        process.kill()
    conn.close()
    process.join(timeout=wait)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)
