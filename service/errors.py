"""Exceptions raised by the service.

ServiceError          base
├── ConfigError       a bad setting (names the variable and the value)
├── IndexUnavailable  no index could be opened (503)
├── SearchFailed      a search failed on the index in use, e.g. a damaged segment (503)
├── BadQuery          a query that cannot be run; `detail` is shown to the visitor (Dutch)
└── BadSynonym        a synonym line the owner entered on /beheer cannot be added (Dutch)
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of the service's own errors."""


class ConfigError(ServiceError):
    """A setting has an invalid value."""


class IndexUnavailable(ServiceError):
    """The index directory is missing or unreadable."""


class SearchFailed(ServiceError):
    """A search raised inside the index (damaged data, an unreadable file); the message says what."""


class BadQuery(ServiceError):
    """The query cannot be run; the message is fit to show to a visitor."""


class BadSynonym(ServiceError):
    """A synonym line from the owner page is invalid or cannot be written; the message is Dutch."""
