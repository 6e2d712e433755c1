"""The PDF viewer's server side: which PDFs it may open, and which words it highlights.

The viewer (`/viewer?file=…&page=N&q=…`, page in `routes/viewer.py`, script in
`static/viewer/viewer.mjs`) opens only PDF documents of the index, never an arbitrary URL:

* `file=/files/<source>`: a corpus PDF the service serves itself; or
* `file=<URL>`: exactly the URL of an indexed PDF document. For a corpus PDF that is its
  `/files/` link; for a synced site's PDF (its `wp-content/uploads/…` address), the service
  fetches it for the browser (`pdfproxy.py`), because the viewer page may only connect to its
  own origin.

The words to highlight are worked out here, not in the browser: the query is parsed with the
index's own analysis chain (stemming, compounds, synonyms, corrections, exactly as in search),
and the words of the page's passages that match it are handed to PDF.js's find controller as
they are written on the page ("aanbesteding" marks "aanbestedingsprocedure").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from indexer.urls import FILES_PREFIX

from .errors import ServiceError
from .highlight import matched_words
from .links import is_local_pdf
from .plan import group_set
from .query import parse_query
from .reader import DocInfo, Snapshot
from .spelling import plan_spelling
from .synonyms import Synonyms

MAX_FILE_PARAM = 2048
MAX_WORDS = 40  # highlighted words per page; a query is at most 500 characters anyway


class BadViewerFile(ServiceError):
    """The `file` parameter names nothing the viewer may open; `message` is Dutch."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class ViewerTarget:
    doc: DocInfo
    local: bool  # served by this service at /files/<source>; else fetched through /viewer/pdf

    @property
    def pdf_src(self) -> str:
        """Where the browser fetches the PDF, relative to the viewer page."""
        if self.local:
            return "files/" + quote(self.doc.source)
        return "viewer/pdf?file=" + quote(self.doc.url, safe="")

    @property
    def original(self) -> str:
        """The file itself, for "Download PDF" and "Open het originele bestand"."""
        return "files/" + quote(self.doc.source) if self.local else self.doc.url


def _shown(value: str) -> str:
    return value if len(value) <= 120 else value[:117] + "…"


def resolve_file(snap: Snapshot, file: str) -> ViewerTarget:
    """The indexed PDF that `file` names, or BadViewerFile (400: malformed, 404: not indexed)."""
    value = file.strip()
    if not value:
        raise BadViewerFile(400, "Er is geen PDF opgegeven: de link mist ?file=….")
    if len(value) > MAX_FILE_PARAM:
        raise BadViewerFile(400, "Het adres van de PDF is te lang.")
    if value.lower().startswith(("http://", "https://")) and value.split("#", 1)[0] not in snap.pdf_urls:
        # Our own absolute /files/ link (an answer's file_url); any host: only our file is opened.
        path = urlsplit(value).path
        if path.startswith(FILES_PREFIX):
            value = path
    if value.startswith(FILES_PREFIX):
        source = unquote(value.split("#", 1)[0][len(FILES_PREFIX) :])
        doc_id = snap.pdf_sources.get(source)
        if doc_id is None:
            raise BadViewerFile(404, f"„{_shown(value)}” is geen PDF uit de kennisbank.")
        return ViewerTarget(snap.docs[doc_id], local=True)
    if value.lower().startswith(("http://", "https://")):
        doc_id = snap.pdf_urls.get(value.split("#", 1)[0])
        if doc_id is None:
            raise BadViewerFile(
                404,
                f"„{_shown(value)}” is geen PDF uit de kennisbank. De viewer opent alleen PDF's "
                "die in de zoekindex staan.",
            )
        doc = snap.docs[doc_id]
        return ViewerTarget(doc, local=is_local_pdf(doc))
    raise BadViewerFile(
        400,
        f"„{_shown(value)}” is geen geldig adres. De viewer opent alleen PDF's uit de kennisbank "
        "(een /files/…-pad of het adres van een PDF in de zoekindex).",
    )


def highlight_words(snap: Snapshot, doc: DocInfo, page: int, q: str, synonyms: Synonyms | None) -> list[str]:
    """The words on `page` of `doc` that match the query, as the page writes them."""
    parsed = parse_query(q, synonyms, snap.analyzer)
    if parsed.empty:
        return []
    # The same spelling plan as the search: a correction that ran there is marked here.
    plan_spelling(snap.vocabulary, parsed, snap.analyzer, lambda g: bool(group_set(snap.docsets, g)))
    terms = parsed.all_terms()
    seen: dict[str, str] = {}
    for stored in snap.searcher.documents(doc_id=doc.id, record="passage"):
        if int(stored.get("page") or 0) != page:
            continue
        for word in matched_words(stored.get("content", ""), terms):
            seen.setdefault(word.lower(), word)
    return list(seen.values())[:MAX_WORDS]
