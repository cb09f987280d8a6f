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
from tests.defs.conftest import break_bronze_day, run_assets

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
    events = {m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("land")}
    bronze_orders = events["bronze/orders"]
    assert bronze_orders["dagster/row_count"].value == orders
    assert bronze_orders["orders"].value == orders and bronze_orders["revenue_usd"].value > 0
    assert "dagster/column_schema" in bronze_orders and "preview" in bronze_orders
    assert bronze_orders["dataset"].value["seed"] == "42"
    assert bronze_orders["manifest"].value["rows"] == orders
    assert events["raw/orders"]["dagster/row_count"].value == orders
    assert events["raw/orders"]["orders"].value == orders


def test_a_date_range_runs_as_one_run_and_publishes_the_days_in_order(env):
    tags = {"dagster/asset_partition_range_start": "2026-01-01", "dagster/asset_partition_range_end": "2026-01-03"}
    result = run_assets(tags=tags, selection=LANDING)
    assert result.success
    published = _count(
        env["ECOM_DATABASE_URL"], "SELECT count(DISTINCT day) FROM raw._ecom_partitions WHERE status = 'published'"
    )
    assert published == 3


def _per_day(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, dict]:
    return {
        e.partition: e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset
    }


def test_each_day_of_a_range_run_shows_its_own_row_count_preview_and_figures(env):
    tags = {"dagster/asset_partition_range_start": "2026-01-01", "dagster/asset_partition_range_end": "2026-01-04"}
    result = run_assets(tags=tags, selection=LANDING)
    assert result.success
    with psycopg.connect(env["ECOM_DATABASE_URL"]) as conn:
        per_day = dict(conn.execute("SELECT _partition_date::text, count(*) FROM raw.orders GROUP BY 1").fetchall())
    assert len(set(per_day.values())) > 1  # the days differ, so a range-wide figure could not pass
    for layer in ("bronze", "silver", "raw"):
        shown = _per_day(result, f"{layer}/orders")
        assert set(shown) == set(per_day)
        for day, metadata in shown.items():
            assert metadata["dagster/row_count"].value == per_day[day], (layer, day)
            assert metadata["orders"].value == per_day[day], (layer, day)
            created = {str(r.data["created_at"])[:10] for r in metadata["preview"].value.records}
            assert created <= {day}, (layer, day, created)  # the preview holds that day's rows only
    items = _per_day(result, "raw_stage/order_items")
    assert {day: m["dagster/row_count"].value for day, m in items.items()} == dict(
        _rows_by_day(env["ECOM_DATABASE_URL"], "order_items")
    )


def _rows_by_day(url: str, table: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT _partition_date::text, count(*) FROM raw.{table} GROUP BY 1").fetchall()


def test_a_reused_bronze_day_shows_the_rows_it_holds(env):
    assert run_assets(partition_key="2026-01-01", selection=dg.AssetSelection.groups("bronze")).success
    again = run_assets(partition_key="2026-01-01", selection=LANDING)
    assert again.success
    bronze = _per_day(again, "bronze/orders")["2026-01-01"]
    assert bronze["reused"].value is True
    assert bronze["dagster/row_count"].value == _count(
        env["ECOM_DATABASE_URL"], "SELECT count(*) FROM raw.orders WHERE _partition_date = '2026-01-01'"
    )


def test_a_subset_run_of_one_table_writes_and_records_every_table_of_its_layer(env):
    one = dg.AssetSelection.assets(dg.AssetKey(["bronze", "orders"]))
    result = run_assets(partition_key="2026-01-02", selection=one)
    assert result.success
    lake = resolve_lake(Path(env["ECOM_HOME"]))
    assert all(lake.bronze.manifest(t, DAY2) is not None for t in TABLES)
    recorded = {e.asset_key.path[-1] for e in result.get_asset_materialization_events() if e.partition == "2026-01-02"}
    assert recorded == set(TABLES)
    assert all(lake.silver.manifest(t, DAY2) is None for t in TABLES)  # no layer that was not selected


def test_a_range_publishes_every_day_before_the_first_refused_day_then_fails_naming_it(env):
    break_bronze_day(Path(env["ECOM_HOME"]), DAY3)
    tags = {"dagster/asset_partition_range_start": "2026-01-01", "dagster/asset_partition_range_end": "2026-01-04"}
    result = run_assets(tags=tags, selection=LANDING, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.to_string()
    assert "bronze gate failed for 2026-01-03" in message and "orders.order_id_unique" in message
    url = env["ECOM_DATABASE_URL"]
    published = {
        r[0] for r in psycopg.connect(url).execute("SELECT DISTINCT day::text FROM raw._ecom_partitions").fetchall()
    }
    assert published == {"2026-01-01", "2026-01-02"}
    assert set(_per_day(result, "raw/orders")) == {"2026-01-01", "2026-01-02"}
    refused = [
        e for e in result.get_asset_check_evaluations() if e.partition == "2026-01-03" and e.check_name == "bronze"
    ]
    assert {e.asset_key.path[-1] for e in refused if not e.passed} == {"orders"}


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


def _chunked_job() -> dg.JobDefinition:
    from ecom_pipeline.defs.chunked import build_chunked_job
    from ecom_pipeline.defs.partitions import daily_partitions, epoch_from_environment
    from ecom_pipeline.defs.resources import resources_for

    job = build_chunked_job(daily_partitions(epoch_from_environment()))
    return dg.Definitions(jobs=[job], resources=resources_for("local")).resolve_job_def(job.name)


def test_the_chunked_job_commits_a_day_only_after_the_bronze_gate_passed_it(env):
    config = {"ops": {"plan_chunks": {"config": {"chunks": 2}}, "generate_chunk": {"config": {"chunks": 2}}}}
    result = _chunked_job().execute_in_process(run_config=config, partition_key="2026-01-02")
    assert result.success
    checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "bronze"]
    assert {e.asset_key.path[-1] for e in checks} == set(TABLES) and all(e.passed for e in checks)
    assert {e.partition for e in checks} == {"2026-01-02"}
    bronze = resolve_lake(Path(env["ECOM_HOME"])).bronze
    assert all(len(bronze.manifest(t, DAY2).files) == 2 for t in TABLES)


def test_a_chunked_day_the_bronze_gate_refuses_is_never_committed(env):
    """A chunk worker wrote a duplicate order: the publish step's gate refuses the day before any reader sees it."""
    import polars as pl

    from ecom_pipeline.defs.chunked import publish_chunks
    from ecom_pipeline.defs.resources import EcomResource
    from ecom_pipeline.generation import Chunk, GeneratorConfig, generate_day
    from ecom_pipeline.generation.dataset import dataset_identity

    config = GeneratorConfig(seed=42)
    bronze = resolve_lake(Path(env["ECOM_HOME"])).bronze
    metadata = {f"ecom.{k}": v for k, v in dataset_identity(config).items()} | {"ecom.chunks": "2"}
    parts: list[dict] = []
    for chunk in range(2):
        written: dict[str, list[dict]] = {}
        for table, frame in generate_day(config, DAY2, Chunk(chunk, 2)).items():
            if table == "orders" and chunk == 0:
                frame = pl.concat([frame, frame.head(1)])
            entries = bronze.write_parts(table, DAY2, {chunk: frame}, metadata)
            written[f"{table}|{DAY2.isoformat()}"] = [vars(e) for e in entries]
        parts.append(written)

    @dg.op
    def chunks_written() -> list[dict]:
        return parts

    @dg.job(resource_defs={"ecom": EcomResource()})
    def publish_what_the_chunks_wrote() -> None:
        publish_chunks(chunks_written())

    from dagster._core.events import DagsterEventType

    with dg.DagsterInstance.ephemeral() as instance:
        result = publish_what_the_chunks_wrote.execute_in_process(instance=instance, raise_on_error=False)
        records = instance.get_records_for_run(result.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "bronze gate failed for 2026-01-02: orders.order_id_unique" in failure.event_specific_data.error.to_string()
    evaluations = [r.event_log_entry.dagster_event.asset_check_evaluation_data for r in records]
    assert {e.asset_key.path[-1] for e in evaluations if not e.passed} == {"orders"}
    assert bronze.committed_day(DAY2) is None
    assert all(bronze.manifest(t, DAY2) is None for t in TABLES)


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
