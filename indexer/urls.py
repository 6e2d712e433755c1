"""Which links may reach a visitor: absolute http(s) URLs and our own `/files/` paths only.

Every extractor passes the URLs it finds (canonical links, og:url, front matter, WXR links)
through `web_url`, and the service checks again when it renders (`is_safe_link`), so a
`javascript:` or `data:` link can neither enter a new index nor come back from an old one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

FILES_PREFIX = "/files/"
# Characters that never belong in a URL and that browsers strip or reinterpret.
# Bidi controls and zero-width characters make a link read differently from where it goes.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"'`\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def web_url(value: str | None, base: str | None = None) -> str:
    """`value` as an absolute http(s) URL (resolved against `base` if relative), else ""."""
    text = (value or "").strip()
    if not text or _UNSAFE.search(text):
        return ""
    if base and not urlsplit(text).scheme:
        base_url = web_url(base)
        if not base_url:
            return ""
        text = urljoin(base_url, text)
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return ""
    # Lower-case the scheme ("HTTPS:") so every later check sees one spelling.
    return parts.scheme.lower() + text[len(parts.scheme) :]


def files_path(source: str) -> str:
    """The service's path for a corpus file: `/files/<source, percent-encoded>`."""
    return FILES_PREFIX + quote(source)


# Every link of every search answer is checked again (~60 an answer); the same documents'
# links come back answer after answer.
@lru_cache(maxsize=8192)
def is_safe_link(value: str | None) -> bool:
    """Whether `value` may become an href: an http(s) URL or one of our own absolute paths."""
    text = value or ""
    if text.startswith("/") and not text.startswith("//") and not _UNSAFE.search(text):
        return True
    url = web_url(text)
    return bool(url) and url == text
