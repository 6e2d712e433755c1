"""The corpus is what it seems: links, hidden files, binary content and odd names (issue 8, item 6)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport, build_index, store, update_index
from service import ServiceSettings, create_app

NOTE = "---\ntitle: {title}\n---\n\n" + "{word} staat in deze notitie over buurtbudgetten en bewoners. " * 12


def _note(path: Path, title: str, word: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NOTE.format(title=title, word=word), encoding=encoding)


@pytest.fixture(scope="module")
def odd_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd") / "corpus"
    _note(root / "notes" / "gewoon.md", "Gewone notitie", "gewoonwoord")
    _note(root / ".verborgen" / "geheim.md", "Geheim", "geheimwoord")
    _note(root / "notes" / ".prive.md", "Privé", "privewoord")
    _note(root / "README.md", "Leesmij", "leesmijwoord")
    (root / ".vindplaatsignore").write_text("README.md\n", encoding="utf-8")
    outside = root.parent / "buiten.md"
    _note(outside, "Buiten", "buitenwoord")
    # Links that would make a hidden, ignored or outside file look like a corpus note.
    (root / "notes" / "link-naar-geheim.md").symlink_to("../.verborgen/geheim.md")
    (root / "notes" / "link-naar-readme.md").symlink_to("../README.md")
    (root / "notes" / "link-naar-buiten.md").symlink_to(outside)
    (root / "gelinkte-map").symlink_to(root / ".verborgen", target_is_directory=True)
    # Binary content under text names.
    (root / "notes" / "ruis.md").write_bytes(random.Random(7).randbytes(100_000))
    (root / "notes" / "nul.txt").write_bytes(b"Titel\n" + b"tekst met een nulbyte \x00 erin " * 50)
    no_nul = bytes(b for b in random.Random(8).randbytes(50_000) if b)
    (root / "notes" / "ruis-zonder-nul.md").write_bytes(no_nul)
    # Text in another encoding is still text.
    _note(root / "notes" / "latijn.md", "Coöperatie in Latin-1", "latijnwoord", encoding="latin-1")
    page = '<html><head><meta charset="windows-1252"><title>Oud</title></head><body><main>'
    page += (
        "<p>"
        + "Een oude pagina over de coöperatie en het oudwoord in de wijk. " * 10
        + "</p></main></body></html>"
    )
    (root / "notes" / "oud.html").write_bytes(page.encode("cp1252"))
    # Names that cannot be shown on one line or linked to.
    _note(root / "notes" / "met\nnewline.md", "Newline", "newlinewoord")
    _note(root / "notes" / "met\ttab.md", "Tab", "tabwoord")
    fifo = root / "notes" / "pijp.md"
    os.mkfifo(fifo)
    return root


@pytest.fixture(scope="module")
def odd_build(
    odd_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[IndexerSettings, IndexReport]:
    settings = IndexerSettings(
        corpus_dir=odd_corpus, index_dir=tmp_path_factory.mktemp("odd-idx") / "index", workers=2
    )
    return settings, build_index(settings)


@pytest.fixture(scope="module")
def odd_client(odd_build: tuple[IndexerSettings, IndexReport]) -> Iterator[TestClient]:
    settings = odd_build[0]
    app = create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    with TestClient(app) as client:
        yield client


def test_only_real_visible_files_are_indexed(odd_build: tuple[IndexerSettings, IndexReport]) -> None:
    settings, report = odd_build
    info = store.read_build_info(settings.index_dir.resolve())
    assert sorted(info["sources"]) == [
        "notes/gewoon.md",
        "notes/latijn.md",
        "notes/nul.txt",
        "notes/oud.html",
        "notes/ruis-zonder-nul.md",
        "notes/ruis.md",
    ]
    assert report.documents == 3  # gewoon, latijn, oud: the rest is skipped with a reason


def test_every_skip_has_its_reason(odd_build: tuple[IndexerSettings, IndexReport]) -> None:
    reasons = {s.source: s.reason for s in odd_build[1].skips}
    assert reasons["notes/link-naar-geheim.md"] == "symbolic link: not followed"
    assert reasons["notes/link-naar-readme.md"] == "symbolic link: not followed"
    assert reasons["notes/link-naar-buiten.md"] == "symbolic link: not followed"
    assert reasons["gelinkte-map"] == "symbolic link: not followed"
    assert reasons["notes/ruis.md"] == "binary content: NUL bytes in a text file"
    assert reasons["notes/nul.txt"] == "binary content: NUL bytes in a text file"
    assert reasons["notes/ruis-zonder-nul.md"].startswith("binary content: ")
    assert reasons["notes/met\\nnewline.md"] == "file name contains a control character (\\n)"
    assert reasons["notes/met\\ttab.md"] == "file name contains a control character (\\t)"
    assert reasons["notes/pijp.md"] == "not a regular file"
    assert not any(".verborgen" in s or ".prive" in s or "README" in s for s in reasons)


@pytest.mark.parametrize(
    "word", ["geheimwoord", "privewoord", "leesmijwoord", "buitenwoord", "newlinewoord", "tabwoord"]
)
def test_what_is_skipped_is_never_found(odd_client: TestClient, word: str) -> None:
    answer = odd_client.get("/search", params={"q": word})
    assert answer.status_code == 200 and answer.json()["total"] == 0


def test_text_in_other_encodings_is_found(odd_client: TestClient) -> None:
    for word, source in (
        ("gewoonwoord", "notes/gewoon.md"),
        ("latijnwoord", "notes/latijn.md"),
        ("oudwoord", "notes/oud.html"),
    ):
        results = odd_client.get("/search", params={"q": word}).json()["results"]
        assert [r["source"] for r in results] == [source]


def test_links_are_never_served(odd_client: TestClient) -> None:
    assert odd_client.get("/files/notes/gewoon.md").status_code == 200
    for path in (
        "notes/link-naar-geheim.md",
        "notes/link-naar-readme.md",
        "gelinkte-map/geheim.md",
        "README.md",
    ):
        assert odd_client.get(f"/files/{path}").status_code == 404, path


def test_report_lines_stay_single_lines(odd_build: tuple[IndexerSettings, IndexReport]) -> None:
    from io import StringIO

    from indexer.cli import print_report

    out = StringIO()
    print_report(odd_build[1], "build", out)
    lines = out.getvalue().splitlines()
    assert "  skipped notes/met\\nnewline.md: file name contains a control character (\\n)" in lines
    prefixes = ("build:", "skipped:", "  ", "slowest", "term table:", "index:")
    assert all(line.startswith(prefixes) for line in lines), lines


def test_update_sees_the_same_corpus(odd_build: tuple[IndexerSettings, IndexReport], tmp_path: Path) -> None:
    settings = IndexerSettings(
        corpus_dir=odd_build[0].corpus_dir, index_dir=tmp_path / "index", workers=1, writers=1
    )
    built = build_index(settings)
    report = update_index(settings)
    assert report.extracted == 0 and report.documents == 3
    assert {s.source for s in report.skips} == {s.source for s in built.skips}


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.sources import scan

    _note(tmp_path / "open" / "a.md", "Open", "openwoord")
    _note(tmp_path / "dicht" / "b.md", "Dicht", "dichtwoord")
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("dicht"):  # what a folder without read permission gives
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    files, skips = scan(tmp_path)
    assert [f.source for f in files] == ["open/a.md"]
    assert [(s.source, s.reason) for s in skips] == [("dicht", "unreadable folder: Permission denied")]
