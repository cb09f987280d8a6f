"""The contract in the warehouse's terms (PostgreSQL): column types and the SQL of the value checks.

The migrations declare these (hand-written or scaffolded), and tests compare the migrated `raw` schema against
them through PostgreSQL's own normal form of a CHECK expression.
"""

from __future__ import annotations

import re

import polars as pl

from ecom_pipeline.contract.model import AgeBetween, Below, Between, Check, Column, DType, Equals, Like, Matches, Unique

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(name: str) -> str:
    """A contract name used as a bare SQL identifier: lower-case letters, digits and underscores only."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain lower-case SQL identifier")
    return name


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_type(dtype: DType) -> str:
    """The PostgreSQL type of a contract type, as the migrations and the staging casts spell it."""
    if isinstance(dtype, pl.Decimal):
        return f"numeric({dtype.precision}, {dtype.scale})"
    if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime:
        return "timestamptz"
    types: dict[DType, str] = {pl.String: "text", pl.Int16: "smallint", pl.Int32: "integer", pl.Int64: "bigint"}
    types |= {pl.Boolean: "boolean", pl.Date: "date"}
    for polars_type, name in types.items():
        if dtype == polars_type:
            return name
    raise ValueError(f"no warehouse type for {dtype}")


def catalog_type(dtype: DType) -> tuple[str, int | None, int | None]:
    """The type as information_schema.columns reports it: (data_type, numeric_precision, numeric_scale)."""
    if isinstance(dtype, pl.Decimal):
        return "numeric", dtype.precision, dtype.scale
    name = sql_type(dtype)
    spelled = {"timestamptz": "timestamp with time zone"}.get(name, name)
    bits = {"smallint": (16, 0), "integer": (32, 0), "bigint": (64, 0)}.get(name)
    return (spelled, *bits) if bits else (spelled, None, None)


def enum_sql(column: Column) -> str | None:
    if column.values is None:
        return None
    return f"{identifier(column.name)} IN ({', '.join(literal(v) for v in column.values)})"


def check_sql(column: Column, check: Check) -> list[str]:
    """The SQL boolean expressions a migration may declare for a check: the check itself, and for a range with
    two bounds each bound alone (a migration may back one side only). [] for a check without a SQL form (an age
    computed in 365.25-day years, uniqueness: a UNIQUE constraint, not a CHECK)."""
    name = identifier(column.name)
    if isinstance(check, Between):
        forms = [check.sql(name)]
        if check.low is not None and check.high is not None:
            forms += [Between(low=check.low, strict_low=check.strict_low).sql(name), Between(high=check.high).sql(name)]
        return forms
    if isinstance(check, Below | Equals | Matches | Like):
        return [check.sql(name)]
    if isinstance(check, AgeBetween | Unique):
        return []
    raise TypeError(f"no SQL for {check!r}")


def constraint_name(table: str, column: Column, check: Check) -> str:
    """The name a scaffolded CHECK gets: `<table>_<rule>` (the bronze rule's name with `_` for the dot)."""
    return identifier(f"{table}_{check.rule(column.name)}")
