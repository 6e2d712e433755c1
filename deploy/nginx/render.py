"""Render the nginx configuration of the production layout from vindplaats.conf.template.

    python deploy/nginx/render.py > /etc/nginx/nginx.conf            # the defaults below
    python deploy/nginx/render.py --server-name zoeken.gemeente.nl \\
        --upstream 127.0.0.1:8000 --upstream 127.0.0.1:8001 > /etc/nginx/nginx.conf

With the defaults the output is deploy/nginx/vindplaats.conf (a test keeps the two equal).
Without `--tls-cert` it listens on plain HTTP (behind a TLS-terminating load balancer, or in
the tests). Standard library only, so it runs on any machine with Python 3.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("vindplaats.conf.template")

DEFAULTS = {
    "server_name": "zoeken.example.nl",
    "listen": "443",
    "tls_cert": "/etc/letsencrypt/live/zoeken.example.nl/fullchain.pem",
    "tls_key": "/etc/letsencrypt/live/zoeken.example.nl/privkey.pem",
    "upstream": ["127.0.0.1:8000"],
    "user": "www-data",
    "worker_processes": "auto",
    "worker_rlimit_nofile": 65536,
    "worker_connections": 32768,
    "pid_file": "/run/nginx.pid",
    "error_log": "/var/log/nginx/error.log",
    "access_log": "/var/log/nginx/vindplaats.access.log",
    "cache_dir": "/var/lib/nginx/vindplaats-cache",
    "temp_dir": "/var/lib/nginx",
    "rate": "20r/s",
    "burst": 40,
    "conn_per_client": 32,
}

TLS = """ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:vindplaats_tls:10m;
        ssl_session_timeout 1d;
        # (on every answer but the micro-cached ones, which set headers of their own; browsers
        # remember it from the first page)
        add_header Strict-Transport-Security "max-age=31536000" always;"""

REDIRECT = """
    # Plain HTTP: to HTTPS for our own name, closed for any other.
    server {{
        listen 80 default_server;
        server_name _;
        return 444;
    }}
    server {{
        listen 80;
        server_name {name};
        location / {{
            return 301 https://$host$request_uri;
        }}
    }}
"""


def render(**overrides: object) -> str:
    values: dict[str, object] = {**DEFAULTS, **overrides}
    tls = bool(values["tls_cert"])
    # `listen … http2`, not `http2 on;`: Debian 12's nginx is 1.22.
    listen = f"{values['listen']} ssl http2" if tls else str(values["listen"])
    upstreams = list(values["upstream"])  # type: ignore[call-overload]
    fields = {
        "USER": values["user"],
        "WORKER_PROCESSES": values["worker_processes"],
        "WORKER_RLIMIT_NOFILE": values["worker_rlimit_nofile"],
        "WORKER_CONNECTIONS": values["worker_connections"],
        "PID_FILE": values["pid_file"],
        "ERROR_LOG": values["error_log"],
        "ACCESS_LOG": values["access_log"],
        "CACHE_DIR": values["cache_dir"],
        "TEMP_DIR": values["temp_dir"],
        "RATE": values["rate"],
        "BURST": values["burst"],
        "CONN_PER_CLIENT": values["conn_per_client"],
        "SERVER_NAME": values["server_name"],
        "LISTEN": listen,
        # One socket per worker: the kernel spreads new connections evenly over the workers,
        # so no single worker fills up with idle ones while the others have room.
        "LISTEN_OPTIONS": "reuseport backlog=4096",
        "DEFAULT_TLS": "ssl_reject_handshake on;" if tls else "",
        "TLS": TLS.format(cert=values["tls_cert"], key=values["tls_key"]) if tls else "",
        "HTTP_REDIRECT": REDIRECT.format(name=values["server_name"]) if tls else "",
        "UPSTREAM_SERVERS": "\n        ".join(f"server {u};" for u in upstreams),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    missing = set(re.findall(r"\{\{([A-Z_]+)\}\}", text)) - set(fields)
    if missing:
        raise KeyError(f"no value for {sorted(missing)} in {TEMPLATE}")
    text = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: str(fields[m.group(1)]), text)
    # Optional parts left empty leave blank or trailing-space lines behind.
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the Vindplaats nginx configuration.")
    for name, default in DEFAULTS.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, list):
            parser.add_argument(flag, action="append", help=f"(repeatable; default {default})")
        else:
            parser.add_argument(flag, type=type(default), default=default, help=f"(default {default})")
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP (TLS ends before nginx)")
    args = vars(parser.parse_args(argv))
    if args.pop("no_tls"):
        args["tls_cert"] = ""
    args["upstream"] = args["upstream"] or DEFAULTS["upstream"]
    sys.stdout.write(render(**args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
