"""Indexer settings: one typed object, read from `VINDPLAATS_*` variables and CLI flags.

Nothing reads the environment elsewhere; `IndexerSettings.from_env(os.environ)` is called by
the CLI, and tests pass a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

ENV_PREFIX = "VINDPLAATS_"
# The service and the indexer share these two variables, so one `VINDPLAATS_INDEX` serves both.
ENV_NAMES = {"index_dir": "VINDPLAATS_INDEX", "corpus_dir": "VINDPLAATS_CORPUS"}


@dataclass(frozen=True, slots=True)
class IndexerSettings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")
    base_url: str = "http://127.0.0.1:8000"  # prefix of /files/... URLs for sources without one
    strict: bool = False  # exit 1 when anything was skipped
    workers: int = 0  # extraction processes; 0 = one per core
    file_timeout: float = 60.0  # seconds one file may take to extract
    memory_limit_mb: int = 2048  # address-space limit of an extraction process
    passage_min_words: int = 50
    passage_max_words: int = 150
    analysis: str = "dutch"  # "dutch" (our chain) or "standard" (Whoosh's, for comparison only)
    stemmer: str = "dutch"  # PyStemmer algorithm: "dutch" (Kraaij-Pohlmann style) or "dutch_porter"
    decompound: bool = True  # index the parts of compound words
    # Syncing a live site (`python -m indexer sync`):
    site_url: str = ""  # the site to sync, e.g. https://www.example.nl
    contact_url: str = ""  # named in the User-Agent so a site owner can reach us; default base_url
    sync_concurrency: int = 2  # requests in flight at once
    request_timeout: float = 30.0  # seconds to wait for a server's answer
    max_download_mb: int = 100  # larger responses (a PDF, a JSON page) are not downloaded

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> IndexerSettings:
        """Defaults, then `VINDPLAATS_<FIELD>` variables, then non-None keyword overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is not None:
                values[f.name] = _cast(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.workers < 0:
            raise ConfigError(f"workers must be 0 or more, got {self.workers}")
        if self.file_timeout <= 0:
            raise ConfigError(f"file_timeout must be positive, got {self.file_timeout}")
        if self.memory_limit_mb < 128:
            raise ConfigError(f"memory_limit_mb must be at least 128, got {self.memory_limit_mb}")
        if self.analysis not in {"dutch", "standard"}:
            raise ConfigError(f"analysis must be 'dutch' or 'standard', got {self.analysis!r}")
        if self.stemmer not in {"dutch", "dutch_porter"}:
            raise ConfigError(f"stemmer must be 'dutch' or 'dutch_porter', got {self.stemmer!r}")
        if self.site_url and not self.site_url.startswith(("http://", "https://")):
            raise ConfigError(f"site_url must start with http:// or https://, got {self.site_url!r}")
        if self.contact_url and not self.contact_url.startswith(("http://", "https://", "mailto:")):
            raise ConfigError(f"contact_url must be an http(s) or mailto: URL, got {self.contact_url!r}")
        if not 1 <= self.sync_concurrency <= 8:
            raise ConfigError(f"sync_concurrency must be 1-8, got {self.sync_concurrency}")
        if self.request_timeout <= 0:
            raise ConfigError(f"request_timeout must be positive, got {self.request_timeout}")
        if self.max_download_mb < 1:
            raise ConfigError(f"max_download_mb must be at least 1, got {self.max_download_mb}")
        if not 5 <= self.passage_min_words <= self.passage_max_words:
            raise ConfigError(
                "passage_min_words must be at least 5 and at most passage_max_words, "
                f"got {self.passage_min_words} and {self.passage_max_words}"
            )

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


def env_name(field_name: str) -> str:
    return ENV_NAMES.get(field_name, ENV_PREFIX + field_name.upper())


def _cast(name: str, raw: str, kind: type) -> Any:
    variable = env_name(name)
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is Path:
            return Path(raw)
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{variable} has value {raw!r}, not a valid {kind.__name__}") from None
