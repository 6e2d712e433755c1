"""Command line: `python -m indexer build|update|sync|stats` (also `vindplaats …`).

Parses, reports, sets the exit code.

Exit codes: 0 index written (skips allowed); 1 with --strict when anything was skipped;
2 on a usage or configuration error; 3 when a site could not be read (`sync`: the served
index is unchanged). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from .config import IndexerSettings, env_name, load_settings
from .errors import ConfigError, IndexerError, SyncError
from .logs import configure_logging
from .options import add_env_file_option, add_setting_options, setting_overrides
from .pipeline import IndexReport, build_index, update_index
from .store import read_build_info, resolve
from .sync import SyncReport, sync_site

log = logging.getLogger(__name__)


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, as the contract says."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


# Settings the commands take as flags (the corpus or site is the positional argument).
SYNC_ONLY = {"site_url", "contact_url", "sync_concurrency", "request_timeout", "max_download_mb"}
BUILD_OPTIONS = [f for f in IndexerSettings.model_fields if f not in {"corpus_dir", "site_url"} | SYNC_ONLY]
SYNC_OPTIONS = [*BUILD_OPTIONS, *sorted(SYNC_ONLY - {"site_url"})]
FLAGS = {"index_dir": "--index"}
IGNORED_BASE_URL = (
    "ignored since 0.2: links to corpus files are stored relative and the service makes them "
    "absolute (VINDPLAATS_PUBLIC_URL)"
)


def add_commands(sub: Any) -> None:
    """The indexer's subcommands, for `python -m indexer` and the `vindplaats` command."""
    for name, aliases, help_text in (
        ("build", ["index"], "extract every file of CORPUS_DIR into a fresh index"),
        ("update", [], "re-extract only new and changed files; drop deleted ones"),
    ):
        cmd = sub.add_parser(name, aliases=aliases, help=help_text, description=help_text)
        cmd.set_defaults(run=_run_build, command=name)
        cmd.add_argument(
            "corpus_dir",
            type=Path,
            nargs="?",
            metavar="CORPUS_DIR",
            help=f"the folder to index (default: corpus; env {env_name(IndexerSettings, 'corpus_dir')})",
        )
        add_setting_options(cmd, IndexerSettings, BUILD_OPTIONS, FLAGS)
        cmd.add_argument("--json", action="store_true", help="print the report as JSON")
        cmd.add_argument("--base-url", metavar="URL", help=IGNORED_BASE_URL)
        add_env_file_option(cmd)
    text = "index a live site (WordPress REST API, else its sitemaps or feed)"
    sync = sub.add_parser("sync", help=text, description=text)
    sync.set_defaults(run=_run_sync, command="sync")
    sync.add_argument(
        "site_url",
        nargs="?",
        metavar="SITE_URL",
        help=f"the site to read (default: env {env_name(IndexerSettings, 'site_url')})",
    )
    sync.add_argument("--full", action="store_true", help="fetch every item again, not only changed ones")
    add_setting_options(sync, IndexerSettings, SYNC_OPTIONS, FLAGS)
    sync.add_argument("--json", action="store_true", help="print the report as JSON")
    sync.add_argument("--base-url", metavar="URL", help=IGNORED_BASE_URL)
    add_env_file_option(sync)
    stats = sub.add_parser("stats", help="show what an index holds", description="show what an index holds")
    stats.set_defaults(run=_run_stats, command="stats")
    add_setting_options(stats, IndexerSettings, ["index_dir", "log_format", "log_level"], FLAGS)
    add_env_file_option(stats)


def build_parser(prog: str = "python -m indexer") -> argparse.ArgumentParser:
    parser = Parser(prog=prog, description="Build the Vindplaats search index.")
    add_commands(parser.add_subparsers(dest="command", required=True, parser_class=Parser))
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
    for note in report.notes:
        print(f"note: {note}", file=out)
    whole = report.skipped_files
    print(f"skipped: {len(whole)} files, {len(report.skips) - len(whole)} parts of files", file=out)
    _print_skips(report, out)
    _print_ocr(report, out)
    if report.slowest[0]:
        print(f"slowest file: {report.slowest[0]} ({report.slowest[1]:.1f} s)", file=out)
    print(f"term table: {report.table_terms} terms in {report.table_seconds:.1f} s", file=out)
    print(f"index: {report.index_dir}", file=out)


def _print_ocr(report: IndexReport, out: TextIO) -> None:
    if report.ocr_pages or report.ocr_cached:
        print(
            f"ocr: {report.ocr_pages} scanned pages recognised in {report.ocr_seconds:.1f} s, "
            f"{report.ocr_cached} from the OCR cache",
            file=out,
        )


def _print_skips(report: IndexReport, out: TextIO) -> None:
    whole = report.skipped_files
    for skip in whole:
        print(f"  skipped {skip.source}: {skip.reason}", file=out)
    # Parts (WXR items, PDF pages) are summed up per file and reason; --json lists each one.
    parts: dict[str, Counter[str]] = {}
    for skip in report.skips:
        if skip not in whole:
            file = re.split(r" (?:item \d+|page \d+|field \w+)", skip.source, maxsplit=1)[0]
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
    _print_ocr(i, out)
    print(f"index: {i.index_dir}", file=out)


def _run_sync(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.site_url:
        raise ConfigError("no site to sync: give SITE_URL or set VINDPLAATS_SITE_URL")
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


def _settings(args: argparse.Namespace) -> IndexerSettings:
    settings = load_settings(IndexerSettings, setting_overrides(args, IndexerSettings), args.env_file)
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _run_stats(args: argparse.Namespace) -> int:
    path = resolve(_settings(args).index_dir)
    info = read_build_info(path)
    info.pop("sources", None)
    print(json.dumps({"index": str(path), **info}, indent=1, ensure_ascii=False))
    return 0


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM (a service manager stopping us) unwinds like Ctrl-C: the partial build is removed.
    raise KeyboardInterrupt


def _run_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    signal.signal(signal.SIGTERM, _terminated)
    if args.base_url:
        log.warning("--base-url is ignored: the service makes /files/ links absolute")
    progress = _progress(sys.stderr) if sys.stderr.isatty() else None
    run = update_index if args.command == "update" else build_index
    report = run(settings, progress)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
    else:
        print_report(report, args.command, sys.stdout)
    return 1 if settings.strict and report.skips else 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed indexer command; errors become one line on stderr and exit code 2."""
    try:
        code: int = args.run(args)
    except IndexerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the served index is unchanged", file=sys.stderr)
        return 130
    return code


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))
