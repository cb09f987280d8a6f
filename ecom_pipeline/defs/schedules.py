"""`daily_simulation`: every day, the days the warehouse is missing, up to yesterday, as one run in date order.

The warehouse holds a contiguous range of days from the epoch, so a schedule that only asked for yesterday would
fail on a fresh install (and after any downtime) until someone backfilled by hand. Each tick reads the ledger
(`raw._ecom_partitions`) instead: the first day not published through yesterday, one run over that range (one
day on an ordinary tick). A range run publishes every day before the first day a gate refuses and fails naming
it; the next tick starts there again.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from ecom_pipeline.defs.resources import EcomResource

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def catch_up_request(first: dt.date, last: dt.date) -> dg.RunRequest | dg.SkipReason:
    """The run for days first..last: one partition, a range (one run, date order), or nothing to do."""
    if first > last:
        return dg.SkipReason(f"every day through {last} is published")
    if first == last:
        return dg.RunRequest(run_key=first.isoformat(), partition_key=first.isoformat())
    return dg.RunRequest(
        run_key=f"{first.isoformat()}...{last.isoformat()}",
        tags={RANGE_START: first.isoformat(), RANGE_END: last.isoformat()},
    )


def build_daily_simulation(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="daily_simulation",
        job=job,
        cron_schedule="0 0 * * *",
        execution_timezone="UTC",
        description="Every day at 00:00 UTC: land, build and export every day from the first one the warehouse has "
        "not published through yesterday, as one run (catches up a fresh install or downtime).",
    )
    def daily_simulation(context: dg.ScheduleEvaluationContext, ecom: EcomResource) -> dg.RunRequest | dg.SkipReason:
        from ecom_pipeline.storage.postgres import database_url
        from ecom_pipeline.storage.warehouse import Warehouse

        settings = ecom.settings()
        yesterday = context.scheduled_execution_time.astimezone(dt.UTC).date() - dt.timedelta(days=1)
        warehouse = Warehouse(database_url(settings.home, ecom.environ()))
        return catch_up_request(warehouse.first_unpublished_day(settings.epoch), yesterday)

    return daily_simulation
