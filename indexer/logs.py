"""Logging configured once, the same way for the indexer CLI, uvicorn and the service.

`logging_config(fmt, level)` is a `logging.config.dictConfig` dictionary: plain text lines for
a terminal, or one JSON object per line (`fmt="json"`) for log shippers. Extra attributes a
filter puts on a record (the service's `request_id`) appear in both formats.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

# Record attributes every LogRecord has; anything else was added on purpose and is logged.
# uvicorn adds `color_message`, an ANSI-coloured copy of the message.
_STANDARD = set(vars(logging.LogRecord("x", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extra attributes."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(_extras(record))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value …`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line


def logging_config(
    fmt: str = "text", level: str = "info", filters: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A dictConfig for our loggers and uvicorn's, writing to stderr."""
    handler: dict[str, Any] = {
        "class": "logging.StreamHandler",
        "formatter": fmt,
        "stream": "ext://sys.stderr",
        "filters": list(filters or {}),
    }
    loggers = {
        name: {"level": level.upper(), "handlers": ["default"], "propagate": False}
        for name in ("indexer", "service", "uvicorn", "uvicorn.error")
    }
    # Our own access log replaces uvicorn's, which would print every query string.
    loggers["uvicorn.access"] = {"level": "WARNING", "handlers": ["default"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters or {},
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "loggers": loggers,
        "root": {"level": "WARNING", "handlers": ["default"]},
    }


def configure_logging(fmt: str = "text", level: str = "info") -> None:
    logging.config.dictConfig(logging_config(fmt, level))
