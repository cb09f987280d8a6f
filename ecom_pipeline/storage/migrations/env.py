"""Alembic environment of the warehouse schema (configured in code by `ecom_pipeline.storage.migrate`).

Online, every run is one transaction that first takes a transaction-scoped advisory lock, so two processes
upgrading the same database at once serialize: the second waits, then finds the version table at head and
does nothing. The version table is `raw.alembic_version`; schema `raw` is created here when missing, before
Alembic looks for its version table. No autogenerate: there is no `target_metadata`, migrations are SQL.
"""

from __future__ import annotations

from contextlib import nullcontext

from alembic import context
from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.engine import make_url

from ecom_pipeline.errors import MigrationError
from ecom_pipeline.storage.migrate import MIGRATION_LOCK_KEY, VERSION_TABLE_SCHEMA
from ecom_pipeline.storage.postgres import connect

config = context.config


def _prepare(connection: Connection) -> None:
    """Serialize concurrent runs, then make sure the version table's schema exists."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    exists = connection.execute(
        text("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = :schema"), {"schema": VERSION_TABLE_SCHEMA}
    ).scalar()
    if not exists:  # checked first: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database
        connection.execute(text(f"CREATE SCHEMA {VERSION_TABLE_SCHEMA}"))


def _run(connection: Connection) -> None:
    # One transaction for the lock, the schema and every migration; a caller's open transaction is used as is.
    outer = nullcontext() if connection.in_transaction() else connection.begin()
    with outer:
        _prepare(connection)
        context.configure(
            connection=connection,
            target_metadata=None,
            version_table_schema=VERSION_TABLE_SCHEMA,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    configured = config.get_main_option("sqlalchemy.url")
    if configured is None:
        raise MigrationError("the Alembic configuration has no sqlalchemy.url (storage.migrate.alembic_config sets it)")
    url = make_url(configured)
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # Connect through the project's helper: a clear one-line DatabaseUnavailableError within seconds.
    engine = create_engine(url, poolclass=pool.NullPool, creator=lambda: connect(libpq_url))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """`--sql` mode: print the SQL, lock and schema included, for review or a DBA."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},  # no %-doubling in the printed SQL
        version_table_schema=VERSION_TABLE_SCHEMA,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        context.execute(f"CREATE SCHEMA IF NOT EXISTS {VERSION_TABLE_SCHEMA}")
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
