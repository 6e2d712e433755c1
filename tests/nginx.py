"""A real nginx (Debian's) in front of the real service, on 127.0.0.1, for the production tests.

The configuration is deploy/nginx/vindplaats.conf.template rendered by deploy/nginx/render.py
with this test's ports and paths; everything else is as deployed. nginx runs in the foreground
(`daemon off`) with its pid, logs, cache and temporary files in the test's own directory.
"""

from __future__ import annotations

import importlib.util
import resource
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vindplaats_nginx_render", REPO / "deploy/nginx/render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nginx_config(root: Path, port: int, upstream_port: int, **overrides: Any) -> str:
    """The production template with this test's address, upstream and files."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    files = hard if hard != resource.RLIM_INFINITY else 65536
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "listen": f"127.0.0.1:{port}",
        "tls_cert": "",
        "server_name": "127.0.0.1",
        "upstream": [f"127.0.0.1:{upstream_port}"],
        "user": "root",
        # More workers than cores: each holds at most `files` descriptors (the hard limit
        # here), and the attack tests want room for more connections than one worker can hold.
        "worker_processes": 4,
        "worker_rlimit_nofile": min(65536, files),
        "worker_connections": min(32768, files - 500),
        "pid_file": root / "nginx.pid",
        "error_log": root / "error.log",
        "access_log": root / "access.log",
        "cache_dir": root / "cache",
        "temp_dir": root / "tmp",
        **overrides,
    }
    text: str = render_module().render(**values)
    return text


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_nginx(root: Path, port: int, upstream_port: int, **overrides: Any) -> Iterator[Path]:
    """nginx on 127.0.0.1:port until the block ends; yields its directory (logs inside)."""
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(nginx_config(root, port, upstream_port, **overrides), encoding="utf-8")
    command = [NGINX, "-p", str(root), "-c", str(conf), "-e", str(root / "error.log"), "-g", "daemon off;"]
    checked = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    with (root / "nginx.out").open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while not _listening(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{(root / 'error.log').read_text()}")
                time.sleep(0.1)
            yield root
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def error_lines(path: Path) -> list[str]:
    """Lines of an nginx error log or a service log at warning level or worse."""
    if not path.exists():
        return []
    markers = ("[warn]", "[error]", "[crit]", "[alert]", "[emerg]", " WARNING ", " ERROR ", " CRITICAL ")
    return [line for line in path.read_text(errors="replace").splitlines() if any(m in line for m in markers)]
