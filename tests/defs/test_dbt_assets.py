"""dbt in the asset graph: sources are the raw assets, models are partitioned like them, tests are checks.

How a run calls dbt: its window and the warehouse reach the dbt process through the environment the resource is
given (never through this process's), with no `dbt --version` round trip, and a windowed run leaves the keyed
tests of whole relations (and the unit tests) to runs without a window.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import dagster as dg
import pytest

from ecom_pipeline.defs.dbt import (
    EcomDbtCliResource,
    EcomDbtTranslator,
    build_args,
    full_run_only_tests,
    run_window,
)
from ecom_pipeline.defs.dbt_project import dbt_project, ensure_manifest
from ecom_pipeline.transform import dbt_environment, dbt_executable


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("ECOM_EPOCH", "2026-01-01")
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    monkeypatch.delenv("ECOM_ENV", raising=False)
    monkeypatch.delenv("ECOM_DOCS_URL", raising=False)
    from ecom_pipeline.definitions import build_definitions

    return build_definitions().resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text())


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


def test_dbt_assets_link_to_their_page_on_the_docs_server(graph):
    metadata = graph.get(dg.AssetKey(["marts", "fct_orders"])).metadata
    assert metadata["dbt_docs"].value == "http://127.0.0.1:3001/dbt/#!/model/model.ecom.fct_orders"


def test_the_docs_links_follow_ecom_docs_url(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("ECOM_DOCS_URL", "https://docs.example.test/ecom/")
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    from ecom_pipeline.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    link = graph.get(dg.AssetKey(["staging", "stg_ecom__orders"])).metadata["dbt_docs"].value
    assert link == "https://docs.example.test/ecom/dbt/#!/model/model.ecom.stg_ecom__orders"


def test_gold_exports_follow_their_marts(graph):
    assert graph.get(dg.AssetKey(["gold", "agg_daily_revenue"])).parent_keys == {
        dg.AssetKey(["marts", "agg_daily_revenue"])
    }


def test_dbt_processes_exactly_the_window_of_the_run():
    days = [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
    env = dbt_environment("postgresql://ecom@db.example.test:6543/marts", run_window(days, full_refresh=False))
    assert (env["ECOM_DBT_START_DATE"], env["ECOM_DBT_END_DATE"]) == ("2026-01-05", "2026-01-07")
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.example.test",
        "6543",
        "ecom",
        "marts",
    )


def test_a_full_refresh_has_no_window_and_runs_every_test(manifest):
    env = dbt_environment("postgresql://ecom@db/marts", run_window([dt.date(2026, 1, 5)], full_refresh=True))
    assert (env["ECOM_DBT_START_DATE"], env["ECOM_DBT_END_DATE"]) == ("", "")
    assert build_args(True, dbt_project.manifest_path) == ["build", "--full-refresh"]


def test_a_windowed_build_leaves_out_the_keyed_tests_of_whole_relations_the_view_tests_and_the_unit_tests(
    manifest,
):
    args = build_args(False, dbt_project.manifest_path)
    assert args[:3] == ["build", "--exclude-resource-type", "unit_test"]
    excluded = set(args[4].split()) if len(args) > 3 else set()
    assert excluded == set(full_run_only_tests(dbt_project.manifest_path))
    tests = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    # Keyed tests of relations without a window column are left out; those of windowed marts stay (they read the
    # window's rows), and so does every other kind of test on the marts.
    assert "unique_dim_customers_customer_id" in excluded
    assert "unique_fct_orders_order_id" not in excluded
    assert "relationships_fct_orders_customer_id__customer_id__ref_dim_customers_" not in excluded
    assert "not_null_fct_orders_order_id" not in excluded
    # Every test of a staging view is the contract's rule that the staged gate checked on the same rows; the
    # intermediate views' rows reach the marts, whose tests read the window.
    views = {
        name
        for name, test in tests.items()
        if manifest["nodes"].get(test.get("attached_node") or "", {}).get("name", "").startswith(("stg_", "int_"))
    }
    assert {"not_null_stg_ecom__orders_order_id", "not_null_int_customer_rfm_customer_id"} <= views
    assert views <= excluded
    for name in excluded - views:
        assert tests[name]["test_metadata"]["name"] in {"unique", "relationships", "unique_combination_of_columns"}
        attached = manifest["nodes"][tests[name]["attached_node"]]
        assert "window_column" not in attached["config"]["meta"], name


def test_checks_only_full_runs_evaluate_do_not_gate_downstream_steps(graph):
    specs = {spec.key.name: spec for spec in graph.get(dg.AssetKey(["marts", "fct_orders"])).assets_def.check_specs}
    assert specs["unique_dim_customers_customer_id"].blocking is False
    assert specs["not_null_stg_ecom__orders_order_id"].blocking is False
    assert specs["not_null_dim_customers_customer_id"].blocking is True
    assert specs["unique_fct_orders_order_id"].blocking is True


def test_the_dbt_process_gets_the_given_environment_and_no_version_round_trip(tmp_path: Path):
    """A recording wrapper around the real dbt sees every dbt process the resource starts."""
    record = tmp_path / "record.jsonl"
    wrapper = tmp_path / "dbt"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'printf \'{{"argv": "%s", "pghost": "%s", "start": "%s"}}\\n\' "$*" "$PGHOST" "$ECOM_DBT_START_DATE"'
        f' >> "{record}"\n'
        f'exec "{dbt_executable()}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    resource = EcomDbtCliResource(
        project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir), dbt_executable=str(wrapper)
    )
    before = dict(os.environ)
    env = dbt_environment("postgresql://ecom@db.example.test:6543/marts", (dt.date(2026, 1, 5), dt.date(2026, 1, 5)))

    invocation = resource.cli(["parse"], env=env, target_path=tmp_path / "target").wait()

    assert invocation.is_successful()
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert [c["argv"].split()[0] for c in calls] == ["parse"]  # no `dbt --version` first
    assert calls[0]["pghost"] == "db.example.test"
    assert calls[0]["start"] == "2026-01-05"
    assert dict(os.environ) == before


def test_the_translator_keeps_schema_prefixes_and_maps_sources_to_raw():
    translator = EcomDbtTranslator("http://127.0.0.1:3001")
    source = {"resource_type": "source", "name": "payments"}
    model = {"resource_type": "model", "name": "stg_ecom__payments", "config": {"schema": "staging"}}
    assert translator.get_asset_key(source) == dg.AssetKey(["raw", "payments"])
    assert translator.get_asset_key(model) == dg.AssetKey(["staging", "stg_ecom__payments"])


def test_a_manifest_parsed_from_another_version_of_the_project_is_parsed_again_when_definitions_load() -> None:
    """After a pull that changed a model or a test, `@dbt_assets` must not load the old manifest."""
    from ecom_pipeline.defs.dbt_project import MANIFEST_DIGEST, dbt_project, ensure_manifest
    from ecom_pipeline.transform import project_digest

    ensure_manifest()
    recorded = dbt_project.manifest_path.parent / MANIFEST_DIGEST
    recorded.write_text("the digest of an older checkout\n")
    before = dbt_project.manifest_path.stat().st_mtime_ns
    ensure_manifest()
    assert dbt_project.manifest_path.stat().st_mtime_ns > before
    assert recorded.read_text().strip() == project_digest()
    again = dbt_project.manifest_path.stat().st_mtime_ns
    ensure_manifest()  # current: nothing to do
    assert dbt_project.manifest_path.stat().st_mtime_ns == again
