"""Where the warehouse lives: `ECOM_DATABASE_URL`, or an embedded PostgreSQL started from the pgserver wheel.

The embedded server runs from `<home>/postgres` and keeps running after the process exits, so the next run,
dbt and psql reuse it (`ecom db url` prints its URL).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CONNECT_TIMEOUT_S = 5


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached; the message is one line naming where we tried."""


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


def database_url(home: Path, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("ECOM_DATABASE_URL") or embedded_url(home)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def connect(url: str, **kwargs: Any):
    """A psycopg 3 connection that fails within seconds, with one clear line, when the server is away."""
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, **kwargs)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailableError(f"cannot connect to PostgreSQL at {redact(url)}: {reason}") from None


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
