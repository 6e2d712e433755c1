"""Vindplaats service: FastAPI search API, search page and embeddable widget.

Flow: routes -> search -> reader (the index). `create_app(settings)` is the entry point.
"""

from .app import create_app
from .config import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
