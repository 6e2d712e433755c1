"""Exceptions raised by the indexer.

    IndexerError                 base: catch this to handle any indexer failure
    ├── ConfigError              a bad setting or command-line value (exit code 2)
    ├── ExtractionError          one source file could not be turned into documents
    │   ├── UnsupportedFormat    the file's suffix is not one we read
    │   ├── NotAPdf              the bytes are not a PDF at all
    │   ├── EncryptedPdf         a password is required
    │   ├── CorruptFile          the parser gave up; the message carries its reason
    │   ├── NoTextLayer          a scan: pages with images and no text
    │   ├── UnreadableText       text is there but garbled (a font without a Unicode map)
    │   ├── BinaryContent        a text format (.md, .html …) holding binary bytes
    │   ├── EmptyDocument        nothing searchable left after extraction
    │   └── ResourceLimit        the file took too long or too much memory
    ├── IndexStoreError          the index directory cannot be read or written
    └── SyncError                a site could not be read (the message names the URL)
        └── Refused              one URL is not ours to fetch (another host, robots.txt, too large)

Policy: a bad setting raises (the run cannot be meaningful); a bad source file is skipped and
reported with its reason while every other file is indexed. A site that cannot be read (down, a
5xx, malformed JSON) stops the sync with a SyncError before anything is written, so the served
index stays as it was and the next sync starts from the same state.

    try:
        build_index(settings)
    except IndexerError as exc:
        print(exc)
"""

from __future__ import annotations


class IndexerError(Exception):
    """Base class of every error the indexer raises on purpose."""


class ConfigError(IndexerError):
    """A setting or command-line value is invalid; the message names it and the bad value."""


class ExtractionError(IndexerError):
    """A source file could not be extracted; `reason` is the short text shown in the report."""

    reason_prefix = "unreadable"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return f"{self.reason_prefix}: {self.detail}" if self.detail else self.reason_prefix


class UnsupportedFormat(ExtractionError):
    """The file's suffix is not one the indexer reads."""

    reason_prefix = "unsupported format"


class NotAPdf(ExtractionError):
    """A `.pdf` file whose bytes are not a PDF."""

    reason_prefix = "not a PDF"


class EncryptedPdf(ExtractionError):
    """The PDF needs a user password we do not have."""

    reason_prefix = "encrypted: password required"


class CorruptFile(ExtractionError):
    """The parser failed on the file; the detail is the parser's own message."""

    reason_prefix = "corrupt"


class NoTextLayer(ExtractionError):
    """A scanned document: pages carry images but no text."""

    reason_prefix = "no text layer"


class UnreadableText(ExtractionError):
    """Text is present but garbled, typically a font without a Unicode map."""

    reason_prefix = "unreadable text"


class BinaryContent(ExtractionError):
    """A file in a text format (.md, .txt, .html, .xml) whose bytes are not text."""

    reason_prefix = "binary content"


class EmptyDocument(ExtractionError):
    """Nothing searchable remained after extraction."""

    reason_prefix = "empty"


class ResourceLimit(ExtractionError):
    """Extraction exceeded its time or memory limit and was stopped."""

    reason_prefix = "resource limit"


class IndexStoreError(IndexerError):
    """The index directory is missing, unreadable or of an incompatible schema."""


class SyncError(IndexerError):
    """A site could not be read; the message is one line naming the URL and what went wrong."""


class Refused(SyncError):
    """One URL is not fetched on purpose (another host, robots.txt, too large, wrong type).

    The sync skips that one item with `reason` rather than failing."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")
