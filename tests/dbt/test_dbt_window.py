"""The window of a dbt run: read from ECOM_DBT_START_DATE / ECOM_DBT_END_DATE at execution, never while parsing.

So a new window re-parses nothing (dbt keeps its partial parse), incremental models rebuild the window, and data
tests read the window's rows of the relations that declare a window column (whole tables without a window).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.dbt.conftest import LAST_DAY, MartsWarehouse, dbt_command

pytestmark = pytest.mark.slow

NO_DATABASE = {"PGHOST": "127.0.0.1", "PGPORT": "1", "PGUSER": "postgres", "PGDATABASE": "postgres"}


def _dbt(tmp: Path, pg_env: dict[str, str], window: tuple[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ECOM_DBT_"))}
    env |= pg_env | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    env |= {"ECOM_DBT_START_DATE": window[0], "ECOM_DBT_END_DATE": window[1]}
    command = dbt_command(tmp, args[0], "--log-format", "json", *args[1:])
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def _events(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_a_new_window_reparses_no_file(tmp_path: Path) -> None:
    first = _dbt(tmp_path, NO_DATABASE, ("", ""), "parse")
    assert first.returncode == 0, first.stdout[-3000:]
    for window in (("2026-01-05", "2026-01-05"), ("2026-02-01", "2026-02-07"), ("", "2026-03-01")):
        result = _dbt(tmp_path, NO_DATABASE, window, "parse", "--log-level", "debug")
        assert result.returncode == 0, result.stdout[-3000:]
        events = {e["info"]["name"]: e.get("data", {}) for e in _events(result)}
        assert "UnableToPartialParse" not in events, window
        reparsed = events["PartialParsingEnabled"]
        assert (reparsed.get("added", 0), reparsed.get("changed", 0), reparsed.get("deleted", 0)) == (0, 0, 0)


@pytest.fixture
def outside_the_window(marts_warehouse: MartsWarehouse) -> Iterator[str]:
    """A copy of an order with no customer, placed long before the window of LAST_DAY (removed afterwards)."""
    order_id = "00000000-0000-7000-8000-outsidewindow"
    with psycopg.connect(marts_warehouse.url, autocommit=True) as conn:
        columns = [r[0] for r in conn.execute("select * from marts.fct_orders limit 0").description]
        values = ", ".join(
            {"order_id": "%s", "customer_id": "null", "order_date": "date '2025-06-01'"}.get(c, c) for c in columns
        )
        conn.execute(
            f"insert into marts.fct_orders ({', '.join(columns)}) select {values} from marts.fct_orders limit 1",
            (order_id,),
        )
    try:
        yield order_id
    finally:
        with psycopg.connect(marts_warehouse.url, autocommit=True) as conn:
            conn.execute("delete from marts.fct_orders where order_id = %s", (order_id,))


def test_data_tests_read_the_rows_of_the_window(
    marts_warehouse: MartsWarehouse, outside_the_window: str, tmp_path: Path
) -> None:
    from ecom_pipeline.storage.postgres import libpq_environment

    pg_env = libpq_environment(marts_warehouse.url)
    test = ("test", "--select", "not_null_fct_orders_customer_id")
    day = LAST_DAY.isoformat()

    windowed = _dbt(tmp_path, pg_env, (day, day), *test)
    whole = _dbt(tmp_path, pg_env, ("", ""), *test)

    assert windowed.returncode == 0, windowed.stdout[-3000:]  # the bad row lies before the window
    assert whole.returncode == 1, whole.stdout[-3000:]  # without a window the whole table is tested
    assert any(e["info"]["name"] == "LogTestResult" and e["data"]["status"] == "fail" for e in _events(whole))


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("2026-01-09", "2026-01-02"), "the window starts after it ends"),
        (("2026-1-9", ""), "ECOM_DBT_START_DATE=2026-1-9 is not a date in YYYY-MM-DD form"),
    ],
)
def test_a_bad_window_stops_dbt_naming_it(
    marts_warehouse: MartsWarehouse, tmp_path: Path, window: tuple[str, str], message: str
) -> None:
    from ecom_pipeline.storage.postgres import libpq_environment

    result = _dbt(tmp_path, libpq_environment(marts_warehouse.url), window, "compile", "--select", "fct_orders")
    assert result.returncode != 0
    assert message in result.stdout
