"""`python -m service [--index INDEX_DIR] [--host H] [--port P] [--workers N] …` (= `vindplaats serve`)."""

from __future__ import annotations

from .cli import serve_main

if __name__ == "__main__":
    raise SystemExit(serve_main())
