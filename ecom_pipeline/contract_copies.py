"""The data contract's copies outside Python, written from it: dbt's sources, staging models and their tests,
and the fx seed from the markets' configuration.

    python -m ecom_pipeline.contract_copies          # rewrite the copies
    python -m ecom_pipeline.contract_copies --check  # exit 1 naming every copy that is out of date

Each copy is committed, equal to what `render()` writes (tests/contract/test_copies.py checks it, naming the
file and the column that differ): change the contract, run the command, commit both.

- `dbt_project/models/staging/ecom/_ecom__sources.yml`: the `raw` tables, their columns and descriptions;
- `dbt_project/models/staging/ecom/_ecom__models.yml`: the staging models' columns and their tests (unique and
  not null on a single-column primary key, a combination test on a compound one, relationships on foreign keys,
  accepted values on enumerations, not null on every one of those that is required and on `dbt_not_null`);
- `dbt_project/models/staging/ecom/stg_ecom__<table>.sql`: each contract column cast to its warehouse type,
  grouped as ids, text, numerics, booleans, dates and timestamps, then the load metadata renamed;
- `dbt_project/seeds/fx_rates.csv`: one row per contract currency, `1 / price_level` of its markets (6 decimals).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ecom_pipeline.contract import CONTRACTS, ID, Column, Currency, TableContract
from ecom_pipeline.contract.sql import sql_type

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
STAGING_DIR = DBT_DIR / "models" / "staging" / "ecom"
SOURCES = STAGING_DIR / "_ecom__sources.yml"
STAGING_MODELS = STAGING_DIR / "_ecom__models.yml"
FX_RATES = DBT_DIR / "seeds" / "fx_rates.csv"
COMMAND = "python -m ecom_pipeline.contract_copies"
REPORTING_CURRENCY = Currency.USD

GENERATED_YAML = f"# Written by `{COMMAND}` from the data contract (ecom_pipeline/contract): do not edit.\n"
GENERATED_SQL = f"-- Written by `{COMMAND}` from the data contract (ecom_pipeline/contract): do not edit.\n"

# Source tables whose freshness dbt does not watch, and why (the rest: warn after 24 h, error after 72 h).
NO_FRESHNESS = {
    "categories": "The category tree is loaded once, with the epoch's day: it never gets fresher, so no freshness"
    " check.",
    "products": "Products arrive only on days a product launches (a few a month at small scale): freshness is"
    " watched on the daily event tables instead.",
}

# Load metadata the warehouse adds to every raw table: (raw name, staging name, type, description).
METADATA = (
    ("_partition_date", "partition_date", "date", "The day partition the row was loaded from."),
    ("_loaded_at", "loaded_at", "timestamptz", "When the row's day was published into raw."),
)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


# ------------------------------------------------------------------------------------------------ sources


def sources_yml() -> str:
    lines = [
        GENERATED_YAML.rstrip("\n"),
        "version: 2",
        "",
        "sources:",
        "  - name: ecom",
        "    description: >",
        "      The synthetic shop's tables as the warehouse loader publishes them in PostgreSQL: the data contract's",
        "      columns (ecom_pipeline/contract) plus `_partition_date` (the day partition the row came",
        "      from) and `_loaded_at` (when that day was published). Days are replaced whole, in one transaction.",
        "    schema: raw",
        "    config:",
        "      loaded_at_field: _loaded_at",
        "      freshness:",
        "        warn_after: {count: 24, period: hour}",
        "        error_after: {count: 72, period: hour}",
        "    tables:",
    ]
    for table in CONTRACTS.values():
        lines.append(f"      - name: {table.name}")
        if table.name in NO_FRESHNESS:
            lines += ["        config:", f"          freshness: null  # {NO_FRESHNESS[table.name]}"]
        description = (
            f"{table.description} Primary key: {', '.join(table.primary_key)}; day partition: {table.partitioned_by}."
        )
        lines += [f"        description: {_q(description)}", "        columns:"]
        for column in table.columns:
            lines += [f"          - name: {column.name}", f"            description: {_q(column.description)}"]
        for raw_name, _, _, description in METADATA:
            lines += [f"          - name: {raw_name}", f"            description: {_q(description)}"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ staging models


def staging_model(table: str) -> str:
    return f"stg_ecom__{table}"


def column_tests(table: TableContract, column: Column) -> list[str]:
    """The dbt tests of a staging column, as YAML lines (indented for `data_tests:`)."""
    tests: list[str] = []
    single_key = table.primary_key == (column.name,)
    if single_key:
        tests += ["- unique", "- not_null"]
    elif not column.nullable and (column.references or column.values or column.dbt_not_null):
        tests.append("- not_null")
    if column.references:
        parent, key = column.references
        tests += [
            "- relationships:",
            "    arguments:",
            f"      to: ref('{staging_model(parent)}')",
            f"      field: {key}",
        ]
    if column.values:
        values = ", ".join(f"'{v}'" for v in column.values)
        tests += ["- accepted_values:", "    arguments:", f"      values: [{values}]"]
    return tests


def staging_models_yml() -> str:
    lines = [GENERATED_YAML.rstrip("\n"), "version: 2", "", "models:"]
    for table in CONTRACTS.values():
        description = f"One row per row of raw.{table.name}, typed, with the load metadata renamed. {table.description}"
        lines += [f"  - name: {staging_model(table.name)}", f"    description: {_q(description)}"]
        if len(table.primary_key) > 1:
            lines += [
                "    data_tests:",
                "      - unique_combination_of_columns:",
                "          arguments:",
                f"            combination_of_columns: [{', '.join(table.primary_key)}]",
            ]
        lines.append("    columns:")
        for column in table.columns:
            lines += [f"      - name: {column.name}", f"        description: {_q(column.description)}"]
            tests = column_tests(table, column)
            if tests:
                lines.append("        data_tests:")
                lines += [f"          {line}" for line in tests]
        for raw_name, name, _, description in METADATA:
            described = f"{description.removesuffix('.')} (raw `{raw_name}`)."
            lines += [f"      - name: {name}", f"        description: {_q(described)}"]
    return "\n".join(lines) + "\n"


def _group(column: Column) -> str:
    if column.dtype == ID and column.name.endswith("_id"):
        return "ids"
    if column.dtype == pl.String:
        return "text"
    if column.dtype.is_numeric():
        return "numerics"
    if column.dtype == pl.Boolean:
        return "booleans"
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        return "dates and timestamps"
    raise ValueError(f"no staging group for {column.name} ({column.dtype})")


GROUPS = ("ids", "text", "numerics", "booleans", "dates and timestamps")


def staging_sql(table: str) -> str:
    """The staging model of a raw table: every contract column cast to its warehouse type, by group."""
    contract = CONTRACTS[table]
    casts: list[str] = []
    for group in GROUPS:
        columns = [c for c in contract.columns if _group(c) == group]
        if columns:
            casts += ["", f"        ---------- {group}"]
            casts += [f"        cast({c.name} as {sql_type(c.dtype)}) as {c.name}," for c in columns]
    casts += ["", "        ---------- load metadata"]
    casts += [f"        cast({raw} as {kind}) as {name}," for raw, name, kind, _ in METADATA]
    casts[-1] = casts[-1].removesuffix(",")
    body = "\n".join(casts)
    return (
        f"{GENERATED_SQL}"
        "with\n\nsource as (\n\n"
        f"    select * from {{{{ source('ecom', '{table}') }}}}\n\n"
        "),\n\nrenamed as (\n\n"
        f"    select\n{body}\n\n"
        "    from source\n\n)\n\nselect * from renamed\n"
    )


# ---------------------------------------------------------------------------------------------------- fx seed


def fx_rates() -> dict[str, float]:
    """Units of the reporting currency per unit of each contract currency, from the markets' price levels
    (local units per USD of list price); markets sharing a currency must agree on it."""
    from ecom_pipeline.generation.config import MARKETS

    levels: dict[str, set[float]] = {}
    for market in MARKETS:
        levels.setdefault(market.currency, set()).add(market.price_level)
    missing = [c.value for c in Currency if c.value not in levels]
    unknown = sorted(set(levels) - {c.value for c in Currency})
    if missing or unknown:
        raise ValueError(f"markets and contract currencies differ: missing {missing}, not in the contract {unknown}")
    if len(levels[REPORTING_CURRENCY]) != 1 or levels[REPORTING_CURRENCY] != {1.0}:
        raise ValueError(f"the reporting currency {REPORTING_CURRENCY} must have price level 1")
    rates = {}
    for currency in Currency:
        if len(levels[currency]) != 1:
            raise ValueError(f"markets in {currency} disagree on its price level: {sorted(levels[currency])}")
        rates[currency.value] = 1 / next(iter(levels[currency]))
    return rates


def fx_rates_csv() -> str:
    rows = [f"{currency},{rate:.6f}" for currency, rate in fx_rates().items()]
    return "currency,rate_to_reporting\n" + "\n".join(rows) + "\n"


# ----------------------------------------------------------------------------------------------------- driver


def copies() -> dict[Path, Callable[[], str]]:
    """Every generated copy: its path and the function writing its text."""
    files: dict[Path, Callable[[], str]] = {SOURCES: sources_yml, STAGING_MODELS: staging_models_yml}
    for table in CONTRACTS:
        files[STAGING_DIR / f"{staging_model(table)}.sql"] = functools.partial(staging_sql, table)
    files[FX_RATES] = fx_rates_csv
    return files


def render() -> dict[Path, str]:
    return {path: write() for path, write in copies().items()}


def stale() -> list[Path]:
    """The copies whose committed text differs from what the contract writes."""
    return [path for path, text in render().items() if not path.exists() or path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a copy is out of date")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"out of date: {path.relative_to(ROOT)} (run {COMMAND})", file=sys.stderr)
        return 1 if out_of_date else 0
    for path, text in render().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
