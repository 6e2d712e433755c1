"""Where a result link lands, and how links reach the client.

* A PDF passage links to `/viewer?file=…&page=N&q=…` on the service (the viewer opens the page
  and highlights the query's words there); the plain file stays at `file_url` (`…pdf#page=N`).
* A web page's passage links to the page with a text fragment (`#:~:text=…`, WICG Text
  Fragments) built from the passage's opening words, so a browser that supports them (Chromium,
  Safari, Firefox 131+) scrolls to the passage and marks it; others just open the page.
* The index stores our own files as `/files/…` paths and search builds `/viewer?…` paths;
  answers carry them absolute (`absolute_links`), so the search box on another site links back
  here, wherever the service now runs. The base is `VINDPLAATS_PUBLIC_URL` when set (recommended
  behind a proxy), else the address the request came in on: Host header, and the scheme from
  `X-Forwarded-Proto` when the proxy is one of `VINDPLAATS_TRUSTED_PROXIES`.

The fragment must match the rendered page, but passage text is the whitespace-normalised
extraction of the page's main content: block boundaries became newlines, and an inline element
boundary may have become a space ("<em>Wmo</em>-loket" is extracted as "Wmo -loket"). So the
words come from the passage's first block and first sentence only, a word that starts with
punctuation (the trace of such a split) or holds an ellipsis (NFKC turns "…" into "...") is
never used, and a long sentence is given as `textStart,textEnd`: the browser highlights the
whole stretch while only its two ends need to match exactly.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from indexer.urls import is_safe_link

from .config import ServiceSettings
from .reader import DocInfo

LINK_KEYS = frozenset({"url", "document_url", "file_url"})
START_WORDS = 5  # words in textStart (enough to be unique on a page, few enough to stay in a block)
END_WORDS = 4  # words in textEnd
SHORT_SENTENCE = 10  # a sentence this short is given whole as textStart
# A sentence ends at . ! ? followed by a space and a capital (or an opening quote / bracket).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
# A word as it is rendered: letters/digits with inner punctuation, optional opening quote or
# bracket before and closing punctuation after ("zorg-" as in "zorg- en welzijnsinstellingen").
_SAFE_WORD = re.compile(r"[(\"'“‘«]?[^\W_](?:[\w'’.,/:&+-]*[^\W_])?[.,;:!?)\"'”’»%-]*")


def is_served_file(doc: DocInfo) -> bool:
    """A corpus file that the service serves itself at /files/<source>."""
    return bool(doc.file)


def is_local_pdf(doc: DocInfo) -> bool:
    return doc.kind == "pdf" and is_served_file(doc)


def viewer_url(doc: DocInfo, page: int | None, q: str = "") -> str:
    """The viewer for a PDF document: `file` is its /files/ path or the synced site's PDF URL."""
    params: dict[str, str | int] = {"file": doc.url}
    if page:
        params["page"] = page
    if q:
        params["q"] = q
    return f"/viewer?{urlencode(params, quote_via=quote, safe='/:')}"


def file_url(doc: DocInfo, page: int | None) -> str:
    """The plain link: the PDF itself at its page (the browser's own viewer), or the page."""
    return f"{doc.url}#page={page}" if doc.kind == "pdf" and page else doc.url


def _encode(text: str) -> str:
    # Text fragments percent-encode "-", "&" and "," (they are syntax there); quote() leaves
    # "-" alone because it is unreserved in URLs.
    return quote(text, safe="").replace("-", "%2D")


def _first_sentence(text: str) -> list[str]:
    block = text.strip().split("\n", 1)[0]
    match = _SENTENCE_END.search(block)
    return (block[: match.start()] if match else block).split()


def _safe(words: list[str]) -> bool:
    return all(_SAFE_WORD.fullmatch(w) and "..." not in w for w in words)


def text_directive(text: str) -> str | None:
    """`text=start[,end]` for a passage, percent-encoded; None when no safe words are found."""
    words = _first_sentence(text)
    if not words:
        return None
    if len(words) <= SHORT_SENTENCE and _safe(words):
        return "text=" + _encode(" ".join(words))
    first = next((i for i in range(len(words) - START_WORDS + 1) if _safe(words[i : i + START_WORDS])), None)
    if first is None:
        return None
    start = words[first : first + START_WORDS]
    rest = words[first + START_WORDS :]
    end = rest[-END_WORDS:]
    if len(rest) > END_WORDS and _safe(end):
        return f"text={_encode(' '.join(start))},{_encode(' '.join(end))}"
    return "text=" + _encode(" ".join(start))


def with_text_fragment(url: str, text: str) -> str:
    directive = text_directive(text)
    if not directive or not url.lower().startswith(("http://", "https://")):
        return url
    # The directive goes after any fragment the URL already has: "#anchor:~:text=…".
    return url + (":~:" if "#" in url else "#:~:") + directive


def passage_links(doc: DocInfo, page: int | None, text: str, q: str = "") -> dict[str, str]:
    """`url` (where a result link should go) and `file_url` (the plain document link)."""
    if doc.kind == "pdf":
        return {"url": viewer_url(doc, page, q), "file_url": file_url(doc, page)}
    if is_served_file(doc):  # a note served as plain text: no page to highlight in
        return {"url": doc.url, "file_url": doc.url}
    return {"url": with_text_fragment(doc.url, text), "file_url": doc.url}


def public_base(request: Request, settings: ServiceSettings) -> str:
    if settings.public_url:
        return settings.public_url
    return str(request.base_url).rstrip("/")


def absolute_links(data: dict[str, Any], base: str) -> dict[str, Any]:
    out: dict[str, Any] = _walk(data, base)
    return out


def _walk(data: Any, base: str) -> Any:
    """`data` with every own path under a link key made absolute; any other link that is not
    http(s) becomes "" (clients show no link), so an old index cannot bring one back. Only
    dicts and lists are descended into (a search answer has a few hundred scalars)."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in LINK_KEYS and isinstance(value, str):
                if not is_safe_link(value):
                    out[key] = ""
                elif value.startswith("/"):
                    out[key] = base + value
                else:
                    out[key] = value
            elif isinstance(value, dict | list):
                out[key] = _walk(value, base)
            else:
                out[key] = value
        return out
    if isinstance(data, list):
        return [_walk(item, base) if isinstance(item, dict | list) else item for item in data]
    return data
