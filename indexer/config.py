"""Indexer settings: one typed pydantic-settings model.

Sources, strongest first: keyword arguments (the CLI passes its flags this way), `VINDPLAATS_*`
environment variables, a `.env` file (the CLI's `--env-file`, default `.env` in the working
directory), then the defaults below. Nothing reads the environment elsewhere.

    IndexerSettings(corpus_dir=Path("corpus"))           # tests: explicit values
    load_settings(IndexerSettings, env_file=".env", workers=2)  # CLI: file, env, flags
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

ENV_PREFIX = "VINDPLAATS_"
# How both packages' settings read their sources (the service's model uses it too): the
# `.env` file only when `load_settings` names one, unknown variables ignored, values frozen.
SETTINGS_CONFIG = SettingsConfigDict(
    env_prefix=ENV_PREFIX,
    env_file=None,
    extra="ignore",
    frozen=True,
    populate_by_name=True,
    validate_default=True,
)


class IndexerSettings(BaseSettings):
    """What the indexer needs to know; every field is also a `VINDPLAATS_<NAME>` variable."""

    model_config = SETTINGS_CONFIG

    corpus_dir: Path = Field(
        Path("corpus"),
        validation_alias="VINDPLAATS_CORPUS",  # shared with the service
        description="the corpus directory to index",
    )
    index_dir: Path = Field(
        Path("var/index"),
        validation_alias="VINDPLAATS_INDEX",  # shared with the service
        description="the index directory (a link to the current build)",
    )
    strict: bool = Field(False, description="exit 1 when anything was skipped")
    workers: int = Field(0, ge=0, description="extraction processes; 0 = one per core")
    writers: int = Field(
        0, ge=0, description="index writer processes, each writing one segment; 0 = one per core"
    )
    writer_memory_mb: int = Field(
        64, ge=1, description="posting buffer of each index writer before it spills to disk, in MB"
    )
    file_timeout: float = Field(60.0, gt=0, description="seconds one file may take to extract")
    memory_limit_mb: int = Field(2048, ge=128, description="address-space limit of an extraction process")
    passage_min_words: int = Field(50, ge=5, description="passages are at least this long")
    passage_max_words: int = Field(150, ge=5, description="and at most this long")
    analysis: Literal["dutch", "standard"] = Field(
        "dutch", description="'dutch' (the Vindplaats chain) or 'standard' (the relevance baseline)"
    )
    stemmer: Literal["dutch", "dutch_porter"] = Field("dutch", description="PyStemmer algorithm")
    decompound: bool = Field(True, description="index the parts of compound words")
    ocr: bool = Field(True, description="read scanned PDF pages with Tesseract (when it is installed)")
    ocr_languages: str = Field(
        "nld+eng", pattern=r"^[a-z_]{3,}(\+[a-z_]{3,})*$", description="Tesseract models, '+'-separated"
    )
    ocr_dpi: int = Field(300, ge=72, le=1200, description="resolution scanned pages are rendered at for OCR")
    ocr_max_pages: int = Field(100, ge=0, description="scanned pages recognised per PDF at most")
    ocr_cache: Path | None = Field(
        None, description="OCR text cache directory (default: beside the index, INDEX.ocr-cache)"
    )
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or JSON")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")
    # Syncing a live site (`python -m indexer sync`):
    site_url: str = Field("", description="the site to sync, e.g. https://www.example.nl")
    contact_url: str = Field(
        "", description="an http(s) or mailto: address named in the User-Agent, so a site owner can reach you"
    )
    sync_concurrency: int = Field(2, ge=1, le=8, description="requests in flight at once while syncing")
    request_timeout: float = Field(30.0, gt=0, description="seconds to wait for a server's answer")
    max_download_mb: int = Field(
        100, ge=1, description="larger responses (a PDF, a JSON page) are not downloaded"
    )

    @field_validator("site_url")
    @classmethod
    def _http_site(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value

    @field_validator("contact_url")
    @classmethod
    def _contact(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://", "mailto:")):
            raise ValueError(f"must be an http(s) or mailto: URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _passage_bounds(self) -> IndexerSettings:
        if self.passage_min_words > self.passage_max_words:
            raise ValueError(
                "passage_min_words must be at most passage_max_words, "
                f"got {self.passage_min_words} and {self.passage_max_words}"
            )
        return self

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def writer_count(self) -> int:
        return self.writers or os.cpu_count() or 1


S = TypeVar("S", bound=BaseSettings)


def env_name(model: type[BaseSettings], field_name: str) -> str:
    """The environment variable of a settings field."""
    alias = model.model_fields[field_name].validation_alias
    if isinstance(alias, str):
        return alias
    return str(model.model_config.get("env_prefix", "")) + field_name.upper()


def load_settings(
    model: type[S],
    overrides: dict[str, Any] | None = None,
    env_file: Path | str | None = None,
    error: type[Exception] = ConfigError,
) -> S:
    """Defaults < `.env` file < environment < non-None `overrides` (command-line flags).

    Invalid values raise `error` (the calling package's ConfigError) with one line naming the
    variable or flag and the bad value.
    """
    values = {k: v for k, v in (overrides or {}).items() if v is not None}
    if env_file is not None and not Path(env_file).is_file():
        env_file = None
    try:
        return model(_env_file=env_file, **values)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise error(describe(model, exc, values)) from None


def describe(model: type[BaseSettings], exc: ValidationError, overrides: dict[str, Any]) -> str:
    """One line naming each bad setting, where it came from and its value."""
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        name = loc[0] if loc else ""
        field = next((f for f in model.model_fields if name in {f, env_name(model, f)}), None)
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if field is None:
            parts.append(message)
            continue
        source = f"--{field.replace('_', '-')}" if field in overrides else env_name(model, field)
        parts.append(f"{source} has value {err.get('input')!r}: {message}")
    return "; ".join(parts) or str(exc)
