"""Service settings: one typed pydantic-settings model.

Sources, strongest first: keyword arguments (command-line flags), `VINDPLAATS_*` environment
variables, a `.env` file, then the defaults. `create_app()` without arguments reads them once
through `get_settings()`; tests build `ServiceSettings(...)` and pass it to `create_app`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from indexer.config import SETTINGS_CONFIG, load_settings
from indexer.urls import web_url

from .errors import ConfigError

DEFAULT_SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"


class ServiceSettings(BaseSettings):
    """What the service needs to know; every field is also a `VINDPLAATS_<NAME>` variable."""

    model_config = SETTINGS_CONFIG

    index: Path = Field(
        Path("var/index"),
        validation_alias="VINDPLAATS_INDEX",  # shared with the indexer
        description="the index directory (a link that builds swap)",
    )
    corpus: Path | None = Field(
        None,
        validation_alias="VINDPLAATS_CORPUS",
        description="directory served at /files/; none = the one the index was built from",
    )
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, gt=0, lt=65536, description="port to listen on")
    workers: int = Field(0, ge=0, description="worker processes; 0 = one per core")
    public_url: str = Field(
        "",
        description="the service's public address for absolute links; none = taken from each request",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="comma-separated addresses whose X-Forwarded-For/-Proto headers are believed",
    )
    allowed_origins: str = Field("*", description="CORS origins for the API: * or comma-separated origins")
    frame_ancestors: str = Field(
        "'self'",
        description="CSP frame-ancestors of the HTML pages: who may show them in a frame",
    )
    synonyms: Path = Field(DEFAULT_SYNONYMS, description="the synonym file, re-read when it changes")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or JSON")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")
    log_queries: bool = Field(False, description="write the query text of requests into the access log")
    viewer_max_mb: int = Field(
        50, ge=1, description="largest synced-site PDF the viewer fetches for the browser"
    )
    site_url: str = Field("", description="the live site the index is synced from (shared with the indexer)")
    sync_interval: int = Field(0, ge=0, description="seconds between background syncs of the site; 0 = never")
    analytics: bool = Field(
        True, description="keep the search log for the owner page (no IP addresses, cookies or visitor ids)"
    )
    analytics_db: Path | None = Field(
        None, description="the search log's SQLite file; none = analytics.sqlite3 beside the index"
    )
    analytics_retention_days: int = Field(180, ge=1, description="days the search log keeps a search")
    admin_token: str = Field(
        "", description="the owner's token for /beheer (at least 16 characters); none = the page is off"
    )

    @field_validator("admin_token")
    @classmethod
    def _long_admin_token(cls, value: str) -> str:
        value = value.strip()
        if value and len(value) < 16:
            raise ValueError(
                "must be at least 16 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
            )
        return value

    log_repeat_interval: float = Field(
        10.0, gt=0, description="seconds: a repeated warning or error is written once per interval"
    )
    max_in_flight: int = Field(
        32,
        ge=0,
        description="requests one worker answers at once; more get 503 with Retry-After at once (0 = no limit)",
    )
    limit_concurrency: int = Field(
        1000,
        ge=1,
        description="connections and requests one worker holds before uvicorn's plain 503 (a backstop)",
    )
    keep_alive_timeout: int = Field(5, ge=1, description="seconds an idle keep-alive connection stays open")
    backlog: int = Field(2048, ge=1, description="connections waiting to be accepted (listen backlog)")
    metrics_token: str = Field(
        "",
        description="a token /metrics requires (Authorization: Bearer …); none = open (restrict it at the proxy)",
    )

    @field_validator("public_url")
    @classmethod
    def _http_public_url(cls, value: str) -> str:
        if value and not web_url(value):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _sync_needs_a_site(self) -> ServiceSettings:
        if self.sync_interval and not web_url(self.site_url):
            raise ValueError(
                f"VINDPLAATS_SYNC_INTERVAL needs VINDPLAATS_SITE_URL (an http:// or https:// URL), "
                f"got {self.site_url!r}"
            )
        return self

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def analytics_path(self) -> Path | None:
        """Where the search log lives, or None when it is off."""
        if not self.analytics:
            return None
        return self.analytics_db or self.index.parent / "analytics.sqlite3"

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


def load_service_settings(
    overrides: dict[str, object] | None = None, env_file: Path | str | None = ".env"
) -> ServiceSettings:
    return load_settings(ServiceSettings, dict(overrides or {}), env_file, error=ConfigError)


@lru_cache(maxsize=1)
def get_settings() -> ServiceSettings:
    return load_service_settings()
