"""The dbt project: it parses with no database (as at Docker build time) and builds on a freshly landed warehouse.

dbt runs as a subprocess of this interpreter's environment, with its target and log folders in the test's tmp,
so the checkout's `dbt_project/target` (and a concurrent run) is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.conftest import dbt_command

MODELS = {
    # staging
    "stg_ecom__categories",
    "stg_ecom__products",
    "stg_ecom__customers",
    "stg_ecom__addresses",
    "stg_ecom__orders",
    "stg_ecom__order_items",
    "stg_ecom__order_status_history",
    "stg_ecom__payments",
    "stg_ecom__shipments",
    # intermediate
    "int_order_lifecycle",
    "int_orders_in_reporting_currency",
    # marts
    "dim_date",
    "dim_customers",
    "dim_products",
    "fct_orders",
    "fct_order_items",
    "fct_payments",
    "fct_shipments",
    "agg_daily_revenue",
    "customer_cohorts",
    "customer_ltv",
    "product_performance",
}
INCREMENTAL_MODELS = {"fct_orders", "fct_order_items", "agg_daily_revenue"}
SINGULAR_TESTS = {"assert_no_shipment_before_payment"}
# Reconciliations the marts gate owns (one home per invariant): dbt must not test them a second time.
OWNED_BY_THE_MARTS_GATE = {"assert_order_totals_equal_sum_of_items", "assert_daily_gross_revenue_matches_fct_orders"}
SOURCE_TABLES = {
    "categories",
    "products",
    "customers",
    "addresses",
    "orders",
    "order_items",
    "order_status_history",
    "payments",
    "shipments",
}
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(3)]


def _dbt(
    tmp: Path, pg_env: dict[str, str], *args: str, window: tuple[str, str] = ("", "")
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command on the project with exactly these PG* variables (the others removed) and window."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ECOM_DBT_"))}
    env |= pg_env | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    env |= {"ECOM_DBT_START_DATE": window[0], "ECOM_DBT_END_DATE": window[1]}
    return subprocess.run(dbt_command(tmp, *args), env=env, capture_output=True, text=True, timeout=300, check=False)


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    output = f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, f"dbt failed ({result.returncode}):\n{output}"


def _manifest(tmp: Path) -> dict[str, Any]:
    return json.loads((tmp / "target" / "manifest.json").read_text())


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_parse_needs_no_database_and_documents_every_model_and_column(tmp_path: Path) -> None:
    _ok(_dbt(tmp_path, {"PGHOST": "127.0.0.1", "PGPORT": "1"}, "parse", "--no-partial-parse"))
    manifest = _manifest(tmp_path)
    models = _models(manifest)

    assert set(models) >= MODELS, f"missing models: {sorted(MODELS - set(models))}"
    undocumented = [name for name, node in models.items() if not node["description"].strip()]
    assert not undocumented, f"models without a description: {undocumented}"
    bare_columns = [
        f"{name}.{column}"
        for name, node in models.items()
        for column, spec in node["columns"].items()
        if not spec["description"].strip()
    ]
    assert not bare_columns, f"columns without a description: {bare_columns}"
    assert all(node["columns"] for node in models.values()), "a model documents no column"

    schemas = {name: node["schema"] for name, node in models.items()}
    assert {schemas[m] for m in MODELS if m.startswith("stg_")} == {"staging"}
    assert {schemas[m] for m in MODELS if m.startswith("int_")} == {"intermediate"}
    assert {schemas[m] for m in MODELS if m[:4] in ("dim_", "fct_", "agg_") or m.startswith("customer_")} == {"marts"}
    for name in INCREMENTAL_MODELS:
        config = models[name]["config"]
        assert (config["materialized"], config["incremental_strategy"]) == ("incremental", "delete+insert"), name

    sources = {n["name"]: n for n in manifest["sources"].values()}
    assert set(sources) == SOURCE_TABLES
    assert {s["schema"] for s in sources.values()} == {"raw"}
    assert all(s["loaded_at_field"] == "_loaded_at" and s["description"] for s in sources.values())

    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert tests >= SINGULAR_TESTS
    assert not tests & OWNED_BY_THE_MARTS_GATE
    unit_tested = {n["model"] for n in manifest.get("unit_tests", {}).values()}
    assert unit_tested >= {"int_order_lifecycle", "int_customer_rfm"}
    assert manifest["metadata"]["project_name"] == "ecom"


@pytest.mark.slow
def test_build_passes_on_freshly_landed_days(
    fresh_db: str, project_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from ecom_pipeline.landing import land
    from ecom_pipeline.settings import Settings
    from ecom_pipeline.storage.postgres import libpq_environment

    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    land(Settings(home=project_home, to="warehouse"), DAYS)
    pg_env = libpq_environment(fresh_db)

    _ok(_dbt(tmp_path, pg_env, "build"))

    # Every column of every built relation is documented (the YAML cannot drift from the SQL unnoticed).
    models = _models(_manifest(tmp_path))
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts')"
        ).fetchall()
        undocumented = [
            f"{table}.{column}"
            for schema, table, column in rows
            if table in models and not models[table]["columns"].get(column, {}).get("description")
        ]
        assert not undocumented, f"built columns without a description: {undocumented}"
        before = conn.execute("select count(*), sum(total), sum(total_local) from marts.fct_orders").fetchone()
        assert before is not None and before[0] > 0

    # The incremental run of the last day rebuilds its window in place: no duplicates, the same totals.
    last = DAYS[-1].isoformat()
    _ok(_dbt(tmp_path, pg_env, "build", "--select", "fct_orders+", window=(last, last)))
    with psycopg.connect(fresh_db) as conn:
        after = conn.execute("select count(*), sum(total), sum(total_local) from marts.fct_orders").fetchone()
        distinct = conn.execute("select count(distinct order_id) from marts.fct_orders").fetchone()
    assert after == before
    assert distinct is not None and distinct[0] == before[0]
