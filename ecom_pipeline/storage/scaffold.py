"""Scaffold the Alembic revision for a contract change: compare the contract with a warehouse migrated to head
and write the DDL that closes the gap, for review, as the next revision under `migrations/versions/`.

    ecom db scaffold -m "orders: gift_note"       # or: python -m ecom_pipeline.storage.scaffold -m "..."

What it compares, table by table of the contract, against `raw` (read from information_schema):

- a table missing from `raw`: CREATE TABLE in `raw` (with the loader's `_partition_date` and `_loaded_at`, the
  primary key, the enumerations' and checks' CHECK constraints, foreign keys to dimension tables, range
  partitioning by day for a fact table) and its unconstrained `raw_stage` twin;
- a column missing: ADD COLUMN in both schemas, with its CHECK constraints, its unique key and its foreign key
  in `raw`; a required column is then SET NOT NULL in `raw`, after a marked place to backfill earlier rows;
- a column of another type: ALTER COLUMN ... TYPE in both; a nullability that differs: SET / DROP NOT NULL;
- a column the contract no longer has: DROP COLUMN in both (its data is lost on upgrade: review it).

The revision's downgrade reverses each step. Nothing is applied: run `ecom db upgrade` after reviewing it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ecom_pipeline.contract import CONTRACT_VERSION, CONTRACTS, Column, Kind, TableContract, Unique
from ecom_pipeline.contract.sql import catalog_type, check_sql, constraint_name, enum_sql, identifier, sql_type

RAW = "raw"
STAGE = "raw_stage"
LOADER_COLUMNS = ("_partition_date", "_loaded_at")
VERSIONS_DIR = Path(__file__).resolve().with_name("migrations") / "versions"


@dataclass(frozen=True, slots=True)
class CatalogColumn:
    name: str
    data_type: str
    precision: int | None
    scale: int | None
    nullable: bool


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the contract and `raw`, with the DDL that closes it and the DDL that undoes that."""

    table: str
    column: str | None
    what: str  # "table missing", "column missing", "type", "nullability", "column not in the contract"
    detail: str
    upgrade: str
    downgrade: str

    def __str__(self) -> str:
        where = f"raw.{self.table}" + (f".{self.column}" if self.column else "")
        return f"{where}: {self.what} ({self.detail})"


def read_catalog(url: str, schema: str = RAW) -> dict[str, list[CatalogColumn]]:
    """The columns of every table of `schema`, in ordinal order (day partitions left out)."""
    from ecom_pipeline.storage.postgres import connect

    query = """
        SELECT c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale, c.is_nullable
        FROM information_schema.columns c
        JOIN pg_catalog.pg_class k ON k.relname = c.table_name
        JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
        WHERE c.table_schema = %s AND k.relkind IN ('r', 'p') AND NOT k.relispartition
        ORDER BY c.table_name, c.ordinal_position
    """
    tables: dict[str, list[CatalogColumn]] = {}
    with connect(url) as conn:
        for table, name, data_type, precision, scale, nullable in conn.execute(query, (schema,)).fetchall():
            tables.setdefault(table, []).append(CatalogColumn(name, data_type, precision, scale, nullable == "YES"))
    return tables


def _q(name: str, schema: str = RAW) -> str:
    return f"{schema}.{identifier(name)}"


def _column_constraints(table: TableContract, column: Column, contracts: Mapping[str, TableContract]) -> list[str]:
    """`CONSTRAINT ...` clauses of a column in `raw`: its enumeration, checks, unique key and foreign key."""
    clauses = []
    if (values := enum_sql(column)) is not None:
        clauses.append(f"CONSTRAINT {identifier(f'{table.name}_{column.name}_valid')} CHECK ({values})")
    for check in column.checks:
        forms = check_sql(column, check)
        if forms:
            clauses.append(f"CONSTRAINT {constraint_name(table.name, column, check)} CHECK ({forms[0]})")
        elif isinstance(check, Unique) and table.kind is Kind.DIMENSION:
            clauses.append(f"CONSTRAINT {identifier(f'{table.name}_{column.name}_key')} UNIQUE ({column.name})")
    if column.references:
        parent, key = column.references
        # A fact's rows sit in day partitions: a reference to one is checked by the staged gate, not a key.
        if parent in contracts and contracts[parent].kind is Kind.DIMENSION:
            clauses.append(
                f"CONSTRAINT {identifier(f'{table.name}_{column.name}_fkey')} FOREIGN KEY ({column.name})\n"
                f"        REFERENCES {_q(parent)} ({identifier(key)}) DEFERRABLE INITIALLY DEFERRED"
            )
    return clauses


def _create_table(table: TableContract, contracts: Mapping[str, TableContract]) -> tuple[str, str]:
    fact = table.kind is Kind.FACT
    raw_lines = [
        f"    {identifier(c.name)} {sql_type(c.dtype)}{'' if c.nullable else ' NOT NULL'}" for c in table.columns
    ]
    raw_lines += ["    _partition_date date NOT NULL", "    _loaded_at timestamptz NOT NULL DEFAULT now()"]
    key = table.primary_key + (("_partition_date",) if fact else ())
    raw_lines.append(
        f"    CONSTRAINT {identifier(table.name + '_pkey')} PRIMARY KEY ({', '.join(map(identifier, key))})"
    )
    raw_lines += [f"    {clause}" for c in table.columns for clause in _column_constraints(table, c, contracts)]
    partitioning = " PARTITION BY RANGE (_partition_date)" if fact else ""
    stage_lines = [f"    {identifier(c.name)} {sql_type(c.dtype)}" for c in table.columns]
    stage_lines += ["    _partition_date date NOT NULL", "    _loaded_at timestamptz DEFAULT now()"]
    comment = table.description.replace("'", "''")
    upgrade = (
        f"CREATE TABLE {_q(table.name)} (\n" + ",\n".join(raw_lines) + f"\n){partitioning};\n"
        f"COMMENT ON TABLE {_q(table.name)} IS '{comment}';\n\n"
        f"CREATE UNLOGGED TABLE {_q(table.name, STAGE)} (\n" + ",\n".join(stage_lines) + "\n);\n"
        f"CREATE INDEX {identifier(table.name + '_partition_date_idx')}"
        f" ON {_q(table.name, STAGE)} (_partition_date);"
    )
    downgrade = f"DROP TABLE {_q(table.name, STAGE)};\nDROP TABLE {_q(table.name)};"
    return upgrade, downgrade


def _add_column(table: TableContract, column: Column, contracts: Mapping[str, TableContract]) -> tuple[str, str]:
    name, kind = identifier(column.name), sql_type(column.dtype)
    steps = [f"ALTER TABLE {_q(table.name)} ADD COLUMN {name} {kind};"]
    steps += [f"ALTER TABLE {_q(table.name)} ADD {clause};" for clause in _column_constraints(table, column, contracts)]
    if not column.nullable:
        steps += [
            f"-- Backfill raw.{table.name}.{name} of the rows loaded before this revision here: the next statement",
            "-- fails on a warehouse holding such rows until it is done.",
            f"ALTER TABLE {_q(table.name)} ALTER COLUMN {name} SET NOT NULL;",
        ]
    steps.append(f"ALTER TABLE {_q(table.name, STAGE)} ADD COLUMN {name} {kind};")
    downgrade = (
        f"ALTER TABLE {_q(table.name, STAGE)} DROP COLUMN {name};\nALTER TABLE {_q(table.name)} DROP COLUMN {name};"
    )
    return "\n".join(steps), downgrade


def _catalog_sql_type(found: CatalogColumn) -> str:
    spelled = {"timestamp with time zone": "timestamptz"}.get(found.data_type, found.data_type)
    return f"numeric({found.precision}, {found.scale})" if spelled == "numeric" else spelled


def differences(url: str, contracts: Mapping[str, TableContract] = CONTRACTS) -> list[Change]:
    """What separates `raw` (and its `raw_stage` twins) at `url` from the contract, in contract order."""
    catalog = read_catalog(url)
    changes: list[Change] = []
    for table in contracts.values():
        if table.name not in catalog:
            up, down = _create_table(table, contracts)
            changes.append(Change(table.name, None, "table missing", f"{len(table.columns)} columns", up, down))
            continue
        found = {c.name: c for c in catalog[table.name]}
        for column in table.columns:
            name = identifier(column.name)
            if name not in found:
                up, down = _add_column(table, column, contracts)
                nullable = "nullable" if column.nullable else "required"
                detail = f"{sql_type(column.dtype)}, {nullable}"
                changes.append(Change(table.name, name, "column missing", detail, up, down))
                continue
            have = found[name]
            if (have.data_type, have.precision, have.scale) != catalog_type(column.dtype):
                old, new = _catalog_sql_type(have), sql_type(column.dtype)
                steps = [
                    f"ALTER TABLE {_q(table.name, schema)} ALTER COLUMN {name} TYPE {{}} USING {name}::{{}};"
                    for schema in (RAW, STAGE)
                ]
                changes.append(
                    Change(
                        table.name,
                        name,
                        "type",
                        f"{old} in the warehouse, {new} in the contract",
                        "\n".join(s.format(new, new) for s in steps),
                        "\n".join(s.format(old, old) for s in steps),
                    )
                )
            if have.nullable != column.nullable:
                set_, drop = (
                    f"ALTER TABLE {_q(table.name)} ALTER COLUMN {name} SET NOT NULL;",
                    f"ALTER TABLE {_q(table.name)} ALTER COLUMN {name} DROP NOT NULL;",
                )
                nullable = "nullable" if column.nullable else "required"
                detail = f"{'nullable' if have.nullable else 'NOT NULL'} in the warehouse, {nullable} in the contract"
                up, down = (drop, set_) if column.nullable else (set_, drop)
                changes.append(Change(table.name, name, "nullability", detail, up, down))
        for extra in found:
            if extra not in {c.name for c in table.columns} and extra not in LOADER_COLUMNS:
                have = found[extra]
                kind = _catalog_sql_type(have)
                up = "\n".join(
                    f"ALTER TABLE {_q(table.name, s)} DROP COLUMN {identifier(extra)};" for s in (STAGE, RAW)
                )
                restore = [
                    f"-- raw.{table.name}.{extra} comes back empty, and without the constraints dropped with it (add",
                    "-- them back from the revision that declared them).",
                    f"ALTER TABLE {_q(table.name)} ADD COLUMN {identifier(extra)} {kind};",
                ]
                if not have.nullable:
                    restore.append(f"ALTER TABLE {_q(table.name)} ALTER COLUMN {identifier(extra)} SET NOT NULL;")
                restore.append(f"ALTER TABLE {_q(table.name, STAGE)} ADD COLUMN {identifier(extra)} {kind};")
                down = "\n".join(restore)
                changes.append(Change(table.name, extra, "column not in the contract", kind, up, down))
    return changes


REVISION_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down_revision}
Create Date: {date}

Scaffolded by `ecom db scaffold` from the differences between the data contract ({version}) and the warehouse at
revision {down_revision}:

{summary}
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "{revision}"
down_revision: str | None = "{down_revision}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
{upgrade}
"""

DOWNGRADE = """
{downgrade}
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
'''


def slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "contract_change"


def render_revision(changes: list[Change], revision: str, down_revision: str, message: str, date: dt.date) -> str:
    if not changes:
        raise ValueError("no differences: nothing to scaffold")
    summary = "\n".join(f"- {change}" for change in changes)
    return REVISION_TEMPLATE.format(
        message=message.strip().rstrip(".") + ".",
        revision=revision,
        down_revision=down_revision,
        date=date.isoformat(),
        version=CONTRACT_VERSION,
        summary=summary,
        upgrade="\n\n".join(c.upgrade for c in changes),
        downgrade="\n\n".join(c.downgrade for c in reversed(changes)),
    )


def next_revision(head: str) -> str:
    """The id after `head` ("0004" -> "0005"): revisions are numbered."""
    return f"{int(head) + 1:0{len(head)}d}"


def scaffold(
    url: str,
    message: str,
    *,
    versions_dir: Path = VERSIONS_DIR,
    contracts: Mapping[str, TableContract] = CONTRACTS,
    today: dt.date | None = None,
) -> Path | None:
    """Write the revision closing the gap between the contract and the warehouse at `url`, which must be at the
    head revision; None when there is no gap (nothing written)."""
    from ecom_pipeline.errors import MigrationError
    from ecom_pipeline.storage import migrate
    from ecom_pipeline.storage.postgres import redact

    head, at = migrate.head(), migrate.current(url)
    if at != head:
        raise MigrationError(
            f"the warehouse at {redact(url)} is at revision {at or 'base'}, not {head}: run `ecom db upgrade` first"
        )
    changes = differences(url, contracts)
    if not changes:
        return None
    revision = next_revision(head)
    path = versions_dir / f"{revision}_{slug(message)}.py"
    path.write_text(render_revision(changes, revision, head, message, today or dt.date.today()))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecom_pipeline.storage.scaffold", description=__doc__.split("\n")[0]
    )
    parser.add_argument("-m", "--message", required=True, help="what the revision does, e.g. 'orders: gift_note'")
    parser.add_argument("--database-url", help="a warehouse at head (default: the configured one)")
    args = parser.parse_args(argv)
    if args.database_url:
        url = args.database_url
    else:
        from ecom_pipeline.settings import load_settings
        from ecom_pipeline.storage.postgres import database_url

        url = database_url(load_settings().home)
    path = scaffold(url, args.message)
    print(f"wrote {path}" if path else "the warehouse at head matches the contract: nothing to scaffold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
