"""Running the project's own definitions in process, as `dagster asset materialize` would, checks included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str) -> dict[str, str]:
    """The epoch, an ECOM_HOME under tmp and a database of the test's own; no other dataset variable leaks in."""
    values = {"ECOM_EPOCH": "2026-01-01", "ECOM_HOME": str(tmp_path / "home"), "ECOM_DATABASE_URL": fresh_db}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("ECOM_ENV", "ECOM_LAKE_URL", "ECOM_SEED", "ECOM_SCALE", "ECOM_ANOMALIES"):
        monkeypatch.delenv(name, raising=False)
    return values


def run_assets(
    *,
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
    selection: dg.AssetSelection | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run of the selected assets (default: all) and their asset checks, on the definitions' resources."""
    from ecom_pipeline.definitions import build_definitions

    defs = build_definitions()
    job = defs.resolve_implicit_global_asset_job_def()
    keys = None if selection is None else list(selection.resolve(defs.resolve_asset_graph()))
    return job.execute_in_process(
        partition_key=partition_key, tags=tags, asset_selection=keys, raise_on_error=raise_on_error
    )


def break_bronze_day(home: Path, day: dt.date, epoch: dt.date = dt.date(2026, 1, 1)) -> None:
    """A bronze day of the dataset (seed 42, small) whose orders hold a duplicate: the bronze gate refuses it."""
    import polars as pl

    from ecom_pipeline.generation import GeneratorConfig, generate_day
    from ecom_pipeline.generation.dataset import dataset_identity
    from ecom_pipeline.storage.lake import resolve_lake

    config = GeneratorConfig(seed=42, epoch=epoch)
    lake = resolve_lake(home)
    for table, frame in generate_day(config, day).items():
        rows = pl.concat([frame, frame.head(1)]) if table == "orders" else frame
        lake.bronze.write_partition(table, day, rows, dataset_identity(config))
