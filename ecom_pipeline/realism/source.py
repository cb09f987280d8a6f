"""Where the scorecard's frames come from: a dataset generated in memory, or a folder `ecom generate` wrote."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ecom_pipeline.generation import TABLES, AnomalySpec, GeneratorConfig, ScaleProfile
from ecom_pipeline.generation.config import Calendar
from ecom_pipeline.generation.daily import generate_table, iter_day
from ecom_pipeline.generation.exceptions import GenerationError

# Tables partitioned by their own event day: the window selects them. The others are the orders' parents.
EVENT_TABLES = ("orders", "order_items", "order_status_history", "payments", "shipments")
PARENT_TABLES = ("customers", "addresses")
MEASURED = (*PARENT_TABLES, *EVENT_TABLES)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def generate_frames(
    config: GeneratorConfig, start: dt.date, end: dt.date, anomalies: AnomalySpec | None = None
) -> dict[str, pl.DataFrame]:
    """Every measured table of days START..END generated in memory (corrupted by `anomalies` when given), plus
    the customers who signed up earlier."""
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in MEASURED}
    for day in _days(config.epoch, start - dt.timedelta(days=1)):
        for table in PARENT_TABLES:
            parts[table].append(generate_table(config, table, day).with_columns(pl.lit(day).alias("date")))
    for day in _days(start, end):
        for table, frame in iter_day(config, day, threads=2, anomalies=anomalies):
            if table in parts:
                parts[table].append(frame.with_columns(pl.lit(day).alias("date")))
    return {t: pl.concat(f) for t, f in parts.items()}


def _table_files(root: Path, table: str) -> list[Path]:
    return sorted(root.glob(f"{table}/date=*/*.parquet"))


def read_frames(root: Path, start: dt.date | None, end: dt.date | None) -> dict[str, pl.DataFrame]:
    """The measured tables of a generated folder (<root>/<table>/date=YYYY-MM-DD/part-N.parquet).

    The window (when given) selects the event tables' partitions; customers and addresses are read whole.
    """
    frames = {}
    for table in MEASURED:
        files = _table_files(root, table)
        if not files:
            raise GenerationError(f"--from={root}: no {table} partitions under {root / table}")
        lazy = pl.scan_parquet([str(f) for f in files], hive_partitioning=True)
        lazy = lazy.with_columns(pl.col("date").cast(pl.Date))
        if table in EVENT_TABLES:
            if start is not None:
                lazy = lazy.filter(pl.col("date") >= start)
            if end is not None:
                lazy = lazy.filter(pl.col("date") <= end)
        frames[table] = lazy.collect()
    return frames


def folder_config(root: Path) -> GeneratorConfig:
    """The configuration a folder was generated with, from the dataset identity in its Parquet footers."""
    files = _table_files(root, "orders")
    if not files:
        raise GenerationError(f"--from={root}: no orders partitions under {root / 'orders'}")
    meta = {k.decode(): v.decode() for k, v in (pq.read_metadata(files[0]).metadata or {}).items()}
    if "ecom.seed" not in meta:
        raise GenerationError(f"--from={root}: {files[0]} carries no dataset identity (not written by ecom generate)")
    profile = json.loads(meta["ecom.scale_profile"])
    return GeneratorConfig(
        seed=int(meta["ecom.seed"]),
        scale=ScaleProfile(**profile),
        epoch=dt.date.fromisoformat(meta["ecom.epoch"]),
        calendar=Calendar(
            weekday_profile=meta.get("ecom.weekday_profile", "user"), scenario=meta.get("ecom.scenario", "")
        ),
    )


__all__ = ["TABLES", "folder_config", "generate_frames", "read_frames"]
