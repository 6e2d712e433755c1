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

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.config import ENV_PREFIX, load_settings
from indexer.urls import web_url

from .errors import ConfigError

DEFAULT_SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"


class ServiceSettings(BaseSettings):
    """What the service needs to know; every field is also a `VINDPLAATS_<NAME>` variable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=None,
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        validate_default=True,
    )

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

    @field_validator("public_url")
    @classmethod
    def _http_public_url(cls, value: str) -> str:
        if value and not web_url(value):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

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
