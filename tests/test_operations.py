"""Running it for real: one command, settings from flags/variables/.env, logs, links that move."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport
from indexer.config import env_name
from service import ServiceSettings, create_app

from .conftest import REPO
from .servers import free_port, running_service


def run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import main; raise SystemExit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_one_command_with_every_subcommand() -> None:
    top = run("--help")
    assert top.returncode == 0
    for command in ("index", "update", "sync", "stats", "serve"):
        assert command in top.stdout
    serve = run("serve", "--help").stdout
    # Every setting is a flag whose help names its default and its variable.
    for name in ServiceSettings.model_fields:
        assert env_name(ServiceSettings, name) in serve.replace("\n", " ").replace("  ", " "), name
    assert "(default: 8000; env VINDPLAATS_PORT)" in " ".join(serve.split())
    index = " ".join(run("index", "--help").stdout.split())
    sync = " ".join(run("sync", "--help").stdout.split())
    for name in IndexerSettings.model_fields:
        assert env_name(IndexerSettings, name) in index + sync, name
    assert "(default: 60.0; env VINDPLAATS_FILE_TIMEOUT)" in index
    assert "(default: 2; env VINDPLAATS_SYNC_CONCURRENCY)" in sync


def test_settings_come_from_flags_then_environment_then_env_file(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    index = tiny_build[0].index_dir
    (tmp_path / ".env").write_text(f"VINDPLAATS_INDEX={index}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINDPLAATS_")}
    from_file = run("stats", cwd=tmp_path, env=env)
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["documents"] == 5
    from_env = run("stats", cwd=tmp_path, env={**env, "VINDPLAATS_INDEX": str(tmp_path / "nope")})
    assert from_env.returncode == 2 and "nope does not exist" in from_env.stderr
    from_flag = run("stats", "--index", str(index), cwd=tmp_path, env={**env, "VINDPLAATS_INDEX": "x"})
    assert from_flag.returncode == 0
    bad = run("serve", "--port", "99999", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "--port has value 99999" in bad.stderr


def _pdf_hit(client: TestClient, **headers: str) -> dict[str, Any]:
    answer = client.get("/search", params={"q": "fietsenwerkplaats"}, headers=headers).json()
    hit: dict[str, Any] = answer["results"][0]
    return hit


def test_pdf_links_follow_the_service_not_the_build(tiny_build: tuple[IndexerSettings, IndexReport]) -> None:
    settings = tiny_build[0]
    with TestClient(
        create_app(ServiceSettings(index=settings.index_dir, corpus=settings.corpus_dir))
    ) as client:
        assert _pdf_hit(client)["file_url"] == "http://testserver/files/pdf/proeftuin.pdf#page=2"
        moved = _pdf_hit(client, host="zoeken.gemeente.nl:8443")
        assert moved["file_url"] == "http://zoeken.gemeente.nl:8443/files/pdf/proeftuin.pdf#page=2"
        assert moved["url"].startswith("http://zoeken.gemeente.nl:8443/viewer?file=/files/pdf/proeftuin.pdf")
        assert moved["document_url"] == "http://zoeken.gemeente.nl:8443/files/pdf/proeftuin.pdf"
        detail = client.get(f"/documents/{moved['id']}", headers={"host": "elders.nl"}).json()
        assert detail["url"] == "http://elders.nl/files/pdf/proeftuin.pdf"
    public = ServiceSettings(
        index=settings.index_dir, corpus=settings.corpus_dir, public_url="https://zoeken.example.nl/"
    )
    with TestClient(create_app(public)) as client:
        hit = _pdf_hit(client, host="evil.example")
        assert hit["url"].startswith("https://zoeken.example.nl/viewer?file=/files/pdf/")
        assert hit["file_url"].startswith("https://zoeken.example.nl/files/pdf/")


@pytest.mark.e2e
def test_logs_are_json_with_request_ids_and_no_query_text(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    settings = tiny_build[0]
    for log_queries in (False, True):
        log = tmp_path / f"service-{log_queries}.log"
        env = {"VINDPLAATS_LOG_FORMAT": "json", "VINDPLAATS_LOG_QUERIES": str(log_queries).lower()}
        with running_service(settings.index_dir, settings.corpus_dir, free_port(), log, env=env) as url:
            request = urllib.request.Request(
                f"{url}/search?q=fietsenwerkplaats", headers={"X-Request-ID": "r-42"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.headers["X-Request-ID"] == "r-42"
            with urllib.request.urlopen(f"{url}/search?q=geheimewoord", timeout=10) as response:
                generated = response.headers["X-Request-ID"]
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        assert any(line["logger"] == "service.app" and "documents" in line["message"] for line in lines)
        access = [line for line in lines if line["logger"] == "service.access"]
        assert {line.get("request_id") for line in access} >= {"r-42", generated}
        text = log.read_text()
        assert ("geheimewoord" in text) is log_queries
        assert "127.0.0.1:" not in " ".join(line["message"] for line in access)  # no client addresses
