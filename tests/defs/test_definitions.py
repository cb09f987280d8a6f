"""The Dagster definitions: what the graph holds and how it is partitioned, without running anything."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from ecom_pipeline.generation.schemas import TABLES

LAYERS = ("bronze", "silver", "raw_stage", "raw")


@pytest.fixture
def defs(monkeypatch: pytest.MonkeyPatch, tmp_path) -> dg.Definitions:
    monkeypatch.setenv("ECOM_EPOCH", "2026-01-01")
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    monkeypatch.delenv("ECOM_ENV", raising=False)
    from ecom_pipeline.definitions import build_definitions

    return build_definitions()


def _landing_keys(defs: dg.Definitions) -> set[dg.AssetKey]:
    return {k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] in LAYERS}


def test_every_table_has_an_asset_in_every_layer_keyed_layer_then_table(defs):
    keys = {k.to_user_string() for k in _landing_keys(defs)}
    assert keys == {f"{layer}/{table}" for layer in LAYERS for table in TABLES}


def test_assets_are_grouped_by_layer(defs):
    graph = defs.resolve_asset_graph()
    for key in _landing_keys(defs):
        assert graph.get(key).group_name == key.path[0]


def test_the_graph_flows_bronze_silver_stage_raw_into_the_dbt_staging_models(defs):
    graph = defs.resolve_asset_graph()
    for table in TABLES:
        assert graph.get(dg.AssetKey(["silver", table])).parent_keys == {dg.AssetKey(["bronze", table])}
        assert graph.get(dg.AssetKey(["raw_stage", table])).parent_keys == {dg.AssetKey(["silver", table])}
        raw = dg.AssetKey(["raw", table])
        # no self-dependency on the previous day: Dagster's backfill daemon would split a UI range into a run
        # per stage; the loader refuses a day whose previous day is not published instead
        assert graph.get(raw).parent_keys == {dg.AssetKey(["raw_stage", table])}
        assert dg.AssetKey(["staging", f"stg_ecom__{table}"]) in graph.get(raw).child_keys


def test_the_landing_layers_are_one_subsettable_step_so_a_days_tables_are_written_together(defs):
    graph = defs.resolve_asset_graph()
    steps = {graph.get(k).assets_def for k in _landing_keys(defs)}
    assert len(steps) == 1
    land = next(iter(steps))
    assert land.op.name == "land"
    # Subsettable: the UI's range backfills of one layer or one asset launch (Dagster 1.13 refuses a subset of
    # a non-subsettable multi-asset); the step writes every table of each selected layer anyway.
    assert land.can_subset


def test_partitions_are_daily_from_the_epoch_and_never_offer_todays_partial_day(defs):
    partitions = defs.resolve_asset_graph().get(dg.AssetKey(["raw", "orders"])).partitions_def
    keys = partitions.get_partition_keys()
    assert keys[0] == "2026-01-01"
    assert keys[-1] < dt.datetime.now(dt.UTC).date().isoformat()
    assert partitions.get_partition_keys(current_time=dt.datetime(2026, 1, 3, 12, tzinfo=dt.UTC)) == [
        "2026-01-01",
        "2026-01-02",
    ]


def test_the_epoch_comes_from_ecom_epoch_not_the_clock(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("ECOM_EPOCH", "2025-06-01")
    monkeypatch.setenv("ECOM_HOME", str(tmp_path))
    from ecom_pipeline.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    assert graph.get(dg.AssetKey(["bronze", "orders"])).partitions_def.get_first_partition_key() == "2025-06-01"


def test_every_step_runs_a_range_as_one_run(defs):
    for assets_def in {n.assets_def for n in defs.resolve_asset_graph().asset_nodes}:
        assert assets_def.backfill_policy == dg.BackfillPolicy.single_run()


def test_whole_history_gold_marts_are_unpartitioned_snapshots_and_daily_ones_are_partitioned(defs):
    from ecom_pipeline.defs.gold import DAILY, SNAPSHOTS

    graph = defs.resolve_asset_graph()
    for mart in SNAPSHOTS:
        assert graph.get(dg.AssetKey(["gold", mart])).partitions_def is None, mart
    for mart in DAILY:
        assert graph.get(dg.AssetKey(["gold", mart])).partitions_def is not None, mart


def test_the_daily_simulation_schedule_runs_the_whole_pipeline_job_every_day(defs):
    schedule = defs.resolve_schedule_def("daily_simulation")
    assert schedule.job_name == "daily_pipeline"
    assert schedule.cron_schedule == "0 0 * * *"
    assert schedule.execution_timezone == "UTC"


def test_runs_execute_in_process_by_default(defs):
    job = defs.resolve_job_def("daily_pipeline")
    assert job.executor_def.name == "in_process"


def test_an_unknown_ecom_env_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ECOM_ENV", "staging")
    from ecom_pipeline.defs.resources import environment

    with pytest.raises(ValueError, match="ECOM_ENV='staging'"):
        environment()


def test_each_checkpoint_is_a_blocking_partitioned_check_on_every_asset_it_validates(defs):
    from ecom_pipeline.defs.checks import GOLD_MARTS

    graph = defs.resolve_asset_graph()
    by_check: dict[str, set[str]] = {}
    for key in graph.asset_check_keys:
        if key.name in ("bronze", "staged", "marts"):
            by_check.setdefault(key.name, set()).add(key.asset_key.to_user_string())
            spec = graph.get_check_spec(key)
            assert spec.blocking, key
            assert spec.partitions_def == graph.get(key.asset_key).partitions_def, key
    assert by_check == {
        "bronze": {f"bronze/{t}" for t in TABLES},
        "staged": {f"raw_stage/{t}" for t in TABLES},
        "marts": {f"marts/{m}" for m in GOLD_MARTS},
    }
    daily = defs.resolve_job_def("daily_pipeline")
    # bronze and staged run inside the landing step, between the layers they guard; marts is a step of its own
    assert {"land", "marts_checkpoint"} <= {n.name for n in daily.graph.nodes}
    land = graph.get(dg.AssetKey(["bronze", "orders"])).assets_def
    assert {k.name for k in land.check_keys} == {"bronze", "staged"}
