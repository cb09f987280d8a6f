"""dbt in the asset graph: sources are the raw assets, models are partitioned like them, tests are checks."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from ecom_pipeline.defs.dbt import EcomDbtTranslator, dbt_vars


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("ECOM_EPOCH", "2026-01-01")
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    monkeypatch.delenv("ECOM_ENV", raising=False)
    from ecom_pipeline.definitions import build_definitions

    return build_definitions().resolve_asset_graph()


def test_dbt_sources_on_raw_are_the_published_raw_assets(graph):
    stg = graph.get(dg.AssetKey(["staging", "stg_ecom__orders"]))
    assert stg.parent_keys == {dg.AssetKey(["raw", "orders"])}


def test_marts_are_partitioned_daily_and_run_a_range_as_one_run(graph):
    fct = graph.get(dg.AssetKey(["marts", "fct_orders"]))
    assert fct.partitions_def == graph.get(dg.AssetKey(["raw", "orders"])).partitions_def
    assert fct.assets_def.backfill_policy == dg.BackfillPolicy.single_run()
    assert fct.group_name == "marts"


def test_every_mart_the_issue_names_is_an_asset(graph):
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for mart in (
        "dim_customers",
        "dim_products",
        "dim_date",
        "fct_orders",
        "fct_order_items",
        "fct_payments",
        "fct_shipments",
        "agg_daily_revenue",
        "customer_cohorts",
        "customer_ltv",
        "product_performance",
    ):
        assert f"marts/{mart}" in keys
        assert f"gold/{mart}" in keys


def test_dbt_tests_are_asset_checks_on_their_models(graph):
    checks = {c.asset_key.to_user_string() for c in graph.asset_check_keys}
    assert "marts/fct_orders" in checks
    assert "staging/stg_ecom__orders" in checks


def test_dbt_assets_link_to_the_generated_docs(graph):
    metadata = graph.get(dg.AssetKey(["marts", "fct_orders"])).metadata
    assert metadata["dbt_docs"].value.endswith("#!/model/model.ecom.fct_orders")


def test_gold_exports_follow_their_marts(graph):
    assert graph.get(dg.AssetKey(["gold", "agg_daily_revenue"])).parent_keys == {
        dg.AssetKey(["marts", "agg_daily_revenue"])
    }


def test_dbt_processes_exactly_the_window_of_the_run():
    days = [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
    assert dbt_vars(days) == {"start_date": "2026-01-05", "end_date": "2026-01-07"}


def test_sources_map_to_raw_and_models_keep_their_schema_as_prefix():
    translator = EcomDbtTranslator()
    source = {"resource_type": "source", "name": "payments"}
    model = {"resource_type": "model", "name": "stg_ecom__payments", "config": {"schema": "staging"}}
    assert translator.get_asset_key(source) == dg.AssetKey(["raw", "payments"])
    assert translator.get_asset_key(model) == dg.AssetKey(["staging", "stg_ecom__payments"])
