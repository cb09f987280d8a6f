"""The warehouse schema, versioned: Alembic configured in code, no alembic.ini.

Migrations live in `ecom_pipeline/storage/migrations` (hand-written SQL); Alembic's version table is
`raw.alembic_version`. `upgrade` is idempotent (at head it does nothing) and safe to run from several processes
at once (env.py takes a transaction-scoped advisory lock first). Within one process the calls are serialized too,
because Alembic's `context` and `op` are process-global proxies.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from ecom_pipeline.errors import MigrationError
from ecom_pipeline.storage.postgres import redact, sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
VERSION_TABLE_SCHEMA = "raw"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key that serializes migration runs (env.py): the bytes of "ecommigr" as a big-endian bigint.
MIGRATION_LOCK_KEY = int.from_bytes(b"ecommigr", "big")

_alembic_lock = threading.Lock()


def _ini_escape(value: str) -> str:
    # Config options go through ConfigParser interpolation: a percent-encoded password must survive it.
    return value.replace("%", "%%")


def alembic_config(url: str) -> Config:
    """An Alembic Config for the database at `url` (a libpq or SQLAlchemy URL)."""
    cfg = Config()
    cfg.set_main_option("script_location", _ini_escape(str(MIGRATIONS_DIR)))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", _ini_escape(sqlalchemy_url(url)))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision`; a no-op when it is already there. A failed migration is a
    MigrationError naming the database and the reason (its transaction is rolled back by Alembic)."""
    from sqlalchemy.exc import SQLAlchemyError

    with _alembic_lock:
        try:
            command.upgrade(alembic_config(url), revision)
        except (SQLAlchemyError, CommandError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise MigrationError(f"could not migrate the warehouse at {redact(url)} to {revision}: {reason}") from exc


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate down to `revision`; "base" drops every warehouse table (schema raw keeps the version table)."""
    with _alembic_lock:
        command.downgrade(alembic_config(url), revision)


def head() -> str:
    """The newest revision id in the package."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://"))
    current_head = script.get_current_head()
    assert current_head is not None, "no migrations found"
    return current_head


def current(url: str) -> str | None:
    """The database's revision, or None when it was never migrated (or is at base)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool
    from sqlalchemy.engine import make_url

    from ecom_pipeline.storage.postgres import connect

    sa_url = make_url(sqlalchemy_url(url))
    libpq_url = sa_url.set(drivername="postgresql").render_as_string(hide_password=False)
    engine = create_engine(sa_url, poolclass=pool.NullPool, creator=lambda: connect(libpq_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table_schema": VERSION_TABLE_SCHEMA})
            return context.get_current_revision()
    finally:
        engine.dispose()
