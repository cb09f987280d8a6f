"""The gates in Dagster: blocking checks stop everything downstream of a bad day, and the ledger stops later runs.

Runs are in-process (`dg.materialize`) on the project's own definitions, with ECOM_ANOMALIES injecting the
corruption as CI would, a database of the test's own and a lake under tmp.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import dagster as dg
import psycopg
import pytest

from ecom_pipeline.generation.schemas import TABLES
from ecom_pipeline.quality.checkpoints import DATA_DOCS_DIR
from ecom_pipeline.storage.lake import resolve_lake
from tests.defs.conftest import run_assets

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 1, 1)
ALL_CLASSES = (
    "duplicate_orders=0.01,orphan_items=0.005,negative_prices=0.001,future_timestamps=0.001,"
    "total_mismatch=0.01,null_emails=0.01"
)


def _scalar(url: str, statement: str) -> Any:
    with psycopg.connect(url) as conn:
        return conn.execute(statement).fetchone()[0]


def _rows_of_day(url: str, schema: str, table: str) -> int:
    """Rows of the day in a table, 0 when the table does not even exist."""
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"{schema}.{table}",)).fetchone()[0] is None:
            return 0
        column = "_partition_date" if schema == "raw" else "order_date"
        return conn.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}" = %s', (DAY,)).fetchone()[0]


def _evaluations(result: dg.ExecuteInProcessResult, check: str) -> dict[str, Any]:
    return {
        e.asset_key.path[-1]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == check and e.partition == DAY.isoformat()
    }


def _nothing_of_the_day_downstream(env: dict[str, str]) -> None:
    url = env["ECOM_DATABASE_URL"]
    for table in TABLES:
        assert _rows_of_day(url, "raw", table) == 0, table
    for mart in ("fct_orders", "fct_order_items", "agg_daily_revenue"):
        assert _rows_of_day(url, "marts", mart) == 0, mart
    gold = resolve_lake(Path(env["ECOM_HOME"]), environ={}).gold
    for mart in ("fct_orders", "agg_daily_revenue", "dim_customers"):
        assert gold.manifest(mart, DAY) is None, mart


def test_a_day_with_every_anomaly_class_reaches_neither_raw_nor_the_marts_nor_gold(env, monkeypatch) -> None:
    monkeypatch.setenv("ECOM_ANOMALIES", ALL_CLASSES)
    result = run_assets(partition_key=DAY.isoformat(), raise_on_error=False)
    assert not result.success
    bronze = _evaluations(result, "bronze")
    assert set(bronze) == set(TABLES)
    failed = {table for table, e in bronze.items() if not e.passed}
    assert failed == {"orders", "order_items", "products", "customers"}
    assert all(e.severity == dg.AssetCheckSeverity.ERROR and e.blocking for e in bronze.values())
    orders = bronze["orders"].metadata
    rules = {f["rule"]: f for f in orders["failed_rules"].value}
    assert {
        "orders.order_id_unique",
        "orders.total_equals_components",
        "orders.created_at_before_partition_end",
    } <= set(rules)
    assert rules["orders.order_id_unique"]["unexpected_count"] >= 2 and rules["orders.order_id_unique"]["sample"]
    docs = orders["data_docs"].value
    assert docs.startswith("http://127.0.0.1:3001/data_docs/")  # on the docs server (ECOM_DOCS_URL)
    assert (DATA_DOCS_DIR / unquote(docs.split("/data_docs/", 1)[1])).is_file()
    assert "orders.order_id_unique" in orders["summary"].value
    materialized = {m.asset_key.path[0] for m in result.get_asset_materialization_events()}
    assert materialized == {"bronze"}  # the ground truth stays in bronze; nothing went further
    lake = resolve_lake(Path(env["ECOM_HOME"]), environ={})
    assert all(lake.silver.manifest(t, DAY) is None for t in TABLES)
    _nothing_of_the_day_downstream(env)


def test_orphan_items_stop_at_the_staged_gate_and_a_later_run_cannot_publish_them(env, monkeypatch) -> None:
    monkeypatch.setenv("ECOM_ANOMALIES", "orphan_items=0.005")
    result = run_assets(partition_key=DAY.isoformat(), raise_on_error=False)
    assert not result.success
    assert all(e.passed for e in _evaluations(result, "bronze").values())  # invisible to single-table rules
    staged = _evaluations(result, "staged")
    assert {t for t, e in staged.items() if not e.passed} == {"order_items", "orders"}
    items = {f["rule"]: f for f in staged["order_items"].metadata["failed_rules"].value}
    orphan = items["order_items.order_id_resolves"]
    assert orphan["unexpected_count"] == 1 and orphan["sample"][0]["order_item_id"]
    assert staged["order_items"].metadata["unexpected_rows"].value == 1
    url = env["ECOM_DATABASE_URL"]
    assert _scalar(url, "SELECT count(*) FROM raw_stage.order_items") > 0  # written and audited, not published
    assert _scalar(url, "SELECT string_agg(DISTINCT check_status, ',') FROM raw._ecom_partitions") == "failed"
    _nothing_of_the_day_downstream(env)

    publish_only = dg.AssetSelection.groups("raw")
    later = run_assets(partition_key=DAY.isoformat(), selection=publish_only, raise_on_error=False)
    assert not later.success
    failure = next(e for e in later.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "latest staged check failed" in message and "order_items.order_id_resolves" in message
    assert _rows_of_day(url, "raw", "orders") == 0


def test_gold_refuses_a_day_whose_latest_marts_check_failed(env) -> None:
    from ecom_pipeline.storage.warehouse import Warehouse

    wh = Warehouse(env["ECOM_DATABASE_URL"])
    wh.migrate()
    failure = {"rule": "agg_daily_revenue.revenue_reconciles_with_fct_orders", "unexpected_count": 1}
    wh.record_check("marts", DAY, success=False, run_name="marts 2026-01-01", failures=[failure])
    result = run_assets(partition_key=DAY.isoformat(), selection=dg.AssetSelection.groups("gold"), raise_on_error=False)
    assert not result.success
    failure_event = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure_event.event_specific_data.error.to_string()
    assert "cannot export 2026-01-01 to gold" in message and "revenue_reconciles_with_fct_orders" in message
    assert resolve_lake(Path(env["ECOM_HOME"]), environ={}).gold.manifest("agg_daily_revenue", DAY) is None


def test_anomalies_set_in_run_config_are_injected_and_stopped_like_the_environment_variable(env) -> None:
    run_config = {"resources": {"ecom": {"config": {"anomalies": "null_emails=0.01"}}}}
    from ecom_pipeline.definitions import build_definitions

    defs = build_definitions()
    keys = list(dg.AssetSelection.groups("bronze", "silver").resolve(defs.resolve_asset_graph()))
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=DAY.isoformat(), asset_selection=keys, run_config=run_config, raise_on_error=False
    )
    assert not result.success
    bronze = _evaluations(result, "bronze")
    assert {t for t, e in bronze.items() if not e.passed} == {"customers"}
    lake = resolve_lake(Path(env["ECOM_HOME"]), environ={})  # the other settings still come from ECOM_*
    manifest = lake.bronze.manifest("customers", DAY)
    assert manifest is not None and manifest.dataset["anomalies"] == "null_emails=0.01"
    assert lake.silver.manifest("customers", DAY) is None
