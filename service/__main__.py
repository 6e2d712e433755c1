"""`python -m service --index INDEX_DIR [--host H] [--port P] [--workers N] [--site URL --sync-interval S]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from .config import ServiceSettings
from .errors import ServiceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description="Serve Vindplaats search.")
    parser.add_argument("--index", type=Path, help="index directory (default var/index)")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    parser.add_argument("--corpus", type=Path, help="directory served at /files/")
    parser.add_argument(
        "--site", dest="site_url", metavar="URL", help="the live site the index is synced from"
    )
    parser.add_argument(
        "--sync-interval", type=int, dest="sync_interval", metavar="SECONDS", help="sync the site this often"
    )
    args = parser.parse_args(argv)
    try:
        settings = ServiceSettings.from_env(
            os.environ,
            index=args.index,
            host=args.host,
            port=args.port,
            workers=args.workers,
            corpus=args.corpus,
            site_url=args.site_url,
            sync_interval=args.sync_interval,
        )
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.index.exists():
        print(
            f"error: index {settings.index} does not exist; run `python -m indexer build` "
            "(or `python -m indexer sync`) first",
            file=sys.stderr,
        )
        return 2
    # Worker processes build their app from the environment, so pass the settings on there.
    os.environ["VINDPLAATS_INDEX"] = str(settings.index)
    if settings.corpus:
        os.environ["VINDPLAATS_CORPUS"] = str(settings.corpus)
    os.environ["VINDPLAATS_SITE_URL"] = settings.site_url
    os.environ["VINDPLAATS_SYNC_INTERVAL"] = str(settings.sync_interval)
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.worker_count,
        log_level="info",
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
