"""The migrated warehouse against the data contract: `raw`'s columns, types and nullability (information_schema on
a freshly migrated PostgreSQL database), and every CHECK constraint a migration declares is one of the contract's
checks, compared in PostgreSQL's own normal form."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from ecom_pipeline.contract import CONTRACTS, Equals, Unique
from ecom_pipeline.contract.sql import catalog_type, check_sql, enum_sql
from ecom_pipeline.storage import migrate
from ecom_pipeline.storage.scaffold import differences, read_catalog


@pytest.fixture
def migrated(fresh_db: str) -> Iterator[str]:
    migrate.upgrade(fresh_db)
    yield fresh_db


def _contract_checks(table: str) -> dict[str, str]:
    """SQL form -> the contract rule it states, for every check and enumeration of the table."""
    forms = {}
    for column in CONTRACTS[table].columns:
        if (values := enum_sql(column)) is not None:
            forms[values] = f"{table}.{column.name}_in_set"
        for check in column.checks:
            for form in check_sql(column, check):
                forms.setdefault(form, f"{table}.{check.rule(column.name)}")
    return forms


def _normal_forms(conn: psycopg.Connection, table: str, expressions: list[str]) -> list[str]:
    """PostgreSQL's text of CHECK (expression) for each expression, on a scratch copy of raw.<table>'s columns."""
    scratch = sql.Identifier(f"scratch_{table}")
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(scratch, sql.Identifier("raw", table)))
    normal = []
    for i, expression in enumerate(expressions):
        name = sql.Identifier(f"c{i}")
        # The expressions are the contract's own SQL (identifiers checked by contract.sql), not outside input.
        conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})").format(scratch, name, sql.SQL(expression)))
        (definition,) = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
            (f"scratch_{table}", f"c{i}"),
        ).fetchone()
        normal.append(definition)
    return normal


def check_drift(url: str) -> list[str]:
    """Every CHECK constraint of a contract table in `raw` that states no contract check, named."""
    drift = []
    with psycopg.connect(url) as conn:
        for table in CONTRACTS:
            forms = _contract_checks(table)
            normal = dict(zip(_normal_forms(conn, table, list(forms)), forms.values(), strict=True))
            declared = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
                (f"raw.{table}",),
            ).fetchall()
            drift += [f"raw.{table}: {name} {d} is no contract check" for name, d in declared if d not in normal]
        conn.rollback()
    return drift


def test_the_migrated_raw_schema_has_the_contract_columns_types_and_nullability(migrated: str) -> None:
    changes = differences(migrated)
    assert changes == [], "the migrations and the contract differ:\n" + "\n".join(map(str, changes))


def test_the_staging_twins_have_the_contract_columns_and_types_and_no_not_null(migrated: str) -> None:
    catalog = read_catalog(migrated, "raw_stage")
    for name, table in CONTRACTS.items():
        found = {c.name: c for c in catalog[name]}
        for column in table.columns:
            assert column.name in found, f"raw_stage.{name}.{column.name} is missing"
            have = found[column.name]
            assert (have.data_type, have.precision, have.scale) == catalog_type(column.dtype), f"{name}.{column.name}"
            assert have.nullable, f"raw_stage.{name}.{column.name} is NOT NULL: the audit must see nulls"


def test_every_check_constraint_in_raw_states_a_contract_check(migrated: str) -> None:
    drift = check_drift(migrated)
    assert drift == [], "\n".join(drift)


def test_the_check_comparison_names_a_constraint_the_contract_does_not_state(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        conn.execute("ALTER TABLE raw.orders ADD CONSTRAINT orders_units_capped CHECK (units < 1000)")
        conn.execute("ALTER TABLE raw.products DROP CONSTRAINT products_price_positive")
        conn.execute("ALTER TABLE raw.products ADD CONSTRAINT products_price_positive CHECK (price >= 0)")
    drift = check_drift(migrated)
    assert len(drift) == 2
    assert drift[0].startswith("raw.products: products_price_positive CHECK ((price >= (0)::numeric))")
    assert drift[1].startswith("raw.orders: orders_units_capped CHECK ((units < 1000))")


def test_the_warehouse_backs_the_money_arithmetic_and_every_enumeration(migrated: str) -> None:
    """The checks a migration declares: at least the arithmetic and the enumerations (the rest the gates check)."""
    with psycopg.connect(migrated) as conn:
        declared = {
            d
            for (d,) in conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE connamespace = 'raw'::regnamespace AND contype = 'c'"
            ).fetchall()
        }
        for table in CONTRACTS:
            forms = _contract_checks(table)
            normal = dict(zip(forms.values(), _normal_forms(conn, table, list(forms)), strict=False))
            for column in CONTRACTS[table].columns:
                rules = ([f"{table}.{column.name}_in_set"] if column.values else []) + [
                    f"{table}.{check.rule(column.name)}" for check in column.checks if isinstance(check, Equals)
                ]
                for rule in rules:
                    assert normal[rule] in declared, f"no CHECK backs {rule} in raw.{table}"
        conn.rollback()


def test_unique_constraints_are_the_contract_natural_keys(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        for table, contract in CONTRACTS.items():
            declared = {
                d
                for (d,) in conn.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'u'",
                    (f"raw.{table}",),
                ).fetchall()
            }
            expected = {f"UNIQUE ({c.name})" for c in contract.columns if any(isinstance(k, Unique) for k in c.checks)}
            assert declared == expected, table
