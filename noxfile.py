"""The other supported Pythons: the fast in-process suite on 3.12 and 3.13 (`make test` runs it).

The whole suite (browser, end-to-end, lint) runs on the Python of `.venv`; here each other
Python gets its own virtualenv under `.nox/` with the project and its test tools, and runs
every test that needs no browser, no started servers and no WordPress or nginx.

    nox                        # both Pythons (what `make test` runs)
    nox -s fast-3.13           # one

Virtualenvs are made and filled by uv (a dev dependency; plain virtualenv + pip if it is
missing): from its wheel cache an install takes seconds, not the minute pip needs. A virtualenv
is reinstalled only when `pyproject.toml` changes (its hash is kept in the virtualenv), so a
second run costs only the tests. The interpreters come from PATH or from
pyenv (`~/.pyenv/versions/3.12.*`). A missing interpreter is skipped locally and fails on CI
(nox's own rule: CI=true).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.12", "3.13"]
# Test kinds that need more than the interpreter: they run once, on .venv's Python.
SLOW_MARKERS = ("browser", "e2e", "wordpress", "nginx")

nox.options.sessions = ["fast"]
nox.options.reuse_venv = "yes"


def _add_pyenv_to_path() -> None:
    """nox looks interpreters up as `python3.12` on PATH; pyenv keeps them per version."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    dirs = [
        str(path / "bin")
        for minor in PYTHONS
        for path in sorted(versions.glob(f"{minor}.*"))
        if (path / "bin" / f"python{minor}").exists()
    ]
    if dirs:
        os.environ["PATH"] = os.pathsep.join([*dirs, os.environ.get("PATH", "")])


def _deselect() -> str:
    """A -m expression without the slow kinds (only markers the project registers: strict)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    registered = {m.split(":")[0].strip() for m in config["tool"]["pytest"]["ini_options"]["markers"]}
    slow = [m for m in SLOW_MARKERS if m in registered]
    return f"not ({' or '.join(slow)})" if slow else ""


_add_pyenv_to_path()


@nox.session(python=PYTHONS, venv_backend="uv|virtualenv")
def fast(session: nox.Session) -> None:
    """The in-process suite on one more Python."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".vindplaats-installed"
    if not stamp.is_file() or stamp.read_text() != digest:
        session.install("--quiet", "-e", ".[dev]")
        stamp.write_text(digest)
    args = ["-m", _deselect()] if _deselect() else []
    session.run("python", "-m", "pytest", "-q", *args, *session.posargs)
