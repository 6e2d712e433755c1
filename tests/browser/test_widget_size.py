"""The widget stays small: at most 8 KB gzipped (no build step, no minifier)."""

from __future__ import annotations

import gzip

import pytest

from .support import REPO

pytestmark = pytest.mark.browser

WIDGET = REPO / "service" / "static" / "widget.js"
LIMIT = 8 * 1024


def test_widget_is_at_most_8_kb_gzipped() -> None:
    raw = WIDGET.read_bytes()
    size = len(gzip.compress(raw, compresslevel=9))
    print(f"widget.js: {len(raw)} bytes, {size} bytes gzipped (limit {LIMIT})")
    assert size <= LIMIT
