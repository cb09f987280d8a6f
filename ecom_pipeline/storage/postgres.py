"""Where the warehouse lives: `ECOM_DATABASE_URL`, or an embedded PostgreSQL started from the pgserver wheel.

The embedded server runs from `<home>/postgres` and keeps running after the process exits, so the next run,
dbt and psql reuse it (`ecom db url` prints its URL).

`ECOM_DATABASE_URL` is validated once, here: a `postgresql://` URL that libpq parses, with numbers where libpq
wants them. Every connection has a connect timeout, TCP keepalives and a TCP user timeout (a server that stops
acknowledging is given up within about a minute), and a connection refused by a server that is starting up,
shutting down or full is retried twice with backoff. Passwords never appear in messages (`redact`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecom_pipeline.errors import DatabaseUnavailableError, DatabaseUrlError
from ecom_pipeline.storage.locations import require_location

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
# libpq keywords: set when the URL does not set them.
CONNECTION_DEFAULTS = {
    "connect_timeout": str(CONNECT_TIMEOUT_S),
    "keepalives": "1",
    "keepalives_idle": "15",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "60000",  # ms: unacknowledged data for a minute means the server is gone
}
CONNECT_ATTEMPTS = 3
# Refusals worth a retry: the server is there but not accepting connections for a moment.
_TRANSIENT = ("the database system is starting up", "the database system is shutting down", "too many clients")
_INTEGER_OPTIONS = ("port", *(k for k in CONNECTION_DEFAULTS if k != "keepalives"), "keepalives")
_SCHEMES = ("postgresql", "postgres")


def validate_database_url(url: str, name: str = "ECOM_DATABASE_URL") -> str:
    """The URL, if libpq can use it; DatabaseUrlError naming the variable and the (redacted) value otherwise."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    shown = f"{name}={redact(url)!r}"
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in _SCHEMES:
        hint = f"the {scheme}:// scheme is not supported" if scheme else "it is not a URL"
        raise DatabaseUrlError(f"{shown}: {hint}; use postgresql://user:password@host:5432/database")
    try:
        options = conninfo_to_dict(url)
    except ProgrammingError as exc:
        reason = redact(str(exc).strip().splitlines()[0])
        raise DatabaseUrlError(f"{shown}: {reason}") from None
    for key in _INTEGER_OPTIONS:
        if options.get(key) is None:  # libpq's default (a socket directory as host needs no port)
            continue
        for item in str(options[key]).split(","):
            limit = 65535 if key == "port" else 2**31 - 1
            if not item.strip().isdigit() or int(item) > limit or (key == "port" and int(item) == 0):
                raise DatabaseUrlError(f"{shown}: {key} {item!r} is not a number libpq accepts")
    return url


def embedded_url(home: Path, *, keep_running: bool = True) -> str:
    """Start (or re-attach to) the embedded PostgreSQL under `<home>/postgres` and return its URL.

    `keep_running` leaves it up after this process exits, for the next run, dbt and psql; otherwise it
    stops with the last process attached to it.
    """
    import pgserver

    folder = (home / "postgres").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(folder, cleanup_mode=None if keep_running else "stop")
    return server.get_uri()


def database_url(home: Path, environ: Mapping[str, str] | None = None) -> str:
    """`ECOM_DATABASE_URL`, validated; unset or empty: the embedded server (refused under ECOM_ENV=docker/prod)."""
    env = os.environ if environ is None else environ
    url = require_location(env, "ECOM_DATABASE_URL")
    return validate_database_url(url) if url else embedded_url(home)


_NETLOC_PASSWORD = re.compile(r"(://[^/@\s:]*:)[^@\s/]*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&\s'\"]*", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('[^']*'|[^\s'\"&]+)", re.IGNORECASE)


def redact(text: str) -> str:
    """A URL (or a message holding one) without its password: `user:***@`, `?password=***`, `password=***`."""
    text = _NETLOC_PASSWORD.sub(r"\1***@", text)
    text = _QUERY_PASSWORD.sub(r"\1***", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


def connection_options(url: str) -> dict[str, str]:
    """The timeouts and keepalives `connect` adds: every default the URL does not set itself."""
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url)
    return {k: v for k, v in CONNECTION_DEFAULTS.items() if k not in given}


def with_connection_options(url: str) -> str:
    """The URL with `connection_options` in its query, for clients that take a URL only (SQLAlchemy, GX)."""
    from urllib.parse import urlencode

    extra = connection_options(url)
    if not extra:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(extra)}"


def connect(url: str, **kwargs: Any) -> psycopg.Connection[tuple[Any, ...]]:
    """A psycopg 3 connection that fails within seconds, with one clear line, when the server is away."""
    import psycopg

    try:
        options = {**connection_options(url), **kwargs}
    except psycopg.ProgrammingError:
        validate_database_url(url, "the database URL")  # raises DatabaseUrlError naming what is wrong
        raise
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            return psycopg.connect(url, **options)
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if attempt + 1 < CONNECT_ATTEMPTS and any(t in reason for t in _TRANSIENT):
                time.sleep(0.5 * 2**attempt)
                continue
            raise DatabaseUnavailableError(f"cannot connect to PostgreSQL at {redact(url)}: {redact(reason)}") from None
    raise AssertionError("unreachable")


def sqlalchemy_url(url: str) -> str:
    """The same database for SQLAlchemy (Alembic) through psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def psql_executable() -> str:
    """psql from PATH, else the one bundled with the pgserver wheel."""
    import shutil

    found = shutil.which("psql")
    if found:
        return found
    import pgserver

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    if bundled.exists():
        return str(bundled)
    raise DatabaseUnavailableError(
        "no psql found: install the PostgreSQL client or use `ecom db url` with another tool"
    )


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (in `user:password@` or `?password=`), and the password, for a command line
    that must not show it: pass the password in PGPASSWORD instead."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostinfo = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}@{hostinfo}"
    query = []
    for item in parts.query.split("&") if parts.query else []:
        key, _, value = item.partition("=")
        if key == "password":
            password = unquote(value)
        else:
            query.append(item)
    return urlunsplit(parts._replace(netloc=netloc, query="&".join(query))), password


def libpq_environment(url: str) -> dict[str, str]:
    """PG* variables for tools that read libpq's environment (dbt's profile, psql), from a URL.

    Handles the embedded server's form, where the host is a socket directory in the query string.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    env = {
        "PGHOST": query.get("host") or parts.hostname or "127.0.0.1",
        "PGPORT": str(query.get("port") or parts.port or 5432),
        "PGUSER": unquote(parts.username or query.get("user") or "postgres"),
        "PGPASSWORD": unquote(parts.password or query.get("password") or ""),
        "PGDATABASE": unquote(parts.path.lstrip("/") or query.get("dbname") or "postgres"),
    }
    return env
