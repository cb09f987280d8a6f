"""Running the assets: a day lands everywhere, ranges run as one run, chunks and parallel runs agree."""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from ecom_pipeline.generation.schemas import TABLES
from ecom_pipeline.storage.lake import resolve_lake
from tests.defs.conftest import run_assets

DAY1, DAY2, DAY3 = dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)


LANDING = dg.AssetSelection.groups("bronze", "silver", "raw_stage", "raw")


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_materializing_a_day_lands_it_in_the_lake_and_the_warehouse_with_metadata(env):
    result = run_assets(partition_key="2026-01-01", selection=LANDING)
    assert result.success
    lake = resolve_lake(Path(env["ECOM_HOME"]))
    for table in TABLES:
        assert lake.bronze.manifest(table, DAY1) is not None
        assert lake.silver.manifest(table, DAY1) is not None
    orders = _count(env["ECOM_DATABASE_URL"], "SELECT count(*) FROM raw.orders WHERE _partition_date = '2026-01-01'")
    assert orders > 0
    events = {
        m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("generate_bronze")
    }
    bronze_orders = events["bronze/orders"]
    assert bronze_orders["dagster/row_count"].value == orders
    assert bronze_orders["orders"].value == orders and bronze_orders["revenue_usd"].value > 0
    assert "dagster/column_schema" in bronze_orders and "preview" in bronze_orders
    assert bronze_orders["dataset"].value["seed"] == "42"
    assert bronze_orders["manifest"].value["rows"] == orders
    raw = {
        m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("publish_warehouse")
    }
    assert raw["raw/orders"]["dagster/row_count"].value == orders


def test_a_date_range_runs_as_one_run_and_publishes_the_days_in_order(env):
    tags = {"dagster/asset_partition_range_start": "2026-01-01", "dagster/asset_partition_range_end": "2026-01-03"}
    result = run_assets(tags=tags, selection=LANDING)
    assert result.success
    published = _count(
        env["ECOM_DATABASE_URL"], "SELECT count(DISTINCT day) FROM raw._ecom_partitions WHERE status = 'published'"
    )
    assert published == 3


def test_a_manual_run_of_a_day_whose_earlier_days_are_missing_fails_naming_the_first_missing_day(env):
    result = run_assets(partition_key="2026-01-03", raise_on_error=False, selection=LANDING)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "2026-01-01 is not staged or published" in failure.event_specific_data.error.to_string()
    assert _count(env["ECOM_DATABASE_URL"], "SELECT count(*) FROM raw.orders") == 0


def test_a_missing_required_variable_outside_local_names_it_and_writes_nothing(env, monkeypatch):
    monkeypatch.setenv("ECOM_ENV", "docker")
    monkeypatch.delenv("ECOM_DATABASE_URL")
    monkeypatch.delenv("ECOM_LAKE_URL", raising=False)
    with pytest.raises(Exception, match=r"ECOM_DATABASE_URL|ECOM_LAKE_URL"):
        run_assets(partition_key="2026-01-01")
    assert not (Path(env["ECOM_HOME"]) / "lake").exists()


def _lake_digest(home: Path) -> dict[str, str]:
    out = {}
    for path in sorted((home / "lake").rglob("*.parquet")):
        out[str(path.relative_to(home))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_parallel_runs_of_different_days_write_the_same_lake_as_serial_runs(env, monkeypatch, tmp_path):
    lake_side = dg.AssetSelection.groups("bronze", "silver")
    days = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]

    def run(day: str) -> bool:
        return run_assets(partition_key=day, selection=lake_side).success

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(run, days))
    parallel = _lake_digest(Path(env["ECOM_HOME"]))
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "serial"))
    assert all(run(day) for day in days)
    assert parallel == _lake_digest(tmp_path / "serial")
    assert len(parallel) == len(days) * len(TABLES) * 2


def chunked_job_multiprocess() -> dg.JobDefinition:
    """The fan-out job on the multiprocess executor, with the project's resources (reconstructable)."""
    from ecom_pipeline.defs.chunked import build_chunked_job
    from ecom_pipeline.defs.partitions import daily_partitions, epoch_from_environment
    from ecom_pipeline.defs.resources import environment, resources_for

    job = build_chunked_job(daily_partitions(epoch_from_environment()), dg.multiprocess_executor)
    return dg.Definitions(jobs=[job], resources=resources_for(environment())).resolve_job_def(job.name)


@pytest.mark.slow
def test_four_chunks_on_the_multiprocess_executor_give_exactly_the_data_of_one(env, monkeypatch, tmp_path):
    monkeypatch.setenv("ECOM_SCALE", "medium")
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        result = dg.execute_job(
            dg.reconstructable(chunked_job_multiprocess),
            instance=instance,
            run_config={"ops": {"plan_chunks": {"config": {"chunks": 4}}, "generate_chunk": {"config": {"chunks": 4}}}},
            tags={"dagster/partition": "2026-01-02"},
        )
        assert result.success
    chunked = resolve_lake(Path(env["ECOM_HOME"])).bronze
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "whole"))
    bronze_only = dg.AssetSelection.groups("bronze")
    assert run_assets(partition_key="2026-01-02", selection=bronze_only).success
    whole = resolve_lake(tmp_path / "whole").bronze
    for table in TABLES:
        assert len(chunked.manifest(table, DAY2).files) == 4
        assert chunked.read(table, DAY2).equals(whole.read(table, DAY2)), table


@pytest.mark.slow
def test_a_day_runs_end_to_end_through_dbt_into_the_gold_layer(env):
    result = run_assets(partition_key="2026-01-01")
    assert result.success
    url = env["ECOM_DATABASE_URL"]
    assert _count(url, "SELECT orders FROM marts.agg_daily_revenue WHERE order_date = '2026-01-01'") == _count(
        url, "SELECT count(*) FROM raw.orders WHERE _partition_date = '2026-01-01'"
    )
    gold = resolve_lake(Path(env["ECOM_HOME"])).gold
    assert gold.read("agg_daily_revenue", DAY1).height == 1
    assert gold.read("dim_customers", DAY1).height == _count(url, "SELECT count(*) FROM marts.dim_customers")
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)
