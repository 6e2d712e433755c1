"""Docs and packaging stay true: every setting documented, the Dockerfile does what it says."""

from __future__ import annotations

import json
import re

import indexer
import service
from indexer.config import IndexerSettings, env_name
from service.config import ServiceSettings

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")


def _readme_settings() -> dict[str, str]:
    """Variable -> "used by" cell of the README's configuration table."""
    rows = re.findall(r"^\| `(VINDPLAATS_[A-Z_]+)` \| ([a-z, ]+) \|", README, re.M)
    return dict(rows)


def test_the_readme_settings_table_matches_the_models() -> None:
    users: dict[str, set[str]] = {}
    for package, model in (("indexer", IndexerSettings), ("service", ServiceSettings)):
        for name in model.model_fields:
            users.setdefault(env_name(model, name), set()).add(package)
    documented = _readme_settings()
    assert sorted(set(users) - set(documented)) == [], "settings missing from the README table"
    assert sorted(set(documented) - set(users)) == [], "README documents settings that do not exist"
    for variable, packages in users.items():
        expected = "both" if len(packages) == 2 else next(iter(packages))
        assert documented[variable] == expected, f"{variable}: README says {documented[variable]!r}"


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README and "make test" in README


def test_public_names_are_exported() -> None:
    for module in (indexer, service):
        for name in module.__all__:
            assert hasattr(module, name)


def test_dockerfile_properties() -> None:
    assert re.search(r"^FROM python:3\.11-slim", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!root)\S+", DOCKERFILE, re.M), "runs as a non-root user"
    assert "python -m indexer build" in DOCKERFILE, "index built at image build"
    assert re.search(r"^HEALTHCHECK .*", DOCKERFILE, re.M) and "/health" in DOCKERFILE
    assert re.search(r"^EXPOSE 8000", DOCKERFILE, re.M)
    assert "0.0.0.0" in DOCKERFILE and '--port", "8000"' in DOCKERFILE
    # dependencies are installed before the source is copied (layer caching)
    assert DOCKERFILE.index("pip install .") < DOCKERFILE.index("COPY indexer")


def test_ci_runs_exactly_make_test() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_the_viewer_is_built_the_same_way_by_make_and_docker() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for text in (makefile, DOCKERFILE):
        assert "npm ci" in text and "--omit=optional" in text and "build.mjs" in text
    # make install / run / test all build it; the image copies the result into the package.
    assert re.search(r"^install: .*\$\(PDFJS\)", makefile, re.M)
    assert re.search(r"^run: .*\$\(PDFJS\)", makefile, re.M)
    assert re.search(r"^test: .*\$\(PDFJS\)", makefile, re.M)
    assert "COPY --from=viewer /viewer/pdfjs ./service/static/pdfjs" in DOCKERFILE
    assert DOCKERFILE.index("COPY --from=viewer") < DOCKERFILE.index("pip install --no-deps .")
    package = json.loads((REPO / "service" / "viewer" / "package.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["dependencies"]["pdfjs-dist"]), "pin an exact version"
    assert "static/**/*" in (REPO / "pyproject.toml").read_text(encoding="utf-8"), "PDF.js is package data"


def test_ci_and_docker_install_tesseract_for_ocr() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for text in (ci, DOCKERFILE):
        assert "tesseract-ocr-nld" in text and "tesseract-ocr" in text.replace("tesseract-ocr-nld", "")
