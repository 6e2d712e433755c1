"""Command line: `vindplaats serve` (= `python -m service`) and the `vindplaats` command itself.

    vindplaats index [CORPUS_DIR]   build an index (python -m indexer build)
    vindplaats update [CORPUS_DIR]  incremental update
    vindplaats sync [SITE_URL]      index a live site (WordPress REST API, else sitemaps/feed)
    vindplaats stats                what the index holds
    vindplaats serve                run the service with uvicorn

Settings come from flags, `VINDPLAATS_*` variables and a `.env` file (in that order); every
flag's help names its default and variable.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from typing import Any

import uvicorn

from indexer import cli as indexer_cli
from indexer.config import env_name
from indexer.options import add_env_file_option, add_setting_options, setting_overrides

from . import listener
from .config import ServiceSettings, load_service_settings
from .errors import ServiceError
from .logs import service_logging_config
from .metrics import prepare_multiprocess_dir, remove_multiprocess_dir

FLAGS = {"index": "--index", "corpus": "--corpus", "site_url": "--site"}


def add_serve_command(sub: Any) -> None:
    text = "serve search over HTTP (the search page, the API and the search box)"
    cmd = sub.add_parser("serve", help=text, description=text)
    cmd.set_defaults(run=serve)
    add_setting_options(cmd, ServiceSettings, list(ServiceSettings.model_fields), FLAGS)
    add_env_file_option(cmd)


def serve(args: argparse.Namespace) -> int:
    try:
        settings = load_service_settings(setting_overrides(args, ServiceSettings), args.env_file)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.index.exists():
        print(
            f"error: index {settings.index} does not exist; run `vindplaats index` "
            "(python -m indexer build) or `vindplaats sync SITE_URL` first",
            file=sys.stderr,
        )
        return 2
    # Worker processes build their app from the environment: hand every resolved setting on.
    for name in ServiceSettings.model_fields:
        value = getattr(settings, name)
        if value is not None:
            os.environ[env_name(ServiceSettings, name)] = str(value)
    raise_open_files_limit()
    # Before uvicorn starts a worker, so each one writes its metrics where a scrape adds them up.
    metrics_dir, owned = prepare_multiprocess_dir()
    try:
        options: dict[str, Any] = {
            "factory": True,
            "host": settings.host,
            "port": settings.port,
            "workers": settings.worker_count,
            "log_config": service_logging_config(settings),
            "access_log": False,  # service.logs writes its own, without query text unless asked
            "proxy_headers": True,
            "forwarded_allow_ips": settings.trusted_proxies,
            "server_header": False,
            # Bounds on what one worker accepts; the load-shedding middleware answers first.
            "limit_concurrency": settings.limit_concurrency,
            "timeout_keep_alive": settings.keep_alive_timeout,
            "backlog": settings.backlog,
        }
        if settings.worker_count > 1 and listener.supported():
            listener.run(options)
        else:
            uvicorn.run("service.app:create_app", **options)
    finally:
        if owned:
            remove_multiprocess_dir(metrics_dir)
    return 0


def raise_open_files_limit() -> int:
    """Raise the soft limit of open files to the hard one (often 1024 of 65536+): each connection
    is a descriptor, and a worker that runs out cannot even answer 503. Returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass  # keep what we have; not worth failing the start for
    return soft


def serve_main(argv: list[str] | None = None) -> int:
    """`python -m service [flags]`: the serve command on its own."""
    parser = indexer_cli.Parser(prog="python -m service", description="Serve Vindplaats search.")
    add_setting_options(parser, ServiceSettings, list(ServiceSettings.model_fields), FLAGS)
    add_env_file_option(parser)
    return serve(parser.parse_args(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = indexer_cli.Parser(
        prog="vindplaats",
        description="Vindplaats: Dutch full-text search for a knowledge site (blogs, pages, PDFs).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=indexer_cli.Parser)
    indexer_cli.add_commands(sub)
    add_serve_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Each subcommand carries its own `run`; indexer_cli.run turns errors into exit code 2.
    return indexer_cli.run(build_parser().parse_args(argv))
