"""Building and updating: reports, skips with reasons, atomic swaps, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import IndexerError, IndexerSettings, IndexReport, build_index, store, update_index
from indexer.config import load_settings
from indexer.errors import ConfigError

from ..conftest import REPO


def test_build_report_accounts_for_every_file(tiny_build: tuple[IndexerSettings, IndexReport]) -> None:
    _, report = tiny_build
    assert report.files == 7
    assert report.documents == 5  # 2 blog pages, 1 note, 1 published WXR post, 1 PDF
    whole = {s.source: s.reason for s in report.skipped_files}
    assert whole["pdf/geen-pdf.pdf"].startswith("not a PDF")
    assert whole["pdf/kapot.pdf"].startswith("corrupt: ")
    parts = {s.reason for s in report.skips if " item " in s.source}
    assert parts == {"status draft", "status private"}


def test_index_dir_is_a_link_to_a_complete_build(tiny_build: tuple[IndexerSettings, IndexReport]) -> None:
    settings, _ = tiny_build
    assert settings.index_dir.is_symlink()
    info = store.read_build_info(settings.index_dir.resolve())
    assert info["documents"] == 5 and info["schema_version"] == store.SCHEMA_VERSION


def _copy(settings: IndexerSettings, tmp_path: Path) -> IndexerSettings:
    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    return IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "idx" / "index", workers=1)


def test_failed_build_leaves_served_index_intact(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _copy(tiny_build[0], tmp_path)
    build_index(settings)
    before = settings.index_dir.resolve()

    def explode(*args: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(store, "add_document", explode)
    with pytest.raises(IndexerError, match="disk full; the served index is unchanged"):
        build_index(settings)
    assert settings.index_dir.resolve() == before
    assert store.read_build_info(before)["documents"] == 5
    builds = [p for p in store.builds_dir(settings.index_dir).iterdir() if p.is_dir()]
    assert builds == [before]  # the failed build is gone


def test_update_handles_new_changed_and_deleted_files(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    settings = _copy(tiny_build[0], tmp_path)
    build_index(settings)
    (settings.corpus_dir / "notes" / "decentralisaties.md").unlink()
    page = settings.corpus_dir / "blog" / "subsidie-of-aanbesteden.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Subsidie of aanbesteden?", "Subsidie of opdracht?"), "utf-8"
    )
    (settings.corpus_dir / "notes" / "nieuw.md").write_text(
        "---\ntitle: Nieuwe notitie\n---\n" + "Een nieuwe notitie over buurtbudgetten en bewoners. " * 10,
        encoding="utf-8",
    )
    report = update_index(settings)
    assert (report.added, report.changed, report.deleted, report.extracted) == (1, 1, 1, 2)
    assert report.documents == 5
    ix = store.open_index(settings.index_dir)
    with ix.searcher() as s:
        titles = {d["title"] for d in s.documents(record="doc")}
    assert "Subsidie of opdracht?" in titles and "Nieuwe notitie" in titles
    assert "Begrippen: decentralisaties" not in titles
    # Nothing changed: nothing is extracted again.
    again = update_index(settings)
    assert again.extracted == 0 and again.documents == 5


def test_a_deleted_files_words_leave_the_vocabulary(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    """Suggestions and spelling corrections read the term lists: a deleted document's words must
    go from there too, not only from the results."""
    settings = _copy(tiny_build[0], tmp_path)
    note = settings.corpus_dir / "notes" / "weg.md"
    note.write_text("---\ntitle: Tijdelijk\n---\n" + "Het hoefijzerberaad komt samen. " * 12, "utf-8")
    build_index(settings)

    def vocabulary() -> list[str]:
        with store.open_index(settings.index_dir).searcher() as s:
            return [
                t.decode() if isinstance(t, bytes) else t
                for t in s.reader().expand_prefix("spell", "hoefijzer")
            ]

    assert vocabulary() == ["hoefijzerberaad"]
    note.unlink()
    assert update_index(settings).deleted == 1
    assert vocabulary() == []


def test_settings_reject_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VINDPLAATS_WORKERS", "many")
    with pytest.raises(ConfigError, match="VINDPLAATS_WORKERS has value 'many'"):
        load_settings(IndexerSettings)
    with pytest.raises(ConfigError, match="passage_min_words must be at most passage_max_words, got 500"):
        load_settings(IndexerSettings, {"workers": 1, "passage_min_words": 500})
    monkeypatch.setenv("VINDPLAATS_WORKERS", "3")
    monkeypatch.setenv("VINDPLAATS_INDEX", "/tmp/x")
    settings = load_settings(IndexerSettings, {"workers": None})
    assert settings.index_dir == Path("/tmp/x") and settings.workers == 3
    # A flag beats the environment, the environment beats the .env file.
    assert load_settings(IndexerSettings, {"workers": 5}).workers == 5


def test_settings_from_an_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("VINDPLAATS_WORKERS=4\nVINDPLAATS_CORPUS=/srv/site\n", encoding="utf-8")
    settings = load_settings(IndexerSettings, {}, env_file)
    assert settings.workers == 4 and settings.corpus_dir == Path("/srv/site")
    monkeypatch.setenv("VINDPLAATS_WORKERS", "2")
    assert load_settings(IndexerSettings, {}, env_file).workers == 2


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_cli_exit_codes(tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path) -> None:
    corpus = tiny_build[0].corpus_dir
    missing = run_cli("build", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    usage = run_cli("build", str(corpus), "--index", str(tmp_path / "i"), "--workers", "many")
    assert usage.returncode == 2 and "--workers: invalid int value: 'many'" in usage.stderr
    bad = run_cli("build", str(corpus), "--index", str(tmp_path / "i"), "--file-timeout", "0")
    assert bad.returncode == 2 and "--file-timeout has value 0.0" in bad.stderr
    strict = run_cli("build", str(corpus), "--index", str(tmp_path / "i"), "--strict")
    assert strict.returncode == 1
    assert "skipped pdf/kapot.pdf: corrupt" in strict.stdout
    assert "skipped pdf/geen-pdf.pdf: not a PDF" in strict.stdout
    assert "partly skipped export/site.xml: 1 × status draft, 1 × status private" in strict.stdout
    ok = run_cli("build", str(corpus), "--index", str(tmp_path / "i"))
    assert ok.returncode == 0 and "5 documents" in ok.stdout
    stats = run_cli("stats", "--index", str(tmp_path / "i"))
    assert stats.returncode == 0 and '"documents": 5' in stats.stdout
