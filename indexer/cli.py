"""Command line: `python -m indexer build|update|sync|stats`. Parses, reports, sets the exit code.

Exit codes: 0 index written (skips allowed); 1 with --strict when anything was skipped;
2 on a usage or configuration error; 3 when a site could not be read (`sync`: the served
index is unchanged). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from .config import IndexerSettings
from .errors import IndexerError, SyncError
from .pipeline import IndexReport, build_index, update_index
from .store import read_build_info, resolve
from .sync import SyncReport, sync_site


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m indexer", description="Build the Vindplaats search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("build", "extract every file of CORPUS_DIR into a fresh index"),
        ("update", "re-extract only new and changed files; drop deleted ones"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("corpus_dir", type=Path, metavar="CORPUS_DIR")
        cmd.add_argument("--index", type=Path, dest="index_dir", metavar="INDEX_DIR")
        cmd.add_argument("--base-url", dest="base_url", metavar="URL")
        cmd.add_argument("--strict", action="store_true", default=None, help="exit 1 if anything was skipped")
        cmd.add_argument("--workers", type=int, help="extraction processes (default: one per core)")
        cmd.add_argument("--file-timeout", type=float, dest="file_timeout", metavar="SECONDS")
        cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    sync = sub.add_parser("sync", help="index a live site (WordPress REST API, else its sitemaps or feed)")
    sync.add_argument("site", nargs="?", metavar="SITE_URL", help="default: VINDPLAATS_SITE_URL")
    sync.add_argument("--index", type=Path, dest="index_dir", metavar="INDEX_DIR")
    sync.add_argument("--full", action="store_true", help="fetch every item again, not only changed ones")
    sync.add_argument("--contact-url", dest="contact_url", metavar="URL", help="named in the User-Agent")
    sync.add_argument("--base-url", dest="base_url", metavar="URL")
    sync.add_argument("--strict", action="store_true", default=None, help="exit 1 if anything was skipped")
    sync.add_argument("--workers", type=int, help="extraction processes (default: one per core)")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")
    stats = sub.add_parser("stats", help="show what an index holds")
    stats.add_argument("--index", type=Path, dest="index_dir", metavar="INDEX_DIR")
    return parser


def _progress(stream: TextIO):  # type: ignore[no-untyped-def]
    def show(done: int, total: int, source: str) -> None:
        stream.write(f"\r\033[K[{done}/{total}] {source[-70:]}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def print_report(report: IndexReport, command: str, out: TextIO) -> None:
    print(
        f"{command}: {report.documents} documents, {report.passages} passages "
        f"({report.pdf_pages} PDF pages) from {report.files} files in {report.seconds:.1f} s",
        file=out,
    )
    if command == "update":
        print(
            f"update: {report.added} new, {report.changed} changed, {report.deleted} deleted files",
            file=out,
        )
    whole = report.skipped_files
    print(f"skipped: {len(whole)} files, {len(report.skips) - len(whole)} parts of files", file=out)
    _print_skips(report, out)
    if report.slowest[0]:
        print(f"slowest file: {report.slowest[0]} ({report.slowest[1]:.1f} s)", file=out)
    print(f"index: {report.index_dir}", file=out)


def _print_skips(report: IndexReport, out: TextIO) -> None:
    whole = report.skipped_files
    for skip in whole:
        print(f"  skipped {skip.source}: {skip.reason}", file=out)
    # Parts (WXR items, PDF pages) are summed up per file and reason; --json lists each one.
    parts: dict[str, Counter[str]] = {}
    for skip in report.skips:
        if skip not in whole:
            file = re.split(r" (?:item|page) \d+", skip.source, maxsplit=1)[0]
            parts.setdefault(file, Counter())[skip.reason] += 1
    for file, reasons in parts.items():
        summary = ", ".join(f"{n} × {reason}" for reason, n in reasons.most_common())
        print(f"  partly skipped {file}: {summary}", file=out)


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    return f"{n / 1000:.1f} kB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"


def print_sync_report(report: SyncReport, out: TextIO) -> None:
    i = report.index
    how = f"WordPress REST API at {report.api}" if report.kind == "wordpress" else f"its {report.kind}"
    print(f"sync {report.site}: read through {how}", file=out)
    written = f"{i.extracted} extracted" if report.written else "nothing changed, index left as it was"
    print(
        f"sync: {i.added} added, {i.changed} changed, {i.deleted} deleted, {i.unchanged} unchanged, "
        f"{len(i.skipped_files)} skipped; {written}; {report.seconds:.1f} s",
        file=out,
    )
    h = report.http
    print(
        f"http: {h.requests} requests ({h.not_modified} not modified, {h.retries} retried), "
        f"{report.fetched} items fetched, {_size(h.bytes)} downloaded, of which PDFs {_size(report.pdf_bytes)}",
        file=out,
    )
    print(f"index: {i.documents} documents, {i.passages} passages ({i.pdf_pages} PDF pages)", file=out)
    _print_skips(i, out)
    print(f"index: {i.index_dir}", file=out)


def _sync(args: argparse.Namespace, env: dict[str, str]) -> int:
    settings = IndexerSettings.from_env(
        env,
        index_dir=args.index_dir,
        site_url=args.site,
        contact_url=args.contact_url,
        base_url=args.base_url,
        strict=args.strict,
        workers=args.workers,
    )
    progress = _progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = sync_site(settings, full=args.full, progress=progress)
    except SyncError as exc:
        print(f"error: {exc}; the served index is unchanged", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
    else:
        print_sync_report(report, sys.stdout)
    return 1 if settings.strict and report.index.skipped_files else 0


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    try:
        if args.command == "stats":
            settings = IndexerSettings.from_env(env, index_dir=args.index_dir)
            path = resolve(settings.index_dir)
            info = read_build_info(path)
            info.pop("sources", None)
            print(json.dumps({"index": str(path), **info}, indent=1, ensure_ascii=False))
            return 0
        if args.command == "sync":
            return _sync(args, env)
        settings = IndexerSettings.from_env(
            env,
            corpus_dir=args.corpus_dir,
            index_dir=args.index_dir,
            base_url=args.base_url,
            strict=args.strict,
            workers=args.workers,
            file_timeout=args.file_timeout,
        )
        progress = _progress(sys.stderr) if sys.stderr.isatty() else None
        run = build_index if args.command == "build" else update_index
        report = run(settings, progress)
    except IndexerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the served index is unchanged", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
    else:
        print_report(report, args.command, sys.stdout)
    return 1 if settings.strict and report.skips else 0
