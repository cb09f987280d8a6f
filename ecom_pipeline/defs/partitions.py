"""The unit of everything: one day, from the epoch (ECOM_EPOCH), never derived from the clock."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from ecom_pipeline.generation.config import DEFAULT_EPOCH


def epoch_from_environment() -> dt.date:
    raw = os.environ.get("ECOM_EPOCH") or DEFAULT_EPOCH.isoformat()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"ECOM_EPOCH={raw!r} is not a date in YYYY-MM-DD form") from None


def daily_partitions(epoch: dt.date) -> dg.DailyPartitionsDefinition:
    """Complete UTC days from the epoch; today's partial day is not offered (end_offset 0)."""
    return dg.DailyPartitionsDefinition(start_date=epoch.isoformat(), timezone="UTC", end_offset=0)


def days_of(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> list[dt.date]:
    """The days a run covers, in order: one partition, or a whole range in a single-run backfill."""
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]
