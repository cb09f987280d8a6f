"""The contract's carried columns arrive in their marts with their values: after one `dbt build` over two landed
weeks (tests/dbt/conftest.py), every row of the mart holds, under the mart's name, the raw row's value."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from ecom_pipeline.contract import CONTRACTS
from tests.dbt.conftest import MartsWarehouse

pytestmark = pytest.mark.slow

# (table, mart) -> [(column, mart column)] for every column the contract carries.
CARRIED: dict[tuple[str, str], list[tuple[str, str]]] = {}
for _table in CONTRACTS.values():
    for _column in _table.columns:
        for _mart, _target in _column.carried_to():
            CARRIED.setdefault((_table.name, _mart), []).append((_column.name, _target))


@pytest.mark.parametrize(("table", "mart"), list(CARRIED), ids=lambda v: str(v))
def test_every_carried_column_holds_the_raw_value_in_its_mart(
    marts_warehouse: MartsWarehouse, table: str, mart: str
) -> None:
    pairs = CARRIED[(table, mart)]
    key = CONTRACTS[table].primary_key
    carried = dict(pairs)
    assert all(k in carried for k in key), f"{mart} must carry the key {key} of {table} to be compared"
    join = sql.SQL(" AND ").join(
        sql.SQL("m.{} = r.{}").format(sql.Identifier(carried[k]), sql.Identifier(k)) for k in key
    )
    differs = sql.SQL(" OR ").join(
        sql.SQL("m.{} IS DISTINCT FROM r.{}").format(sql.Identifier(target), sql.Identifier(column))
        for column, target in pairs
    )
    found = sql.SQL("r.{}").format(sql.Identifier(key[0]))
    query = sql.SQL(
        "SELECT count(*) AS mart_rows, count({}) AS matched, count(*) FILTER (WHERE {} IS NOT NULL AND ({}))"
        " FROM {} AS m LEFT JOIN {} AS r ON {}"
    ).format(found, found, differs, sql.Identifier("marts", mart), sql.Identifier("raw", table), join)
    with psycopg.connect(marts_warehouse.url) as conn:
        rows, matched, different = conn.execute(query).fetchone()
        (raw_rows,) = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("raw", table))).fetchone()
    assert rows > 0 and rows == matched == raw_rows, f"{mart}: {rows} rows, {matched} found in raw.{table} ({raw_rows})"
    assert different == 0, f"{different} rows of {mart} differ from raw.{table} in {[t for _, t in pairs]}"
