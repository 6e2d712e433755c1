"""Service settings: one typed object from `VINDPLAATS_*` variables and CLI flags.

`create_app()` without arguments reads the environment once through `get_settings()`; tests
build `ServiceSettings(...)` directly and pass it to `create_app(settings)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError

ENV_PREFIX = "VINDPLAATS_"
DEFAULT_SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    index: Path = Path("var/index")  # the index directory (a link that builds swap)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # uvicorn worker processes; 0 = one per core
    allowed_origins: str = "*"  # CORS for /search and /suggest: "*" or comma-separated origins
    synonyms: Path = DEFAULT_SYNONYMS  # editable synonym file, re-read when it changes
    corpus: Path | None = None  # directory served at /files/; default: the one the index was built from
    all_terms_min: int = 10  # fewer documents with every query word than this: documents with some follow
    max_hits: int = 5000  # passage hits read per query before grouping into documents
    site_url: str = ""  # the live site the index is synced from (shared with the indexer)
    sync_interval: int = 0  # seconds between background syncs of site_url; 0 = never

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {}
        defaults = cls()
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _cast(f.name, raw, getattr(defaults, f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(defaults, **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1-65535, got {self.port}")
        if self.workers < 0:
            raise ConfigError(f"workers must be 0 or more, got {self.workers}")
        if self.all_terms_min < 0:
            raise ConfigError(f"all_terms_min must be 0 or more, got {self.all_terms_min}")
        if self.max_hits < 100:
            raise ConfigError(f"max_hits must be at least 100, got {self.max_hits}")
        if self.sync_interval < 0:
            raise ConfigError(
                f"sync_interval must be 0 (off) or a number of seconds, got {self.sync_interval}"
            )
        if self.sync_interval and not self.site_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"sync_interval needs VINDPLAATS_SITE_URL (an http:// or https:// URL), got {self.site_url!r}"
            )

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


def _cast(name: str, raw: str, default: Any) -> Any:
    variable = ENV_PREFIX + name.upper()
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, Path) or default is None:
            return Path(raw) if raw else None
        return raw
    except ValueError:
        raise ConfigError(f"{variable} has value {raw!r}, not a valid {type(default).__name__}") from None


@lru_cache(maxsize=1)
def get_settings() -> ServiceSettings:
    return ServiceSettings.from_env(os.environ)
