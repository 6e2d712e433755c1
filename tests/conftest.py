"""Shared fixtures: a tiny corpus built once per session, and an in-process client on it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport, build_index
from service import ServiceSettings, create_app

from .fixtures import write_corpus

REPO = Path(__file__).resolve().parent.parent
REALWORLD = REPO.parent / "shared" / "realworld"


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def tiny_build(
    tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[IndexerSettings, IndexReport]:
    settings = IndexerSettings(
        corpus_dir=tiny_corpus,
        index_dir=tmp_path_factory.mktemp("idx") / "index",
        workers=2,
    )
    return settings, build_index(settings)


@pytest.fixture
def own_build(tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path) -> IndexerSettings:
    """A private copy of the tiny corpus, built: for tests that damage or delete the index."""
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_build[0].corpus_dir, corpus)
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "idx" / "index", workers=1)
    build_index(settings)
    return settings


def _client_on(settings: IndexerSettings) -> Iterator[TestClient]:
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def client(tiny_build: tuple[IndexerSettings, IndexReport]) -> Iterator[TestClient]:
    yield from _client_on(tiny_build[0])


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[IndexerSettings, IndexReport]:
    """The real corpus/ of the repository, built once."""
    settings = IndexerSettings(
        corpus_dir=REPO / "corpus",
        index_dir=tmp_path_factory.mktemp("corpus-idx") / "index",
    )
    return settings, build_index(settings)


@pytest.fixture(scope="session")
def corpus_client(corpus_build: tuple[IndexerSettings, IndexReport]) -> Iterator[TestClient]:
    yield from _client_on(corpus_build[0])


def realworld(*parts: str) -> Path:
    path = REALWORLD.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path
