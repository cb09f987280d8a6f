"""Athena / Glue (and Spark SQL) table definitions for a lake layer, derived from the data contract.

Each table is an external, hive-partitioned Parquet table; `MSCK REPAIR TABLE` (or partition projection,
as written here) discovers the `date=YYYY-MM-DD` folders. Names and locations come from the user: a database
name must be a Glue name (lowercase letters, digits, underscores) and a location a plain URL, else they are
refused, so nothing the user types can end a quoted identifier or string and inject a statement.

Partition projection reads every `date=` folder whose files exist, committed or not: for committed days
only, query the manifests (`ecom_pipeline.storage.lake.committed_files`) or use the project's readers.
"""

from __future__ import annotations

import re

import polars as pl

from ecom_pipeline.contract import CONTRACTS, DType
from ecom_pipeline.errors import IdentifierError

_GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
_LOCATION_UNSAFE = re.compile(r"['\\;`\s]")


def _database(name: str) -> str:
    if not _GLUE_NAME.match(name):
        raise IdentifierError(
            f"--database={name!r}: a Glue database name is 1 to 255 lowercase letters, digits and underscores"
        )
    return name


def _location(url: str) -> str:
    if _LOCATION_UNSAFE.search(url):
        raise IdentifierError(f"lake location {url!r} holds a quote, backslash, semicolon or space: not usable in DDL")
    return url.rstrip("/")


def _hive_type(dtype: DType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"decimal({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    return {pl.String: "string", pl.Date: "date", pl.Boolean: "boolean", pl.Int16: "smallint", pl.Int32: "int"}[
        dtype.base_type()
    ]


def _comment(text: str) -> str:
    """Comments without quotes or semicolons, so tools that split scripts on ';' keep statements whole."""
    return text.replace("'", "").replace(";", ",")


def athena_ddl(table: str, location: str, database: str = "ecom", start: str = "2026-01-01") -> str:
    """CREATE EXTERNAL TABLE for one table of a layer at `location` (e.g. s3://bucket/lake/silver)."""
    database, root = _database(database), _location(location)
    contract = CONTRACTS[table]
    columns = ",\n".join(
        f"  `{c.name}` {_hive_type(c.dtype)} COMMENT '{_comment(c.description)}'" for c in contract.columns
    )
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{table}` (\n{columns}\n)\n"
        f"COMMENT '{_comment(contract.description)}'\n"
        "PARTITIONED BY (`date` string)\n"
        "STORED AS PARQUET\n"
        f"LOCATION '{root}/{table}/'\n"
        "TBLPROPERTIES (\n"
        "  'parquet.compression' = 'ZSTD',\n"
        "  'projection.enabled' = 'true',\n"
        "  'projection.date.type' = 'date',\n"
        f"  'projection.date.range' = '{start},NOW',\n"
        "  'projection.date.format' = 'yyyy-MM-dd',\n"
        f"  'storage.location.template' = '{root}/{table}/date=${{date}}/'\n"
        ");\n"
    )


def athena_ddl_all(location: str, database: str = "ecom", start: str = "2026-01-01") -> str:
    return f"CREATE DATABASE IF NOT EXISTS `{_database(database)}`;\n\n" + "\n".join(
        athena_ddl(t, location, database, start) for t in CONTRACTS
    )
